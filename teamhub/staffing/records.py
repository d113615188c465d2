"""The plain records staffing is computed on: what a role asks for, what is known
about a candidate, and what scoring and the team proposal return.

Selectors (``facts.py``) read the database into these; scoring (``scoring.py``)
and the team proposal (``team.py``) are pure functions over them; ``suggest.py``
puts the two together; ``suggestions.py`` stores the result as ``Suggestion`` rows
(``ScoredCandidate.as_json`` is the shape of ``Suggestion.terms``) and the
request's ``team`` (``TeamProposal.as_json``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Importance = Literal["must", "nice"]
TermName = Literal[
    "skill_fit", "availability", "track_record", "recency", "growth", "load"
]


# -- inputs ----------------------------------------------------------------------
# The records read per candidate (EvidenceLink, HeldSkill, Booking, PastWork,
# CandidateFacts) are plain slotted dataclasses, not frozen ones: a broad role
# reads tens of thousands of them and a frozen dataclass costs seven times as
# much to build. Treat them as read-only all the same.


@dataclass(frozen=True)
class SkillNeed:
    skill_id: int
    name: str
    min_level: int  # 1-5
    importance: Importance


@dataclass(frozen=True)
class RoleSpec:
    """One role of a request, as scoring sees it."""

    role_id: int
    title: str
    headcount: int
    allocation: int  # percent of a full-time week, 1-100
    start: dt.date
    end: dt.date
    needs: tuple[SkillNeed, ...]
    # The initiative being staffed: its team and labels ("domain") make past
    # initiatives similar for the track record; it is excluded from history.
    initiative_id: int | None = None
    team_id: int | None = None
    label_ids: frozenset[int] = frozenset()

    @property
    def musts(self) -> tuple[SkillNeed, ...]:
        return tuple(n for n in self.needs if n.importance == "must")

    @property
    def nices(self) -> tuple[SkillNeed, ...]:
        return tuple(n for n in self.needs if n.importance == "nice")


@dataclass(slots=True)
class EvidenceLink:
    """A commit or Jira issue that backs a skill (integrations.SkillEvidence)."""

    title: str
    url: str
    at: dt.date
    source: str  # "git" | "jira"


@dataclass(slots=True)
class HeldSkill:
    """A candidate's PersonSkill for a requested skill, with its evidence."""

    skill_id: int
    level: int
    source: str  # "self" | "manager" | "inferred" (PersonSkill.Source)
    validated: bool  # validated by a manager (validated_at set)
    last_used: dt.date | None
    # SkillEvidence from activity in the EVIDENCE_DAYS before as_of.
    recent_evidence: int = 0
    last_evidence: dt.date | None = None
    evidence: tuple[EvidenceLink, ...] = ()  # the few most recent, newest first


@dataclass(slots=True)
class Booking:
    """An assignment of the candidate (confirmed or proposed) that is not finished."""

    initiative_id: int
    key: str
    title: str
    allocation: int  # percent
    start: dt.date
    end: dt.date | None  # None: open-ended
    status: Literal["confirmed", "proposed"]


@dataclass(slots=True)
class PastWork:
    """A finished assignment with an outcome, on an initiative ended before as_of."""

    initiative_id: int
    key: str
    outcome: Literal["success", "partial", "failed"]  # cancelled ones are left out
    team_id: int | None
    # The skills its staffing requests asked for: all of them, or (as facts.py
    # reads them) only those the request being staffed asks for too, with
    # ``skill_count`` saying how many there were in all.
    skill_ids: frozenset[int]
    label_ids: frozenset[int]
    ended: dt.date
    skill_count: int | None = None  # None: len(skill_ids)


@dataclass(slots=True)
class CandidateFacts:
    """Everything scoring needs to know about one person, read in bulk."""

    person_id: int
    name: str
    team_id: int | None
    team_name: str
    capacity: int  # capacity_fte in whole percent (0-100)
    skills: dict[int, HeldSkill]  # by skill id: only the request's skills
    bookings: tuple[Booking, ...] = ()
    history: tuple[PastWork, ...] = ()
    goals: dict[int, int] = field(default_factory=dict)  # skill id -> target level


@dataclass(frozen=True)
class ScoringContext:
    as_of: dt.date  # "today" (the evaluation replays history with a past date)
    prior_success: float  # organisation-wide success rate, for smoothing


# -- outputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One term of a score: contribution = weight * value (weight < 0 for load)."""

    name: TermName
    label: str
    value: float  # 0-1
    weight: float
    contribution: float
    detail: str  # one sentence a manager reads, e.g. "Spark 4 (needs 3), verified"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "value": self.value,
            "weight": self.weight,
            "contribution": self.contribution,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class SkillCheck:
    """A required skill against what the candidate holds."""

    skill_id: int
    name: str
    min_level: int
    importance: Importance
    level: int | None  # None: not held
    source: str | None  # None: not held
    verified: bool  # validated by a manager or backed by recent activity
    evidence: tuple[EvidenceLink, ...] = ()

    @property
    def met(self) -> bool:
        return self.level is not None and self.level >= self.min_level

    def as_json(self) -> dict[str, Any]:
        return {
            "skill_id": self.skill_id,
            "skill": self.name,
            "min_level": self.min_level,
            "importance": self.importance,
            "level": self.level,
            "source": self.source,
            "verified": self.verified,
            "evidence": [
                {
                    "title": e.title,
                    "url": e.url,
                    "at": e.at.isoformat(),
                    "source": e.source,
                }
                for e in self.evidence
            ],
        }


@dataclass(frozen=True)
class WeekLoad:
    """One week of the availability strip: booked share (proposed count half)."""

    week: dt.date  # the Monday
    load: int  # percent booked
    free: int  # capacity - load, floored at 0


@dataclass(frozen=True)
class PulledFrom:
    """A current initiative the person works on during the role's window."""

    initiative_id: int
    key: str
    title: str
    allocation: int
    status: str


@dataclass(frozen=True)
class ScoredCandidate:
    person_id: int
    name: str
    team_name: str
    score: float  # == sum of the terms' contributions
    terms: tuple[Term, ...]
    checks: tuple[SkillCheck, ...]  # one per need of the role, in the role's order
    free: int  # percent free over the window (capacity - peak load)
    strip: tuple[WeekLoad, ...]
    pulled_from: tuple[PulledFrom, ...]
    mentors: tuple[tuple[str, str], ...] = ()  # (skill name, mentor's name)

    @property
    def is_match(self) -> bool:
        """Meets every must-have; otherwise an alternative with its gaps shown."""
        return all(c.met for c in self.checks if c.importance == "must")

    @property
    def matched(self) -> list[SkillCheck]:
        return [c for c in self.checks if c.met]

    @property
    def missing(self) -> list[SkillCheck]:
        return [c for c in self.checks if not c.met]

    def as_json(self) -> dict[str, Any]:
        """The shape of ``Suggestion.terms``."""
        return {
            "name": self.name,
            "team": self.team_name,
            "terms": [t.as_json() for t in self.terms],
            "checks": [c.as_json() for c in self.checks],
            "free": self.free,
            "strip": [
                {"week": w.week.isoformat(), "load": w.load, "free": w.free}
                for w in self.strip
            ],
            "pulled_from": [
                {
                    "initiative_id": p.initiative_id,
                    "key": p.key,
                    "title": p.title,
                    "allocation": p.allocation,
                    "status": p.status,
                }
                for p in self.pulled_from
            ],
            "mentors": [{"skill": s, "mentor": m} for s, m in self.mentors],
        }


@dataclass(frozen=True)
class RoleRanking:
    """A role's candidates: matches first, then alternatives (gaps shown).

    Only the best ones are kept (and every team member); the totals count all.
    """

    role_id: int
    matches: tuple[ScoredCandidate, ...]
    alternatives: tuple[ScoredCandidate, ...]
    match_total: int = 0
    alternative_total: int = 0


@dataclass(frozen=True)
class Unmet:
    """A requirement no feasible team meets, and what would make it feasible."""

    role_id: int | None  # None: about the request as a whole
    skill_id: int | None
    message: str  # e.g. "Data engineer: 1 of 2 people found"
    fixes: tuple[str, ...]  # e.g. "Lowering Spark from 4 to 3 adds 6 candidates"

    def as_json(self) -> dict[str, Any]:
        return {
            "role_id": self.role_id,
            "skill_id": self.skill_id,
            "message": self.message,
            "fixes": list(self.fixes),
        }


@dataclass(frozen=True)
class TeamProposal:
    method: str  # the known method used, in words, shown on the page
    members: dict[int, tuple[int, ...]]  # role id -> person ids (locked first)
    # Must-have skill id -> the team members holding it at the required level.
    coverage: dict[int, tuple[int, ...]]
    # Must-have skills held by only one member although two were possible or not.
    single_points: tuple[int, ...]
    unmet: tuple[Unmet, ...]

    @property
    def feasible(self) -> bool:
        return not self.unmet

    def as_json(self) -> dict[str, Any]:
        """The shape of ``StaffingRequest.team``."""
        return {
            "method": self.method,
            "members": {str(k): list(v) for k, v in self.members.items()},
            "coverage": {str(k): list(v) for k, v in self.coverage.items()},
            "single_points": list(self.single_points),
            "unmet": [u.as_json() for u in self.unmet],
            "feasible": self.feasible,
        }


@dataclass(frozen=True)
class RequestSuggestion:
    """What ``suggest.request_suggest`` returns for a whole request."""

    rankings: dict[int, RoleRanking]  # by role id
    team: TeamProposal

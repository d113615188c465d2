"""Score one candidate for one role: pure functions, every term shown to the manager.

Contract (others call exactly these):

- ``WEIGHTS``: dict TermName -> weight (load's is negative).
- ``peak_load(bookings, *, start, end) -> int``: the highest booked percent on
  any day of [start, end]; confirmed count in full, proposed count half.
- ``free_capacity(capacity, bookings, *, start, end) -> int``: capacity minus
  peak_load, floored at 0 (percent).
- ``candidate_score(role, candidate, *, context, mentors) -> ScoredCandidate``
  where mentors maps skill id -> names of proposed team members who can mentor it.

``RoleScorer`` is the same computation split in two for ``suggest.py``: the cheap
numbers for thousands of candidates, the explanation (sentences, availability
strip, initiatives pulled from) only for the few shown. Nothing here touches the
database: the inputs and outputs are the records of ``records.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import MappingProxyType

from teamhub.staffing.records import (
    Booking,
    CandidateFacts,
    HeldSkill,
    PastWork,
    PulledFrom,
    RoleSpec,
    ScoredCandidate,
    ScoringContext,
    SkillCheck,
    SkillNeed,
    Term,
    TermName,
    WeekLoad,
)

# Why these weights: what a manager staffs for first is the skills (0.45), then
# whether the person can actually give the time (0.20): a perfect fit who is
# fully booked is no help. Track record (0.15) matters but is smoothed and often
# thin; recency (0.10) separates "did Spark in 2019" from "did Spark last month"
# without overruling the level; growth (0.10) is a tie-breaker that lets people
# who want to learn get the nice-to-haves, never enough to beat a clearly better
# fit. The positive weights add up to 1, so a perfect candidate scores 1.0.
# Load (-0.15) pushes down people already booked beyond their capacity: it is
# a penalty on top of availability, which only looks at the role's window.
# Tried on the demo's replayed history (evaluate_staffing, seeds 7 and 3): more
# weight on skills (0.55) or on track record/recency moved NDCG@5 by under 0.02,
# either way depending on the seed, and less on availability raised the share
# of over-allocated suggestions; these weights keep that share lowest.
WEIGHTS: dict[TermName, float] = {
    "skill_fit": 0.45,
    "availability": 0.20,
    "track_record": 0.15,
    "recency": 0.10,
    "growth": 0.10,
    "load": -0.15,
}
LABELS: dict[TermName, str] = {
    "skill_fit": "Skill fit",
    "availability": "Availability",
    "track_record": "Track record",
    "recency": "Recency",
    "growth": "Growth",
    "load": "Load",
}
# "Stretch allocation is capped": in a team proposal at most
# max(1, floor(STRETCH_SHARE * total headcount)) members may be there thanks to
# growth credit; team.py keeps the best-scoring such picks and fills the other
# slots with the growth credit taken out of everyone's score.
STRETCH_SHARE = 0.25

IMPORTANCE_WEIGHT = {"must": 2, "nice": 1}
# Confidence in a level by what backs it: evidence counts more than self-report.
CONF_VALIDATED = 1.0  # validated by a manager, or set by one
CONF_ACTIVITY = 0.95  # backed by recent Git/Jira activity
CONF_INFERRED = 0.8  # inferred from activity, not recent
CONF_SELF = 0.7  # self-reported only
# Meeting the minimum earns 85% of a need; the rest is for depth above it.
AT_MINIMUM = 0.85
# Track record: smoothed towards the organisation's average with this many
# "virtual" initiatives, so one project does not decide it.
TRACK_RECORD_K = 2.0
OUTCOME_VALUE = {"success": 1.0, "partial": 0.5, "failed": 0.0}
# Recency: full within RECENT_DAYS, then halving every HALF_LIFE_DAYS.
RECENT_DAYS = 90
HALF_LIFE_DAYS = 365
# Load: the next four weeks; 50 points over capacity is the full penalty.
LOAD_DAYS = 28
OVERLOAD_SPAN = 50
STRIP_WEEKS = 26

_NO_MENTORS: Mapping[int, Sequence[str]] = MappingProxyType({})
_NO_EXCLUDED: Mapping[int, AbstractSet[int]] = MappingProxyType({})
_ORDER: tuple[TermName, ...] = tuple(WEIGHTS)


# -- availability ------------------------------------------------------------------


def _peak_halves(bookings: Iterable[Booking], start: dt.date, end: dt.date) -> int:
    """Return the peak load over [start, end] in half percents (proposed = 1 per %)."""
    lo = start.toordinal()
    hi = end.toordinal()
    events: list[tuple[int, int]] = []
    for b in bookings:
        first = b.start.toordinal()
        last = hi if b.end is None else b.end.toordinal()
        if first > hi or last < lo:
            continue
        weight = b.allocation if b.status == "proposed" else 2 * b.allocation
        events.append((max(first, lo), weight))
        events.append((min(last, hi) + 1, -weight))
    if not events:
        return 0
    if len(events) == 2:
        return events[0][1]
    # On a day where one booking ends and another starts, the end sorts first.
    events.sort()
    peak = running = 0
    for _day, delta in events:
        running += delta
        if running > peak:
            peak = running
    return peak


def peak_load(bookings: Iterable[Booking], *, start: dt.date, end: dt.date) -> int:
    """Return the highest booked percent on any day of [start, end] (both included).

    Confirmed bookings count in full, proposed ones half (rounded half up at the
    end); a booking without an end is open-ended.
    """
    return (_peak_halves(bookings, start, end) + 1) // 2


def free_capacity(
    capacity: int, bookings: Iterable[Booking], *, start: dt.date, end: dt.date
) -> int:
    """Return capacity minus the peak load over [start, end], floored at 0."""
    return max(0, capacity - peak_load(bookings, start=start, end=end))


# -- evidence ----------------------------------------------------------------------


def confidence(held: HeldSkill) -> float:
    """Return how far a level is to be trusted by what backs it."""
    if held.validated or held.source == "manager":
        return CONF_VALIDATED
    if held.recent_evidence > 0:
        return CONF_ACTIVITY
    if held.source == "inferred":
        return CONF_INFERRED
    return CONF_SELF


def is_verified(held: HeldSkill) -> bool:
    """Validated by a manager, or backed by recent activity."""
    return held.validated or held.source == "manager" or held.recent_evidence > 0


def _backing(held: HeldSkill) -> str:
    if held.validated or held.source == "manager":
        return "validated by a manager"
    if held.recent_evidence > 0:
        n = held.recent_evidence
        things = "commit or issue" if n == 1 else "commits or issues"
        return f"backed by recent activity ({n} {things})"
    if held.source == "inferred":
        return "inferred from activity"
    return "self-reported"


# -- wording -----------------------------------------------------------------------


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def _ago(days: int) -> str:
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 365:
        return f"{days // 30} months ago"
    years = days // 365
    return "a year ago" if years == 1 else f"{years} years ago"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# -- the computation ---------------------------------------------------------------


@dataclass(slots=True)
class Base:
    """A candidate's numbers for a role, before growth (which needs the team)."""

    skill_fit: float
    availability: float
    free: int
    track_record: float
    recency: float
    load: float
    now: int  # peak load over the next LOAD_DAYS
    must_gaps: int
    # Meets every must-have and wants to learn a nice-to-have: growth may apply.
    may_grow: bool
    # The contributions of skill fit to recency added up (in the terms' order),
    # and the load's: score = round(partial + growth's + load's, 4).
    partial: float
    load_contribution: float
    plain_score: float  # the score without growth credit

    @property
    def is_match(self) -> bool:
        return self.must_gaps == 0

    def score(self, growth_contribution: float = 0.0) -> float:
        """Return the score: the sum of the contributions, as the terms show it."""
        if not growth_contribution:
            return self.plain_score
        return round(self.partial + growth_contribution + self.load_contribution, 4)


def _contribution(weight: float, value: float) -> float:
    # + 0.0 turns the load's -0.0 into 0.0.
    return round(weight * value, 4) + 0.0


class RoleScorer:
    """Score candidates for one role; ``full`` is ``candidate_score``.

    ``base`` computes the numbers that do not depend on the proposed team;
    ``lite`` is a ScoredCandidate for the team proposal only (the score, the
    skill checks, the free capacity and, when it counts, the growth term);
    ``full`` builds everything. Scores are identical in both.

    ``load_cache`` (person id -> peak load over the next weeks) may be shared by
    the scorers of one request: that load does not depend on the role.
    """

    def __init__(
        self,
        role: RoleSpec,
        context: ScoringContext,
        load_cache: dict[int, int] | None = None,
    ) -> None:
        self.role = role
        self.context = context
        self.as_of = context.as_of
        self.load_end = context.as_of + dt.timedelta(days=LOAD_DAYS - 1)
        # (skill id, minimum, weight, must?, value per level below the minimum,
        #  value per level above it)
        self._needs = tuple(
            (
                n.skill_id,
                n.min_level,
                IMPORTANCE_WEIGHT[n.importance],
                n.importance == "must",
                AT_MINIMUM / max(1, n.min_level),
                (1 - AT_MINIMUM) / (5 - n.min_level) if n.min_level < 5 else 0.0,
            )
            for n in role.needs
        )
        self.total_weight = sum(IMPORTANCE_WEIGHT[n.importance] for n in role.needs)
        self.nices = role.nices
        self.skill_ids = frozenset(n.skill_id for n in role.needs)
        self._absent = {
            n.skill_id: SkillCheck(
                n.skill_id, n.name, n.min_level, n.importance, None, None, False
            )
            for n in role.needs
        }
        # Past initiative id -> similarity to this role: PastWork records of one
        # initiative share its skills, team and labels.
        self._similarity: dict[int, float] = {}
        self._load_cache: dict[int, int] = {} if load_cache is None else load_cache

    # -- numbers -------------------------------------------------------------------

    def skills_part(self, skills: Mapping[int, HeldSkill]) -> tuple[float, float, int]:
        """Return the skill fit, the recency (both 0-1) and the must-have gaps."""
        as_of = self.as_of
        fit = rec = 0.0
        gaps = 0
        for sid, minimum, weight, is_must, below, above in self._needs:
            held = skills.get(sid)
            if held is None:
                if is_must:
                    gaps += 1
                continue
            level = held.level
            if level >= minimum:
                part = AT_MINIMUM + above * (level - minimum)
            else:
                part = below * level
                if is_must:
                    gaps += 1
            # confidence(held), inlined: this loop runs for thousands of people.
            if held.validated or held.source == "manager":
                conf = CONF_VALIDATED
            elif held.recent_evidence > 0:
                conf = CONF_ACTIVITY
            elif held.source == "inferred":
                conf = CONF_INFERRED
            else:
                conf = CONF_SELF
            fit += weight * conf * part
            last = held.last_used
            if last is not None and last > as_of:
                last = None
            seen = held.last_evidence
            if seen is not None and seen <= as_of and (last is None or seen > last):
                last = seen
            if last is not None:
                days = (as_of - last).days
                if days <= RECENT_DAYS:
                    rec += weight
                else:
                    rec += weight * 0.5 ** ((days - RECENT_DAYS) / HALF_LIFE_DAYS)
        total = self.total_weight or 1
        fit /= total
        rec /= total
        return fit, rec, gaps

    def base(self, candidate: CandidateFacts) -> Base:
        """Return the candidate's numbers for this role, growth aside."""
        skills = candidate.skills
        as_of = self.as_of
        fit, rec, gaps = self.skills_part(skills)

        capacity = candidate.capacity
        bookings = candidate.bookings
        role = self.role
        if bookings:
            free = capacity - (_peak_halves(bookings, role.start, role.end) + 1) // 2
            if free < 0:
                free = 0
            now = self._load_cache.get(candidate.person_id)
            if now is None:
                now = (_peak_halves(bookings, as_of, self.load_end) + 1) // 2
                self._load_cache[candidate.person_id] = now
        else:
            free = capacity if capacity > 0 else 0
            now = 0
        if capacity <= 0:
            availability = 0.0
        elif free >= role.allocation:
            availability = 1.0
        else:
            availability = free / role.allocation
        if now <= capacity:
            load = 0.0
        elif now - capacity >= OVERLOAD_SPAN:
            load = 1.0
        else:
            load = (now - capacity) / OVERLOAD_SPAN

        prior = self.context.prior_success
        history = candidate.history
        if history:
            num = den = 0.0
            similarity = self._similarity
            for p in history:
                sim = similarity.get(p.initiative_id)
                if sim is None:
                    sim = self._similar(p)
                if sim > 0:
                    num += sim * OUTCOME_VALUE[p.outcome]
                    den += sim
            track = (num + TRACK_RECORD_K * prior) / (den + TRACK_RECORD_K)
        else:
            track = prior

        may_grow = False
        goals = candidate.goals
        if gaps == 0 and goals:
            for nice in self.nices:
                goal = goals.get(nice.skill_id)
                if goal is not None:
                    held = skills.get(nice.skill_id)
                    if held is None or goal > held.level:
                        may_grow = True
                        break
        # The terms' contributions, added up in their order (see _contribution).
        partial = (
            (round(_W_FIT * fit, 4) + 0.0)
            + (round(_W_AVAILABILITY * availability, 4) + 0.0)
            + (round(_W_TRACK * track, 4) + 0.0)
            + (round(_W_RECENCY * rec, 4) + 0.0)
        )
        load_contribution = round(_W_LOAD * load, 4) + 0.0
        return Base(
            fit,
            availability,
            free,
            track,
            rec,
            load,
            now,
            gaps,
            may_grow,
            partial,
            load_contribution,
            round(partial + 0.0 + load_contribution, 4),
        )

    def _similar(self, p: PastWork) -> float:
        """Return how similar a past initiative is to this role's (0-1)."""
        found = self._similarity.get(p.initiative_id)
        if found is not None:
            return found
        role = self.role
        sim = 0.0
        if p.initiative_id != role.initiative_id:
            sim = 0.5 * _jaccard(p.skill_ids, self.skill_ids, p.skill_count)
            if role.team_id is not None and p.team_id == role.team_id:
                sim += 0.3
            sim += 0.2 * _jaccard(p.label_ids, role.label_ids)
        self._similarity[p.initiative_id] = sim
        return sim

    def growth(
        self,
        candidate: CandidateFacts,
        base: Base,
        mentors: Mapping[int, Sequence[str]],
    ) -> tuple[float, list[tuple[SkillNeed, str | None]]]:
        """Return the growth value and, per wanted nice skill, its mentor (or None)."""
        if not base.may_grow or not self.nices:
            return 0.0, []
        wanted: list[tuple[SkillNeed, str | None]] = []
        credited = 0
        for nice in self.nices:
            goal = candidate.goals.get(nice.skill_id)
            if goal is None:
                continue
            held = candidate.skills.get(nice.skill_id)
            if held is not None and goal <= held.level:
                continue
            mentor = next(
                (m for m in mentors.get(nice.skill_id, ()) if m != candidate.name),
                None,
            )
            if mentor is not None:
                credited += 1
            wanted.append((nice, mentor))
        return min(1.0, credited / len(self.nices)), wanted

    def _checks(self, candidate: CandidateFacts) -> tuple[SkillCheck, ...]:
        skills = candidate.skills
        checks = []
        for n in self.role.needs:
            held = skills.get(n.skill_id)
            if held is None:
                checks.append(self._absent[n.skill_id])
            else:
                checks.append(
                    SkillCheck(
                        n.skill_id,
                        n.name,
                        n.min_level,
                        n.importance,
                        held.level,
                        held.source,
                        is_verified(held),
                        held.evidence,
                    )
                )
        return tuple(checks)

    def lite(
        self,
        candidate: CandidateFacts,
        base: Base,
        mentors: Mapping[int, Sequence[str]] = _NO_MENTORS,
    ) -> ScoredCandidate:
        """Return the candidate as the team proposal needs it (not for showing).

        The score is the full one; ``terms`` holds only the growth term, and only
        when it counts; there is no strip and no initiatives pulled from.
        """
        growth = self.growth(candidate, base, mentors)[0] if base.may_grow else 0.0
        credit = _contribution(_W_GROWTH, growth)
        terms: tuple[Term, ...] = ()
        if credit:
            terms = (Term("growth", LABELS["growth"], growth, _W_GROWTH, credit, ""),)
        return ScoredCandidate(
            person_id=candidate.person_id,
            name=candidate.name,
            team_name=candidate.team_name,
            score=base.score(credit),
            terms=terms,
            checks=self._checks(candidate),
            free=base.free,
            strip=(),
            pulled_from=(),
        )

    # -- explanation ---------------------------------------------------------------

    def full(
        self,
        candidate: CandidateFacts,
        mentors: Mapping[int, Sequence[str]] = _NO_MENTORS,
        base: Base | None = None,
    ) -> ScoredCandidate:
        """Return the scored candidate with every term explained."""
        if base is None:
            base = self.base(candidate)
        growth, wanted = self.growth(candidate, base, mentors)
        values = (
            base.skill_fit,
            base.availability,
            base.track_record,
            base.recency,
            growth,
            base.load,
        )
        contributions = [
            _contribution(w, v) for w, v in zip(_WEIGHT_LIST, values, strict=True)
        ]
        details = (
            self._fit_detail(candidate),
            self._availability_detail(candidate, base),
            self._track_record_detail(candidate, base),
            self._recency_detail(candidate),
            self._growth_detail(base, wanted),
            self._load_detail(candidate, base),
        )
        terms = tuple(
            Term(
                name,
                _LABEL_LIST[i],
                values[i],
                _WEIGHT_LIST[i],
                contributions[i],
                details[i],
            )
            for i, name in enumerate(_ORDER)
        )
        return ScoredCandidate(
            person_id=candidate.person_id,
            name=candidate.name,
            team_name=candidate.team_name,
            score=base.score(contributions[4]),
            terms=terms,
            checks=self._checks(candidate),
            free=base.free,
            strip=self.strip(candidate),
            pulled_from=self.pulled_from(candidate),
            mentors=tuple((n.name, m) for n, m in wanted if m is not None),
        )

    def strip(self, candidate: CandidateFacts) -> tuple[WeekLoad, ...]:
        """Return the booked share of each week (from Monday) overlapping the window."""
        role = self.role
        monday = role.start - dt.timedelta(days=role.start.weekday())
        weeks: list[WeekLoad] = []
        while monday <= role.end and len(weeks) < STRIP_WEEKS:
            first = max(monday, role.start)
            last = min(monday + dt.timedelta(days=6), role.end)
            load = peak_load(candidate.bookings, start=first, end=last)
            weeks.append(WeekLoad(monday, load, max(0, candidate.capacity - load)))
            monday += dt.timedelta(days=7)
        return tuple(weeks)

    def pulled_from(self, candidate: CandidateFacts) -> tuple[PulledFrom, ...]:
        """Return the other initiatives booked during the window, largest first."""
        role = self.role
        found = [
            b
            for b in candidate.bookings
            if b.initiative_id != role.initiative_id
            and b.start <= role.end
            and (b.end is None or b.end >= role.start)
        ]
        found.sort(key=lambda b: (-b.allocation, b.key, b.start))
        return tuple(
            PulledFrom(b.initiative_id, b.key, b.title, b.allocation, b.status)
            for b in found
        )

    def _fit_detail(self, candidate: CandidateFacts) -> str:
        parts = []
        for n in self.role.needs:
            held = candidate.skills.get(n.skill_id)
            kind = "must" if n.importance == "must" else "nice"
            if held is None:
                parts.append(f"{n.name} not held ({kind}, needs {n.min_level})")
                continue
            gap = "" if held.level >= n.min_level else ", below the minimum"
            parts.append(
                f"{n.name} {held.level} ({kind}, needs {n.min_level}{gap}; "
                f"{_backing(held)})"
            )
        return "; ".join(parts) + "." if parts else "The role asks for no skills."

    def _availability_detail(self, candidate: CandidateFacts, base: Base) -> str:
        role = self.role
        window = f"{_day(role.start)} – {_day(role.end)}"
        if candidate.capacity <= 0:
            return f"No capacity ({window}); {role.allocation}% asked."
        return f"{base.free}% free {window}; {role.allocation}% asked."

    def _track_record_detail(self, candidate: CandidateFacts, base: Base) -> str:
        similar = [(self._similar(p), p) for p in candidate.history]
        similar = [(sim, p) for sim, p in similar if sim > 0]
        value = base.track_record
        prior = round(self.context.prior_success * 100)
        if not similar:
            return (
                f"No similar finished initiatives yet; the organisation's "
                f"average of {prior}% is used."
            )
        similar.sort(key=lambda s: (-s[0], s[1].key))
        shown = [f"{p.key} {p.outcome}" for _sim, p in similar[:3]]
        more = len(similar) - len(shown)
        listed = ", ".join(shown) + (f" and {more} more" if more else "")
        return (
            f"Similar initiatives: {listed}; {round(value * 100)}% after smoothing "
            f"towards the {prior}% average."
        )

    def _recency_detail(self, candidate: CandidateFacts) -> str:
        parts = []
        for n in self.role.needs:
            held = candidate.skills.get(n.skill_id)
            last = _last_use(held, self.as_of) if held is not None else None
            if held is None:
                parts.append(f"{n.name} not held")
            elif last is None:
                parts.append(f"{n.name} last use unknown")
            else:
                parts.append(f"{n.name} used {_ago((self.as_of - last).days)}")
        return "; ".join(parts) + "." if parts else "The role asks for no skills."

    def _growth_detail(
        self, base: Base, wanted: list[tuple[SkillNeed, str | None]]
    ) -> str:
        if not base.is_match:
            return "Growth credit is only for people meeting every must-have."
        if not wanted:
            return "No learning goal among the nice-to-have skills."
        parts = []
        for need, mentor in wanted:
            if mentor is None:
                parts.append(
                    f"Wants to learn {need.name}; nobody on the proposed team "
                    "can mentor it yet"
                )
            else:
                parts.append(
                    f"Wants to learn {need.name}; {mentor} on the proposed team "
                    "can mentor"
                )
        return "; ".join(parts) + "."

    def _load_detail(self, candidate: CandidateFacts, base: Base) -> str:
        current = [
            b
            for b in candidate.bookings
            if b.start <= self.load_end and (b.end is None or b.end >= self.as_of)
        ]
        current.sort(key=lambda b: (-b.allocation, b.key))
        listed = _join(
            [
                f"{b.key} {b.allocation}%"
                + (" (proposed, counts half)" if b.status == "proposed" else "")
                for b in current
            ]
        )
        if not current:
            return "Nothing booked in the next 4 weeks."
        head = (
            f"Over-committed: {base.now}% booked in the next 4 weeks "
            f"against {candidate.capacity}% capacity"
            if base.now > candidate.capacity
            else f"{base.now}% booked in the next 4 weeks of "
            f"{candidate.capacity}% capacity"
        )
        return f"{head} ({listed})."


_WEIGHT_LIST = tuple(WEIGHTS[n] for n in _ORDER)
_W_FIT, _W_AVAILABILITY, _W_TRACK, _W_RECENCY, _W_GROWTH, _W_LOAD = _WEIGHT_LIST
_LABEL_LIST = tuple(LABELS[n] for n in _ORDER)


def _jaccard(a: frozenset[int], b: frozenset[int], a_size: int | None = None) -> float:
    """|a & b| / |a | b|; ``a_size`` is the size of the whole of ``a`` when ``a``
    holds only its part that can meet ``b`` (see PastWork.skill_count)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    if not inter:
        return 0.0
    size = len(a) if a_size is None else a_size
    return inter / (size + len(b) - inter)


def _last_use(held: HeldSkill, as_of: dt.date) -> dt.date | None:
    last = (
        held.last_used
        if held.last_used is not None and held.last_used <= as_of
        else None
    )
    ev = held.last_evidence
    if ev is not None and ev <= as_of and (last is None or ev > last):
        last = ev
    return last


def contenders(
    roles: Sequence[RoleSpec],
    skills: Mapping[int, Mapping[int, HeldSkill]],
    *,
    as_of: dt.date,
    alternatives: int,
    excluded: Mapping[int, AbstractSet[int]] = _NO_EXCLUDED,
) -> set[int]:
    """Return the people a ranking needs in full: every match of each role, and
    its ``alternatives`` closest alternatives -- the fewest must-have gaps, then
    the best skill fit, with everyone tied with the last one -- the order
    ``suggest`` lists alternatives in. Everyone else is an alternative further
    down: counted, never shown, never in a team, so the facts need not carry
    their track record (the costliest fact to read). ``skills`` is person id ->
    the held skills; ``excluded`` role id -> people rejected for it.
    """
    wanted: set[int] = set()
    context = ScoringContext(as_of=as_of, prior_success=0.0)
    for role in roles:
        scorer = RoleScorer(role, context)
        ids = scorer.skill_ids
        rejected = excluded.get(role.role_id, frozenset())
        closest: list[tuple[int, float, int]] = []
        for person_id, held in skills.items():
            if ids.isdisjoint(held) or person_id in rejected:
                continue
            fit, _recency, gaps = scorer.skills_part(held)
            if gaps == 0:
                wanted.add(person_id)
            else:
                closest.append((gaps, -fit, person_id))
        closest.sort()
        if alternatives <= 0:
            continue
        shown = closest[:alternatives]
        last = shown[-1][:2] if shown else None
        wanted.update(pid for _gaps, _fit, pid in shown)
        for gaps, fit, pid in closest[alternatives:]:
            if (gaps, fit) != last:
                break
            wanted.add(pid)
    return wanted


def candidate_score(
    role: RoleSpec,
    candidate: CandidateFacts,
    *,
    context: ScoringContext,
    mentors: Mapping[int, Sequence[str]] = _NO_MENTORS,
) -> ScoredCandidate:
    """Score a candidate for a role: one Term per name of WEIGHTS, in that order.

    ``mentors`` maps a skill id to the names of proposed team members who can
    mentor it (growth credit for the nice-to-haves the candidate wants to learn).
    """
    return RoleScorer(role, context).full(candidate, mentors)

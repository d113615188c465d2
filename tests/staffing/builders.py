"""Builders the staffing tests share: requests with roles and skills, candidates
with skills, bookings, history and evidence, and stored suggestions.

They write rows directly (no services, no permission checks), so any staffing
test can set up a scene in a few lines::

    request = request_build(
        initiative=InitiativeFactory(),
        roles=[role("ML", skills=[need("PyTorch", 3), need("SQL", 2, "nice")])],
    )
    ana = person_build("Ana Ruiz", skills={"PyTorch": 4, "SQL": 2})
    booking_build(ana, allocation=50)             # confirmed, over the default window

Dates default to a window a few weeks from today (``WINDOW_START`` ..
``WINDOW_END``), so "as of today" computations see it as upcoming work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from teamhub.initiatives.models import Assignment, Initiative
from teamhub.integrations.models import ActivityEvent, SkillEvidence
from teamhub.people.models import (
    LearningGoal,
    Person,
    PersonSkill,
    Skill,
    Team,
)
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)
from tests.factories import (
    InitiativeFactory,
    PersonFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

TODAY = timezone.localdate()
WINDOW_START = TODAY + dt.timedelta(days=14)
WINDOW_END = WINDOW_START + dt.timedelta(days=90)


# -- skills and needs ------------------------------------------------------------


def skill_get(skill: Skill | str) -> Skill:
    """The skill itself, or the one named so (created if missing)."""
    if isinstance(skill, Skill):
        return skill
    return SkillFactory(name=skill)


def need(
    skill: Skill | str, min_level: int = 3, importance: str = "must"
) -> dict[str, Any]:
    """One required skill: ``need("PyTorch", 3)``, ``need(sql, 2, "nice")``."""
    return {"skill": skill, "min_level": min_level, "importance": importance}


def role(
    title: str = "ML engineer",
    *,
    skills: Sequence[Mapping[str, Any] | tuple[Any, ...]] = (),
    headcount: int = 1,
    allocation: int = 50,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """One role for ``request_build``; ``skills`` holds ``need(...)`` dicts or
    ``(skill, min_level, importance)`` tuples. Without skills: PyTorch ≥ 3 (must)."""
    return {
        "title": title,
        "skills": list(skills) or [need("PyTorch", 3)],
        "headcount": headcount,
        "allocation": allocation,
        "start": start or WINDOW_START,
        "end": end or WINDOW_END,
    }


def _need_dict(item: Mapping[str, Any] | tuple[Any, ...]) -> dict[str, Any]:
    if isinstance(item, Mapping):
        return need(**item)
    return need(*item)


def role_build(
    *, request: StaffingRequest, position: int = 0, **spec: Any
) -> RoleRequirement:
    """Add one role (``role(...)`` keywords) with its required skills."""
    data = role(**spec)
    built = RoleRequirement.objects.create(
        request=request,
        role=data["title"],
        headcount=data["headcount"],
        allocation=data["allocation"],
        start=data["start"],
        end=data["end"],
        position=position,
    )
    for item in data["skills"]:
        row = _need_dict(item)
        RequiredSkill.objects.create(
            role=built,
            skill=skill_get(row["skill"]),
            min_level=row["min_level"],
            importance=row["importance"],
        )
    return built


def request_build(
    *,
    initiative: Initiative | None = None,
    roles: Sequence[Mapping[str, Any]] | None = None,
    created_by: Any = None,
    note: str = "",
    status: str = StaffingRequest.Status.OPEN,
) -> StaffingRequest:
    """A staffing request with ``roles`` (``role(...)`` dicts; default: one
    "ML engineer" needing PyTorch ≥ 3)."""
    request = StaffingRequest.objects.create(
        initiative=initiative or InitiativeFactory(),
        created_by=created_by,
        note=note,
        status=status,
    )
    for position, spec in enumerate(roles if roles is not None else [role()]):
        role_build(request=request, position=position, **spec)
    return request


# -- people ------------------------------------------------------------------------


def person_build(
    name: str = "",
    *,
    skills: Mapping[Skill | str, int | Mapping[str, Any]] | None = None,
    capacity: float | str | Decimal = "1.00",
    team: Team | str | None = None,
    active: bool = True,
    goals: Mapping[Skill | str, int] | None = None,
    **person: Any,
) -> Person:
    """A person named ``name`` ("Ana Ruiz") with ``skills`` (skill -> level, or
    skill -> PersonSkill fields, e.g. ``{"level": 4, "source": "manager"}``) and
    learning ``goals`` (skill -> target level)."""
    first, _, last = name.partition(" ")
    user_fields: dict[str, Any] = {}
    if name:
        user_fields = {"first_name": first, "last_name": last}
    if isinstance(team, str):
        team = TeamFactory(name=team)
    extra: dict[str, Any] = {"team": team} if team is not None else {}
    built = PersonFactory(
        user=UserFactory(**user_fields),
        capacity_fte=Decimal(str(capacity)),
        active=active,
        **extra,
        **person,
    )
    for skill, spec in (skills or {}).items():
        fields = dict(spec) if isinstance(spec, Mapping) else {"level": spec}
        PersonSkill.objects.create(person=built, skill=skill_get(skill), **fields)
    for skill, target in (goals or {}).items():
        LearningGoal.objects.create(
            person=built, skill=skill_get(skill), target_level=target
        )
    return built


def booking_build(
    person: Person,
    *,
    allocation: int = 50,
    start: dt.date | None = None,
    end: dt.date | None = WINDOW_END,
    status: str = Assignment.Status.CONFIRMED,
    initiative: Initiative | None = None,
    role: str = "Data Scientist",
    outcome: str | None = None,
) -> Assignment:
    """An assignment of ``person`` (confirmed over the default window unless told)."""
    return Assignment.objects.create(
        person=person,
        initiative=initiative or InitiativeFactory(),
        role=role,
        allocation=allocation,
        start=start or WINDOW_START,
        end=end,
        status=status,
        outcome=outcome,
    )


def history_build(
    person: Person,
    *,
    outcome: str = "success",
    ended: dt.date | None = None,
    initiative: Initiative | None = None,
    skills: Iterable[Skill | str] = (),
    allocation: int = 50,
) -> Assignment:
    """A finished assignment with ``outcome`` that ended on ``ended`` (default:
    60 days ago). ``skills`` become a closed staffing request on the initiative,
    which is what makes past work "similar" (the skills it asked for)."""
    ended = ended or TODAY - dt.timedelta(days=60)
    initiative = initiative or InitiativeFactory(start=ended - dt.timedelta(days=90))
    skill_list = [skill_get(s) for s in skills]
    if skill_list:
        request_build(
            initiative=initiative,
            status=StaffingRequest.Status.CLOSED,
            roles=[
                role(
                    skills=[need(s, 1) for s in skill_list],
                    start=ended - dt.timedelta(days=90),
                    end=ended,
                )
            ],
        )
    return booking_build(
        person,
        initiative=initiative,
        allocation=allocation,
        start=ended - dt.timedelta(days=90),
        end=ended,
        status=Assignment.Status.FINISHED,
        outcome=outcome,
    )


_EVENTS = iter(range(1, 10**9))


def evidence_build(
    person: Person,
    skill: Skill | str,
    *,
    at: dt.datetime | dt.date | None = None,
    source: str = "git",
    title: str = "",
    url: str = "",
) -> SkillEvidence:
    """A commit (or Jira issue, ``source="jira"``) showing ``person`` using
    ``skill`` at ``at`` (default: 10 days ago)."""
    if at is None:
        at = timezone.now() - dt.timedelta(days=10)
    elif not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(12), tzinfo=dt.UTC)
    number = next(_EVENTS)
    event = ActivityEvent.objects.create(
        source=source,
        kind=(
            ActivityEvent.Kind.COMMIT if source == "git" else ActivityEvent.Kind.WORKLOG
        ),
        external_id=f"test:{number}",
        person=person,
        occurred_at=at,
        title=title or f"Change {number}",
        url=url or f"https://git.example.com/commit/{number}",
    )
    return SkillEvidence.objects.create(
        person=person, skill=skill_get(skill), event=event, at=at, reason="test"
    )


# -- suggestions -------------------------------------------------------------------


def suggestion_build(
    role: RoleRequirement,
    person: Person,
    *,
    score: float = 0.5,
    kind: str = Suggestion.Kind.MATCH,
    rank: int = 1,
    in_team: bool = False,
    status: str = Suggestion.Status.OPEN,
    locked: bool = False,
    terms: Mapping[str, Any] | None = None,
) -> Suggestion:
    """A stored suggestion of ``person`` for ``role`` (as a computation leaves it)."""
    return Suggestion.objects.create(
        role=role,
        person=person,
        score=score,
        kind=kind,
        rank=rank,
        in_team=in_team,
        status=status,
        locked=locked,
        terms=dict(terms) if terms is not None else {"name": person.name},
    )


def people_build(
    count: int, *, skill: Skill | str = "PyTorch", level: int = 4
) -> list[Person]:
    """``count`` candidates holding ``skill`` at ``level``, each with a booking,
    a past assignment on a similar initiative (one that asked for ``skill``), a
    learning goal and a piece of evidence (for query counts)."""
    skill = skill_get(skill)
    goal_skill = skill_get("SQL")
    team = TeamFactory(name="Bulk team")
    ended = TODAY - dt.timedelta(days=60)
    past = InitiativeFactory(start=ended - dt.timedelta(days=90))
    request_build(
        initiative=past,
        status=StaffingRequest.Status.CLOSED,
        roles=[role(skills=[need(skill, 1)], start=past.start, end=ended)],
    )
    current = InitiativeFactory()
    people = []
    for _ in range(count):
        person = person_build(skills={skill: level}, team=team, goals={goal_skill: 3})
        booking_build(person, initiative=current, allocation=20)
        history_build(person, initiative=past, outcome="success", ended=ended)
        evidence_build(person, skill)
        people.append(person)
    return people

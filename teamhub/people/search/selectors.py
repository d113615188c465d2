"""Find and rank the people who hold the requested skills, with free capacity."""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from teamhub.initiatives.models import Assignment
from teamhub.people.models import Level, Person, PersonSkill
from teamhub.people.search.resolve import SkillRequirement

Mode = Literal["all", "any"]
MODES: tuple[Mode, ...] = ("all", "any")
DEFAULT_WINDOW_DAYS = 30
WINDOW_ORDER_MESSAGE = "The end of the window must be on or after its start."


@dataclass(frozen=True)
class SkillHit:
    """One requested skill for one person: the level held (None if not held)."""

    skill_id: int
    skill_name: str
    level: int | None
    min_level: int

    @property
    def met(self) -> bool:
        return self.level is not None and self.level >= self.min_level


@dataclass(slots=True)
class PersonMatch:
    """A person who meets at least one term: the ranking data, kept light.

    ``levels`` holds the level of each requirement (None if not held), in the
    order of ``requirements``; ``matched``/``missing`` are built from them.
    """

    person_id: int
    name: str
    team_id: int | None
    team_name: str | None
    requirements: Sequence[SkillRequirement]
    levels: tuple[int | None, ...]
    # Most recent last_used among the skills met.
    last_used: dt.date | None
    free_fraction: float
    # True when the person satisfies the query: every term in mode "all", at
    # least one in mode "any". Otherwise a partial match.
    full: bool
    terms_met: int
    # Levels held above the minimum, summed over the terms met.
    excess: int

    @property
    def hits(self) -> list[SkillHit]:
        return [
            SkillHit(r.skill_id, r.skill_name, level, r.min_level)
            for r, level in zip(self.requirements, self.levels, strict=True)
        ]

    @property
    def matched(self) -> list[SkillHit]:
        return [hit for hit in self.hits if hit.met]

    @property
    def missing(self) -> list[SkillHit]:
        return [hit for hit in self.hits if not hit.met]

    @property
    def coverage(self) -> float:
        """Share of the terms this person meets, 0-1."""
        return round(self.terms_met / len(self.levels), 2) if self.levels else 0.0


@dataclass(frozen=True)
class TeamFacet:
    team_id: int | None
    team_name: str
    count: int


@dataclass(frozen=True)
class LevelFacet:
    skill_id: int
    skill_name: str
    # (level, people holding the skill at exactly that level) for levels 1-5.
    counts: tuple[tuple[int, int], ...]


@dataclass
class SearchResult:
    requirements: list[SkillRequirement]
    mode: Mode
    available_from: dt.date
    available_to: dt.date
    matches: list[PersonMatch] = field(default_factory=list)
    # Team counts ignore the team filter itself so other teams stay one click away;
    # every other filter applies. Level counts are over ``matches``.
    team_facets: list[TeamFacet] = field(default_factory=list)
    level_facets: list[LevelFacet] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.matches)

    @property
    def full_count(self) -> int:
        return sum(1 for m in self.matches if m.full)

    @property
    def partial_count(self) -> int:
        return self.count - self.full_count


@dataclass(frozen=True)
class PersonCard:
    """What a result row shows about a person beyond the ranking data."""

    id: int
    name: str
    email: str
    title: str
    team_id: int | None
    team_name: str | None


def search_window(
    *,
    available_from: dt.date | None,
    available_to: dt.date | None,
    today: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """Return the availability window: from today (or the given start) for 30 days.

    A missing start is today; a missing end is the start plus DEFAULT_WINDOW_DAYS.
    """
    start = available_from or today or timezone.localdate()
    end = available_to or start + dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    if start > end:
        raise ValidationError({"available_to": [WINDOW_ORDER_MESSAGE]})
    return start, end


def people_matching_skills(
    *,
    requirements: Sequence[SkillRequirement],
    mode: Mode = "all",
    team_id: int | None = None,
    available_from: dt.date | None = None,
    available_to: dt.date | None = None,
    min_free: float | None = None,
    today: dt.date | None = None,
) -> SearchResult:
    """Return the active people meeting at least one requirement, best first.

    Three queries whatever the data size, values only: the requested skills'
    PersonSkill rows grouped per person (one row per person who meets a term);
    those people's capacity, team and name; and their confirmed assignments
    overlapping the window. The last two select the people by a subquery.

    ``free_fraction`` is capacity_fte minus the *peak* concurrent confirmed
    allocation inside [available_from, available_to] (both days included), floored
    at 0: the share of a full-time week the person can still promise for the whole
    window. Proposed and finished assignments are ignored.

    Order: full matches before partial ones; then more terms met; then levels above
    the minimums (summed); then the most recent ``last_used`` among the skills met;
    then more free capacity; then name.
    """
    start, end = search_window(
        available_from=available_from, available_to=available_to, today=today
    )
    result = SearchResult(
        requirements=list(requirements),
        mode=mode,
        available_from=start,
        available_to=end,
    )
    if not requirements:
        return result
    requirements = list(requirements)
    meets_a_term = reduce(
        operator.or_,
        (Q(skill_id=r.skill_id, level__gte=r.min_level) for r in requirements),
    )

    # One row per person meeting a term: their level in each requested skill (any
    # level, so a miss can say "has 2, needs 4") and the latest use of a skill met.
    # Grouped on person_id alone (person details come next): grouping on joined
    # name columns costs SQLite a sort several times slower.
    level_columns = {
        f"level_{i}": Max(Case(When(skill_id=r.skill_id, then="level")))
        for i, r in enumerate(requirements)
    }
    held = (
        PersonSkill.objects.filter(skill_id__in=[r.skill_id for r in requirements])
        .values("person_id")
        .annotate(
            met=Count("skill_id", filter=meets_a_term),
            recent=Max("last_used", filter=meets_a_term),
            excess=Sum(
                Case(
                    *(
                        When(
                            skill_id=r.skill_id,
                            level__gte=r.min_level,
                            then=F("level") - r.min_level,
                        )
                        for r in requirements
                    ),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
        )
        .filter(met__gt=0)
        .annotate(**level_columns)
        .order_by()
        .values_list("person_id", "met", "excess", "recent", *level_columns)
    )
    candidates = PersonSkill.objects.filter(meets_a_term).values("person_id")
    people = {
        pid: rest
        for pid, *rest in Person.objects.filter(active=True, pk__in=candidates)
        .annotate(capacity=Cast("capacity_fte", FloatField()))
        .order_by()
        .values_list(
            "id",
            "capacity",
            "team_id",
            "team__name",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
    }

    # Confirmed assignments overlapping the window, of the same people.
    booked = (
        Assignment.objects.filter(
            status=Assignment.Status.CONFIRMED,
            start__lte=end,
            person_id__in=candidates,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .order_by()
        .values_list("person_id", "start", "end", "allocation")
    )
    intervals: dict[int, list[tuple[dt.date, dt.date, int]]] = {}
    for pid, a_start, a_end, allocation in booked:
        first_day = a_start if a_start > start else start
        last_day = a_end if a_end is not None and a_end < end else end
        intervals.setdefault(pid, []).append((first_day, last_day, allocation))

    total = len(requirements)
    matches: list[PersonMatch] = []
    for pid, met, excess, recent, *levels in held:
        person = people.get(pid)
        if person is None:  # inactive
            continue
        capacity, tid, tname, first, last, username = person
        booking = intervals.get(pid)
        peak = peak_allocation(booking) if booking else 0
        free = max(0.0, round(capacity - peak / 100, 2))
        if min_free is not None and free < min_free:
            continue
        matches.append(
            PersonMatch(
                person_id=pid,
                name=f"{first} {last}".strip() or username,
                team_id=tid,
                team_name=tname,
                requirements=requirements,
                levels=tuple(levels),
                last_used=recent,
                free_fraction=free,
                full=met == total if mode == "all" else True,
                terms_met=met,
                excess=excess,
            )
        )

    matches.sort(key=_rank_key)
    result.team_facets = _team_facets(matches)
    if team_id is not None:
        matches = [m for m in matches if m.team_id == team_id]
    result.matches = matches
    result.level_facets = _level_facets(requirements, matches)
    return result


def people_cards(*, person_ids: Sequence[int]) -> dict[int, PersonCard]:
    """Return the display details of these people (one query), keyed by id."""
    rows = (
        Person.objects.filter(pk__in=list(person_ids))
        .order_by()
        .values_list(
            "id",
            "title",
            "team_id",
            "team__name",
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__email",
        )
    )
    return {
        pid: PersonCard(
            id=pid,
            name=f"{first} {last}".strip() or username,
            email=email,
            title=title,
            team_id=tid,
            team_name=tname,
        )
        for pid, title, tid, tname, first, last, username, email in rows
    }


def peak_allocation(intervals: Sequence[tuple[dt.date, dt.date, int]]) -> int:
    """Return the highest summed allocation on any day of the (inclusive) intervals."""
    if len(intervals) == 1:
        return intervals[0][2]
    events: list[tuple[dt.date, int]] = []
    for first_day, last_day, allocation in intervals:
        events.append((first_day, allocation))
        events.append((last_day + dt.timedelta(days=1), -allocation))
    # On a day where one interval ends and another starts, the end sorts first.
    events.sort()
    peak = running = 0
    for _day, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def _rank_key(m: PersonMatch) -> tuple[int, int, int, int, float, str, int]:
    last_used = m.last_used.toordinal() if m.last_used else 0
    return (
        0 if m.full else 1,
        -m.terms_met,
        -m.excess,
        -last_used,
        -m.free_fraction,
        m.name.casefold(),
        m.person_id,
    )


def _team_facets(matches: Sequence[PersonMatch]) -> list[TeamFacet]:
    counts = Counter((m.team_id, m.team_name) for m in matches)
    facets = [
        TeamFacet(team_id=tid, team_name=tname or "No team", count=n)
        for (tid, tname), n in counts.items()
    ]
    return sorted(facets, key=lambda f: (-f.count, f.team_id is None, f.team_name))


def _level_facets(
    requirements: Sequence[SkillRequirement], matches: Sequence[PersonMatch]
) -> list[LevelFacet]:
    facets = []
    for i, req in enumerate(requirements):
        counts = Counter(m.levels[i] for m in matches)
        facets.append(
            LevelFacet(
                skill_id=req.skill_id,
                skill_name=req.skill_name,
                counts=tuple((level, counts.get(level, 0)) for level in Level.values),
            )
        )
    return facets

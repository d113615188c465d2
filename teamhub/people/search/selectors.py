"""Find and rank the people who hold the requested skills, with free capacity."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal, NamedTuple, overload

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from teamhub.core.models import User
from teamhub.initiatives.models import Assignment
from teamhub.people.models import Level, Person, PersonSkill, Team
from teamhub.people.search.resolve import SkillRequirement
from teamhub.people.selectors import team_and_sub_team_ids

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
    """A person who meets at least one term: the ranking data and contact details.

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
    email: str = ""
    title: str = ""

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


# A ranked person is a row of search_sql, kept as the cursor returned it: a broad
# search ranks thousands of people and only the page shown needs a PersonMatch.
# The positions of its columns:
_ID = 0
_FULL = 1  # 1 if the person satisfies the query (see PersonMatch.full), else 0
_MET = 2
_EXCESS = 3
_USED = 4  # 1 if a skill met has a last_used date, else 0
_LAST_USED = 5  # an ISO string on SQLite, a date on PostgreSQL (date_from_db)
_FREE = 6  # free capacity in whole % (0-100); None unless min_free asked for it
_TEAM_ID = 7
_TEAM_NAME = 8
_LEVELS = 9  # then the level held in each requirement, None if not held
Candidate = tuple[Any, ...]
# The ranking before free capacity and name, descending: full first, more terms
# met, more excess levels, a last use before none, the most recent last use (ISO
# date text on SQLite sorts like the dates PostgreSQL returns; two Nones are equal,
# never ordered). People equal on it are "tied".
_tie_key = itemgetter(_FULL, _MET, _EXCESS, _USED, _LAST_USED)
_team_id_key = itemgetter(_TEAM_ID)
_team_name_key = itemgetter(_TEAM_NAME)


class PersonDetails(NamedTuple):
    """What ranking ties and showing a person need beyond the search row."""

    # Free capacity in whole % (0-100); None when the search row has it.
    free: int | None
    name: str
    email: str
    title: str


DetailsLoader = Callable[[Sequence[int]], dict[int, PersonDetails]]


class RankedMatches(Sequence[PersonMatch]):
    """The ranked people: a PersonMatch is built only for the items read.

    The candidates come ordered by ``_tie_key``; people tied on it still need
    ordering, by more free capacity, then name, then id, and those read need
    their name and contact details. Each read (a slice, an item or an iteration)
    loads the details of the people read and of everyone tied with them with one
    query (``load_details``), then orders those ties. A page thus costs one small
    query and a sort of a few dozen rows rather than of thousands.
    """

    def __init__(
        self,
        candidates: list[Candidate] | None = None,
        requirements: Sequence[SkillRequirement] = (),
        load_details: DetailsLoader | None = None,
    ) -> None:
        self._candidates = candidates if candidates is not None else []
        self._requirements = requirements
        self._load_details = load_details
        # By person id; a person's tie is in its final order once it is here.
        self._details: dict[int, PersonDetails] = {}

    def __len__(self) -> int:
        return len(self._candidates)

    @overload
    def __getitem__(self, index: int) -> PersonMatch: ...

    @overload
    def __getitem__(self, index: slice) -> list[PersonMatch]: ...

    def __getitem__(self, index: int | slice) -> PersonMatch | list[PersonMatch]:
        if isinstance(index, slice):
            positions = range(len(self._candidates))[index]
            if positions:
                self._settle(min(positions), max(positions) + 1)
            return [self._match(c) for c in self._candidates[index]]
        position = range(len(self._candidates))[index]
        self._settle(position, position + 1)
        return self._match(self._candidates[position])

    def __iter__(self) -> Iterator[PersonMatch]:
        self._settle(0, len(self._candidates))
        return map(self._match, self._candidates)

    def __reversed__(self) -> Iterator[PersonMatch]:
        self._settle(0, len(self._candidates))
        return map(self._match, reversed(self._candidates))

    def _settle(self, start: int, stop: int) -> None:
        """Load the ties overlapping positions [start, stop) and order them."""
        rows = self._candidates
        if start >= stop:
            return
        tie = _tie_key(rows[start])
        while start > 0 and _tie_key(rows[start - 1]) == tie:
            start -= 1
        tie = _tie_key(rows[stop - 1])
        while stop < len(rows) and _tie_key(rows[stop]) == tie:
            stop += 1
        region = rows[start:stop]
        details = self._details
        missing = [c[_ID] for c in region if c[_ID] not in details]
        if not missing:
            return
        assert self._load_details is not None, "candidates need a details loader"
        details.update(self._load_details(missing))
        # Stable sorts, last tie-breaker first; the second is descending.
        region.sort(key=lambda c: (details[c[_ID]].name.casefold(), c[_ID]))
        region.sort(key=lambda c: (_tie_key(c), self._free_of(c)), reverse=True)
        rows[start:stop] = region

    def _free_of(self, c: Candidate) -> int:
        free = c[_FREE] if c[_FREE] is not None else self._details[c[_ID]].free
        assert free is not None
        return int(free)

    def _match(self, c: Candidate) -> PersonMatch:
        details = self._details[c[_ID]]
        return PersonMatch(
            person_id=c[_ID],
            name=details.name,
            team_id=c[_TEAM_ID],
            team_name=c[_TEAM_NAME],
            requirements=self._requirements,
            levels=tuple(c[_LEVELS:]),
            last_used=date_from_db(c[_LAST_USED]),
            free_fraction=self._free_of(c) / 100,
            full=bool(c[_FULL]),
            terms_met=c[_MET],
            excess=c[_EXCESS],
            email=details.email,
            title=details.title,
        )


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
    matches: RankedMatches = field(default_factory=RankedMatches)
    full_count: int = 0
    # Team counts ignore the team filter itself so other teams stay one click away;
    # every other filter applies. Level counts are over ``matches``.
    team_facets: list[TeamFacet] = field(default_factory=list)
    level_facets: list[LevelFacet] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.matches)

    @property
    def partial_count(self) -> int:
        return self.count - self.full_count


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
    team_only: bool = False,
    available_from: dt.date | None = None,
    available_to: dt.date | None = None,
    min_free: float | None = None,
    today: dt.date | None = None,
) -> SearchResult:
    """Return the active people meeting at least one requirement, best first.

    One query whatever the data size (``search_sql``), a row per person meeting a
    term; then one query per read of ``matches`` for the people read (see
    RankedMatches), so a page of results costs two queries in all (three with
    ``team_id``, which keeps that team's and its sub-teams' people: the team tree
    is read once; with ``team_only`` too, only the team's own members).

    ``free_fraction`` is capacity_fte minus the *peak* concurrent confirmed
    allocation inside [available_from, available_to] (both days included), floored
    at 0: the share of a full-time week the person can still promise for the whole
    window. Proposed and finished assignments are ignored.

    Order: full matches before partial ones; then more terms met; then levels above
    the minimums (summed); then the most recent ``last_used`` among the skills met;
    then more free capacity; then name (ignoring case), then id.
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
    # Free capacity costs a look-up per person. With min_free it decides who is
    # listed, so the search computes it for everyone; otherwise it only orders
    # ties and is shown, so it is loaded with the details of the people read.
    free_in_search = min_free is not None
    sql, params = search_sql(
        requirements=requirements,
        mode=mode,
        start=start,
        end=end,
        with_free=free_in_search,
    )
    # A bare cursor, and the rows as they come: Django's per-value converters and
    # an object per person would cost more than the query itself.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        candidates: list[Candidate] = cursor.fetchall()
    if min_free is not None:
        candidates = [c for c in candidates if c[_FREE] / 100 >= min_free]
    # Ranked but for ties, which RankedMatches orders as they are read.
    candidates.sort(key=_tie_key, reverse=True)

    result.team_facets = _team_facets(candidates)
    if team_id is not None:
        # The team and every team below it (a department's people are in its
        # teams), or only the team; the facets above stay by exact team.
        team_ids = {team_id} if team_only else team_and_sub_team_ids(team_id)
        candidates = [c for c in candidates if c[_TEAM_ID] in team_ids]

    def load_details(person_ids: Sequence[int]) -> dict[int, PersonDetails]:
        return people_details(
            person_ids=person_ids,
            start=start,
            end=end,
            with_free=not free_in_search,
        )

    result.matches = RankedMatches(candidates, requirements, load_details)
    result.full_count = sum(map(itemgetter(_FULL), candidates))
    result.level_facets = _level_facets(requirements, candidates)
    return result


def people_details(
    *,
    person_ids: Sequence[int],
    start: dt.date,
    end: dt.date,
    with_free: bool = True,
) -> dict[int, PersonDetails]:
    """Return these people's name, e-mail, title and free capacity, by id.

    Free capacity is over the window in whole % (see _FREE_SQL); None without
    ``with_free``. One query, or one per batch of the backend's query parameter
    limit (999 on SQLite).
    """
    window = _window_params(start=start, end=end) if with_free else {}
    limit = connection.features.max_query_params
    batch = limit - len(window) if limit else max(len(person_ids), 1)
    details: dict[int, PersonDetails] = {}
    for first in range(0, len(person_ids), batch):
        params = dict(window)
        placeholders = []
        for i, pid in enumerate(person_ids[first : first + batch]):
            params[f"person_{i}"] = pid
            placeholders.append(f"%(person_{i})s")
        sql = _DETAILS_SQL.format(
            free=_free_sql() if with_free else "NULL",
            person=Person._meta.db_table,
            user=User._meta.db_table,
            ids=", ".join(placeholders),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for pid, free, first_name, last_name, username, email, title in cursor:
                details[pid] = PersonDetails(
                    free=free,
                    # As Person.name: the full name, else the username.
                    name=f"{first_name} {last_name}".strip() or username,
                    email=email,
                    title=title,
                )
    return details


# The search in one statement, portable between SQLite (3.30+) and PostgreSQL; the
# columns are described at Candidate above.
#
# ``h`` groups the requested skills' PersonSkill rows per person (the covering
# index personskill_search_idx serves it): terms met, levels above the minimums
# over the terms met, latest use of a skill met, and the level held in each
# requested skill, met or not (so a miss can say "has 2, needs 4"). People meeting
# no term are dropped. Grouping on person_id alone and joining the person and team
# afterwards keeps the grouping cheap. Names wait for the people read: ordering
# rows here, or joining users for every candidate, costs more than sorting
# Python tuples.
_SEARCH_SQL = """
SELECT h.person_id,
       CASE WHEN h.met >= %(full_at)s THEN 1 ELSE 0 END AS full_match,
       h.met,
       h.excess,
       CASE WHEN h.recent IS NULL THEN 0 ELSE 1 END AS used,
       h.recent,
       {free},
       p.team_id,
       t.name,
       {level_columns}
FROM (
    SELECT ps.person_id,
           COUNT(*) FILTER (WHERE {meets}) AS met,
           SUM(CASE {excess} ELSE 0 END) AS excess,
           MAX(ps.last_used) FILTER (WHERE {meets}) AS recent,
           {levels}
    FROM {person_skill} ps
    WHERE ps.skill_id IN ({skill_ids})
    GROUP BY ps.person_id
    HAVING COUNT(*) FILTER (WHERE {meets}) > 0
) h
JOIN {person} p ON p.id = h.person_id
LEFT JOIN {team} t ON t.id = p.team_id
WHERE p.active
"""
_DETAILS_SQL = """
SELECT p.id, {free}, u.first_name, u.last_name, u.username, u.email, p.title
FROM {person} p
JOIN {user} u ON u.id = p.user_id
WHERE p.id IN ({ids})
"""

# Free capacity of person ``p``: capacity_fte minus the peak allocation, floored
# at 0, both in whole % (capacity_fte has two decimals, so this is exact). The peak
# is the highest summed confirmed allocation on any day of the window, from the
# person's bookings overlapping it (assignment_availability_idx covers every
# lookup). Each booking is clamped to the window: [first_day, last_day]. If the
# latest first_day is on or before the earliest last_day, every booking covers
# that day and the peak is their sum -- true of a single booking and of nearly
# every real schedule. Otherwise the peak falls on some booking's first day: sum
# the bookings covering each such day and take the highest. No booking: a NULL
# peak, all capacity free. peak_allocation is the same rule in Python.
_FREE_SQL = """(
    SELECT CASE
           WHEN b.peak IS NULL THEN {capacity}
           WHEN b.peak >= {capacity} THEN 0
           ELSE {capacity} - b.peak
           END
    FROM (
        SELECT CASE
               WHEN COUNT(*) < 2 OR MAX({first_day}) <= MIN({last_day})
               THEN SUM(a.allocation)
               ELSE (
                SELECT MAX((
                    SELECT SUM(o.allocation)
                    FROM {assignment} o
                    WHERE o.person_id = a.person_id
                      AND o.status = %(confirmed)s
                      AND o."start" <= {first_day}
                      AND (o."end" IS NULL OR o."end" >= {first_day})
                ))
                FROM {assignment} a
                WHERE a.person_id = p.id AND {booked}
               )
               END AS peak
        FROM {assignment} a
        WHERE a.person_id = p.id AND {booked}
    ) b
)"""
_CAPACITY = "CAST(ROUND(p.capacity_fte * 100) AS INTEGER)"
_FIRST_DAY = 'CASE WHEN a."start" > %(start)s THEN a."start" ELSE %(start)s END'
_LAST_DAY = (
    'CASE WHEN a."end" IS NULL OR a."end" > %(end)s THEN %(end)s ELSE a."end" END'
)
_BOOKED = (
    'a.status = %(confirmed)s AND a."start" <= %(end)s '
    'AND (a."end" IS NULL OR a."end" >= %(start)s)'
)


def _free_sql() -> str:
    return _FREE_SQL.format(
        capacity=_CAPACITY,
        first_day=_FIRST_DAY,
        last_day=_LAST_DAY,
        booked=_BOOKED,
        assignment=Assignment._meta.db_table,
    )


def _window_params(*, start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "start": connection.ops.adapt_datefield_value(start),
        "end": connection.ops.adapt_datefield_value(end),
        "confirmed": Assignment.Status.CONFIRMED.value,
    }


def search_sql(
    *,
    requirements: Sequence[SkillRequirement],
    mode: Mode,
    start: dt.date,
    end: dt.date,
    with_free: bool = True,
) -> tuple[str, dict[str, Any]]:
    """Return the search statement for these requirements and window, and its params.

    One row per active person meeting at least one requirement; the columns are
    described at ``Candidate``. Without ``with_free`` the free capacity column is
    NULL (see ``people_details``).
    """
    params: dict[str, Any] = {"full_at": len(requirements) if mode == "all" else 1}
    if with_free:
        params.update(_window_params(start=start, end=end))
    meets, excess, levels, skill_ids = [], [], [], []
    for i, r in enumerate(requirements):
        params[f"skill_{i}"] = r.skill_id
        params[f"min_{i}"] = r.min_level
        held = f"ps.skill_id = %(skill_{i})s"
        met = f"{held} AND ps.level >= %(min_{i})s"
        meets.append(f"({met})")
        excess.append(f"WHEN {met} THEN ps.level - %(min_{i})s")
        levels.append(f"MAX(CASE WHEN {held} THEN ps.level END) AS level_{i}")
        skill_ids.append(f"%(skill_{i})s")
    sql = _SEARCH_SQL.format(
        free=_free_sql() if with_free else "NULL",
        meets=" OR ".join(meets),
        excess=" ".join(excess),
        levels=",\n           ".join(levels),
        level_columns=", ".join(f"h.level_{i}" for i in range(len(requirements))),
        skill_ids=", ".join(skill_ids),
        person_skill=PersonSkill._meta.db_table,
        person=Person._meta.db_table,
        team=Team._meta.db_table,
    )
    return sql, params


def date_from_db(value: dt.date | str | None) -> dt.date | None:
    """Return a date that a bare cursor fetched, as a date.

    PostgreSQL's driver returns a date. SQLite returns the stored ISO text
    ("YYYY-MM-DD") for a computed column such as MAX(last_used); ISO text sorts
    like the dates it holds, so ranking can compare either as fetched.
    """
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def peak_allocation(intervals: Sequence[tuple[dt.date, dt.date, int]]) -> int:
    """Return the highest summed allocation on any day of the (inclusive) intervals.

    The definition _FREE_SQL implements in the database (the tests hold them equal).
    """
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


def _team_facets(candidates: Sequence[Candidate]) -> list[TeamFacet]:
    counts = Counter(map(_team_id_key, candidates))
    names = dict(
        zip(map(_team_id_key, candidates), map(_team_name_key, candidates), strict=True)
    )
    facets = [
        TeamFacet(team_id=tid, team_name=names[tid] or "No team", count=n)
        for tid, n in counts.items()
    ]
    return sorted(facets, key=lambda f: (-f.count, f.team_id is None, f.team_name))


def _level_facets(
    requirements: Sequence[SkillRequirement], candidates: Sequence[Candidate]
) -> list[LevelFacet]:
    facets = []
    for i, req in enumerate(requirements):
        counts = Counter(map(itemgetter(_LEVELS + i), candidates))
        facets.append(
            LevelFacet(
                skill_id=req.skill_id,
                skill_name=req.skill_name,
                counts=tuple((level, counts.get(level, 0)) for level in Level.values),
            )
        )
    return facets

"""The capacity chart, on a hand-built org."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.core.models import User
from teamhub.dashboard.builders.capacity import capacity, weekly_peaks
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Assignment
from teamhub.people.models import Person, Team
from teamhub.staffing.records import Booking
from teamhub.staffing.scoring import peak_load
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 4)  # a Wednesday: weeks start on Monday 2 March
MONDAYS = [dt.date(2026, 3, 2) + dt.timedelta(weeks=i) for i in range(12)]
TEAMS = {"Platform": None, "Vision": "Platform", "Search": None}
# username, team, active, capacity
PEOPLE = [
    ("ana", "Platform", True, "1.00"),
    ("ben", "Vision", True, "0.50"),
    ("cem", "Vision", True, "1.00"),
    ("dia", "Search", True, "1.00"),
    ("eve", "Search", False, "1.00"),  # left: not counted
    ("fay", "Search", True, "0.00"),  # no capacity: not counted
]
D = dt.date
# username, allocation, start, end, status
ASSIGNMENTS: list[tuple[str, int, dt.date, dt.date | None, str]] = [
    ("ana", 60, D(2026, 1, 1), None, "confirmed"),
    ("ana", 40, D(2026, 3, 16), D(2026, 4, 5), "proposed"),
    ("ben", 50, D(2026, 3, 9), D(2026, 3, 22), "confirmed"),
    ("ben", 30, D(2026, 3, 16), D(2026, 3, 29), "confirmed"),
    ("dia", 100, D(2026, 2, 1), D(2026, 6, 30), "confirmed"),
    ("dia", 50, D(2026, 2, 1), D(2026, 6, 30), "finished"),
    ("eve", 80, D(2026, 2, 1), None, "confirmed"),
    ("fay", 80, D(2026, 2, 1), None, "confirmed"),
]


def build_org() -> dict[str, Person]:
    teams: dict[str, Team] = {}
    for name, parent in TEAMS.items():
        teams[name] = TeamFactory(name=name, parent=teams[parent] if parent else None)
    people = {
        username: PersonFactory(
            user=UserFactory(
                username=username, first_name=username.title(), last_name="X"
            ),
            team=teams[team],
            active=active,
            capacity_fte=Decimal(cap),
        )
        for username, team, active, cap in PEOPLE
    }
    initiative = InitiativeFactory(team=teams["Search"])
    for username, allocation, start, end, status in ASSIGNMENTS:
        AssignmentFactory(
            person=people[username],
            initiative=initiative,
            allocation=allocation,
            start=start,
            end=end,
            status=status,
        )
    return people


def viewer() -> User:
    user: User = UserFactory(username="boss", roles=["manager"])
    return user


def filters_for(team: Team | None) -> DashboardFilters:
    return DashboardFilters(
        team_id=team.pk if team else None, start=START, end=START + dt.timedelta(90)
    )


def weekly_percent(username: str, capacity: float) -> list[float]:
    """Busiest day of each week, computed day by day from ASSIGNMENTS."""
    out = []
    for monday in MONDAYS:
        busiest = 0.0
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            load = 0.0
            for user, allocation, start, end, status in ASSIGNMENTS:
                if user != username or status == "finished":
                    continue
                if start <= day and (end is None or day <= end):
                    load += allocation if status == "confirmed" else allocation / 2
            busiest = max(busiest, load)
        out.append(100 * busiest / (100 * capacity))
    return out


def counted(teams: set[str]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for username, team, active, cap in PEOPLE:
        if active and float(cap) > 0 and team in teams:
            members.setdefault(team, []).append(username)
    return members


def expected_means(teams: set[str]) -> dict[str, list[float]]:
    caps = {username: float(cap) for username, _t, _a, cap in PEOPLE}
    means = {}
    for team, usernames in counted(teams).items():
        loads = [weekly_percent(u, caps[u]) for u in usernames]
        means[team] = [
            round(sum(load[i] for load in loads) / len(loads), 1) for i in range(12)
        ]
    return means


def test_capacity_is_registered_for_managers() -> None:
    assert CHARTS["capacity"].order == 30
    assert CHARTS["capacity"].roles == ("manager",)


@pytest.mark.parametrize(
    ("team", "scope"),
    [
        (None, {"Platform", "Vision", "Search"}),
        ("Platform", {"Platform", "Vision"}),
        ("Search", {"Search"}),
    ],
)
def test_heatmap_is_mean_allocation_per_team_and_week(
    team: str | None, scope: set[str]
) -> None:
    build_org()
    chosen = Team.objects.get(name=team) if team else None
    result = capacity(filters=filters_for(chosen), viewer=viewer())
    [heatmap] = result.figure.data
    means = expected_means(scope)
    assert list(heatmap.x) == [monday.isoformat() for monday in MONDAYS]
    assert list(heatmap.y) == sorted(means)
    assert [list(row) for row in heatmap.z] == [means[t] for t in sorted(means)]
    assert result.columns == ("team", "week", "mean_allocation")
    assert [(r["team"], r["week"], r["mean_allocation"]) for r in result.rows] == [
        (t, monday.isoformat(), means[t][i])
        for t in sorted(means)
        for i, monday in enumerate(MONDAYS)
    ]


def test_known_values_by_hand() -> None:
    build_org()
    result = capacity(filters=filters_for(None), viewer=viewer())
    [heatmap] = result.figure.data
    rows = dict(zip(heatmap.y, heatmap.z, strict=True))
    # Ana: 60 confirmed, plus 40 proposed (half) in weeks 3-5.
    assert list(rows["Platform"][:6]) == [60, 60, 80, 80, 80, 60]
    # Ben (half-time): 0, 100 %, 160 %, 60 %; Cem idle: the mean of both.
    assert list(rows["Vision"][:5]) == [0, 50, 80, 30, 0]
    assert list(rows["Search"]) == [100] * 12
    search = Team.objects.get(name="Search")
    row = list(heatmap.y).index("Search")
    assert set(heatmap.customdata[row]) == {
        reverse("people:directory") + f"?team={search.pk}"
    }


def test_over_allocated_and_idle_people_are_listed_with_profile_links() -> None:
    people = build_org()
    result = capacity(filters=filters_for(None), viewer=viewer())
    (over_heading, over), (idle_heading, idle) = result.lists
    assert over_heading == "Over-allocated (1)"
    assert over == [
        (
            "Ben X: 160% in the week of 16 Mar",
            reverse("people:profile", args=[people["ben"].pk]),
        )
    ]
    assert idle_heading == "Idle (1)"
    assert idle == [
        ("Cem X: 0% on average", reverse("people:profile", args=[people["cem"].pk]))
    ]


def test_team_filter_limits_the_lists() -> None:
    build_org()
    search = Team.objects.get(name="Search")
    result = capacity(filters=filters_for(search), viewer=viewer())
    assert [items for _heading, items in result.lists] == [[], []]


def _grow(n: int, team: Team) -> None:
    initiative = InitiativeFactory(team=team)
    for i in range(n):
        person = PersonFactory(team=team)
        AssignmentFactory(
            person=person,
            initiative=initiative,
            allocation=10 + i % 90,
            status=Assignment.Status.CONFIRMED if i % 2 else Assignment.Status.PROPOSED,
        )


@pytest.mark.parametrize("team", [None, "Platform"])
def test_query_count_is_the_same_at_10_and_200_people(team: str | None) -> None:
    build_org()
    chosen = Team.objects.get(name=team) if team else None
    vision = Team.objects.get(name="Vision")
    user = viewer()
    _grow(10, vision)
    with CaptureQueriesContext(connection) as small:
        capacity(filters=filters_for(chosen), viewer=user)
    _grow(190, vision)
    with CaptureQueriesContext(connection) as large:
        result = capacity(filters=filters_for(chosen), viewer=user)
    assert len(small) == len(large) <= 3
    assert len(result.figure.data[0].y) >= 2


def test_capacity_builds_with_no_data() -> None:
    result = capacity(filters=filters_for(None), viewer=viewer())
    assert result.rows == []
    assert [items for _heading, items in result.lists] == [[], []]
    assert result.figure.to_json()


@pytest.mark.django_db(databases=[])
def test_weekly_peaks_equal_peak_load_week_by_week():
    """The one-pass weekly peaks equal the staffing rule applied to each week,
    on random bookings: open-ended, outside the weeks, ending the day another
    starts, confirmed and proposed (odd percents, so halves round)."""
    rng = random.Random(7)
    day0 = dt.date(2026, 3, 2)
    checked = 0
    for _ in range(300):
        bookings = []
        for index in range(rng.randint(0, 6)):
            start = day0 + dt.timedelta(days=rng.randint(-40, 120))
            end = (
                None
                if rng.random() < 0.2
                else start + dt.timedelta(days=rng.randint(0, 60))
            )
            bookings.append(
                Booking(
                    index,
                    f"I-{index}",
                    "",
                    rng.randint(1, 100),
                    start,
                    end,
                    rng.choice(["confirmed", "proposed"]),
                )
            )
        if bookings and rng.random() < 0.3:  # one ends the day before another
            last = bookings[0]
            if last.end is not None:
                bookings.append(
                    Booking(
                        99,
                        "I-99",
                        "",
                        33,
                        last.end + dt.timedelta(days=1),
                        None,
                        "proposed",
                    )
                )
        weeks = sorted(
            {day0 + dt.timedelta(weeks=rng.randint(0, 14)) for _ in range(12)}
        )
        want = [
            peak_load(bookings, start=w, end=w + dt.timedelta(days=6)) for w in weeks
        ]
        assert weekly_peaks(bookings, weeks) == want
        checked += any(want)
    assert checked > 200  # most cases had something booked

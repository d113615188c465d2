"""The capacity chart, on a hand-built org: rows are the teams directly below
the filter (each with its sub-teams), columns the next 12 weeks from today."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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

TODAY = dt.date(2026, 3, 4)  # a Wednesday: weeks start on Monday 2 March
# The date range is in the past: the heatmap ignores it and looks ahead of TODAY.
START = dt.date(2025, 9, 1)
MONDAYS = [dt.date(2026, 3, 2) + dt.timedelta(weeks=i) for i in range(12)]
# Two top teams, so without a filter each is a row; Vision is below Platform.
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


def weekly_percent(
    username: str,
    capacity: float,
    assignments: list[tuple[str, int, dt.date, dt.date | None, str]] = ASSIGNMENTS,
) -> list[float]:
    """Busiest day of each week, computed day by day from ``assignments``."""
    out = []
    for monday in MONDAYS:
        busiest = 0.0
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            load = 0.0
            for user, allocation, start, end, status in assignments:
                if user != username or status == "finished":
                    continue
                if start <= day and (end is None or day <= end):
                    load += allocation if status == "confirmed" else allocation / 2
            busiest = max(busiest, load)
        out.append(100 * busiest / (100 * capacity))
    return out


def counted(rows: dict[str, set[str]]) -> dict[str, list[str]]:
    """The people each row counts: active, with capacity, in one of its teams."""
    members: dict[str, list[str]] = {}
    for row, teams in rows.items():
        for username, team, active, cap in PEOPLE:
            if active and float(cap) > 0 and team in teams:
                members.setdefault(row, []).append(username)
    return members


def expected_means(rows: dict[str, set[str]]) -> dict[str, list[float]]:
    caps = {username: float(cap) for username, _t, _a, cap in PEOPLE}
    means = {}
    for row, usernames in counted(rows).items():
        loads = [weekly_percent(u, caps[u]) for u in usernames]
        means[row] = [
            round(sum(load[i] for load in loads) / len(loads), 1) for i in range(12)
        ]
    return means


def test_capacity_is_registered_for_managers() -> None:
    assert CHARTS["capacity"].order == 30
    assert CHARTS["capacity"].roles == ("manager",)


@pytest.mark.parametrize(
    ("team", "rows"),
    [
        (None, {"Platform": {"Platform", "Vision"}, "Search": {"Search"}}),
        ("Platform", {"Platform (own members)": {"Platform"}, "Vision": {"Vision"}}),
    ],
)
def test_heatmap_is_mean_allocation_per_team_group_and_week(
    team: str | None, rows: dict[str, set[str]]
) -> None:
    build_org()
    chosen = Team.objects.get(name=team) if team else None
    result = capacity(filters=filters_for(chosen), viewer=viewer(), today=TODAY)
    [heatmap] = result.figure.data
    means = expected_means(rows)
    assert list(heatmap.x) == [monday.isoformat() for monday in MONDAYS]
    assert list(heatmap.y) == sorted(means)
    assert [list(row) for row in heatmap.z] == [means[t] for t in sorted(means)]
    assert result.columns == ("row", "week", "allocation")
    assert [(r["row"], r["week"], r["allocation"]) for r in result.rows] == [
        (t, monday.isoformat(), means[t][i])
        for t in sorted(means)
        for i, monday in enumerate(MONDAYS)
    ]


def test_known_values_by_hand() -> None:
    build_org()
    platform = Team.objects.get(name="Platform")
    result = capacity(filters=filters_for(platform), viewer=viewer(), today=TODAY)
    [heatmap] = result.figure.data
    rows = dict(zip(heatmap.y, heatmap.z, strict=True))
    # Ana: 60 confirmed, plus 40 proposed (half) in weeks 3-5.
    assert list(rows["Platform (own members)"][:6]) == [60, 60, 80, 80, 80, 60]
    # Ben (half-time): 0, 100 %, 160 %, 60 %; Cem idle: the mean of both.
    assert list(rows["Vision"][:5]) == [0, 50, 80, 30, 0]

    result = capacity(filters=filters_for(None), viewer=viewer(), today=TODAY)
    [heatmap] = result.figure.data
    rows = dict(zip(heatmap.y, heatmap.z, strict=True))
    # Platform counts Vision: the mean of Ana, Ben and Cem.
    assert list(rows["Platform"][:6]) == [20, 53.3, 80, 46.7, 26.7, 20]
    assert list(rows["Search"]) == [100] * 12
    directory = reverse("people:directory")
    for name in ("Platform", "Search"):
        team = Team.objects.get(name=name)
        row = list(heatmap.y).index(name)
        assert list(heatmap.customdata[row]) == [f"{directory}?team={team.pk}"] * 12


def test_weeks_are_the_next_12_from_today_whatever_the_date_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_org()
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    result = capacity(filters=filters_for(None), viewer=viewer())
    [heatmap] = result.figure.data
    assert list(heatmap.x) == [monday.isoformat() for monday in MONDAYS]
    assert "date range does not apply" in result.caption
    assert "next 12 weeks from today" in result.caption
    later = TODAY + dt.timedelta(weeks=20)  # a Wednesday too
    result = capacity(filters=filters_for(None), viewer=viewer(), today=later)
    [heatmap] = result.figure.data
    assert heatmap.x[0] == (later - dt.timedelta(days=2)).isoformat()
    assert len(heatmap.x) == 12


def test_over_allocated_and_idle_people_are_listed_with_profile_links() -> None:
    people = build_org()
    result = capacity(filters=filters_for(None), viewer=viewer(), today=TODAY)
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
    result = capacity(filters=filters_for(search), viewer=viewer(), today=TODAY)
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
        capacity(filters=filters_for(chosen), viewer=user, today=TODAY)
    _grow(190, vision)
    with CaptureQueriesContext(connection) as large:
        result = capacity(filters=filters_for(chosen), viewer=user, today=TODAY)
    assert len(small) == len(large) <= 3
    assert len(result.figure.data[0].y) >= 2


def test_capacity_builds_with_no_data() -> None:
    result = capacity(filters=filters_for(None), viewer=viewer(), today=TODAY)
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


# A small tree: a top team, two departments, one of them with two sub-teams.
TREE = {
    "Org": None,
    "Dept A": "Org",
    "A · One": "Dept A",
    "A · Two": "Dept A",
    "Dept B": "Org",
}
# username, team, capacity
TREE_PEOPLE = [
    ("oli", "Org", "1.00"),
    ("abe", "Dept A", "1.00"),
    ("amy", "A · One", "0.50"),
    ("ari", "A · One", "1.00"),
    ("axl", "A · Two", "1.00"),
    ("bea", "Dept B", "1.00"),
    ("bob", "Dept B", "0.80"),
]
TREE_ASSIGNMENTS: list[tuple[str, int, dt.date, dt.date | None, str]] = [
    ("oli", 30, D(2026, 1, 1), None, "confirmed"),
    ("abe", 70, D(2026, 3, 9), D(2026, 4, 19), "confirmed"),
    ("amy", 40, D(2026, 2, 1), D(2026, 3, 22), "confirmed"),
    ("amy", 50, D(2026, 3, 16), None, "proposed"),
    ("ari", 70, D(2026, 4, 6), D(2026, 4, 12), "confirmed"),
    ("ari", 50, D(2026, 4, 1), D(2026, 4, 8), "confirmed"),
    ("axl", 10, D(2026, 3, 23), None, "confirmed"),
    ("bea", 90, D(2026, 1, 1), D(2026, 3, 15), "confirmed"),
    ("bob", 80, D(2026, 4, 1), None, "proposed"),
]


def build_tree() -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for name, parent in TREE.items():
        teams[name] = TeamFactory(name=name, parent=teams[parent] if parent else None)
    initiative = InitiativeFactory(team=teams["Org"])
    people = {
        username: PersonFactory(
            user=UserFactory(username=username, first_name=username, last_name=""),
            team=teams[team],
            capacity_fte=Decimal(cap),
        )
        for username, team, cap in TREE_PEOPLE
    }
    for username, allocation, start, end, status in TREE_ASSIGNMENTS:
        AssignmentFactory(
            person=people[username],
            initiative=initiative,
            allocation=allocation,
            start=start,
            end=end,
            status=status,
        )
    return teams


def tree_means(rows: dict[str, set[str]]) -> dict[str, list[float]]:
    """Each row's mean, week by week, over the people of its teams."""
    out = {}
    for row, teams in rows.items():
        loads = [
            weekly_percent(username, float(cap), TREE_ASSIGNMENTS)
            for username, team, cap in TREE_PEOPLE
            if team in teams
        ]
        out[row] = [
            round(sum(load[i] for load in loads) / len(loads), 1) for i in range(12)
        ]
    return out


@pytest.mark.parametrize(
    ("team", "rows"),
    [
        (
            None,
            {
                "Org (own members)": {"Org"},
                "Dept A": {"Dept A", "A · One", "A · Two"},
                "Dept B": {"Dept B"},
            },
        ),
        (
            "Dept A",
            {
                "Dept A (own members)": {"Dept A"},
                "A · One": {"A · One"},
                "A · Two": {"A · Two"},
            },
        ),
    ],
)
def test_rows_are_the_teams_below_the_filter_each_with_its_sub_teams(
    team: str | None, rows: dict[str, set[str]]
) -> None:
    teams = build_tree()
    chosen = teams[team] if team else None
    result = capacity(filters=filters_for(chosen), viewer=viewer(), today=TODAY)
    [heatmap] = result.figure.data
    means = tree_means(rows)
    assert list(heatmap.y) == list(rows)
    assert {y: list(z) for y, z in zip(heatmap.y, heatmap.z, strict=True)} == means
    # A click opens the people directory of the row's people: a team with its
    # sub-teams, or a parent's own members only.
    directory = reverse("people:directory")
    ids = {name: teams[name.removesuffix(" (own members)")].pk for name in rows}
    only = {name: "&team_only=1" if "(own" in name else "" for name in rows}
    assert [list(cells) for cells in heatmap.customdata] == [
        [f"{directory}?team={ids[name]}{only[name]}"] * 12 for name in rows
    ]
    client = Client()
    client.force_login(viewer())
    for name, cells in zip(rows, heatmap.customdata, strict=True):
        listed = client.get(cells[0]).context["page"].paginator.count
        members = [p for p in TREE_PEOPLE if p[1] in rows[name]]
        assert listed == len(members), name
    assert [(r["row"], r["allocation"]) for r in result.rows] == [
        (name, value) for name in rows for value in means[name]
    ]
    # The lists stay per person, over everyone the filter covers.
    scope = set().union(*rows.values())
    caps = {username: float(cap) for username, _team, cap in TREE_PEOPLE}
    peaks = {
        username: max(weekly_percent(username, caps[username], TREE_ASSIGNMENTS))
        for username, member_team, _cap in TREE_PEOPLE
        if member_team in scope
    }
    (over_heading, over), _idle = result.lists
    want = sorted(
        (name for name, peak in peaks.items() if peak > 100),
        key=lambda name: (-peaks[name], name),
    )
    assert over_heading == f"Over-allocated ({len(want)})"
    assert [text.split(":")[0] for text, _url in over] == want
    assert want  # the tree has over-allocated people


def test_a_team_without_teams_below_it_shows_each_member() -> None:
    teams = build_tree()
    result = capacity(
        filters=filters_for(teams["A · One"]), viewer=viewer(), today=TODAY
    )
    [heatmap] = result.figure.data
    members = sorted(
        (username, float(cap))
        for username, team, cap in TREE_PEOPLE
        if team == "A · One"
    )
    assert list(heatmap.y) == [username for username, _cap in members]
    assert [list(row) for row in heatmap.z] == [
        [round(v, 1) for v in weekly_percent(username, cap, TREE_ASSIGNMENTS)]
        for username, cap in members
    ]
    profiles = {
        p.user.username: reverse("people:profile", args=[p.pk])
        for p in Person.objects.filter(team=teams["A · One"]).select_related("user")
    }
    assert [list(cells) for cells in heatmap.customdata] == [
        [profiles[username]] * 12 for username, _cap in members
    ]
    assert "Each member's allocation" in result.caption

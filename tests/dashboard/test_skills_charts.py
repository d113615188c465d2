"""The skill coverage and single-points-of-failure charts, on a hand-built org."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.core.models import User
from teamhub.dashboard.builders.skills import (
    DEMAND_LABEL,
    single_points,
    skill_coverage,
)
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Initiative
from teamhub.people.models import Person, Skill, Team
from teamhub.staffing.models import RequiredSkill, RoleRequirement, StaffingRequest
from tests.factories import (
    InitiativeFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)
ALL = DashboardFilters(team_id=None, start=START, end=START + dt.timedelta(weeks=12))

TEAMS = {"Platform": None, "Vision": "Platform", "Search": None}
# username, team, active, {skill: level}
PEOPLE: list[tuple[str, str, bool, dict[str, int]]] = [
    ("ana", "Platform", True, {"Spark": 4, "PyTorch": 3}),
    ("ben", "Vision", True, {"PyTorch": 5, "Spark": 2}),
    ("cem", "Vision", True, {"PyTorch": 3, "Time series": 4}),
    ("dia", "Search", True, {"Spark": 3, "Time series": 2}),
    ("eve", "Search", False, {"Spark": 5, "PyTorch": 4}),  # left: not counted
    ("fay", "Search", True, {"Kafka": 4}),
]
# initiative key, team, stage, criticality, request status,
# [(role headcount, [required skills])]
REQUESTS: list[tuple[str, str, str, int, str, list[tuple[int, list[str]]]]] = [
    (
        "ML-1",
        "Search",
        "experimentation",
        4,
        "open",
        [(3, ["Spark", "Kafka"]), (1, ["Spark", "Time series"])],
    ),
    ("ML-2", "Vision", "idea", 3, "open", [(2, ["PyTorch"])]),
    ("ML-3", "Platform", "retired", 2, "closed", [(5, ["Spark", "Kafka"])]),
    ("ML-4", "Platform", "deployment", 1, "closed", [(1, ["Time series"])]),
]


def build_org() -> dict[str, Any]:
    teams: dict[str, Team] = {}
    for name, parent in TEAMS.items():
        teams[name] = TeamFactory(name=name, parent=teams[parent] if parent else None)
    skills: dict[str, Skill] = {}
    people: dict[str, Person] = {}
    for username, team, active, held in PEOPLE:
        person = PersonFactory(
            user=UserFactory(
                username=username, first_name=username.title(), last_name="X"
            ),
            team=teams[team],
            active=active,
        )
        people[username] = person
        for skill, level in held.items():
            skills.setdefault(skill, SkillFactory(name=skill))
            PersonSkillFactory(person=person, skill=skills[skill], level=level)
    for key, team, stage, criticality, status, roles in REQUESTS:
        initiative = InitiativeFactory(
            key=key, team=teams[team], stage=stage, mission_criticality=criticality
        )
        request = StaffingRequest.objects.create(initiative=initiative, status=status)
        for position, (headcount, needed) in enumerate(roles):
            role = RoleRequirement.objects.create(
                request=request,
                role=f"Role {position}",
                headcount=headcount,
                allocation=50,
                start=START,
                end=START + dt.timedelta(days=90),
                position=position,
            )
            for skill in needed:
                skills.setdefault(skill, SkillFactory(name=skill))
                RequiredSkill.objects.create(
                    role=role, skill=skills[skill], min_level=3
                )
    return {"teams": teams, "skills": skills, "people": people}


def viewer() -> User:
    user: User = UserFactory(username="boss", roles=["manager"])
    return user


def in_scope(team: str | None) -> set[str]:
    """The team and its sub-teams, from TEAMS (or every team)."""
    if team is None:
        return set(TEAMS)
    found = {team}
    while True:
        more = {t for t, parent in TEAMS.items() if parent in found} - found
        if not more:
            return found
        found |= more


def expected_supply(teams: set[str]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _user, team, active, held in PEOPLE:
        for skill, level in held.items():
            if active and level >= 3 and team in teams:
                counts[(team, skill)] += 1
    return counts


def expected_demand(teams: set[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _key, team, _stage, _crit, status, roles in REQUESTS:
        if status == "open" and team in teams:
            for headcount, needed in roles:
                for skill in needed:
                    counts[skill] += headcount
    return counts


def search_params(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts.path == reverse("people:search")
    return parse_qs(parts.query)


# -- skill coverage ----------------------------------------------------------------


def test_charts_are_registered_for_managers() -> None:
    assert CHARTS["skill_coverage"].order == 10
    assert CHARTS["single_points"].order == 20
    assert CHARTS["skill_coverage"].roles == ("manager",)


@pytest.mark.parametrize("team", [None, "Platform", "Search"])
def test_coverage_heatmap_counts_people_at_3_plus_and_open_demand(
    team: str | None,
) -> None:
    org = build_org()
    team_id = org["teams"][team].pk if team else None
    filters = DashboardFilters(team_id=team_id, start=ALL.start, end=ALL.end)
    result = skill_coverage(filters=filters, viewer=viewer())
    scope = in_scope(team)
    supply = expected_supply(scope)
    demand = expected_demand(scope)

    demand_trace, supply_trace = result.figure.data
    skills = list(supply_trace.x)
    assert list(demand_trace.x) == skills
    expected_skills = {s for _t, s in supply} | set(demand)
    assert set(skills) == expected_skills
    assert list(supply_trace.y) == sorted(scope)
    assert [list(row) for row in supply_trace.z] == [
        [supply.get((t, s), 0) for s in skills] for t in sorted(scope)
    ]
    assert list(demand_trace.y) == [DEMAND_LABEL]
    assert list(demand_trace.z[0]) == [demand.get(s, 0) for s in skills]
    # Columns are the skills with most demand + supply first.
    totals = [
        demand.get(s, 0) + sum(n for (_t, k), n in supply.items() if k == s)
        for s in skills
    ]
    assert totals == sorted(totals, reverse=True)


def test_coverage_cells_open_the_prefilled_skill_search() -> None:
    org = build_org()
    result = skill_coverage(filters=ALL, viewer=viewer())
    demand_trace, supply_trace = result.figure.data
    skills = list(supply_trace.x)
    for row, team in enumerate(supply_trace.y):
        for column, skill in enumerate(skills):
            params = search_params(supply_trace.customdata[row][column])
            assert params["team"] == [str(org["teams"][team].pk)]
            name = f'"{skill}"' if " " in skill else skill
            assert params["q"] == [f"{name}:3"]
    column = skills.index("Time series")
    assert search_params(demand_trace.customdata[0][column]) == {
        "q": ['"Time series":3']
    }


def test_coverage_lists_the_largest_gaps_first() -> None:
    build_org()
    result = skill_coverage(filters=ALL, viewer=viewer())
    supply = expected_supply(set(TEAMS))
    held: dict[str, int] = defaultdict(int)
    for (_team, skill), n in supply.items():
        held[skill] += n
    demand = expected_demand(set(TEAMS))
    gaps = sorted(
        ((s, a, held[s]) for s, a in demand.items() if a > held[s]),
        key=lambda g: (g[2] - g[1], g[0]),
    )
    [(heading, items)] = result.lists
    assert heading == "Largest gaps"
    assert [text for text, _url in items] == [
        f"{s}: {a} asked, {h} held" for s, a, h in gaps
    ]
    assert [text for text, _url in items] == [
        "Kafka: 3 asked, 1 held",
        "Spark: 4 asked, 2 held",
    ]
    assert search_params(items[1][1]) == {"q": ["Spark:3"]}


def test_coverage_csv_rows_hold_supply_and_demand_per_team() -> None:
    build_org()
    result = skill_coverage(filters=ALL, viewer=viewer())
    assert result.columns == ("team", "skill", "people_at_3_plus", "demand")
    rows = {(r["team"], r["skill"]): r for r in result.rows}
    assert rows[("Search", "Spark")] == {
        "team": "Search",
        "skill": "Spark",
        "people_at_3_plus": 1,
        "demand": 4,
    }
    assert rows[("Vision", "PyTorch")]["demand"] == 2
    supply = expected_supply(set(TEAMS))
    assert {
        k: r["people_at_3_plus"] for k, r in rows.items() if r["people_at_3_plus"]
    } == supply


# -- single points of failure ------------------------------------------------------


def expected_single_points(teams: set[str]) -> list[tuple[str, str, int]]:
    holders: dict[str, list[str]] = defaultdict(list)
    for user, team, active, held in PEOPLE:
        for skill, level in held.items():
            if active and level >= 4 and team in teams:
                holders[skill].append(user)
    weight: dict[str, int] = defaultdict(int)
    for _key, _team, stage, crit, status, roles in REQUESTS:
        if stage in ("retired", "idea") and status != "open":
            continue
        for skill in {s for _h, needed in roles for s in needed}:
            weight[skill] += crit
    lone = [
        (s, f"{h[0].title()} X", weight[s]) for s, h in holders.items() if len(h) == 1
    ]
    return sorted(lone, key=lambda p: (-p[2], p[0]))


@pytest.mark.parametrize("team", [None, "Platform"])
def test_single_points_are_lone_experts_weighted_by_criticality(
    team: str | None,
) -> None:
    org = build_org()
    team_id = org["teams"][team].pk if team else None
    filters = DashboardFilters(team_id=team_id, start=ALL.start, end=ALL.end)
    result = single_points(filters=filters, viewer=viewer())
    expected = expected_single_points(in_scope(team))
    [bars] = result.figure.data
    assert list(bars.y) == [skill for skill, _h, _w in expected]
    assert list(bars.x) == [weight for _s, _h, weight in expected]
    assert list(bars.text) == [holder for _s, holder, _w in expected]
    by_name = {p.name: p for p in org["people"].values()}
    assert list(bars.customdata) == [
        reverse("people:profile", args=[by_name[holder].pk])
        for _s, holder, _w in expected
    ]
    assert [(r["skill"], r["holder"], r["weight"]) for r in result.rows] == expected


def test_single_points_expected_values_by_hand() -> None:
    build_org()
    result = single_points(filters=ALL, viewer=viewer())
    assert [(r["skill"], r["weight"]) for r in result.rows] == [
        ("Time series", 5),
        ("Kafka", 4),
        ("Spark", 4),
        ("PyTorch", 3),
    ]


# -- query counts ------------------------------------------------------------------


def _grow(n: int, team: Team) -> None:
    skills = [SkillFactory(name=f"Extra {i}") for i in range(5)]
    initiative: Initiative = InitiativeFactory(team=team, stage="deployment")
    request = StaffingRequest.objects.create(initiative=initiative)
    role = RoleRequirement.objects.create(
        request=request, role="Any", allocation=20, start=START, end=START
    )
    for skill in skills:
        RequiredSkill.objects.create(role=role, skill=skill, min_level=3)
    for i in range(n):
        person = PersonFactory(team=team)
        PersonSkillFactory(person=person, skill=skills[i % 5], level=3 + i % 3)


@pytest.mark.parametrize("build", [skill_coverage, single_points])
@pytest.mark.parametrize("team", [False, True])
def test_query_count_is_the_same_at_10_and_200_people(build: Any, team: bool) -> None:
    org = build_org()
    filters = DashboardFilters(
        team_id=org["teams"]["Platform"].pk if team else None,
        start=ALL.start,
        end=ALL.end,
    )
    user = viewer()
    _grow(10, org["teams"]["Vision"])
    with CaptureQueriesContext(connection) as small:
        build(filters=filters, viewer=user)
    _grow(190, org["teams"]["Vision"])
    with CaptureQueriesContext(connection) as large:
        build(filters=filters, viewer=user)
    assert len(small) == len(large)
    assert len(large) <= 4


def test_charts_build_with_no_data() -> None:
    for build in (skill_coverage, single_points):
        result = build(filters=ALL, viewer=viewer())
        assert result.rows == []
        assert result.figure.to_json()

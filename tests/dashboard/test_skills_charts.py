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

TEAMS: dict[str, str | None] = {"Platform": None, "Vision": "Platform", "Search": None}
# The same teams, none below another: the heatmap shows one row per team.
FLAT: dict[str, str | None] = dict.fromkeys(TEAMS)
# username, team, active, {skill: level}
PersonRow = tuple[str, str | None, bool, dict[str, int]]
PEOPLE: list[PersonRow] = [
    ("ana", "Platform", True, {"Spark": 4, "PyTorch": 3}),
    ("ben", "Vision", True, {"PyTorch": 5, "Spark": 2}),
    ("cem", "Vision", True, {"PyTorch": 3, "Time series": 4}),
    ("dia", "Search", True, {"Spark": 3, "Time series": 2}),
    ("eve", "Search", False, {"Spark": 5, "PyTorch": 4}),  # left: not counted
    ("fay", "Search", True, {"Kafka": 4}),
]
# initiative key, team, stage, criticality, request status,
# [(role headcount, [required skills])]
RequestRow = tuple[str, str | None, str, int, str, list[tuple[int, list[str]]]]
REQUESTS: list[RequestRow] = [
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


def build_org(
    tree: dict[str, str | None] = TEAMS,
    people_rows: list[PersonRow] = PEOPLE,
    requests: list[RequestRow] = REQUESTS,
) -> dict[str, Any]:
    """Create the teams (in ``tree`` order, parents first), people and requests."""
    teams: dict[str, Team] = {}
    for name, parent in tree.items():
        teams[name] = TeamFactory(name=name, parent=teams[parent] if parent else None)
    skills: dict[str, Skill] = {}
    people: dict[str, Person] = {}
    for username, team, active, held in people_rows:
        person = PersonFactory(
            user=UserFactory(
                username=username, first_name=username.title(), last_name="X"
            ),
            team=teams[team] if team else None,
            active=active,
        )
        people[username] = person
        for skill, level in held.items():
            skills.setdefault(skill, SkillFactory(name=skill))
            PersonSkillFactory(person=person, skill=skills[skill], level=level)
    for key, team, stage, criticality, status, roles in requests:
        initiative = InitiativeFactory(
            key=key,
            team=teams[team] if team else None,
            stage=stage,
            mission_criticality=criticality,
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


def in_scope(team: str | None, tree: dict[str, str | None] = TEAMS) -> set[str]:
    """The team and its sub-teams, from ``tree`` (or every team)."""
    if team is None:
        return set(tree)
    found = {team}
    while True:
        more = {t for t, parent in tree.items() if parent in found} - found
        if not more:
            return found
        found |= more


def expected_rows(
    team: str | None, tree: dict[str, str | None] = TEAMS
) -> list[tuple[str, str, set[str]]]:
    """The heatmap's rows: (label, team linked to, teams counted), from ``tree``.

    The filtered team (without a filter, the only top team, if there is one)
    gives a row of its own members, then one row per team directly below it
    with its whole sub-tree; a team with nothing below is a row of its own.
    """
    tops = sorted(t for t, parent in tree.items() if parent is None)
    anchor = team if team is not None else (tops[0] if len(tops) == 1 else None)
    below = sorted(t for t, parent in tree.items() if parent == anchor)
    if anchor is None:
        return [(t, t, in_scope(t, tree)) for t in below]
    if not below:
        return [(anchor, anchor, {anchor})]
    own = (f"{anchor} (own members)", anchor, {anchor})
    return [own] + [(t, t, in_scope(t, tree)) for t in below]


def expected_supply(
    teams: set[str], people: list[PersonRow] = PEOPLE
) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _user, team, active, held in people:
        for skill, level in held.items():
            if active and level >= 3 and team in teams:
                counts[(team, skill)] += 1
    return counts


def expected_demand(
    teams: set[str | None], requests: list[RequestRow] = REQUESTS
) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _key, team, _stage, _crit, status, roles in requests:
        if status == "open" and team in teams:
            for headcount, needed in roles:
                for skill in needed:
                    counts[skill] += headcount
    return counts


def row_supply(
    rows: list[tuple[str, str, set[str]]], people: list[PersonRow] = PEOPLE
) -> dict[tuple[str, str], int]:
    """People at level 3 or more per (row label, skill): each row's teams summed."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for label, _link, teams in rows:
        for (_team, skill), n in expected_supply(teams, people).items():
            counts[(label, skill)] += n
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


def row_labels(figure: Any, trace: Any) -> list[str]:
    """A heatmap trace's row labels: its y positions named by the axis."""
    axis = figure.layout.yaxis
    names = dict(zip(axis.tickvals, axis.ticktext, strict=True))
    return [names[y] for y in trace.y]


@pytest.mark.parametrize("tree", [TEAMS, FLAT], ids=["tree", "flat"])
@pytest.mark.parametrize("team", [None, "Platform", "Search", "Vision"])
def test_coverage_heatmap_counts_people_at_3_plus_and_open_demand(
    team: str | None, tree: dict[str, str | None]
) -> None:
    org = build_org(tree)
    team_id = org["teams"][team].pk if team else None
    filters = DashboardFilters(team_id=team_id, start=ALL.start, end=ALL.end)
    result = skill_coverage(filters=filters, viewer=viewer())
    scope = in_scope(team, tree)
    rows = expected_rows(team, tree)
    supply = row_supply(rows)
    demand = expected_demand(set(scope))

    demand_trace, supply_trace = result.figure.data
    skills = list(supply_trace.x)
    assert list(demand_trace.x) == skills
    expected_skills = {s for _t, s in supply} | set(demand)
    assert set(skills) == expected_skills
    labels = [label for label, _link, _teams in rows]
    assert row_labels(result.figure, supply_trace) == labels
    assert [list(row) for row in supply_trace.z] == [
        [supply.get((label, s), 0) for s in skills] for label in labels
    ]
    assert row_labels(result.figure, demand_trace) == [DEMAND_LABEL]
    assert list(demand_trace.z[0]) == [demand.get(s, 0) for s in skills]
    # Columns are the skills with most demand + supply first.
    totals = [
        demand.get(s, 0) + sum(n for (_t, k), n in supply.items() if k == s)
        for s in skills
    ]
    assert totals == sorted(totals, reverse=True)


def test_flat_teams_keep_one_row_per_team_with_its_own_numbers() -> None:
    build_org(FLAT)
    result = skill_coverage(filters=ALL, viewer=viewer())
    _demand, supply_trace = result.figure.data
    labels = row_labels(result.figure, supply_trace)
    assert labels == ["Platform", "Search", "Vision"]
    skills = list(supply_trace.x)
    by_team = dict(zip(labels, supply_trace.z, strict=True))
    assert by_team["Vision"][skills.index("PyTorch")] == 2  # ben and cem
    assert by_team["Platform"][skills.index("PyTorch")] == 1  # ana
    assert by_team["Search"][skills.index("Spark")] == 1  # dia (eve has left)


@pytest.mark.parametrize("team", [None, "Platform"])
def test_coverage_cells_open_the_prefilled_skill_search(team: str | None) -> None:
    org = build_org()
    team_id = org["teams"][team].pk if team else None
    filters = DashboardFilters(team_id=team_id, start=ALL.start, end=ALL.end)
    result = skill_coverage(filters=filters, viewer=viewer())
    demand_trace, supply_trace = result.figure.data
    skills = list(supply_trace.x)
    links = {label: link for label, link, _teams in expected_rows(team)}
    assert row_labels(result.figure, supply_trace) == list(links)
    for row, label in enumerate(row_labels(result.figure, supply_trace)):
        for column, skill in enumerate(skills):
            url = supply_trace.customdata[row][column]
            assert url.startswith("/people/search/?")
            params = search_params(url)
            assert params["team"] == [str(org["teams"][links[label]].pk)]
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


def test_coverage_csv_rows_hold_supply_and_demand_per_row() -> None:
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
    # Vision is counted in Platform, the top team it is under.
    assert rows[("Platform", "PyTorch")] == {
        "team": "Platform",
        "skill": "PyTorch",
        "people_at_3_plus": 3,
        "demand": 2,
    }
    supply = row_supply(expected_rows(None))
    assert {
        k: r["people_at_3_plus"] for k, r in rows.items() if r["people_at_3_plus"]
    } == supply


# -- skill coverage on a team tree ------------------------------------------------

ORG_TREE: dict[str, str | None] = {
    "Data & AI": None,
    "Fraud": "Data & AI",
    "Fraud · Cards": "Fraud",
    "Fraud · Identity": "Fraud",
    "NLP": "Data & AI",
}
TREE_PEOPLE: list[PersonRow] = [
    ("tia", "Data & AI", True, {"Spark": 3}),
    ("fio", "Fraud", True, {"Spark": 4, "Kafka": 3}),
    ("cal", "Fraud · Cards", True, {"Spark": 3, "PyTorch": 5}),
    ("cat", "Fraud · Cards", True, {"Spark": 5, "Kafka": 2}),
    ("ida", "Fraud · Identity", True, {"Spark": 5, "PyTorch": 2}),
    ("ivy", "Fraud · Identity", False, {"Kafka": 5}),  # left: not counted
    ("nat", "NLP", True, {"PyTorch": 3, "Time series": 3}),
    ("nob", None, True, {"Spark": 5}),  # no team: in no row
]
TREE_REQUESTS: list[RequestRow] = [
    ("FR-1", "Fraud · Cards", "experimentation", 4, "open", [(2, ["Spark"])]),
    ("FR-2", "Fraud · Identity", "idea", 3, "open", [(1, ["Kafka", "PyTorch"])]),
    ("FR-3", "Fraud", "deployment", 2, "closed", [(5, ["Spark"])]),
    ("NL-1", "NLP", "experimentation", 2, "open", [(4, ["Time series"])]),
    ("DA-1", None, "idea", 1, "open", [(3, ["PyTorch"])]),  # no team
]


def tree_chart(
    team: str | None,
) -> tuple[Any, dict[str, Any], dict[tuple[str, str], int], dict[str, int]]:
    """Build the tree org and its chart for ``team``; return the chart, the
    org, and the supply per (row, skill) and demand per skill the chart should
    show, summed here from the lists above."""
    org = build_org(ORG_TREE, TREE_PEOPLE, TREE_REQUESTS)
    team_id = org["teams"][team].pk if team else None
    filters = DashboardFilters(team_id=team_id, start=ALL.start, end=ALL.end)
    result = skill_coverage(filters=filters, viewer=viewer())
    supply: dict[tuple[str, str], int] = defaultdict(int)
    for label, _link, teams in expected_rows(team, ORG_TREE):
        for _user, home, active, held in TREE_PEOPLE:
            for skill, level in held.items():
                if home in teams and active and level >= 3:
                    supply[(label, skill)] += 1
    scope: set[str | None] = set(in_scope(team, ORG_TREE))
    if team is None:
        scope.add(None)  # without a filter, initiatives with no team count too
    return result, org, supply, expected_demand(scope, TREE_REQUESTS)


def heatmap(result: Any) -> tuple[list[str], dict[str, list[int]], list[int]]:
    demand_trace, supply_trace = result.figure.data
    labels = row_labels(result.figure, supply_trace)
    rows = {y: list(z) for y, z in zip(labels, supply_trace.z, strict=True)}
    return list(supply_trace.x), rows, list(demand_trace.z[0])


def test_tree_without_a_filter_shows_the_departments_with_their_sub_teams() -> None:
    result, org, supply, demand = tree_chart(None)
    skills, rows, asked = heatmap(result)
    assert list(rows) == ["Data & AI (own members)", "Fraud", "NLP"]
    for label, numbers in rows.items():
        assert numbers == [supply.get((label, s), 0) for s in skills]
    assert asked == [demand.get(s, 0) for s in skills]
    # By hand: Fraud counts fio, cal, cat and ida; Data & AI only tia.
    assert rows["Fraud"][skills.index("Spark")] == 4
    assert rows["Fraud"][skills.index("PyTorch")] == 1
    assert rows["Data & AI (own members)"][skills.index("Spark")] == 1
    assert asked[skills.index("PyTorch")] == 4  # FR-2's 1 and DA-1's 3
    _d, supply_trace = result.figure.data
    teams = [search_params(row[0])["team"] for row in supply_trace.customdata]
    assert teams == [
        [str(org["teams"][name].pk)] for name in ("Data & AI", "Fraud", "NLP")
    ]
    # The largest gaps are over the whole scope, whatever the rows.
    [(_heading, gaps)] = result.lists
    assert [text for text, _url in gaps] == [
        "Time series: 4 asked, 1 held",
        "PyTorch: 4 asked, 2 held",
    ]


def test_tree_with_a_filter_shows_its_own_members_and_each_team_below() -> None:
    result, _org, supply, demand = tree_chart("Fraud")
    skills, rows, asked = heatmap(result)
    assert list(rows) == ["Fraud (own members)", "Fraud · Cards", "Fraud · Identity"]
    for label, numbers in rows.items():
        assert numbers == [supply.get((label, s), 0) for s in skills]
    assert asked == [demand.get(s, 0) for s in skills]
    assert rows["Fraud · Cards"][skills.index("Spark")] == 2
    assert rows["Fraud (own members)"][skills.index("Kafka")] == 1
    assert "Time series" not in skills  # only nat, in NLP, holds it
    assert asked[skills.index("PyTorch")] == 1  # FR-2 only
    csv = {(r["team"], r["skill"]): r for r in result.rows}
    assert csv[("Fraud · Cards", "Spark")]["demand"] == 2
    assert csv[("Fraud · Identity", "Kafka")] == {
        "team": "Fraud · Identity",
        "skill": "Kafka",
        "people_at_3_plus": 0,
        "demand": 1,
    }


def test_tree_filter_on_a_leaf_team_shows_one_row() -> None:
    result, _org, supply, demand = tree_chart("Fraud · Cards")
    skills, rows, asked = heatmap(result)
    assert list(rows) == ["Fraud · Cards"]
    assert rows["Fraud · Cards"] == [
        supply.get(("Fraud · Cards", s), 0) for s in skills
    ]
    assert asked == [demand.get(s, 0) for s in skills]


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
    needed = [point for point in expected if point[2] > 0]
    [bars] = result.figure.data
    assert list(bars.y) == [skill for skill, _h, _w in needed]
    assert list(bars.x) == [weight for _s, _h, weight in needed]
    assert list(bars.text) == [holder for _s, holder, _w in needed]
    by_name = {p.name: p for p in org["people"].values()}
    assert list(bars.customdata) == [
        reverse("people:profile", args=[by_name[holder].pk])
        for _s, holder, _w in needed
    ]
    # The skills no current initiative needs are listed under the bars.
    [(heading, items)] = result.lists
    assert heading.startswith("Also held by one expert")
    assert items == [
        (f"{skill} — {holder}", reverse("people:profile", args=[by_name[holder].pk]))
        for skill, holder, weight in expected
        if weight == 0
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


def test_a_lone_expert_no_initiative_needs_is_listed_not_drawn() -> None:
    build_org()
    rare = SkillFactory(name="Fortran")
    holder = PersonFactory()
    PersonSkillFactory(person=holder, skill=rare, level=5)
    result = single_points(filters=ALL, viewer=viewer())
    [bars] = result.figure.data
    assert "Fortran" not in list(bars.y)
    [(_heading, items)] = result.lists
    assert items == [(f"Fortran — {holder.name}", holder.get_absolute_url())]
    assert {"skill": "Fortran", "holder": holder.name, "weight": 0} in result.rows


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

"""Skill charts: coverage and gaps per team, and single points of failure."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db.models import Count, Min, Q, Sum
from django.urls import reverse

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import (
    TeamGroup,
    TeamRow,
    group_of,
    team_groups,
    teams_in_scope,
)
from teamhub.initiatives.models.initiatives import Stage
from teamhub.people.models import Person, PersonSkill
from teamhub.staffing.models import RequiredSkill, StaffingRequest

PRACTITIONER = 3  # "people at level >= 3" in the coverage heatmap
EXPERT = 4  # a single point of failure is the only holder at this level or above
MAX_SKILLS = 25  # columns of the coverage heatmap, so it stays readable
MAX_GAPS = 10
MAX_SINGLE_POINTS = 25
DEMAND_LABEL = "Demand (open requests)"

SUPPLY_COLOURS = [[0.0, "#f8f9fa"], [1.0, "#0d6efd"]]  # Bootstrap light → primary
DEMAND_COLOURS = [[0.0, "#fff3cd"], [1.0, "#fd7e14"]]  # Bootstrap warning → orange
BAR_COLOUR = "#dc3545"  # Bootstrap danger

_NEEDS_QUOTES = re.compile(r"[\s,:=>]")


# -- shared selectors ------------------------------------------------------------


def skill_search_url(
    skill: str, *, level: int, team_id: int | None = None, base: str = ""
) -> str:
    """Return the skill search prefilled for ``skill`` at ``level`` (and a team).

    ``base`` is ``reverse("people:search")``, passed in when building many URLs.
    """
    name = f'"{skill}"' if _NEEDS_QUOTES.search(skill) else skill
    params: dict[str, str | int] = {"q": f"{name}:{level}"}
    if team_id is not None:
        params["team"] = team_id
    return (base or reverse("people:search")) + "?" + urlencode(params)


def _team_q(prefix: str, teams: Sequence[TeamRow] | None) -> Q:
    return Q() if teams is None else Q(**{f"{prefix}__in": [t.id for t in teams]})


# -- skill coverage: selectors ---------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    groups: list[TeamGroup]  # the rows: the teams directly below the filter
    skills: dict[int, str]  # every skill held or asked for: id -> name
    supply: dict[tuple[int, int], int]  # (group id, skill id) -> people at level >= 3
    # (group id of the initiative's team, None if it has none, skill id) -> headcount
    demand: dict[tuple[int | None, int], int]


def skill_coverage_read(filters: DashboardFilters) -> Coverage:
    """Read supply and open demand per team group and skill (three queries).

    Supply counts active people whose team is in scope, in the group of their
    team; demand counts open requests of initiatives in scope (every initiative
    without a filter), in the group of the initiative's team.
    """
    groups = team_groups(filters.team_id)
    group = {pk: g.id for pk, g in group_of(groups).items()}
    if filters.team_id is None:
        people_q = Q(person__team__isnull=False)
        asked_q = Q()
    else:
        people_q = Q(person__team_id__in=list(group))
        asked_q = Q(role__request__initiative__team_id__in=list(group))
    skills: dict[int, str] = {}
    supply: dict[tuple[int, int], int] = defaultdict(int)
    held = (
        PersonSkill.objects.filter(
            people_q, level__gte=PRACTITIONER, person__active=True
        )
        .values("person__team_id", "skill_id", "skill__name")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
        # Tuples, not dicts: a row per team and skill, tens of thousands of them.
        .values_list("person__team_id", "skill_id", "skill__name", "n")
    )
    for team_id, skill_id, name, n in held:
        if team_id in group:
            skills[skill_id] = name
            supply[(group[team_id], skill_id)] += n
    demand: dict[tuple[int | None, int], int] = defaultdict(int)
    asked = (
        RequiredSkill.objects.filter(
            asked_q, role__request__status=StaffingRequest.Status.OPEN
        )
        .values("role__request__initiative__team_id", "skill_id", "skill__name")
        .annotate(n=Sum("role__headcount"))
        .order_by()
        .values_list(
            "role__request__initiative__team_id", "skill_id", "skill__name", "n"
        )
    )
    for team_id, skill_id, name, n in asked:
        skills[skill_id] = name
        demand[(group.get(team_id), skill_id)] += n or 0
    return Coverage(
        groups=groups, skills=skills, supply=dict(supply), demand=dict(demand)
    )


# -- skill coverage: figure --------------------------------------------------------


@dataclass(frozen=True)
class CoverageGrid:
    groups: list[TeamGroup]
    skills: list[tuple[int, str]]  # the columns, most demand + supply first
    supply: list[list[int]]  # [group][skill]
    demand: list[int]  # [skill], all teams in scope
    gaps: list[tuple[str, int, int]]  # (skill, asked, held), largest gap first


def coverage_grid(coverage: Coverage) -> CoverageGrid:
    """Arrange the coverage into the heatmap's rows and columns (pure)."""
    held: dict[int, int] = defaultdict(int)
    for (_group, skill), n in coverage.supply.items():
        held[skill] += n
    asked: dict[int, int] = defaultdict(int)
    for (_asker, needed), n in coverage.demand.items():
        asked[needed] += n
    ranked = sorted(
        coverage.skills.items(),
        key=lambda item: (-(held[item[0]] + asked[item[0]]), item[1].lower()),
    )[:MAX_SKILLS]
    supply = [
        [coverage.supply.get((group.id, skill), 0) for skill, _name in ranked]
        for group in coverage.groups
    ]
    gaps = sorted(
        (
            (name, asked[skill], held[skill])
            for skill, name in coverage.skills.items()
            if asked[skill] > held[skill]
        ),
        key=lambda gap: (-(gap[1] - gap[2]), gap[0].lower()),
    )[:MAX_GAPS]
    return CoverageGrid(
        groups=coverage.groups,
        skills=ranked,
        supply=supply,
        demand=[asked[skill] for skill, _name in ranked],
        gaps=gaps,
    )


def coverage_figure(grid: CoverageGrid) -> go.Figure:
    """Return the team groups x skills heatmap with a demand row on top."""
    names = [name for _skill, name in grid.skills]
    team_names = [group.name for group in grid.groups]
    base = reverse("people:search")
    skill_urls = [
        skill_search_url(name, level=PRACTITIONER, base=base) for name in names
    ]
    # Rows at numeric positions (0 the demand, then the teams) labelled by the
    # axis: plotly.js misplaces a one-row heatmap on a category axis another
    # heatmap shares (the row is drawn below its label).
    positions = list(range(1, len(team_names) + 1))
    figure = go.Figure()
    figure.add_trace(
        go.Heatmap(
            x=names,
            y=[0],
            z=[grid.demand],
            customdata=[skill_urls],
            colorscale=DEMAND_COLOURS,
            zmin=0,
            showscale=False,
            texttemplate="%{z}",
            xgap=2,
            ygap=2,
            name="Demand",
            hovertemplate="%{x}: %{z} asked in open staffing requests<extra></extra>",
        )
    )
    figure.add_trace(
        go.Heatmap(
            x=names,
            y=positions,
            z=grid.supply,
            # The skill search prefilled for the cell's skill and the row's
            # people, each skill's part encoded once (a group adds "&team=...").
            customdata=[
                [f"{url}&{query}" for url in skill_urls]
                for query in (urlencode(group.people_query()) for group in grid.groups)
            ],
            hovertext=[[name] * len(names) for name in team_names],
            colorscale=SUPPLY_COLOURS,
            zmin=0,
            colorbar={"title": {"text": "People ≥ 3"}, "thickness": 12},
            texttemplate="%{z}",
            xgap=2,
            ygap=2,
            name="People at level ≥ 3",
            hovertemplate="%{hovertext} · %{x}: %{z} at level 3 or more<extra></extra>",
        )
    )
    rows = len(team_names) + 1
    figure.update_layout(
        template="plotly_white",
        height=max(260, 120 + 28 * rows),
        margin={"l": 160, "r": 20, "t": 30, "b": 120},
        xaxis={"tickangle": -45, "side": "bottom", "title": None},
        yaxis={
            "tickmode": "array",
            "tickvals": [0, *positions],
            "ticktext": [DEMAND_LABEL, *team_names],
            "autorange": "reversed",
            "showgrid": False,
            "zeroline": False,
            "title": None,
        },
    )
    return figure


@chart(
    "skill_coverage",
    title="Skill coverage and gaps",
    order=10,
    roles=(Role.MANAGER,),
    depends_on=("people", "staffing", "initiatives"),
)
def skill_coverage(*, filters: DashboardFilters, viewer: User) -> Chart:
    coverage = skill_coverage_read(filters)
    grid = coverage_grid(coverage)
    by_name = sorted(coverage.skills.items(), key=lambda s: s[1].lower())
    rows = [
        {
            "team": group.name,
            "skill": name,
            "people_at_3_plus": coverage.supply.get((group.id, skill), 0),
            "demand": coverage.demand.get((group.id, skill), 0),
        }
        for group in coverage.groups
        for skill, name in by_name
        if (group.id, skill) in coverage.supply or (group.id, skill) in coverage.demand
    ]
    gaps = [
        (
            f"{name}: {asked} asked, {held} held",
            skill_search_url(name, level=PRACTITIONER),
        )
        for name, asked, held in grid.gaps
    ]
    return Chart(
        key="skill_coverage",
        title="Skill coverage and gaps",
        caption=(
            "Active people at level 3 or more per skill, under the headcount open "
            "staffing requests ask for. Rows are the teams directly below the filter, "
            "each with its sub-teams; click a cell to search for them."
        ),
        figure=coverage_figure(grid),
        columns=("team", "skill", "people_at_3_plus", "demand"),
        rows=rows,
        lists=[("Largest gaps", gaps)],
    )


# -- single points of failure: selectors -----------------------------------------


@dataclass(frozen=True)
class SinglePoint:
    skill: str
    holder: str
    holder_url: str
    weight: int  # summed mission criticality of the current initiatives needing it


def single_points_read(filters: DashboardFilters) -> list[SinglePoint]:
    """Return skills held at level >= 4 by one active person only (four queries).

    The team filter restricts the holders to the team and its sub-teams; the
    initiatives that need a skill are counted wherever they are.
    """
    teams = teams_in_scope(filters.team_id) if filters.team_id is not None else None
    lone = list(
        PersonSkill.objects.filter(
            _team_q("person__team_id", teams), level__gte=EXPERT, person__active=True
        )
        .values("skill_id", "skill__name")
        .annotate(n=Count("person_id", distinct=True), holder=Min("person_id"))
        .filter(n=1)
        .order_by()
    )
    if not lone:
        return []
    people = {
        person.pk: person
        for person in Person.objects.filter(
            pk__in={row["holder"] for row in lone}
        ).select_related("user")
    }
    current = ~Q(role__request__initiative__stage__in=[Stage.RETIRED, Stage.IDEA]) | Q(
        role__request__status=StaffingRequest.Status.OPEN
    )
    needs = (
        RequiredSkill.objects.filter(
            current, skill_id__in=[r["skill_id"] for r in lone]
        )
        .values_list(
            "skill_id",
            "role__request__initiative_id",
            "role__request__initiative__mission_criticality",
        )
        .distinct()
        .order_by()
    )
    weight: dict[int, int] = defaultdict(int)
    for skill, _initiative, criticality in needs:
        weight[skill] += criticality
    return single_points_rank(
        [
            SinglePoint(
                skill=row["skill__name"],
                holder=people[row["holder"]].name,
                holder_url=people[row["holder"]].get_absolute_url(),
                weight=weight[row["skill_id"]],
            )
            for row in lone
            if row["holder"] in people
        ]
    )


def single_points_rank(points: Sequence[SinglePoint]) -> list[SinglePoint]:
    return sorted(points, key=lambda p: (-p.weight, p.skill.lower()))


# -- single points of failure: figure ----------------------------------------------


def single_points_figure(points: Sequence[SinglePoint]) -> go.Figure:
    """Return horizontal bars of the skills current initiatives need, heaviest on
    top; customdata holds the holder's URL. (The chart lists the others.)"""
    shown = [p for p in points if p.weight > 0][:MAX_SINGLE_POINTS]
    figure = go.Figure(
        go.Bar(
            orientation="h",
            x=[p.weight for p in shown],
            y=[p.skill for p in shown],
            customdata=[p.holder_url for p in shown],
            text=[p.holder for p in shown],
            # Outside, so a holder shows even when no current initiative needs it.
            textposition="outside",
            cliponaxis=False,
            marker={"color": BAR_COLOUR},
            hovertemplate=(
                "%{y}: only %{text} holds it at level 4+<br>"
                "Criticality of initiatives needing it: %{x}<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        template="plotly_white",
        height=max(220, 80 + 26 * len(shown)),
        margin={"l": 160, "r": 20, "t": 30, "b": 40},
        xaxis={"title": {"text": "Summed mission criticality"}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "title": None},
    )
    return figure


@chart(
    "single_points",
    title="Single points of failure",
    order=20,
    roles=(Role.MANAGER,),
    depends_on=("people", "staffing", "initiatives"),
)
def single_points(*, filters: DashboardFilters, viewer: User) -> Chart:
    points = single_points_read(filters)
    unneeded = [
        (f"{p.skill} — {p.holder}", p.holder_url) for p in points if p.weight == 0
    ]
    return Chart(
        key="single_points",
        title="Single points of failure",
        caption=(
            "Skills only one active person holds at expert level, weighted by the "
            "mission criticality of current initiatives that need them; click a bar "
            "for the holder."
        ),
        figure=single_points_figure(points),
        columns=("skill", "holder", "weight"),
        rows=[
            {"skill": p.skill, "holder": p.holder, "weight": p.weight} for p in points
        ],
        lists=[("Also held by one expert, needed by no current initiative", unneeded)],
    )

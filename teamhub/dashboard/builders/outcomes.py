"""The outcomes chart: success rate of finished initiatives by team and quarter,
and the learning goals that open staffing requests could satisfy."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncQuarter
from django.urls import reverse

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import TeamGroup, group_of, team_groups
from teamhub.initiatives.models import Initiative
from teamhub.initiatives.models.initiatives import Outcome
from teamhub.people.models import LearningGoal
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
)

FINISHED = (Outcome.SUCCESS, Outcome.PARTIAL, Outcome.FAILED)  # cancelled excluded
PARTIAL_WEIGHT = 0.5
GOALS_LIMIT = 20
# Bootstrap colours, one per team line (cycled).
TEAM_COLOURS = [
    "#0d6efd",
    "#198754",
    "#fd7e14",
    "#6f42c1",
    "#dc3545",
    "#0dcaf0",
    "#d63384",
    "#20c997",
    "#ffc107",
    "#6c757d",
]


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterOutcomes:
    quarter: dt.date  # first day of the quarter
    team_id: int  # the group's (``team_groups``): its team and sub-teams
    team: str  # the group's name
    initiatives: int
    success: int
    partial: int

    @property
    def success_rate(self) -> float:
        return (self.success + PARTIAL_WEIGHT * self.partial) / self.initiatives


@dataclass(frozen=True)
class GoalMatch:
    person: str
    skill: str
    target_level: int
    request_id: int
    initiative_key: str


@dataclass(frozen=True)
class OutcomesData:
    quarters: list[QuarterOutcomes]  # by quarter, then group (their order)
    goals: list[GoalMatch]
    groups: list[TeamGroup]  # the rows, in order


def outcomes_data(*, team_id: int | None, start: dt.date, end: dt.date) -> OutcomesData:
    """Return finished initiatives per (quarter of target date, group of the
    initiative's team, ``team_groups``) and the learning goals open requests
    could satisfy, in three queries. The database counts per team; the counts
    are summed into groups here, and each group's rate is computed from its
    summed counts (never an average of its teams' rates)."""
    groups = team_groups(team_id)
    group_by_team = group_of(groups)
    counts = (
        Initiative.objects.filter(
            outcome__in=FINISHED,
            target_date__gte=start,
            target_date__lte=end,
            team_id__in=list(group_by_team),
        )
        .annotate(quarter=TruncQuarter("target_date"))
        .values("quarter", "team_id")
        .annotate(
            n=Count("pk"),
            success=Count("pk", filter=Q(outcome=Outcome.SUCCESS)),
            partial=Count("pk", filter=Q(outcome=Outcome.PARTIAL)),
        )
        .order_by()
    )
    sums: dict[tuple[dt.date, int], list[int]] = {}
    for row in counts:
        group = group_by_team[row["team_id"]]
        total = sums.setdefault((row["quarter"], group.id), [0, 0, 0])
        total[0] += row["n"]
        total[1] += row["success"]
        total[2] += row["partial"]
    position = {group.id: index for index, group in enumerate(groups)}
    names = {group.id: group.name for group in groups}
    quarters = [
        QuarterOutcomes(
            quarter=quarter,
            team_id=group_id,
            team=names[group_id],
            initiatives=n,
            success=success,
            partial=partial,
        )
        for (quarter, group_id), (n, success, partial) in sorted(
            sums.items(), key=lambda item: (item[0][0], position[item[0][1]])
        )
    ]
    return OutcomesData(
        quarters=quarters, goals=_goal_matches(team_id, group_by_team), groups=groups
    )


def _goal_matches(team_id: int | None, teams: Collection[int]) -> list[GoalMatch]:
    """Learning goals of active people (in the team scope) whose skill an open
    staffing request requires; each names the oldest such request (one query)."""
    # The open requests' roles first: the database then looks up the few of
    # them per goal instead of every request that ever needed the skill.
    open_roles = RoleRequirement.objects.filter(
        request__status=StaffingRequest.Status.OPEN
    ).values("pk")
    open_skills = RequiredSkill.objects.filter(role__in=Subquery(open_roles))
    wanted = open_skills.filter(skill=OuterRef("skill_id")).order_by("role__request_id")
    goals = LearningGoal.objects.filter(
        person__active=True, skill_id__in=open_skills.values("skill_id")
    )
    if team_id is not None:
        goals = goals.filter(person__team_id__in=list(teams))
    rows = (
        goals.annotate(
            request_id=Subquery(wanted.values("role__request_id")[:1]),
            initiative_key=Subquery(
                wanted.values("role__request__initiative__key")[:1]
            ),
        )
        .filter(request_id__isnull=False)
        .order_by(
            "skill__name",
            "person__user__last_name",
            "person__user__first_name",
            "pk",
        )
        .values_list(
            "person__user__first_name",
            "person__user__last_name",
            "person__user__username",
            "skill__name",
            "target_level",
            "request_id",
            "initiative_key",
        )[:GOALS_LIMIT]
    )
    return [
        GoalMatch(
            person=f"{first} {last}".strip() or username,
            skill=skill,
            target_level=level,
            request_id=request_id,
            initiative_key=key,
        )
        for first, last, username, skill, level, request_id, key in rows
    ]


# Figure (no ORM) ----------------------------------------------------------------


def outcomes_figure(
    *, quarters: Sequence[QuarterOutcomes], groups: Sequence[TeamGroup]
) -> go.Figure:
    """Return a line per group of teams: success rate per quarter (x = quarter
    start)."""
    by_group: dict[int, list[QuarterOutcomes]] = {}
    for row in sorted(quarters, key=lambda r: r.quarter):
        by_group.setdefault(row.team_id, []).append(row)
    order = [group.id for group in groups if group.id in by_group]
    traces = []
    for index, group_id in enumerate(order):
        rows = by_group[group_id]
        team = rows[0].team
        traces.append(
            go.Scatter(
                x=[row.quarter for row in rows],
                y=[row.success_rate for row in rows],
                name=team,
                mode="lines+markers",
                line={"color": TEAM_COLOURS[index % len(TEAM_COLOURS)], "width": 2},
                customdata=[row.initiatives for row in rows],
                hovertemplate="Quarter from %{x|%b %Y}<br>"
                + html.escape(team)
                + ": %{y:.0%} of %{customdata} finished<extra></extra>",
            )
        )
    figure = go.Figure(data=traces)  # at once: cheaper than trace by trace
    figure.update_layout(
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "tickformat": "%b %Y", "dtick": "M3"},
        yaxis={"title": "Success rate", "range": [0, 1.05], "tickformat": ".0%"},
    )
    return figure


def _goals_list(goals: Sequence[GoalMatch]) -> list[tuple[str, str]]:
    return [
        (
            f"{goal.person} wants {goal.skill} {goal.target_level} "
            f"— asked by {goal.initiative_key}",
            reverse("staffing:request", args=[goal.request_id]),
        )
        for goal in goals
    ]


@chart(
    "outcomes",
    title="Initiative outcomes",
    order=70,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "people", "staffing"),
)
def outcomes(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = outcomes_data(team_id=filters.team_id, start=filters.start, end=filters.end)
    rows = [
        {
            "quarter": row.quarter.isoformat(),
            "team": row.team,
            "initiatives": row.initiatives,
            "success_rate": round(row.success_rate, 4),
        }
        for row in data.quarters
    ]
    return Chart(
        key="outcomes",
        title="Initiative outcomes",
        caption="Success rate of finished initiatives per team, by quarter of their "
        "target date: one line per team directly below the team filter, each with "
        "its sub-teams; a success counts 1, a partial success 0.5, a failure 0 "
        "(cancelled ones are left out).",
        figure=outcomes_figure(quarters=data.quarters, groups=data.groups),
        columns=("quarter", "team", "initiatives", "success_rate"),
        rows=rows,
        lists=[("Learning goals open requests could satisfy", _goals_list(data.goals))],
    )

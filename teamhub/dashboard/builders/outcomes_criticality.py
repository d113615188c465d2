"""The outcomes-by-criticality chart: success rate of finished initiatives per
quarter, one bar per mission criticality."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.boards import criticality_links
from teamhub.dashboard.builders.outcomes import FINISHED, PARTIAL_WEIGHT
from teamhub.dashboard.builders.pipeline import CRITICALITY_COLOURS
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import Initiative, MissionCriticality, Outcome

# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class CriticalityOutcomes:
    quarter: dt.date  # first day of the quarter
    criticality: int
    initiatives: int
    success: int
    partial: int

    @property
    def success_rate(self) -> float:
        # The outcomes chart's definition: success 1, partial PARTIAL_WEIGHT.
        return (self.success + PARTIAL_WEIGHT * self.partial) / self.initiatives


@dataclass(frozen=True)
class CriticalityData:
    quarters: list[CriticalityOutcomes]  # by quarter, then criticality
    links: dict[int, str]  # criticality -> the board filtered to it


def outcomes_by_criticality_data(
    *, team_id: int | None, start: dt.date, end: dt.date
) -> CriticalityData:
    """Return finished initiatives (target date in the range) per (quarter of
    the target date, mission criticality), and the board behind each
    criticality: two queries (three with a team filter)."""
    condition = Q(outcome__in=FINISHED, target_date__gte=start, target_date__lte=end)
    if team_id is not None:
        condition &= Q(team_id__in=team_ids_in_scope(team_id))
    counts = (
        Initiative.objects.filter(condition)
        .annotate(quarter=TruncQuarter("target_date"))
        .values("quarter", "mission_criticality")
        .annotate(
            n=Count("pk"),
            success=Count("pk", filter=Q(outcome=Outcome.SUCCESS)),
            partial=Count("pk", filter=Q(outcome=Outcome.PARTIAL)),
        )
        .order_by("quarter", "mission_criticality")
    )
    quarters = [
        CriticalityOutcomes(
            quarter=row["quarter"],
            criticality=row["mission_criticality"],
            initiatives=row["n"],
            success=row["success"],
            partial=row["partial"],
        )
        for row in counts
    ]
    return CriticalityData(quarters=quarters, links=criticality_links(team_id))


# Figure (no ORM) ----------------------------------------------------------------


def quarter_label(quarter: dt.date) -> str:
    return f"Q{(quarter.month - 1) // 3 + 1} {quarter.year}"


def outcomes_by_criticality_figure(
    *, quarters: Sequence[CriticalityOutcomes], links: dict[int, str]
) -> go.Figure:
    """Return a group of bars per quarter (of target date), one bar per mission
    criticality: its success rate; a click opens the board at that criticality."""
    labels = [quarter_label(q) for q in sorted({row.quarter for row in quarters})]
    figure = go.Figure()
    for level in MissionCriticality.values:
        rows = [row for row in quarters if row.criticality == level]
        if not rows:
            continue
        figure.add_trace(
            go.Bar(
                x=[quarter_label(row.quarter) for row in rows],
                y=[row.success_rate for row in rows],
                name=f"Criticality {level}",
                marker={"color": CRITICALITY_COLOURS[level]},
                customdata=[links.get(level, "")] * len(rows),
                hovertext=[f"{row.initiatives} finished" for row in rows],
                hovertemplate="%{x}<br>Criticality "
                + str(level)
                + ": %{y:.0%} of %{hovertext}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="group",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Success rate", "range": [0, 1.05], "tickformat": ".0%"},
    )
    return figure


@chart(
    "outcomes_by_criticality",
    title="Success rate by mission criticality",
    order=71,
    roles=(Role.MANAGER,),
    # people.Team: a team filter covers its sub-teams.
    depends_on=("initiatives", "people.Team"),
)
def outcomes_by_criticality(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = outcomes_by_criticality_data(
        team_id=filters.team_id, start=filters.start, end=filters.end
    )
    return Chart(
        key="outcomes_by_criticality",
        title="Success rate by mission criticality",
        caption="Success rate of finished initiatives per quarter of their target "
        f"date, by mission criticality (success 1, partial {PARTIAL_WEIGHT:g}, "
        "failure 0, cancelled left out); click a bar to open the board at that "
        "criticality.",
        figure=outcomes_by_criticality_figure(quarters=data.quarters, links=data.links),
        columns=("quarter", "criticality", "initiatives", "success_rate"),
        rows=[
            {
                "quarter": row.quarter.isoformat(),
                "criticality": row.criticality,
                "initiatives": row.initiatives,
                "success_rate": round(row.success_rate, 4),
            }
            for row in data.quarters
        ],
    )

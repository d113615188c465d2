"""The initiative pipeline chart: initiatives by stage x mission criticality."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.boards import criticality_links
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import (
    Card,
    CardEvent,
    Initiative,
    MissionCriticality,
    Stage,
)
from teamhub.integrations.models import ActivityEvent

QUIET_DAYS = 30
QUIET_LIST_LIMIT = 50
# Bootstrap colours from calm to alarming, one per mission criticality 1-4.
CRITICALITY_COLOURS = {1: "#198754", 2: "#0dcaf0", 3: "#fd7e14", 4: "#dc3545"}
STAGE_ORDER = list(Stage.values)  # lifecycle order
STAGE_LABELS = dict(Stage.choices)


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuietInitiative:
    initiative_id: int
    key: str
    title: str
    card_id: int | None


@dataclass(frozen=True)
class PipelineData:
    # (stage, criticality) -> number of initiatives
    counts: dict[tuple[str, int], int]
    quiet: list[QuietInitiative]
    quiet_total: int
    # criticality -> URL of the board cards behind a bar segment (stage is a column)
    links: dict[int, str]


def _initiatives(team_ids: set[int] | None, include_retired: bool) -> Q:
    condition = Q()
    if team_ids is not None:
        condition &= Q(team_id__in=team_ids)
    if not include_retired:
        condition &= ~Q(stage=Stage.RETIRED)
    return condition


def pipeline_data(
    *,
    team_id: int | None,
    include_retired: bool = False,
    now: dt.datetime | None = None,
) -> PipelineData:
    """Return the pipeline's counts, its quiet initiatives and the links behind
    the bars, in a fixed number of queries (at most four)."""
    now = now or timezone.now()
    team_ids = team_ids_in_scope(team_id) if team_id else None
    condition = _initiatives(team_ids, include_retired)
    counts = {
        (row["stage"], row["mission_criticality"]): row["n"]
        for row in Initiative.objects.filter(condition)
        .values("stage", "mission_criticality")
        .annotate(n=Count("pk"))
        .order_by()
    }
    since = now - dt.timedelta(days=QUIET_DAYS)
    recent_activity = ActivityEvent.objects.filter(
        initiative=OuterRef("pk"), occurred_at__gte=since
    )
    recent_card = CardEvent.objects.filter(initiative=OuterRef("pk"), at__gte=since)
    first_card = Card.objects.filter(initiative=OuterRef("pk")).order_by("pk")
    quiet_rows = list(
        Initiative.objects.filter(condition)
        .exclude(stage=Stage.RETIRED)
        .filter(~Exists(recent_activity), ~Exists(recent_card))
        .annotate(card_id=Subquery(first_card.values("pk")[:1]))
        .order_by("-mission_criticality", "key")
        .values_list("pk", "key", "title", "card_id")
    )
    quiet = [QuietInitiative(*row) for row in quiet_rows[:QUIET_LIST_LIMIT]]
    return PipelineData(
        counts=counts,
        quiet=quiet,
        quiet_total=len(quiet_rows),
        links=criticality_links(team_id),
    )


# Figure (no ORM) ----------------------------------------------------------------


def pipeline_figure(
    *, counts: dict[tuple[str, int], int], links: dict[int, str]
) -> go.Figure:
    """Return a bar per stage (lifecycle order), stacked by mission criticality."""
    stages = [stage for stage in STAGE_ORDER if any(s == stage for s, _ in counts)] or [
        stage for stage in STAGE_ORDER if stage != Stage.RETIRED
    ]
    labels = [STAGE_LABELS[stage] for stage in stages]
    figure = go.Figure()
    for level in MissionCriticality.values:
        values = [counts.get((stage, level), 0) for stage in stages]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=f"Criticality {level}",
                marker={"color": CRITICALITY_COLOURS[level]},
                customdata=[links.get(level, "") for _ in stages],
                hovertemplate="%{x}<br>Criticality "
                + str(level)
                + ": %{y} initiatives<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Initiatives", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


def _quiet_list(quiet: Sequence[QuietInitiative], total: int) -> list[tuple[str, str]]:
    items = [
        (
            f"{item.key} {item.title}",
            reverse("initiatives:card", args=[item.card_id])
            if item.card_id
            else reverse("initiatives:boards"),
        )
        for item in quiet
    ]
    if total > len(quiet):
        items.append(
            (f"… and {total - len(quiet)} more", reverse("initiatives:boards"))
        )
    return items


@chart(
    "pipeline",
    title="Initiative pipeline",
    order=40,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "integrations", "people"),
)
def pipeline(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = pipeline_data(team_id=filters.team_id)
    rows = [
        {"stage": stage, "criticality": level, "count": data.counts[(stage, level)]}
        for stage in STAGE_ORDER
        for level in MissionCriticality.values
        if (stage, level) in data.counts
    ]
    return Chart(
        key="pipeline",
        title="Initiative pipeline",
        caption="Initiatives (not retired) per lifecycle stage, stacked by mission "
        "criticality; click a bar to open the board.",
        figure=pipeline_figure(counts=data.counts, links=data.links),
        columns=("stage", "criticality", "count"),
        rows=rows,
        lists=[
            (f"Quiet for {QUIET_DAYS} days", _quiet_list(data.quiet, data.quiet_total))
        ],
    )

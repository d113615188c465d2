"""Initiatives by pathway and pipeline owner, and the critical ones to harden."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.boards import BoardTarget, board_target
from teamhub.dashboard.builders.pipeline import CRITICALITY_COLOURS
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import (
    Card,
    Initiative,
    MissionCriticality,
    Pathway,
    PipelineOwner,
    Stage,
)

# Mission criticality from which an experimental pipeline needs hardening (the
# board's default "hardening for critical" gate starts there too).
CRITICAL_FROM = 3
FLAGGED_LIST_LIMIT = 50
MIX_ORDER = [
    (Pathway.EXPERIMENTAL, PipelineOwner.DATA_SCIENCE),
    (Pathway.EXPERIMENTAL, PipelineOwner.ENGINEERING),
    (Pathway.PRODUCTION, PipelineOwner.DATA_SCIENCE),
    (Pathway.PRODUCTION, PipelineOwner.ENGINEERING),
]
PATHWAY_LABELS = dict(Pathway.choices)
OWNER_LABELS = dict(PipelineOwner.choices)


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class FlaggedInitiative:
    key: str
    title: str
    criticality: int
    card_id: int | None


@dataclass(frozen=True)
class MixData:
    # (pathway, pipeline owner, criticality) -> initiatives (not retired)
    counts: dict[tuple[str, str, int], int]
    flagged: list[FlaggedInitiative]
    flagged_total: int
    target: BoardTarget


def pipeline_mix_data(*, team_id: int | None) -> MixData:
    """Return the initiatives (not retired) per pathway x pipeline owner x
    criticality, and the experimental ones at criticality >= CRITICAL_FROM that
    data science owns without a hardening plan (the ones the board's hardening
    gate would stop): three queries, four with a team filter."""
    condition = ~Q(stage=Stage.RETIRED)
    if team_id:
        condition &= Q(team_id__in=team_ids_in_scope(team_id))
    counts = {
        (row["pathway"], row["pipeline_owner"], row["mission_criticality"]): row["n"]
        for row in Initiative.objects.filter(condition)
        .values("pathway", "pipeline_owner", "mission_criticality")
        .annotate(n=Count("pk"))
        .order_by()
    }
    first_card = Card.objects.filter(initiative=OuterRef("pk")).order_by("pk")
    candidates = (
        Initiative.objects.filter(
            condition,
            pathway=Pathway.EXPERIMENTAL,
            pipeline_owner=PipelineOwner.DATA_SCIENCE,
            mission_criticality__gte=CRITICAL_FROM,
        )
        .annotate(card_id=Subquery(first_card.values("pk")[:1]))
        .order_by("-mission_criticality", "key")
        .values_list("key", "title", "mission_criticality", "hardening_plan", "card_id")
    )
    # Blank means what the gate means by it: nothing but white space.
    flagged = [
        FlaggedInitiative(key, title, level, card_id)
        for key, title, level, plan, card_id in candidates
        if not plan.strip()
    ]
    return MixData(
        counts=counts,
        flagged=flagged[:FLAGGED_LIST_LIMIT],
        flagged_total=len(flagged),
        target=board_target(team_id),
    )


# Figures (no ORM) ---------------------------------------------------------------


def _mix_label(pathway: str, owner: str) -> str:
    return f"{PATHWAY_LABELS[pathway]}<br>{OWNER_LABELS[owner]}"


def pipeline_mix_figure(
    *, counts: dict[tuple[str, str, int], int], target: BoardTarget
) -> go.Figure:
    """Return a bar per pathway x pipeline owner, stacked by mission criticality;
    a segment leads to the board filtered by pathway and criticality (the board
    has no pipeline-owner filter)."""
    figure = go.Figure()
    labels = [_mix_label(pathway, owner) for pathway, owner in MIX_ORDER]
    if counts:
        for level in MissionCriticality.values:
            figure.add_trace(
                go.Bar(
                    x=labels,
                    y=[
                        counts.get((pathway, owner, level), 0)
                        for pathway, owner in MIX_ORDER
                    ],
                    name=f"Criticality {level}",
                    marker={"color": CRITICALITY_COLOURS[level]},
                    customdata=[
                        target.link(pathway=pathway, criticality=level)
                        for pathway, _owner in MIX_ORDER
                    ],
                    hovertemplate="%{x}<br>Criticality "
                    + str(level)
                    + ": %{y} initiatives<extra></extra>",
                )
            )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Initiatives", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


# Charts -------------------------------------------------------------------------


def _flagged_list(data: MixData) -> list[tuple[str, str]]:
    items = [
        (
            f"{item.key} {item.title} (criticality {item.criticality})",
            reverse("initiatives:card", args=[item.card_id])
            if item.card_id
            else data.target.link(pathway=Pathway.EXPERIMENTAL),
        )
        for item in data.flagged
    ]
    if data.flagged_total > len(data.flagged):
        items.append(
            (
                f"… and {data.flagged_total - len(data.flagged)} more",
                data.target.link(pathway=Pathway.EXPERIMENTAL),
            )
        )
    return items


@chart(
    "pipeline_mix",
    title="Pathway and ownership mix",
    order=41,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "people.Team"),
)
def pipeline_mix(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = pipeline_mix_data(team_id=filters.team_id)
    rows = [
        {
            "pathway": pathway,
            "pipeline_owner": owner,
            "criticality": level,
            "count": data.counts[(pathway, owner, level)],
        }
        for pathway, owner in MIX_ORDER
        for level in MissionCriticality.values
        if (pathway, owner, level) in data.counts
    ]
    return Chart(
        key="pipeline_mix",
        title="Pathway and ownership mix",
        caption="Initiatives (not retired) by pathway and pipeline owner, stacked by "
        "mission criticality; click a segment for the board filtered by pathway and "
        "criticality.",
        figure=pipeline_mix_figure(counts=data.counts, target=data.target),
        columns=("pathway", "pipeline_owner", "criticality", "count"),
        rows=rows,
        lists=[
            (
                f"Experimental at criticality ≥ {CRITICAL_FROM}, owned by data "
                "science, without a hardening plan",
                _flagged_list(data),
            )
        ],
    )

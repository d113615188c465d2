"""Cards in each board column with a WIP limit, against the limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Count
from django.urls import reverse

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import Column

WIP_COLOURS = {"under": "#198754", "at": "#fd7e14", "over": "#dc3545"}
WIP_LIMIT_COLOUR = "#212529"


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnLoad:
    board_id: int
    board: str
    column: str
    stage: str
    cards: int
    wip_limit: int
    wip_hard: bool

    @property
    def label(self) -> str:
        return f"{self.board} · {self.column}"

    @property
    def state(self) -> str:
        if self.cards > self.wip_limit:
            return "over"
        return "at" if self.cards == self.wip_limit else "under"


def wip_data(*, team_id: int | None) -> list[ColumnLoad]:
    """Return every column with a WIP limit on the boards in scope (the team's
    and its sub-teams' boards; without a team filter, every board) and the cards
    it holds now, by board name and column position: one query, two with a team
    filter. Every card counts, as it does for the limit when a card moves."""
    columns = Column.objects.filter(wip_limit__isnull=False)
    if team_id:
        columns = columns.filter(board__team_id__in=team_ids_in_scope(team_id))
    rows = (
        columns.annotate(held=Count("cards"))
        .order_by("board__name", "board_id", "position", "id")
        .values_list(
            "board_id", "board__name", "name", "stage", "held", "wip_limit", "wip_hard"
        )
    )
    return [
        ColumnLoad(board_id, board, name, stage, held, limit or 0, hard)
        for board_id, board, name, stage, held, limit, hard in rows
    ]


# Figures (no ORM) ---------------------------------------------------------------


def _board_url(board_id: int) -> str:
    return reverse("initiatives:board", args=[board_id])


def wip_figure(*, columns: Sequence[ColumnLoad]) -> go.Figure:
    """Return a horizontal bar per column (cards held, coloured under / at / over
    the limit) with a mark at its WIP limit."""
    figure = go.Figure()
    labels = [column.label for column in columns]
    if columns:
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[column.cards for column in columns],
                orientation="h",
                name="Cards now",
                marker={"color": [WIP_COLOURS[column.state] for column in columns]},
                customdata=[_board_url(column.board_id) for column in columns],
                hovertemplate="%{y}<br>%{x} cards now<extra></extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                y=labels,
                x=[column.wip_limit for column in columns],
                mode="markers",
                name="WIP limit",
                marker={
                    "symbol": "line-ns-open",
                    "size": 18,
                    "line": {"width": 3, "color": WIP_LIMIT_COLOUR},
                },
                customdata=[_board_url(column.board_id) for column in columns],
                hovertemplate="%{y}<br>WIP limit %{x}<extra></extra>",
            )
        )
    figure.update_layout(
        template="plotly_white",
        height=max(240, 80 + 28 * len(columns)),
        margin={"l": 180, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": "Cards", "rangemode": "tozero", "tickformat": "d"},
        yaxis={
            "title": None,
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": labels,
        },
    )
    return figure


# Charts -------------------------------------------------------------------------


@chart(
    "wip",
    title="Work in progress against limits",
    order=43,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "people.Team"),
)
def wip(*, filters: DashboardFilters, viewer: User) -> Chart:
    columns = wip_data(team_id=filters.team_id)
    rows = [
        {
            "board": column.board,
            "column": column.column,
            "stage": column.stage,
            "cards": column.cards,
            "wip_limit": column.wip_limit,
            "hard_limit": column.wip_hard,
            "over_limit": column.state == "over",
        }
        for column in columns
    ]
    over = [
        (
            f"{column.label}: {column.cards} cards, limit {column.wip_limit}",
            _board_url(column.board_id),
        )
        for column in columns
        if column.state == "over"
    ]
    return Chart(
        key="wip",
        title="Work in progress against limits",
        caption="Cards now in each board column that has a WIP limit, against the "
        "limit; a team filter keeps the boards of the team and its sub-teams.",
        figure=wip_figure(columns=columns),
        columns=(
            "board",
            "column",
            "stage",
            "cards",
            "wip_limit",
            "hard_limit",
            "over_limit",
        ),
        rows=rows,
        lists=[("Over their WIP limit", over)],
    )

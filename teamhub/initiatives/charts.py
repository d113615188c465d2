"""Plotly figures of value check-ins, built from plain data (no ORM here)."""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

BUSINESS_COLOUR = "#0d6efd"  # Bootstrap primary
METRIC_COLOUR = "#d63384"  # Bootstrap pink: distinct from primary, also in grey


@dataclass(frozen=True)
class CheckInPoint:
    at: dt.date
    business_value: float
    model_metric: float | None = None


def checkins_figure(
    *, points: Sequence[CheckInPoint], kpi_name: str, metric_name: str
) -> go.Figure:
    """Return business value (left axis) and model metric (right axis) over time."""
    kpi = kpi_name or "Business value"
    metric = metric_name or "Model metric"
    dates = [point.at.isoformat() for point in points]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=dates,
            y=[point.business_value for point in points],
            name=kpi,
            mode="lines+markers",
            line={"color": BUSINESS_COLOUR, "width": 2},
            marker={"size": 6},
            hovertemplate="%{x|%d %b %Y}<br>" + kpi + ": %{y:,.4~g}<extra></extra>",
        )
    )
    measured = [point for point in points if point.model_metric is not None]
    if measured:
        figure.add_trace(
            go.Scatter(
                x=[point.at.isoformat() for point in measured],
                y=[point.model_metric for point in measured],
                name=metric,
                yaxis="y2",
                mode="lines+markers",
                line={"color": METRIC_COLOUR, "width": 2, "dash": "dot"},
                marker={"size": 6, "symbol": "diamond"},
                hovertemplate="%{x|%d %b %Y}<br>"
                + metric
                + ": %{y:,.4~g}<extra></extra>",
            )
        )
    figure.update_layout(
        template="plotly_white",
        height=340,
        margin={"l": 60, "r": 60, "t": 10, "b": 40},
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"type": "date", "title": None},
        yaxis={
            "title": {"text": kpi, "font": {"color": BUSINESS_COLOUR}},
            "tickfont": {"color": BUSINESS_COLOUR},
            "zeroline": False,
        },
        yaxis2={
            "title": {"text": metric, "font": {"color": METRIC_COLOUR}},
            "tickfont": {"color": METRIC_COLOUR},
            "overlaying": "y",
            "side": "right",
            # Its own round ticks, not ones synced to the left axis's grid.
            "tickmode": "auto",
            "showgrid": False,
            "zeroline": False,
        },
    )
    return figure


def figure_data(figure: go.Figure) -> dict[str, Any]:
    """Return the figure as plain JSON data (for ``json_script``)."""
    data: dict[str, Any] = json.loads(figure.to_json())
    return data

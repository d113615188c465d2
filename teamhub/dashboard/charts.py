"""The contract every dashboard chart follows, and the registry of charts.

A chart module (``teamhub/dashboard/builders/<name>.py``) reads aggregates with
its selectors (a fixed number of queries, whatever the data size) and builds a
Plotly figure from plain data (no ORM in figure code). It registers a builder:

    @chart("skill_coverage", title="Skill coverage and gaps", order=10,
           roles=(Role.MANAGER,), depends_on=("people", "staffing"))
    def skill_coverage(*, filters: DashboardFilters, viewer: User) -> Chart: ...

``depends_on`` names the apps (``"people"``) or models
(``"integrations.ActivityEvent"``) whose data the chart reads: a cached chart is
dropped when any of them changes (dashboard/freshness.py). Left empty, any change
to TeamHub's data drops it.

The page (views.py) shows every chart the viewer's role may see, in ``order``;
``/dashboard/<key>.csv`` downloads a chart's ``rows``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from teamhub.core.models import User
from teamhub.core.roles import user_has_role


@dataclass(frozen=True)
class DashboardFilters:
    """Filters every chart applies; they live in the URL (?team=&start=&end=)."""

    team_id: int | None
    start: dt.date
    end: dt.date


@dataclass
class Chart:
    key: str
    title: str
    caption: str  # one line saying what it shows
    figure: go.Figure
    # The data behind the figure, one dict per row, for the CSV download.
    columns: Sequence[str] = ()
    rows: Sequence[dict[str, Any]] = ()
    # Lists shown under the figure, e.g. the largest gaps: (heading, [(text, url)]).
    lists: Sequence[tuple[str, Sequence[tuple[str, str]]]] = field(default_factory=list)
    # Shown instead of a figure with nothing to draw.
    empty_text: str = "No data for these filters."


Builder = Callable[..., Chart]


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    order: int
    roles: tuple[str, ...]  # who sees it (admins see everything)
    build: Builder
    depends_on: tuple[str, ...] = ()  # app or app.Model labels; () = everything
    # Whether what it shows depends on who looks (beyond their roles): cached
    # per viewer then, else shared by everyone with the same roles.
    per_viewer: bool = False


CHARTS: dict[str, ChartSpec] = {}


def chart(
    key: str,
    *,
    title: str,
    order: int,
    roles: tuple[str, ...],
    depends_on: tuple[str, ...] = (),
    per_viewer: bool = False,
) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        CHARTS[key] = ChartSpec(key, title, order, roles, build, depends_on, per_viewer)
        return build

    return register


def charts_for(viewer: User) -> list[ChartSpec]:
    """The charts the viewer's role may see, in page order."""
    return sorted(
        (spec for spec in CHARTS.values() if user_has_role(viewer, *spec.roles)),
        key=lambda spec: spec.order,
    )

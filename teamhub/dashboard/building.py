"""Building the charts a page shows, and keeping them in the cache.

A built chart (``Built``) is plain data: the figure as JSON, its CSV rows and
lists. It is cached (local memory by default, Redis in production) under a key
holding the versions of the data it depends on (freshness.py), so a change to
that data shows at once; the expiry (TEAMHUB_DASHBOARD_CACHE_SECONDS) only
bounds how long "today"-relative numbers (ages, quiet initiatives) may lag.

The charts missing from the cache are built side by side in up to
TEAMHUB_DASHBOARD_BUILD_THREADS threads, each with its own database connection:
most of a cold chart's time is the database aggregating (the driver lets other
threads run meanwhile), so one chart's query overlaps another's figure.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from teamhub.core.models import User
from teamhub.core.roles import user_roles
from teamhub.dashboard.charts import ChartSpec, DashboardFilters
from teamhub.dashboard.freshness import EVERYTHING, versions

# A figure with more x values than this in one trace takes the page's full width.
WIDE_FROM = 16
# A list under a chart shows this many items; the rest open on request.
LIST_SHOWN = 6
# Trace attributes that carry data: a figure with none of them filled is empty.
DATA_ATTRIBUTES = ("x", "y", "z", "values", "labels", "lat", "r")


@dataclass(frozen=True)
class Built:
    """What the page and the CSV need from a chart: plain data, cacheable."""

    key: str
    title: str
    caption: str
    figure: dict[str, Any]  # fig.to_json(), parsed
    columns: list[str]
    rows: list[dict[str, Any]]
    lists: list[tuple[str, list[tuple[str, str]]]]
    empty_text: str = "No data for these filters."

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"

    @property
    def wide(self) -> bool:
        return any(
            len(trace.get("x") or ()) > WIDE_FROM
            for trace in self.figure.get("data", ())
        )

    @property
    def list_parts(self) -> list[tuple[str, list[Any], list[Any]]]:
        """Each list as (heading, the items shown, the items behind "more")."""
        return [
            (heading, items[:LIST_SHOWN], items[LIST_SHOWN:])
            for heading, items in self.lists
        ]

    @property
    def empty(self) -> bool:
        """Whether the figure has nothing to draw (its CSV and lists may still
        hold rows, e.g. lone experts no initiative needs)."""
        return not any(
            len(trace.get(name) or ())
            for trace in self.figure.get("data", ())
            for name in DATA_ATTRIBUTES
        )


def _depends_on(spec: ChartSpec) -> tuple[str, ...]:
    return spec.depends_on or (EVERYTHING,)


def _cache_key(
    spec: ChartSpec,
    filters: DashboardFilters,
    viewer: User,
    data_versions: dict[str, str],
) -> str:
    roles = ",".join(sorted(user_roles(viewer)))
    data = ",".join(data_versions[label] for label in _depends_on(spec))
    # Shared by everyone with the same roles unless it shows the viewer's own.
    who = f"{roles}:{viewer.pk}" if spec.per_viewer else roles
    return (
        f"dashboard:{spec.key}:{filters.team_id or ''}:{filters.start.isoformat()}:"
        f"{filters.end.isoformat()}:{who}:{data}"
    )


def built_charts(
    specs: list[ChartSpec], filters: DashboardFilters, viewer: User
) -> list[Built]:
    """Return the charts for these filters, in order: each from the cache unless
    the data it depends on changed since it was built, the others built now."""
    data_versions = versions(sorted({label for s in specs for label in _depends_on(s)}))
    keys = [_cache_key(spec, filters, viewer, data_versions) for spec in specs]
    found = cache.get_many(keys)
    missing = [
        (spec, key)
        for spec, key in zip(specs, keys, strict=True)
        if not isinstance(found.get(key), Built)
    ]
    fresh = _build_all([spec for spec, _ in missing], filters, viewer)
    for (_, key), built in zip(missing, fresh, strict=True):
        found[key] = built
    cache.set_many(
        {key: built for (_, key), built in zip(missing, fresh, strict=True)},
        settings.TEAMHUB_DASHBOARD_CACHE_SECONDS,
    )
    return [found[key] for key in keys]


def _build_all(
    specs: list[ChartSpec], filters: DashboardFilters, viewer: User
) -> list[Built]:
    workers = min(settings.TEAMHUB_DASHBOARD_BUILD_THREADS, len(specs))
    if workers <= 1:
        return [_build(spec, filters, viewer) for spec in specs]
    with ThreadPoolExecutor(workers, thread_name_prefix="dashboard") as pool:
        return list(
            pool.map(lambda spec: _build_in_thread(spec, filters, viewer), specs)
        )


def _build_in_thread(spec: ChartSpec, filters: DashboardFilters, viewer: User) -> Built:
    try:
        return _build(spec, filters, viewer)
    finally:
        connections.close_all()  # this thread's own connections


def _build(spec: ChartSpec, filters: DashboardFilters, viewer: User) -> Built:
    chart = spec.build(filters=filters, viewer=viewer)
    return Built(
        key=spec.key,
        title=chart.title or spec.title,
        caption=chart.caption,
        figure=json.loads(chart.figure.to_json()),
        columns=list(chart.columns),
        rows=[dict(row) for row in chart.rows],
        lists=[(heading, list(items)) for heading, items in chart.lists],
        empty_text=chart.empty_text,
    )

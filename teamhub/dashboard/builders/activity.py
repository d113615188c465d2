"""The activity chart: Jira and Git events per week, by the team of their person."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db import NotSupportedError, connection
from django.db.models import (
    Case,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.integrations.models import ActivityEvent, Source
from teamhub.people.models import Team

# Bootstrap colours, one per team (cycled).
TEAM_COLOURS = [
    "#0d6efd",
    "#fd7e14",
    "#198754",
    "#d63384",
    "#6f42c1",
    "#20c997",
    "#ffc107",
    "#dc3545",
    "#0dcaf0",
    "#6c757d",
]
NO_TEAM = "No team"


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyCount:
    week: dt.date  # the Monday
    team_id: int | None
    source: str
    events: int


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 UTC of a datetime column, computed by the
    database itself (Django's TruncWeek on SQLite calls Python once per row)."""

    output_field = IntegerField()

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> Any:
        raise NotSupportedError("EpochSeconds knows SQLite and PostgreSQL only.")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            # Whole seconds: the text's first 19 characters (SQLite would round
            # the microseconds to milliseconds, 23:59:59.9999 to the next day).
            template="CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) "
            "AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
            **extra,
        )


WEEK_SECONDS = 7 * 24 * 3600


def _utc_offsets(
    since: dt.datetime, until: dt.datetime, tz: dt.tzinfo
) -> list[tuple[dt.datetime | None, int]]:
    """Return the time zone's UTC offset (seconds) over [since, until) as
    (until this instant, offset) pieces, the last one open-ended (None): one
    piece without daylight saving, one more per change of the clocks."""

    def offset(instant: dt.datetime) -> int:
        delta = instant.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    pieces: list[tuple[dt.datetime | None, int]] = []
    low, current = since, offset(since)
    while low < until:
        high = min(low + dt.timedelta(days=1), until)
        if offset(high) != current:
            # The clocks change within this day: find the second they do.
            before, after = low, high
            while after - before > dt.timedelta(seconds=1):
                middle = before + (after - before) / 2
                before, after = (
                    (middle, after) if offset(middle) == current else (before, middle)
                )
            pieces.append((after, current))
            current, high = offset(after), after
        low = high
    pieces.append((None, current))
    return pieces


def week_index(
    field: str, *, since: dt.datetime, until: dt.datetime, first_monday: dt.datetime
) -> Expression:
    """Return an expression for the number of whole local weeks between
    ``first_monday`` (a local midnight) and ``field``, for values in [since,
    until): integer arithmetic on the epoch in SQL, exact across changes of the
    clocks (the local offset of each piece of the range is added)."""
    pieces = _utc_offsets(since, until, first_monday.tzinfo or dt.UTC)
    offset: Expression = Value(pieces[-1][1])
    if len(pieces) > 1:
        offset = Case(
            *(When(**{f"{field}__lt": end}, then=Value(o)) for end, o in pieces[:-1]),
            default=Value(pieces[-1][1]),
            output_field=IntegerField(),
        )
    first_offset = first_monday.utcoffset() or dt.timedelta()
    base = int(first_monday.timestamp()) + int(first_offset.total_seconds())
    return ExpressionWrapper(
        (EpochSeconds(F(field)) + offset - Value(base)) / Value(WEEK_SECONDS),
        output_field=IntegerField(),
    )


def weekly_activity(
    *, team_id: int | None, start: dt.date, end: dt.date
) -> tuple[list[WeeklyCount], dict[int, str]]:
    """Return the events per (week, team of the event's person, source) between
    ``start`` and ``end`` (inclusive, in the site's time zone), and the teams'
    names: two queries (three with a team filter), one of them the aggregate.
    Orphaned commits (rewritten history) are left out."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    first = monday(start)
    condition = Q(occurred_at__gte=since, occurred_at__lt=until, orphaned=False)
    if team_id:
        condition &= Q(person__team_id__in=team_ids_in_scope(team_id))
    rows = (
        ActivityEvent.objects.filter(condition)
        .annotate(
            week=week_index(
                "occurred_at",
                since=since,
                until=until,
                first_monday=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            )
        )
        .values("week", "person__team_id", "source")
        .annotate(events=Count("pk"))
        # Sorted here, not by the database: PostgreSQL then aggregates in a hash
        # table instead of sorting every event first.
        .order_by()
        .values_list("week", "person__team_id", "source", "events")
    )
    # By week, team (where the database puts "no team") and source.
    no_team_last = connection.features.nulls_order_largest
    ordered = sorted(
        rows,
        key=lambda row: (row[0], (row[1] is None) == no_team_last, row[1] or 0, row[2]),
    )
    monday_of = {week: first + dt.timedelta(days=7 * week) for week, *_ in ordered}
    counts = [
        WeeklyCount(monday_of[week], team, source, events)
        for week, team, source, events in ordered
    ]
    team_ids = {count.team_id for count in counts if count.team_id is not None}
    names = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    return counts, names


# Figure (no ORM) ----------------------------------------------------------------


def team_url(team_id: int | None) -> str:
    url = reverse("people:directory")
    return f"{url}?{urlencode({'team': team_id})}" if team_id else url


def activity_figure(
    *,
    counts: Sequence[WeeklyCount],
    names: dict[int, str],
    start: dt.date,
    end: dt.date,
) -> go.Figure:
    """Return a bar per week (x = its Monday), stacked by team; the hover splits
    each segment into Jira and Git events."""
    weeks: list[dt.date] = []
    week = monday(start)
    while week <= end:
        weeks.append(week)
        week += dt.timedelta(days=7)
    by_team: dict[int | None, dict[tuple[dt.date, str], int]] = {}
    for count in counts:
        cell = by_team.setdefault(count.team_id, {})
        cell[(count.week, count.source)] = (
            cell.get((count.week, count.source), 0) + count.events
        )
    order = sorted(by_team, key=lambda pk: (pk is None, names.get(pk or 0, "")))
    x = [w.isoformat() for w in weeks]
    traces = []
    for index, team_id in enumerate(order):
        cell = by_team[team_id]
        name = names.get(team_id, NO_TEAM) if team_id is not None else NO_TEAM
        jira = [cell.get((w, Source.JIRA), 0) for w in weeks]
        git = [cell.get((w, Source.GIT), 0) for w in weeks]
        traces.append(
            go.Bar(
                x=x,
                y=[j + g for j, g in zip(jira, git, strict=True)],
                name=name,
                marker={"color": TEAM_COLOURS[index % len(TEAM_COLOURS)]},
                customdata=[team_url(team_id)] * len(weeks),
                hovertext=[
                    f"Jira {j} · Git {g}" for j, g in zip(jira, git, strict=True)
                ],
                hovertemplate="Week of %{x|%d %b %Y}<br>"
                + html.escape(name)
                + ": %{y} events (%{hovertext})<extra></extra>",
            )
        )
    # One call for every team's trace: adding them one by one re-checks the
    # figure each time, which adds up with hundreds of teams.
    figure = go.Figure(data=traces)
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"type": "date", "title": None},
        yaxis={"title": "Events", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


@chart("activity", title="Activity", order=60, roles=(Role.MANAGER,))
def activity(*, filters: DashboardFilters, viewer: User) -> Chart:
    counts, names = weekly_activity(
        team_id=filters.team_id, start=filters.start, end=filters.end
    )
    return Chart(
        key="activity",
        title="Activity",
        caption="Jira and Git events per week, stacked by the team of the person "
        "behind them; click a bar to open the team's people.",
        figure=activity_figure(
            counts=counts, names=names, start=filters.start, end=filters.end
        ),
        columns=("week", "team", "source", "events"),
        rows=[
            {
                "week": count.week.isoformat(),
                "team": names.get(count.team_id, NO_TEAM)
                if count.team_id is not None
                else NO_TEAM,
                "source": count.source,
                "events": count.events,
            }
            for count in counts
        ],
    )

"""The activity chart: Jira and Git events per week, by the group (``team_groups``)
of their person's team."""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db import NotSupportedError
from django.db.models import (
    Case,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import TeamGroup, group_of, team_groups
from teamhub.integrations.models import ActivityEvent, Source

# Bootstrap colours, one per group of teams (cycled).
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
    group_id: int | None  # the TeamGroup of the person's team; None: no team
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


# SQLite allows 500 SELECTs in one compound statement; longer ranges count
# weeks with week_index instead.
MAX_UNION_WEEKS = 400


def weekly_counts(
    events: QuerySet[ActivityEvent],
    fields: Sequence[str | Expression],
    *,
    since: dt.datetime,
    until: dt.datetime,
    first_monday: dt.datetime,
) -> list[tuple[Any, ...]]:
    """Return (week, *fields, count) rows of ``events`` in [since, until), the
    week counted from ``first_monday`` (a local midnight), in one statement.
    ``events`` must not filter on the date itself: a second range on the
    column makes the database scan the whole range for every week.

    The statement is a UNION ALL of one grouped SELECT per week between local
    midnights (exact across changes of the clocks): each reads its week's slice
    of the date index and groups a few thousand rows, where grouping the whole
    range by a computed week makes SQLite sort every event (benchmarks/
    dashboard.py: 430 -> 235 ms for 270,000 events by team). Ranges longer than
    MAX_UNION_WEEKS use week_index."""
    tz = first_monday.tzinfo
    bounds: list[tuple[int, dt.datetime, dt.datetime]] = []
    week = 0
    while True:
        # Local midnights: a change of the clocks does not shift a bound.
        begins = dt.datetime.combine(
            first_monday.date() + dt.timedelta(days=7 * week), dt.time.min, tzinfo=tz
        )
        if begins >= until:
            break
        ends = dt.datetime.combine(
            first_monday.date() + dt.timedelta(days=7 * (week + 1)),
            dt.time.min,
            tzinfo=tz,
        )
        bounds.append((week, max(since, begins), min(until, ends)))
        week += 1
    names = [f"f{index}" for index in range(len(fields))]
    columns = {
        name: (F(field) if isinstance(field, str) else field)
        for name, field in zip(names, fields, strict=True)
    }
    if len(bounds) > MAX_UNION_WEEKS:
        return list(
            events.filter(occurred_at__gte=since, occurred_at__lt=until)
            .annotate(
                week=week_index(
                    "occurred_at", since=since, until=until, first_monday=first_monday
                ),
                **columns,
            )
            .values("week", *names)
            .annotate(events=Count("pk"))
            .order_by()
            .values_list("week", *names, "events")
        )
    parts = [
        events.filter(occurred_at__gte=low, occurred_at__lt=high)
        .annotate(**columns)
        .values(*names)
        .annotate(week=Value(k, output_field=IntegerField()), events=Count("pk"))
        .order_by()
        .values_list("week", *names, "events")
        for k, low, high in bounds
    ]
    if not parts:
        return []
    first, *rest = parts
    return list(first.union(*rest, all=True) if rest else first)


def weekly_activity(
    *, team_id: int | None, start: dt.date, end: dt.date
) -> tuple[list[WeeklyCount], list[TeamGroup]]:
    """Return the events per (week, group of the event's person's team, source)
    between ``start`` and ``end`` (inclusive, in the site's time zone), and the
    groups (``team_groups``), in two queries, one of them the aggregate. The
    database still counts per team; the few thousand (week, team, source) rows
    are summed into their groups here. Orphaned commits (rewritten history) are
    left out."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    first = monday(start)
    groups = team_groups(team_id)
    group_by_team = group_of(groups)
    # The date range is weekly_counts' to apply, one week per SELECT.
    condition = Q(orphaned=False)
    if team_id:
        condition &= Q(person__team_id__in=list(group_by_team))
    rows = weekly_counts(
        ActivityEvent.objects.filter(condition),
        ["person__team_id", "source"],
        since=since,
        until=until,
        first_monday=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
    )
    sums: dict[tuple[int, int | None, str], int] = defaultdict(int)
    for week, team, source, events in rows:
        if team is None:
            group_id = None
        elif team in group_by_team:
            group_id = group_by_team[team].id
        else:
            continue  # a team created since the tree was read
        sums[(week, group_id, source)] += events
    # By week, group (in the groups' order, "No team" last) and source.
    position = {group.id: index for index, group in enumerate(groups)}
    ordered = sorted(
        sums.items(),
        key=lambda item: (
            item[0][0],
            len(groups) if item[0][1] is None else position[item[0][1]],
            item[0][2],
        ),
    )
    counts = [
        WeeklyCount(first + dt.timedelta(days=7 * week), group_id, source, events)
        for (week, group_id, source), events in ordered
    ]
    return counts, groups


# Figure (no ORM) ----------------------------------------------------------------


def team_url(group: TeamGroup | None) -> str:
    """The people directory of the group's people (everyone's without a group)."""
    url = reverse("people:directory")
    return f"{url}?{urlencode(group.people_query())}" if group else url


def activity_figure(
    *,
    counts: Sequence[WeeklyCount],
    groups: Sequence[TeamGroup],
    start: dt.date,
    end: dt.date,
) -> go.Figure:
    """Return a bar per week (x = its Monday), stacked by group (the teams
    directly below the filter, each with its sub-teams); the hover splits each
    segment into Jira and Git events."""
    weeks: list[dt.date] = []
    week = monday(start)
    while week <= end:
        weeks.append(week)
        week += dt.timedelta(days=7)
    by_group: dict[int | None, dict[tuple[dt.date, str], int]] = {}
    for count in counts:
        cell = by_group.setdefault(count.group_id, {})
        cell[(count.week, count.source)] = (
            cell.get((count.week, count.source), 0) + count.events
        )
    by_id = {group.id: group for group in groups}
    order: list[int | None] = [group.id for group in groups if group.id in by_group]
    if None in by_group:
        order.append(None)
    x = [w.isoformat() for w in weeks]
    traces = []
    for index, group_id in enumerate(order):
        cell = by_group[group_id]
        group = by_id[group_id] if group_id is not None else None
        name = group.name if group is not None else NO_TEAM
        jira = [cell.get((w, Source.JIRA), 0) for w in weeks]
        git = [cell.get((w, Source.GIT), 0) for w in weeks]
        traces.append(
            go.Bar(
                x=x,
                y=[j + g for j, g in zip(jira, git, strict=True)],
                name=name,
                marker={"color": TEAM_COLOURS[index % len(TEAM_COLOURS)]},
                customdata=[team_url(group)] * len(weeks),
                hovertext=[
                    f"Jira {j} · Git {g}" for j, g in zip(jira, git, strict=True)
                ],
                hovertemplate="Week of %{x|%d %b %Y}<br>"
                + html.escape(name)
                + ": %{y} events (%{hovertext})<extra></extra>",
            )
        )
    # One call for every group's trace: adding them one by one re-checks the
    # figure each time.
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


@chart(
    "activity",
    title="Activity",
    order=60,
    roles=(Role.MANAGER,),
    depends_on=("integrations", "people"),
)
def activity(*, filters: DashboardFilters, viewer: User) -> Chart:
    counts, groups = weekly_activity(
        team_id=filters.team_id, start=filters.start, end=filters.end
    )
    names = {group.id: group.name for group in groups}
    return Chart(
        key="activity",
        title="Activity",
        caption="Jira and Git events per week, stacked by the team of the person "
        "behind them: the teams directly below the team filter, each with its "
        "sub-teams; click a bar to open the team's people.",
        figure=activity_figure(
            counts=counts, groups=groups, start=filters.start, end=filters.end
        ),
        columns=("week", "team", "source", "events"),
        rows=[
            {
                "week": count.week.isoformat(),
                "team": names[count.group_id]
                if count.group_id is not None
                else NO_TEAM,
                "source": count.source,
                "events": count.events,
            }
            for count in counts
        ],
    )

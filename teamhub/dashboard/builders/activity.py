"""The activity chart: Jira and Git events per week, by the team of their person."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncWeek
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
    condition = Q(occurred_at__gte=since, occurred_at__lt=until, orphaned=False)
    if team_id:
        condition &= Q(person__team_id__in=team_ids_in_scope(team_id))
    rows = (
        ActivityEvent.objects.filter(condition)
        .annotate(week=TruncWeek("occurred_at", output_field=DateField()))
        .values("week", "person__team_id", "source")
        .annotate(events=Count("pk"))
        .order_by("week", "person__team_id", "source")
    )
    counts = [
        WeeklyCount(row["week"], row["person__team_id"], row["source"], row["events"])
        for row in rows
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
    figure = go.Figure()
    for index, team_id in enumerate(order):
        cell = by_team[team_id]
        name = names.get(team_id, NO_TEAM) if team_id is not None else NO_TEAM
        jira = [cell.get((w, Source.JIRA), 0) for w in weeks]
        git = [cell.get((w, Source.GIT), 0) for w in weeks]
        figure.add_trace(
            go.Bar(
                x=[w.isoformat() for w in weeks],
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

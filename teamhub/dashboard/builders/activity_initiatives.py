"""The activity-by-initiative chart: Jira and Git events per week for the most
active initiatives."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.builders.activity import TEAM_COLOURS, monday, weekly_counts
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import Card, Initiative
from teamhub.integrations.models import ActivityEvent, Source

TOP_N = 8
OTHER = "Other initiatives"
NO_INITIATIVE = "No initiative"
OTHER_COLOUR = "#adb5bd"  # Bootstrap grey-500
NO_INITIATIVE_COLOUR = "#dee2e6"  # Bootstrap grey-300


# Selectors ----------------------------------------------------------------------

OTHER_ID = 0  # stands for every initiative outside the top (no initiative has pk 0)


@dataclass(frozen=True)
class SeriesWeek:
    week: dt.date  # the Monday
    initiative_id: int | None  # a top initiative, OTHER_ID, or None: no initiative
    source: str
    events: int


@dataclass(frozen=True)
class InitiativeName:
    initiative_id: int
    key: str
    title: str
    card_id: int | None


@dataclass(frozen=True)
class InitiativeActivity:
    counts: list[SeriesWeek]  # by week, series, source
    leaders: list[InitiativeName]  # the top initiatives, most events first


def _ranking(events: QuerySet[ActivityEvent], top: int) -> list[int]:
    """Return the ``top`` initiatives with the most ``events``, ties by id.

    SQLite groups by sorting every row into a temporary tree: at 270,000 events
    that takes three times as long as counting their initiative ids here (one
    integer per event, benchmarks/dashboard.py). Other databases aggregate in a
    hash table, and send only the totals."""
    with_initiative = events.filter(initiative__isnull=False).order_by()
    totals: Counter[int]
    if connection.vendor == "sqlite":
        totals = Counter(with_initiative.values_list("initiative_id", flat=True))
    else:
        totals = Counter(
            dict(
                with_initiative.values("initiative_id")
                .annotate(n=Count("pk"))
                .values_list("initiative_id", "n")
            )
        )
    return sorted(totals, key=lambda pk: (-totals[pk], pk))[:top]


def initiative_activity(
    *, team_id: int | None, start: dt.date, end: dt.date, top: int = TOP_N
) -> InitiativeActivity:
    """Return the events per (week, series, source) between ``start`` and ``end``
    (inclusive, in the site's time zone), the series being each of the ``top``
    initiatives with the most events (ties by id), the other initiatives
    together (OTHER_ID) and no initiative (None).

    Like the activity chart, a team filter keeps the events of the team's people
    (and its sub-teams'), orphaned commits are left out, and weeks are counted in
    SQL. Three queries (four with a team filter): the ranking, then the weekly
    counts of the leaders, the rest and no initiative, an aggregate whose size
    follows the weeks."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    first = monday(start)
    condition = Q(orphaned=False)
    if team_id:
        condition &= Q(person__team_id__in=team_ids_in_scope(team_id))
    events = ActivityEvent.objects.filter(condition)
    ranking = _ranking(
        events.filter(occurred_at__gte=since, occurred_at__lt=until), top
    )
    series = Case(
        When(initiative__isnull=True, then=Value(None)),
        When(initiative_id__in=ranking, then=F("initiative_id")),
        default=Value(OTHER_ID),
        output_field=IntegerField(),
    )
    # A handful of rows per week: the leaders, "other" and "no initiative".
    rows = weekly_counts(
        events,
        [series, "source"],
        since=since,
        until=until,
        first_monday=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
    )
    # By week, then series (no initiative last), then source.
    counts = [
        SeriesWeek(first + dt.timedelta(days=7 * week), series_id, source, n)
        for week, series_id, source, n in sorted(
            rows, key=lambda row: (row[0], row[1] is None, row[1] or 0, row[2])
        )
    ]
    first_card = Card.objects.filter(initiative=OuterRef("pk")).order_by("pk")
    names = {
        pk: InitiativeName(pk, key, title, card_id)
        for pk, key, title, card_id in Initiative.objects.filter(pk__in=ranking)
        .annotate(card_id=Subquery(first_card.values("pk")[:1]))
        .values_list("pk", "key", "title", "card_id")
    }
    return InitiativeActivity(
        counts=counts, leaders=[names[pk] for pk in ranking if pk in names]
    )


# Figure (no ORM) ----------------------------------------------------------------


def card_url(card_id: int | None) -> str:
    if card_id is None:
        return reverse("initiatives:boards")
    return reverse("initiatives:card", args=[card_id])


def series_label(initiative_id: int | None, leaders: dict[int, InitiativeName]) -> str:
    if initiative_id is None:
        return NO_INITIATIVE
    leader = leaders.get(initiative_id)
    return leader.key if leader else OTHER


def _style(
    initiative_id: int | None, leaders: dict[int, InitiativeName], index: int
) -> tuple[str, str, str, str]:
    """Return a series' legend label, hover title, colour and click URL."""
    if initiative_id is None:
        return NO_INITIATIVE, NO_INITIATIVE, NO_INITIATIVE_COLOUR, ""
    leader = leaders.get(initiative_id)
    if leader is None:
        return OTHER, OTHER, OTHER_COLOUR, reverse("initiatives:boards")
    return (
        leader.key,
        f"{leader.key} {leader.title}",
        TEAM_COLOURS[index % len(TEAM_COLOURS)],
        card_url(leader.card_id),
    )


def activity_initiatives_figure(
    *,
    counts: Sequence[SeriesWeek],
    leaders: Sequence[InitiativeName],
    start: dt.date,
    end: dt.date,
) -> go.Figure:
    """Return a bar per week (x = its Monday), stacked by the leading
    initiatives (most events first), then the other initiatives and events with
    no initiative (those two hidden until shown from the legend); the hover
    splits each segment into Jira and Git events."""
    weeks: list[dt.date] = []
    week = monday(start)
    while week <= end:
        weeks.append(week)
        week += dt.timedelta(days=7)
    by_id = {leader.initiative_id: leader for leader in leaders}
    cells: dict[int | None, Counter[tuple[dt.date, str]]] = {}
    for count in counts:
        key = count.initiative_id
        if key is not None and key not in by_id:
            key = OTHER_ID
        cells.setdefault(key, Counter())[(count.week, count.source)] += count.events
    order: list[int | None] = [*by_id, OTHER_ID, None]
    figure = go.Figure()
    for index, key in enumerate(order):
        if key not in cells:
            continue
        label, title, colour, url = _style(key, by_id, index)
        cell = cells[key]
        jira = [cell[(w, Source.JIRA)] for w in weeks]
        git = [cell[(w, Source.GIT)] for w in weeks]
        figure.add_trace(
            go.Bar(
                x=[w.isoformat() for w in weeks],
                y=[j + g for j, g in zip(jira, git, strict=True)],
                name=label,
                # With many initiatives the rest would dwarf the leaders: it
                # starts hidden, a click on its legend entry shows it.
                visible=True if key in by_id else "legendonly",
                marker={"color": colour},
                customdata=[url] * len(weeks),
                hovertext=[
                    f"Jira {j} · Git {g}" for j, g in zip(jira, git, strict=True)
                ],
                hovertemplate="Week of %{x|%d %b %Y}<br>"
                + html.escape(title)
                + ": %{y} events (%{hovertext})<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        # Always shown: the hidden series are brought back from it.
        showlegend=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"type": "date", "title": None},
        yaxis={"title": "Events", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


@chart(
    "activity_initiatives",
    title="Activity by initiative",
    order=61,
    roles=(Role.MANAGER,),
    # people: a team filter keeps the events of the people in the team and its
    # sub-teams.
    depends_on=("integrations", "initiatives", "people.Team", "people.Person"),
)
def activity_initiatives(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = initiative_activity(
        team_id=filters.team_id, start=filters.start, end=filters.end
    )
    leaders = {leader.initiative_id: leader for leader in data.leaders}
    return Chart(
        key="activity_initiatives",
        title="Activity by initiative",
        caption=f"Jira and Git events per week (of the team's people, with a team "
        f"filter), stacked by the {TOP_N} most active initiatives (the others and "
        f"events with no initiative show from the legend); click a bar to open the "
        f"initiative's card.",
        figure=activity_initiatives_figure(
            counts=data.counts,
            leaders=data.leaders,
            start=filters.start,
            end=filters.end,
        ),
        columns=("week", "initiative", "title", "source", "events"),
        rows=[
            {
                "week": count.week.isoformat(),
                "initiative": series_label(count.initiative_id, leaders),
                "title": leaders[count.initiative_id].title
                if count.initiative_id in leaders
                else "",
                "source": count.source,
                "events": count.events,
            }
            for count in data.counts
        ],
    )

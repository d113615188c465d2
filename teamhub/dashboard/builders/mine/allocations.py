"""A data scientist's allocations per week over the coming weeks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import plotly.graph_objects as go
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.builders.capacity import (
    OVER,
    WEEKS,
    Capacity,
    Member,
    member_loads,
    week_starts,
)
from teamhub.dashboard.builders.mine.common import (
    Me,
    card_url,
    first_card,
    me_of,
    no_person_chart,
)
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.initiatives.models import Assignment
from teamhub.staffing.records import Booking
from teamhub.staffing.scoring import peak_load

# Bootstrap colours, one per initiative (cycled); proposed bars are hatched.
COLOURS = [
    "#0d6efd",
    "#198754",
    "#fd7e14",
    "#6f42c1",
    "#0dcaf0",
    "#d63384",
    "#20c997",
    "#ffc107",
    "#6c757d",
]
CAPACITY_COLOUR = "#dc3545"


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class MyAllocations:
    me: Me | None
    weeks: list[dt.date]
    bookings: list[Booking]
    card_urls: dict[int, str]  # initiative id -> its card (else the boards)


def my_allocations_data(viewer: User, *, today: dt.date) -> MyAllocations:
    """Return the viewer's open bookings over the WEEKS weeks from ``today``
    (two queries)."""
    weeks = week_starts(today)
    me = me_of(viewer)
    if me is None:
        return MyAllocations(me=None, weeks=weeks, bookings=[], card_urls={})
    first, last = weeks[0], weeks[-1] + dt.timedelta(days=6)
    rows = (
        Assignment.objects.filter(
            person_id=me.person_id,
            status__in=[Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED],
            start__lte=last,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .annotate(card_id=first_card("initiative_id"))
        .order_by("initiative__key", "start", "pk")
        .values_list(
            "initiative_id",
            "initiative__key",
            "initiative__title",
            "allocation",
            "start",
            "end",
            "status",
            "card_id",
        )
    )
    bookings: list[Booking] = []
    card_urls: dict[int, str] = {}
    for initiative, key, title, allocation, start, end, status, card in rows:
        booked: Literal["confirmed", "proposed"] = (
            "confirmed" if status == Assignment.Status.CONFIRMED else "proposed"
        )
        bookings.append(Booking(initiative, key, title, allocation, start, end, booked))
        card_urls[initiative] = card_url(card)
    return MyAllocations(me=me, weeks=weeks, bookings=bookings, card_urls=card_urls)


# Figures (no ORM) ---------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    """One initiative's confirmed (or proposed) bookings, per week."""

    initiative_id: int
    key: str
    title: str
    status: str  # confirmed | proposed
    weekly: list[int]  # percent booked on the week's busiest day


def allocation_stacks(
    bookings: Sequence[Booking], weeks: Sequence[dt.date]
) -> list[Stack]:
    """Return a stack per (initiative, status), by key, confirmed first; a
    week's value is its busiest day, proposed counting half (as on Capacity)."""
    groups: dict[tuple[str, int, int], list[Booking]] = defaultdict(list)
    for booking in bookings:
        order = 0 if booking.status == "confirmed" else 1
        groups[(booking.key, booking.initiative_id, order)].append(booking)
    stacks = []
    for (key, initiative_id, _order), group in sorted(groups.items()):
        weekly = [
            peak_load(group, start=week, end=week + dt.timedelta(days=6))
            for week in weeks
        ]
        stacks.append(
            Stack(initiative_id, key, group[0].title, group[0].status, weekly)
        )
    return stacks


@dataclass(frozen=True)
class OverWeek:
    week: dt.date
    booked: int  # percent of a full-time week, busiest day
    of_capacity: float | None  # percent of the viewer's capacity; None: no capacity


def over_capacity(data: MyAllocations) -> list[OverWeek]:
    """Return the weeks whose busiest day is booked beyond the viewer's capacity."""
    if data.me is None:
        return []
    me = Member(
        id=data.me.person_id,
        name="",
        team_id=0,
        capacity=data.me.capacity,
        bookings=list(data.bookings),
    )
    loads = member_loads(Capacity(teams=[], weeks=data.weeks, members=[me]))
    over = []
    for index, week in enumerate(data.weeks):
        booked = peak_load(data.bookings, start=week, end=week + dt.timedelta(days=6))
        if loads:  # a capacity above zero
            if loads[0].weekly[index] > OVER:
                over.append(OverWeek(week, booked, loads[0].weekly[index]))
        elif booked > 0:
            over.append(OverWeek(week, booked, None))
    return over


def _week_axis(weeks: Sequence[dt.date]) -> dict[str, object]:
    return {
        "type": "category",
        "title": None,
        "tickmode": "array",
        "tickvals": [week.isoformat() for week in weeks],
        "ticktext": [f"{week:%d %b}" for week in weeks],
    }


def my_allocations_figure(
    *,
    weeks: Sequence[dt.date],
    stacks: Sequence[Stack],
    capacity: float | None,
    card_urls: dict[int, str],
) -> go.Figure:
    """Return the weekly bars stacked by initiative (proposed hatched) and the
    capacity line (``capacity`` in percent; None: no line)."""
    x = [week.isoformat() for week in weeks]
    colour_of: dict[int, str] = {}
    figure = go.Figure()
    for stack in stacks:
        colour = colour_of.setdefault(
            stack.initiative_id, COLOURS[len(colour_of) % len(COLOURS)]
        )
        proposed = stack.status == "proposed"
        figure.add_trace(
            go.Bar(
                x=x,
                y=stack.weekly,
                name=f"{stack.key} ({stack.status})",
                legendgroup=stack.key,
                marker={
                    "color": colour,
                    "opacity": 0.55 if proposed else 1.0,
                    "pattern": {"shape": "/" if proposed else ""},
                },
                text=[f"{stack.key} {stack.title}"] * len(x),
                textposition="none",
                customdata=[card_urls.get(stack.initiative_id, "")] * len(x),
                hovertemplate="%{text}<br>Week of %{x}: %{y}% "
                + ("proposed (counts half)" if proposed else "confirmed")
                + "<extra></extra>",
            )
        )
    if capacity is not None and weeks:
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[capacity] * len(x),
                name="Your capacity",
                mode="lines",
                line={"color": CAPACITY_COLOUR, "dash": "dash", "width": 2},
                hovertemplate="Your capacity: %{y:.0f}%<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis=_week_axis(weeks),
        yaxis={
            "title": "Share of a full-time week",
            "ticksuffix": "%",
            "rangemode": "tozero",
        },
    )
    return figure


# Charts -------------------------------------------------------------------------


ALLOCATION_COLUMNS = ("week", "initiative", "title", "status", "allocation", "capacity")


@chart(
    "my_allocations",
    title="My allocations",
    order=110,
    roles=(Role.DATA_SCIENTIST,),
    depends_on=("initiatives", "people"),
    per_viewer=True,
)
def my_allocations(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = my_allocations_data(viewer, today=timezone.localdate())
    if data.me is None:
        return no_person_chart("my_allocations", "My allocations", ALLOCATION_COLUMNS)
    capacity = round(100 * data.me.capacity)
    stacks = allocation_stacks(data.bookings, data.weeks)
    profile = reverse("people:profile", args=[data.me.person_id])
    over = [
        (
            f"Week of {item.week:%d %b}: {item.booked}% booked, "
            + (
                f"{item.of_capacity:.0f}% of your capacity"
                if item.of_capacity is not None
                else "and you have no capacity set"
            ),
            profile,
        )
        for item in over_capacity(data)
    ]
    return Chart(
        key="my_allocations",
        title="My allocations",
        caption=(
            f"Your allocation per week over the next {WEEKS} weeks from today "
            "(whatever the dates chosen), by initiative: proposed ones hatched and "
            "counted half; the dashed line is your capacity."
        ),
        figure=my_allocations_figure(
            weeks=data.weeks,
            stacks=stacks,
            capacity=capacity,
            card_urls=data.card_urls,
        ),
        columns=ALLOCATION_COLUMNS,
        rows=[
            {
                "week": week.isoformat(),
                "initiative": stack.key,
                "title": stack.title,
                "status": stack.status,
                "allocation": value,
                "capacity": capacity,
            }
            for week_index, week in enumerate(data.weeks)
            for stack in stacks
            if (value := stack.weekly[week_index])
        ],
        lists=[(f"Weeks over your capacity ({len(over)})", over)] if over else [],
    )

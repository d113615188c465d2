"""Capacity chart: allocation per team and week, with over-allocated and idle people.

The heatmap's rows are the teams directly below the filter, each counting its
sub-teams (``team_groups``), and its columns the next ``WEEKS`` weeks from
today: it looks ahead, so the dashboard's date range does not apply to it.
The over-allocated and idle lists are per person, over the whole filter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Literal
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import TeamGroup, group_of, team_groups
from teamhub.initiatives.models import Assignment
from teamhub.people.models import Person
from teamhub.staffing.records import Booking

WEEKS = 12
OVER = 100.0  # percent of capacity
IDLE = 20.0  # percent of capacity, on average over the weeks
MAX_LISTED = 20
# Allocation % of capacity: light grey at 0, primary at 100, danger from 150.
ALLOCATION_COLOURS = [
    [0.0, "#f8f9fa"],
    [IDLE / 150, "#cfe2ff"],
    [OVER / 150, "#0d6efd"],
    [1.0, "#dc3545"],
]


def week_starts(start: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """Return ``weeks`` Mondays, the first on or before ``start``."""
    monday = start - dt.timedelta(days=start.weekday())
    return [monday + dt.timedelta(weeks=i) for i in range(weeks)]


# -- selectors ---------------------------------------------------------------------


@dataclass
class Member:
    id: int
    name: str
    team_id: int
    capacity: float  # share of a full-time week, 0-1
    bookings: list[Booking] = field(default_factory=list)


@dataclass(frozen=True)
class Capacity:
    # The heatmap's rows: team groups (named ``teams`` as mine/allocations.py
    # builds a Capacity by keyword).
    teams: list[TeamGroup]
    weeks: list[dt.date]
    members: list[Member]


def capacity_read(filters: DashboardFilters, *, today: dt.date) -> Capacity:
    """Read the active members of the filter's teams and their open bookings over
    the ``WEEKS`` weeks from ``today``'s week (3 queries). ``filters.start`` and
    ``filters.end`` do not apply: the chart looks ahead."""
    groups = team_groups(filters.team_id)
    weeks = week_starts(today)
    first, last = weeks[0], weeks[-1] + dt.timedelta(days=6)
    in_teams = Q(team_id__in=sorted(group_of(groups)))
    if filters.team_id is None:  # every team is in a group: skip the id list
        in_teams = Q(team__isnull=False)
    members = {
        row["id"]: Member(
            id=row["id"],
            name=(
                f"{row['user__first_name']} {row['user__last_name']}".strip()
                or row["user__username"]
            ),
            team_id=row["team_id"],
            capacity=float(row["capacity_fte"]),
        )
        for row in Person.objects.filter(in_teams, active=True)
        .order_by("user__last_name", "user__first_name", "id")
        .values(
            "id",
            "team_id",
            "capacity_fte",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
    }
    assignments = (
        Assignment.objects.filter(
            person_id__in=Person.objects.filter(in_teams, active=True).values("id"),
            status__in=[Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED],
            start__lte=last,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .values_list(
            "person_id",
            "initiative_id",
            "initiative__key",
            "initiative__title",
            "allocation",
            "start",
            "end",
            "status",
        )
        .order_by()
    )
    for person, initiative, key, title, allocation, start, end, status in assignments:
        if person in members:
            booked: Literal["confirmed", "proposed"] = (
                "confirmed" if status == Assignment.Status.CONFIRMED else "proposed"
            )
            members[person].bookings.append(
                Booking(initiative, key, title, allocation, start, end, booked)
            )
    return Capacity(teams=groups, weeks=weeks, members=list(members.values()))


# -- figure ------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    member: Member
    weekly: list[float]  # percent of the member's capacity, per week

    @property
    def peak(self) -> float:
        return max(self.weekly)

    @property
    def mean(self) -> float:
        return sum(self.weekly) / len(self.weekly)


def weekly_peaks(bookings: Sequence[Booking], weeks: Sequence[dt.date]) -> list[int]:
    """Return, for each week (a Monday), what ``peak_load(bookings, start=week,
    end=week + 6 days)`` returns -- the highest booked percent on any of its
    days, confirmed in full and proposed half (rounded half up) -- in one pass
    over the days instead of one per week (pure)."""
    if not weeks:
        return []
    lo = min(weeks).toordinal()
    hi = max(weeks).toordinal() + 6
    change = [0] * (hi - lo + 2)  # per day, in half percents
    for booking in bookings:
        first = booking.start.toordinal()
        last = hi if booking.end is None else booking.end.toordinal()
        if first > hi or last < lo:
            continue
        weight = booking.allocation * (1 if booking.status == "proposed" else 2)
        change[max(first, lo) - lo] += weight
        change[min(last, hi) - lo + 1] -= weight
    daily = list(accumulate(change))
    return [
        (max(0, *daily[day : day + 7]) + 1) // 2
        for day in (week.toordinal() - lo for week in weeks)
    ]


def member_loads(capacity: Capacity) -> list[Load]:
    """Return each member's weekly allocation as a percent of their capacity (pure).

    A week's load is its busiest day (confirmed in full, proposed half). People
    with no capacity are left out: they are not available to allocate.
    """
    loads = []
    for member in capacity.members:
        if member.capacity <= 0:
            continue
        weekly = [
            100.0 * peak / (100.0 * member.capacity)
            for peak in weekly_peaks(member.bookings, capacity.weeks)
        ]
        loads.append(Load(member, weekly))
    return loads


@dataclass(frozen=True)
class HeatRow:
    """A row of the heatmap: a team group, or a person of a team without teams
    below it."""

    label: str
    url: str  # what a click on one of its cells opens
    values: list[float]  # per week, allocation % of capacity


def team_rows(capacity: Capacity, loads: Sequence[Load]) -> list[HeatRow]:
    """Return each group's mean allocation per week over its members, whatever
    their team in the group's sub-tree, for the groups with members (pure)."""
    groups = group_of(capacity.teams)
    by_group: dict[int, list[Load]] = defaultdict(list)
    for load in loads:
        group = groups.get(load.member.team_id)
        if group is not None:
            by_group[group.id].append(load)
    directory = reverse("people:directory")
    return [
        HeatRow(
            label=group.name,
            # The people directory of the row's people.
            url=f"{directory}?{urlencode(group.people_query())}",
            values=[
                round(
                    sum(load.weekly[i] for load in by_group[group.id])
                    / len(by_group[group.id]),
                    1,
                )
                for i in range(len(capacity.weeks))
            ],
        )
        for group in capacity.teams
        if by_group[group.id]
    ]


def member_rows(loads: Sequence[Load]) -> list[HeatRow]:
    """Return each person's allocation per week, by name (pure)."""
    return [
        HeatRow(
            label=load.member.name,
            url=_profile(load.member),
            values=[round(value, 1) for value in load.weekly],
        )
        for load in sorted(loads, key=lambda load: (load.member.name, load.member.id))
    ]


def capacity_figure(weeks: Sequence[dt.date], rows: Sequence[HeatRow]) -> go.Figure:
    """Return the rows x weeks heatmap of allocation; a click on a cell opens
    its row's URL."""
    x = [week.isoformat() for week in weeks]
    figure = go.Figure(
        go.Heatmap(
            x=x,
            y=[row.label for row in rows],
            z=[row.values for row in rows],
            customdata=[[row.url] * len(x) for row in rows],
            colorscale=ALLOCATION_COLOURS,
            zmin=0,
            zmax=150,
            xgap=2,
            ygap=2,
            texttemplate="%{z:.0f}%",
            colorbar={
                "title": {"text": "Allocated"},
                "ticksuffix": "%",
                "thickness": 12,
            },
            hovertemplate=(
                "%{y} · week of %{x}<br>"
                "Allocation: %{z:.0f}% of capacity<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        template="plotly_white",
        height=max(240, 100 + 30 * len(rows)),
        margin={"l": 160, "r": 20, "t": 30, "b": 50},
        xaxis={
            "type": "category",
            "title": None,
            "tickmode": "array",
            "tickvals": x,
            "ticktext": [f"{week:%d %b}" for week in weeks],
        },
        yaxis={"autorange": "reversed", "title": None},
    )
    return figure


def _profile(member: Member) -> str:
    return reverse("people:profile", args=[member.id])


def capacity_lists(
    loads: Sequence[Load], weeks: Sequence[dt.date]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the over-allocated (most first) and idle (least first) people."""
    over = sorted(
        (load for load in loads if load.peak > OVER),
        key=lambda load: (-load.peak, load.member.name),
    )
    idle = sorted(
        (load for load in loads if load.mean < IDLE),
        key=lambda load: (load.mean, load.member.name),
    )
    over_items = [
        (
            f"{load.member.name}: {load.peak:.0f}% in the week of "
            f"{weeks[load.weekly.index(load.peak)]:%d %b}",
            _profile(load.member),
        )
        for load in over[:MAX_LISTED]
    ]
    idle_items = [
        (f"{load.member.name}: {load.mean:.0f}% on average", _profile(load.member))
        for load in idle[:MAX_LISTED]
    ]
    return [
        (f"Over-allocated ({len(over)})", over_items),
        (f"Idle ({len(idle)})", idle_items),
    ]


@chart(
    "capacity",
    title="Capacity",
    order=30,
    roles=(Role.MANAGER,),
    depends_on=("people", "initiatives"),
)
def capacity(
    *, filters: DashboardFilters, viewer: User, today: dt.date | None = None
) -> Chart:
    data = capacity_read(filters, today=today or timezone.localdate())
    loads = member_loads(data)
    # A team with no teams below it shows its people, one row each.
    per_person = (
        filters.team_id is not None
        and len(data.teams) == 1
        and data.teams[0].team_ids == {filters.team_id}
    )
    if per_person:
        rows = member_rows(loads)
        caption = (
            f"Each member's allocation over the next {WEEKS} weeks from today, "
            "as a share of their capacity (proposed assignments count half); "
            "click a row for the person; the date range does not apply."
        )
    else:
        rows = team_rows(data, loads)
        caption = (
            "Mean allocation of the members of each team directly below the "
            f"filter (each with its sub-teams) over the next {WEEKS} weeks from "
            "today, as a share of their capacity (proposed assignments count "
            "half); choose a team without teams below it to see its people; the "
            "date range does not apply."
        )
    return Chart(
        key="capacity",
        title="Capacity",
        caption=caption,
        figure=capacity_figure(data.weeks, rows),
        columns=("row", "week", "allocation"),
        rows=[
            {"row": row.label, "week": week.isoformat(), "allocation": value}
            for row in rows
            for week, value in zip(data.weeks, row.values, strict=True)
        ],
        lists=capacity_lists(loads, data.weeks),
    )

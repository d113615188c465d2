"""A data scientist's own view: their allocations, learning goals and the
sign-offs they asked for (the team filter never narrows one's own view)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db.models import OuterRef, Q, Subquery
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
from teamhub.dashboard.builders.signoffs import AGE_BUCKETS, STILL_WAITING, age_bucket
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.initiatives.models import Assignment, Card
from teamhub.people.models import LearningGoal, Level, Person, PersonSkill
from teamhub.requirements.models import SignOffRequest
from teamhub.requirements.selectors import statuses_of
from teamhub.requirements.state import DocState, StakeholderStanding, Standing
from teamhub.staffing.models import RequiredSkill, StaffingRequest
from teamhub.staffing.records import Booking
from teamhub.staffing.scoring import peak_load

NO_PERSON = (
    "You are not in the people registry yet, so there is nothing of yours to "
    "show: ask an admin to add you."
)
MAX_LISTED = 20
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
CURRENT_COLOUR = "#0d6efd"
TARGET_COLOUR = "#198754"
# One per age bucket of signoffs.AGE_BUCKETS, from calm to alarming.
AGE_COLOURS = ["#198754", "#20c997", "#ffc107", "#fd7e14", "#dc3545"]
# The states of a request, in the order a requester reads them.
STATES = [DocState.IN_REVIEW, DocState.CHANGES_REQUESTED, DocState.APPROVED]
STATE_LABELS = dict(DocState.choices)


def _first_card(initiative: str) -> Subquery:
    """The id of the initiative's first card (by id), for its card page."""
    cards = Card.objects.filter(initiative_id=OuterRef(initiative)).order_by("pk")
    return Subquery(cards.values("pk")[:1])


def _card_url(card_id: int | None) -> str:
    if card_id is None:
        return reverse("initiatives:boards")
    return reverse("initiatives:card", args=[card_id])


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class Me:
    person_id: int
    capacity: float  # share of a full-time week, 0-1


def me_of(viewer: User) -> Me | None:
    """Return the viewer's Person, or None without one (one query)."""
    row = (
        Person.objects.filter(user_id=viewer.pk)
        .order_by("pk")
        .values_list("pk", "capacity_fte")
        .first()
    )
    return Me(person_id=row[0], capacity=float(row[1])) if row else None


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
        .annotate(card_id=_first_card("initiative_id"))
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
        card_urls[initiative] = _card_url(card)
    return MyAllocations(me=me, weeks=weeks, bookings=bookings, card_urls=card_urls)


@dataclass(frozen=True)
class Goal:
    skill_id: int
    skill: str
    current: int | None  # the viewer's level in the skill, None if not held
    target: int


@dataclass(frozen=True)
class Need:
    """A role of an open staffing request that needs a skill of a goal."""

    skill_id: int
    request_id: int
    initiative_key: str
    initiative_title: str
    role: str
    min_level: int
    importance: str
    url: str  # the initiative's card: staffing pages are for managers


@dataclass(frozen=True)
class MyGoals:
    me: Me | None
    goals: list[Goal]  # by skill name
    needs: list[Need]  # by skill name, then request


def my_goals_data(viewer: User) -> MyGoals:
    """Return the viewer's learning goals with their current level, and the
    roles of open staffing requests needing those skills (three queries)."""
    me = me_of(viewer)
    if me is None:
        return MyGoals(me=None, goals=[], needs=[])
    mine = LearningGoal.objects.filter(person_id=me.person_id)
    level = PersonSkill.objects.filter(
        person_id=me.person_id, skill_id=OuterRef("skill_id")
    ).values("level")[:1]
    goals = [
        Goal(skill_id=skill_id, skill=name, current=current, target=target)
        for skill_id, name, current, target in mine.annotate(current=Subquery(level))
        .order_by("skill__name", "pk")
        .values_list("skill_id", "skill__name", "current", "target_level")
    ]
    rows = (
        RequiredSkill.objects.filter(
            skill_id__in=mine.values("skill_id"),
            role__request__status=StaffingRequest.Status.OPEN,
        )
        .annotate(card_id=_first_card("role__request__initiative_id"))
        .order_by("skill__name", "role__request_id", "role__position", "pk")
        .values_list(
            "skill_id",
            "role__request_id",
            "role__request__initiative__key",
            "role__request__initiative__title",
            "role__role",
            "min_level",
            "importance",
            "card_id",
        )
    )
    needs = [
        Need(skill, request, key, title, role, min_level, importance, _card_url(card))
        for skill, request, key, title, role, min_level, importance, card in rows
    ]
    return MyGoals(me=me, goals=goals, needs=needs)


@dataclass(frozen=True)
class Asked:
    """A sign-off request the viewer asked for, with its computed state."""

    request_id: int
    doc_id: int
    document: str
    initiative_key: str
    state: str  # DocState
    asked: dt.date
    age_days: int
    due: dt.date | None
    waiting_for: list[str]  # still to answer (never answered, or stale)
    rejected_by: list[str]


def _named(
    people: Sequence[StakeholderStanding],
    standings: Sequence[str],
    names: dict[int, str],
) -> list[str]:
    return sorted(
        names.get(p.stakeholder_id, "?") for p in people if p.standing in standings
    )


def my_signoffs_data(viewer: User, *, today: dt.date) -> list[Asked]:
    """Return every sign-off request the viewer asked for, oldest first, with
    its state and who is still to answer (a fixed number of queries)."""
    requests = list(
        SignOffRequest.objects.filter(requested_by_id=viewer.pk)
        .select_related("version", "doc__initiative")
        .defer("version__body_markdown")
        .order_by("created", "id")
    )
    statuses = statuses_of(requests)
    # The names of everyone asked on the viewer's requests: one query even when
    # no one is still to answer (an empty ``pk__in`` would skip it).
    names = {
        user.pk: str(user)
        for user in User.objects.filter(
            signoff_requests_to_sign__requested_by_id=viewer.pk
        )
        .distinct()
        .only("pk", "username", "first_name", "last_name")
    }
    asked = []
    for request in requests:
        status = statuses[request.pk]
        day = timezone.localdate(request.created)
        asked.append(
            Asked(
                request_id=request.pk,
                doc_id=request.doc_id,
                document=str(request.doc.title),
                initiative_key=request.doc.initiative.key,
                state=status.state,
                asked=day,
                age_days=(today - day).days,
                due=request.due,
                waiting_for=_named(status.people, STILL_WAITING, names),
                rejected_by=_named(status.people, (Standing.REJECTED,), names),
            )
        )
    return asked


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


def my_goals_figure(
    *, goals: Sequence[Goal], open_requests: dict[int, int]
) -> go.Figure:
    """Return a bar per goal's skill (current level) with its target marked;
    ``open_requests`` counts the open requests needing each skill."""
    skills = [goal.skill for goal in goals]
    counts = [open_requests.get(goal.skill_id, 0) for goal in goals]
    figure = go.Figure()
    if goals:
        figure.add_trace(
            go.Bar(
                x=[goal.current or 0 for goal in goals],
                y=skills,
                orientation="h",
                name="Your level",
                marker={"color": CURRENT_COLOUR},
                text=[
                    f"{n} open staffing request{'s' if n != 1 else ''} need it"
                    for n in counts
                ],
                textposition="none",
                customdata=[
                    reverse("people:skill", args=[goal.skill_id]) for goal in goals
                ],
                hovertemplate="%{y}: level %{x} now<br>%{text}<extra></extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=[goal.target for goal in goals],
                y=skills,
                mode="markers",
                name="Target",
                marker={"color": TARGET_COLOUR, "symbol": "diamond", "size": 13},
                hovertemplate="%{y}: target level %{x}<extra></extra>",
            )
        )
    figure.update_layout(
        template="plotly_white",
        height=max(240, 100 + 34 * len(goals)),
        margin={"l": 140, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={
            "title": None,
            "range": [0, 5.5],
            "tickmode": "array",
            "tickvals": list(Level.values),
            "ticktext": [label for _value, label in Level.choices],
        },
        yaxis={"autorange": "reversed", "title": None, "type": "category"},
    )
    return figure


def _docs_url(state: str) -> str:
    return f"{reverse('requirements:docs')}?{urlencode({'state': state, 'mine': 'on'})}"


def my_signoffs_figure(*, asked: Sequence[Asked]) -> go.Figure:
    """Return the requests per state, stacked by days since they were asked."""
    labels = [STATE_LABELS[state] for state in STATES]
    figure = go.Figure()
    # No requests in the range: no traces, so the page says there is no data.
    buckets = zip(AGE_BUCKETS, AGE_COLOURS, strict=True) if asked else []
    for (bucket, _low, _high), colour in buckets:
        counts = [
            sum(
                1
                for a in asked
                if a.state == state and age_bucket(a.age_days) == bucket
            )
            for state in STATES
        ]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=counts,
                name=bucket,
                marker={"color": colour},
                customdata=[_docs_url(state) for state in STATES],
                hovertemplate="%{x}, asked " + bucket + " ago: %{y}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=300,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Requests", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


# Charts -------------------------------------------------------------------------


def _no_person(key: str, title: str, columns: Sequence[str]) -> Chart:
    figure = go.Figure()
    figure.update_layout(template="plotly_white", height=240)
    return Chart(
        key=key, title=title, caption=NO_PERSON, figure=figure, columns=columns
    )


ALLOCATION_COLUMNS = ("week", "initiative", "title", "status", "allocation", "capacity")


@chart(
    "my_allocations",
    title="My allocations",
    order=110,
    roles=(Role.DATA_SCIENTIST,),
    depends_on=("initiatives", "people"),
)
def my_allocations(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = my_allocations_data(viewer, today=timezone.localdate())
    if data.me is None:
        return _no_person("my_allocations", "My allocations", ALLOCATION_COLUMNS)
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


GOAL_COLUMNS = ("skill", "current_level", "target_level", "open_requests")


def _need_text(goal: Goal, need: Need) -> str:
    level = "not held" if goal.current is None else f"{goal.current}"
    importance = RequiredSkill.Importance(need.importance).label.lower()
    return (
        f"{goal.skill} ({level} → {goal.target}): {need.initiative_key} "
        f"{need.initiative_title}, {need.role} at level {need.min_level} "
        f"({importance})"
    )


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


@chart(
    "my_goals",
    title="My learning goals",
    order=120,
    roles=(Role.DATA_SCIENTIST,),
    depends_on=("people", "staffing", "initiatives"),
)
def my_goals(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = my_goals_data(viewer)
    if data.me is None:
        return _no_person("my_goals", "My learning goals", GOAL_COLUMNS)
    requests: dict[int, set[int]] = defaultdict(set)
    for need in data.needs:
        requests[need.skill_id].add(need.request_id)
    open_requests = {skill: len(ids) for skill, ids in requests.items()}
    goal_of = {goal.skill_id: goal for goal in data.goals}
    needs = [
        (_need_text(goal_of[need.skill_id], need), need.url)
        for need in data.needs[:MAX_LISTED]
    ]
    if len(data.needs) > MAX_LISTED:
        needs.append(
            (
                f"… and {len(data.needs) - MAX_LISTED} more",
                reverse("initiatives:boards"),
            )
        )
    caption = (
        "Your learning goals: your level now (bar) against your target (◆), and "
        "the open staffing requests that need the skill (yours, whatever the filters)."
        if data.goals
        else "You have no learning goals yet: add them on your profile."
    )
    return Chart(
        key="my_goals",
        title="My learning goals",
        caption=caption,
        figure=my_goals_figure(goals=data.goals, open_requests=open_requests),
        columns=GOAL_COLUMNS,
        rows=[
            {
                "skill": goal.skill,
                "current_level": goal.current or 0,
                "target_level": goal.target,
                "open_requests": open_requests.get(goal.skill_id, 0),
            }
            for goal in data.goals
        ],
        lists=[("Open staffing requests needing your goals", needs)] if needs else [],
    )


SIGNOFF_COLUMNS = (
    "request_id",
    "document",
    "initiative",
    "state",
    "asked",
    "age_days",
    "due",
    "waiting_for",
)


@chart(
    "my_signoffs",
    title="Sign-offs I asked for",
    order=130,
    roles=(Role.DATA_SCIENTIST,),
    depends_on=("requirements", "initiatives"),
)
def my_signoffs(*, filters: DashboardFilters, viewer: User) -> Chart:
    today = timezone.localdate()
    asked = my_signoffs_data(viewer, today=today)
    in_range = [a for a in asked if filters.start <= a.asked <= filters.end]
    waiting = [
        (
            f"{a.initiative_key} {a.document} — asked {_days(a.age_days)} ago"
            + (f", overdue since {a.due:%d %b %Y}" if a.due and a.due < today else "")
            + f"; waiting for {', '.join(a.waiting_for) or 'nobody'}",
            reverse("requirements:doc", args=[a.doc_id]),
        )
        for a in reversed(asked)  # the newest first
        if a.state == DocState.IN_REVIEW
    ]
    changes = [
        (
            f"{a.initiative_key} {a.document} — changes asked by "
            f"{', '.join(a.rejected_by)}",
            reverse("requirements:doc", args=[a.doc_id]),
        )
        for a in reversed(asked)
        if a.state == DocState.CHANGES_REQUESTED
    ]
    return Chart(
        key="my_signoffs",
        title="Sign-offs I asked for",
        caption=(
            f"Sign-off requests you asked for from {filters.start:%d %b %Y} to "
            f"{filters.end:%d %b %Y}, by state and days since asked; the open ones "
            "of any date are listed (the team filter does not apply)."
        ),
        figure=my_signoffs_figure(asked=in_range),
        columns=SIGNOFF_COLUMNS,
        rows=[
            {
                "request_id": a.request_id,
                "document": a.document,
                "initiative": a.initiative_key,
                "state": a.state,
                "asked": a.asked.isoformat(),
                "age_days": a.age_days,
                "due": a.due.isoformat() if a.due else "",
                "waiting_for": "; ".join(a.waiting_for),
            }
            for a in in_range
        ],
        lists=[
            (f"Waiting for answers ({len(waiting)})", waiting[:MAX_LISTED]),
            (f"Changes requested ({len(changes)})", changes[:MAX_LISTED]),
        ],
    )

"""A data scientist's learning goals and the open staffing requests needing them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.builders.mine.common import (
    MAX_LISTED,
    Me,
    card_url,
    first_card,
    me_of,
    no_person_chart,
)
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.people.models import LearningGoal, Level, PersonSkill
from teamhub.staffing.models import RequiredSkill, StaffingRequest

CURRENT_COLOUR = "#0d6efd"
TARGET_COLOUR = "#198754"


# Selectors ----------------------------------------------------------------------


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
        .annotate(card_id=first_card("role__request__initiative_id"))
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
        Need(skill, request, key, title, role, min_level, importance, card_url(card))
        for skill, request, key, title, role, min_level, importance, card in rows
    ]
    return MyGoals(me=me, goals=goals, needs=needs)


# Figures (no ORM) ---------------------------------------------------------------


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


# Charts -------------------------------------------------------------------------


GOAL_COLUMNS = ("skill", "current_level", "target_level", "open_requests")


def _need_text(goal: Goal, need: Need) -> str:
    level = "not held" if goal.current is None else f"{goal.current}"
    importance = RequiredSkill.Importance(need.importance).label.lower()
    return (
        f"{goal.skill} ({level} → {goal.target}): {need.initiative_key} "
        f"{need.initiative_title}, {need.role} at level {need.min_level} "
        f"({importance})"
    )


@chart(
    "my_goals",
    title="My learning goals",
    order=120,
    roles=(Role.DATA_SCIENTIST,),
    depends_on=("people", "staffing", "initiatives"),
    per_viewer=True,
)
def my_goals(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = my_goals_data(viewer)
    if data.me is None:
        return no_person_chart("my_goals", "My learning goals", GOAL_COLUMNS)
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

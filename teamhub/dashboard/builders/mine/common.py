"""What a data scientist's own charts share: who the viewer is, card links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from teamhub.core.models import User
from teamhub.dashboard.charts import Chart
from teamhub.initiatives.models import Card
from teamhub.people.models import Person

NO_PERSON = (
    "You are not in the people registry yet, so there is nothing of yours to "
    "show: ask an admin to add you."
)
MAX_LISTED = 20


def first_card(initiative: str) -> Subquery:
    """The id of the initiative's first card (by id), for its card page."""
    cards = Card.objects.filter(initiative_id=OuterRef(initiative)).order_by("pk")
    return Subquery(cards.values("pk")[:1])


def card_url(card_id: int | None) -> str:
    """Return the card's page, or the board list without a card."""
    if card_id is None:
        return reverse("initiatives:boards")
    return reverse("initiatives:card", args=[card_id])


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


def no_person_chart(key: str, title: str, columns: Sequence[str]) -> Chart:
    """Return the empty chart telling a viewer without a Person why."""
    figure = go.Figure()
    figure.update_layout(template="plotly_white", height=240)
    return Chart(
        key=key, title=title, caption=NO_PERSON, figure=figure, columns=columns
    )

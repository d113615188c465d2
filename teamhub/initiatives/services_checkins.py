"""Value check-ins: record an initiative's business value and model metric over time.

Check-ins are append-only: a wrong one is corrected by recording another.
"""

import datetime as dt
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.initiatives.models import Card, CardEvent, Initiative, ValueCheckIn
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.initiatives.services_cards import board_touch

NOTE_MAX_LENGTH = 2000


def _check(
    *, at: dt.date, business_value: float, model_metric: float | None, note: str
) -> None:
    """Refuse a future date, non-finite numbers and an over-long note, by field."""
    errors: dict[str, list[str]] = {}
    if at > timezone.localdate():
        errors["at"] = ["A check-in records what happened: the date cannot be ahead."]
    if not math.isfinite(business_value):
        errors["business_value"] = ["Enter the business value as a finite number."]
    if model_metric is not None and not math.isfinite(model_metric):
        errors["model_metric"] = ["Enter the model metric as a finite number."]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [f"Keep the note under {NOTE_MAX_LENGTH} characters."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def checkin_record(
    *,
    actor: User,
    initiative: Initiative,
    at: dt.date,
    business_value: float,
    model_metric: float | None = None,
    note: str = "",
) -> ValueCheckIn:
    """Record the initiative's business value (and model metric) on ``at``; every
    card of the initiative gets a "checked_in" history entry and its board
    reloads."""
    if not can_work_on_initiative(actor, initiative):
        raise PermissionDenied(
            "Only managers and the people working on an initiative can record its "
            "check-ins."
        )
    note = note.strip()
    _check(at=at, business_value=business_value, model_metric=model_metric, note=note)
    # Lock order, as in every initiatives write: initiative, then boards.
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    checkin = ValueCheckIn(
        initiative=initiative,
        at=at,
        business_value=float(business_value),
        model_metric=None if model_metric is None else float(model_metric),
        note=note,
        by=actor,
    )
    checkin.full_clean()
    checkin.save()
    data = {
        "checkin": checkin.pk,
        "at": at.isoformat(),
        "business_value": checkin.business_value,
        "model_metric": checkin.model_metric,
    }
    cards = list(
        Card.objects.filter(initiative=initiative).only(
            "pk", "board_id", "initiative_id"
        )
    )
    CardEvent.objects.bulk_create(
        CardEvent.of(card, actor=actor, verb=CardEvent.Verb.CHECKED_IN, data=data)
        for card in cards
    )
    # The card's own version stays: a check-in does not move it, so a drag that
    # started before it is not stale.
    for board_id in sorted({card.board_id for card in cards}):
        board_touch(board_id)
    audit_record(
        actor=actor,
        verb="checkin.recorded",
        target=checkin,
        data={"initiative": initiative.key, **data},
    )
    return checkin


# A selector kept beside its only write (initiatives has no selectors module for
# check-ins, and this one is three lines).
def initiative_checkins(*, initiative_id: int) -> QuerySet[ValueCheckIn]:
    """Return the initiative's check-ins, oldest first, with who recorded them."""
    return (
        ValueCheckIn.objects.filter(initiative_id=initiative_id)
        .select_related("by")
        .order_by("at", "id")
    )

"""The daily reminder of overdue sign-offs: one e-mail a day per person at most.

Beat runs ``signoff_reminders_send`` hourly (``tasks.py``); the per-person, per-day
``SignOffReminder`` row makes a second run, or two overlapping runs, send nothing.
"""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone

from teamhub.core.models import User
from teamhub.requirements.models import (
    SignOffReminder,
    SignOffRequest,
)
from teamhub.requirements.notifications import (
    Mail,
    absolute_url,
    day_text,
    doc_label,
    mail_connection_open,
    mail_send,
    mail_signature,
    user_name,
)
from teamhub.requirements.selectors import (
    latest_decision_annotations,
    statuses_of,
    still_to_decide,
)
from teamhub.requirements.state import (
    DocState,
    Standing,
)

logger = logging.getLogger("teamhub.requirements")


@dataclass(frozen=True)
class OverdueItem:
    request: SignOffRequest
    standing: str  # waiting, or stale (approved an earlier version)
    signed_version: int | None  # the version a stale approval was given on


def reminder_today() -> dt.date:
    """Return today's date in ``settings.TIME_ZONE`` (reminders are per day)."""
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def signoff_overdue_by_user(*, today: dt.date) -> dict[User, list[OverdueItem]]:
    """Return, for each active stakeholder with an e-mail address, the requests
    due before ``today`` still waiting for them (no standing decision, or an
    approval of an earlier version -- the inbox's rule), leaving out requests
    already approved; in a fixed number of queries."""
    through = SignOffRequest.stakeholders.through
    # A first cut in SQL (like signoff_inbox_count), so old approved requests
    # are never loaded; state.standings below has the last word.
    pending = set(
        through.objects.filter(signoffrequest__due__lt=today, user__is_active=True)
        .exclude(user__email="")
        .annotate(
            **latest_decision_annotations(
                request=OuterRef("signoffrequest_id"), stakeholder=OuterRef("user_id")
            )
        )
        .filter(still_to_decide(version_field="signoffrequest__version_id"))
        .values_list("signoffrequest_id", "user_id")
    )
    if not pending:
        return {}
    requests = list(
        SignOffRequest.objects.filter(pk__in={pk for pk, _ in pending})
        .select_related("version", "doc__initiative", "requested_by")
        .order_by("due", "created", "id")
    )
    statuses = statuses_of(requests)
    users = User.objects.in_bulk({user_id for _, user_id in pending})
    result: dict[User, list[OverdueItem]] = {}
    for request in requests:
        status = statuses[request.pk]
        if status.state == DocState.APPROVED:
            continue
        for person in status.people:
            if (request.pk, person.stakeholder_id) not in pending:
                continue
            if person.standing not in (Standing.WAITING, Standing.STALE):
                continue
            signed = (
                person.decision.version.number
                if person.standing == Standing.STALE and person.decision
                else None
            )
            result.setdefault(users[person.stakeholder_id], []).append(
                OverdueItem(request, person.standing, signed)
            )
    return result


def signoff_reminder_mail(
    *, user: User, items: Sequence[OverdueItem], today: dt.date
) -> Mail:
    """Return the one reminder listing ``user``'s overdue sign-offs."""
    if len(items) == 1:
        subject = f"Reminder: sign-off of {doc_label(items[0].request)} is overdue"
    else:
        subject = f"Reminder: {len(items)} sign-offs are overdue"
    entries = []
    for item in items:
        request = item.request
        assert request.due is not None
        late = (today - request.due).days
        number = request.version.number
        if item.standing == Standing.STALE:
            standing = (
                f"You approved version {item.signed_version}; version {number} "
                "needs your approval again."
            )
        else:
            standing = "Waiting for your decision."
        entries.append(
            f"- {doc_label(request)}, version {number}, for "
            f"{request.doc.initiative.title}\n"
            f"  Due {day_text(request.due)} ({late} day{'s' if late != 1 else ''} "
            f"overdue), asked by {user_name(request.requested_by)}.\n"
            f"  {standing}\n"
            f"  Sign: {absolute_url('requirements:signoff', request.pk)}"
        )
    body = (
        f"Hello {user_name(user)},\n\n"
        "These requirement documents are past their due date and still wait "
        "for your sign-off:\n\n" + "\n\n".join(entries) + "\n\n"
        "You get at most one reminder a day while sign-offs are overdue.\n"
        f"{mail_signature()}"
    )
    return Mail(user, subject, body)


def _reminder_claim(
    *, user: User, today: dt.date, request_ids: list[int]
) -> SignOffReminder | None:
    """Record today's reminder to ``user``; None if one is recorded already
    (the unique constraint decides between two overlapping runs)."""
    try:
        with transaction.atomic():
            return SignOffReminder.objects.create(
                user=user, sent_on=today, requests=request_ids
            )
    except IntegrityError:
        return None


def signoff_reminders_send(*, today: dt.date | None = None) -> int:
    """E-mail each stakeholder one reminder listing their overdue sign-offs, at
    most once a day; return how many reminders were sent.

    Safe to run any number of times, even two runs at once: the reminder is
    recorded (``SignOffReminder``, unique per person and day) and committed
    *before* it is sent, so the run that loses the insert sends nothing, and a
    worker that dies after sending never sends it again. When sending fails
    (the mail server refuses it or cannot be reached), the record is removed
    again and the next hourly run tries once more; a worker killed between
    recording and sending leaves the record with no ``sent_at``, and that
    person is not reminded until the next day -- a missed reminder rather
    than a double one.
    """
    today = today or reminder_today()
    overdue = signoff_overdue_by_user(today=today)
    if not overdue:
        return 0
    reminded = set(
        SignOffReminder.objects.filter(
            sent_on=today, user_id__in=[user.pk for user in overdue]
        ).values_list("user_id", flat=True)
    )
    due = {user: items for user, items in overdue.items() if user.pk not in reminded}
    if not due:
        return 0
    connection = mail_connection_open(kind="signoff.reminder")
    if connection is None:
        return 0  # nothing recorded: the next run tries again
    sent = 0
    try:
        for user, items in due.items():
            request_ids = [item.request.pk for item in items]
            claim = _reminder_claim(user=user, today=today, request_ids=request_ids)
            if claim is None:
                continue  # another run got there first
            mail = signoff_reminder_mail(user=user, items=items, today=today)
            if mail_send(connection, mail, kind="signoff.reminder"):
                SignOffReminder.objects.filter(pk=claim.pk).update(
                    sent_at=timezone.now()
                )
                sent += 1
            else:
                claim.delete()  # not sent: the next run may try again
    finally:
        connection.close()
    logger.info("Sign-off reminders for %s: %s sent", today.isoformat(), sent)
    return sent

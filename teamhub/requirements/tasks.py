"""Celery tasks of the sign-off workflow: they load rows and call the
notification functions, nothing more (the services queue them on commit)."""

from celery import shared_task

from teamhub.requirements.models import SignOff, SignOffRequest
from teamhub.requirements.notifications import (
    signoff_decided_notify,
    signoff_moved_notify,
    signoff_requested_notify,
)
from teamhub.requirements.reminders import signoff_reminders_send


def _request(request_id: int) -> SignOffRequest:
    return SignOffRequest.objects.select_related(
        "version__author", "doc__initiative", "requested_by"
    ).get(pk=request_id)


@shared_task(acks_late=True)
def signoff_requested_notify_task(request_id: int) -> int:
    """E-mail the stakeholders of a new sign-off request; return mails sent."""
    return signoff_requested_notify(request=_request(request_id))


@shared_task(acks_late=True)
def signoff_moved_notify_task(request_id: int, from_number: int, to_number: int) -> int:
    """E-mail the stakeholders of a request moved to a new version."""
    return signoff_moved_notify(
        request=_request(request_id), from_number=from_number, to_number=to_number
    )


@shared_task(acks_late=True)
def signoff_decided_notify_task(signoff_id: int) -> int:
    """E-mail the requester a decision (approve, reject or revoke)."""
    signoff = SignOff.objects.select_related(
        "stakeholder",
        "version",
        "request__version",
        "request__doc__initiative",
        "request__requested_by",
    ).get(pk=signoff_id)
    return signoff_decided_notify(signoff=signoff)


@shared_task(acks_late=True)
def signoff_reminders_send_task() -> int:
    """Remind stakeholders of overdue sign-offs (hourly from beat; each person
    gets at most one a day, however often it runs); return reminders sent."""
    return signoff_reminders_send()

"""Celery tasks of staffing: they load rows and call the computation or the
notifications, nothing more (the services and receivers queue them on commit)."""

import logging

from celery import shared_task
from django.core.cache import cache

from teamhub.staffing.models import StaffingRequest, Suggestion
from teamhub.staffing.notifications import suggestion_accepted_notify
from teamhub.staffing.suggestions import request_compute, stale_requests_compute

logger = logging.getLogger("teamhub.staffing")

# Present while a debounced recompute of stale requests is queued (receivers.py).
RECOMPUTE_QUEUED_KEY = "teamhub:staffing:recompute-queued"


@shared_task(acks_late=True)
def staffing_request_compute_task(request_id: int) -> bool:
    """Compute one request's suggestions; False if it is gone or closed."""
    request = StaffingRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != StaffingRequest.Status.OPEN:
        logger.info("Staffing request %s: gone or closed, not computed", request_id)
        return False
    request_compute(request=request)
    return True


@shared_task(acks_late=True)
def staffing_recompute_stale_task() -> int:
    """Recompute every open request marked stale; return how many.

    Changes arriving from now on queue the next run (the debounce key is
    dropped first), so none is left waiting for a change that may never come.
    """
    cache.delete(RECOMPUTE_QUEUED_KEY)
    return stale_requests_compute()


@shared_task(acks_late=True)
def suggestion_accepted_notify_task(suggestion_id: int) -> int:
    """E-mail the person that they were proposed for a role; return mails sent."""
    suggestion = Suggestion.objects.select_related(
        "person__user",
        "role__request__initiative",
        "decided_by",
        "assignment",
    ).get(pk=suggestion_id)
    return suggestion_accepted_notify(suggestion=suggestion)

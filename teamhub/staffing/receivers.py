"""Mark open staffing requests stale when what their suggestions depend on
changes (skills, learning goals, assignments, people, activity evidence), and
queue one debounced recompute for a burst of changes.

``staffing_mark_stale()`` is public: code writing those tables with bulk
operations (which send no signals), such as the skill import, calls it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from teamhub.initiatives.models import Assignment
from teamhub.integrations.models import SkillEvidence
from teamhub.people.models import LearningGoal, Person, PersonSkill
from teamhub.staffing.models import StaffingRequest
from teamhub.staffing.tasks import (
    RECOMPUTE_QUEUED_KEY,
    staffing_recompute_stale_task,
)

logger = logging.getLogger("teamhub.staffing")

WATCHED = (PersonSkill, LearningGoal, Assignment, Person, SkillEvidence)
# Evidence is deleted in bulk (a rewritten Git history, an unlinked identity): a
# post_delete receiver would make Django load every row to signal it, so those
# callers call staffing_mark_stale() instead.
WATCHED_DELETES = (PersonSkill, LearningGoal, Assignment, Person)


def open_requests_mark_stale() -> int:
    """Mark every open request stale as of now; return how many.

    ``stale_since`` is the time of the latest change not yet computed: the
    computation clears it only if it still holds the value read when it started
    (``suggestions.request_compute``), so a change during a computation keeps the
    request stale (setting it only where it is NULL would lose such a change when
    the request was already stale).
    """
    now = timezone.now()
    return (
        StaffingRequest.objects.filter(status=StaffingRequest.Status.OPEN)
        .filter(Q(stale_since__isnull=True) | Q(stale_since__lt=now))
        .update(stale_since=now)
    )


def recompute_queue() -> bool:
    """Queue the recompute of stale requests in TEAMHUB_STAFFING_DEBOUNCE_SECONDS,
    unless one is already queued; return True if this call queued it."""
    debounce = settings.TEAMHUB_STAFFING_DEBOUNCE_SECONDS
    if not cache.add(RECOMPUTE_QUEUED_KEY, 1, timeout=max(debounce, 1)):
        return False
    staffing_recompute_stale_task.apply_async(countdown=debounce)
    return True


def _mark_and_queue() -> None:
    if open_requests_mark_stale():
        recompute_queue()


def staffing_mark_stale() -> None:
    """Once the current transaction commits (at once outside one), mark the open
    requests stale and queue one debounced recompute.

    Called by the receivers below for every change to a watched model; call it
    yourself after bulk writes to those models. A burst of changes costs one
    small UPDATE each on commit and queues a single recompute (the cache key).
    """
    transaction.on_commit(_mark_and_queue)


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    staffing_mark_stale()


for _model in WATCHED:
    receiver(post_save, sender=_model, dispatch_uid=f"staffing-stale-save-{_model}")(
        _changed
    )
for _model in WATCHED_DELETES:
    receiver(
        post_delete, sender=_model, dispatch_uid=f"staffing-stale-delete-{_model}"
    )(_changed)

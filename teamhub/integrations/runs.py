"""Sync runs: queue one per connection (the database's partial unique constraint
is the lock), execute it once, and record how it ended.

A run is queued → running → succeeded | failed. Only a succeeded Jira run moves
the connection's watermark (to the run's start), so a failed run leaves the
next one to pick up from the last good watermark; earlier data always stays.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.models import GitRepository, JiraConnection, SyncRun

logger = logging.getLogger(__name__)

Connection = JiraConnection | GitRepository
SyncFunction = Callable[[SyncRun], dict[str, int]]

# The sync of each source, by dotted path: imported when a run executes (so the
# runner does not depend on the sync modules at import time); tests may point an
# entry at a double to exercise the runner's own behaviour.
SYNCS: dict[str, str] = {
    "jira": "teamhub.integrations.jira.sync.jira_sync",
    "git": "teamhub.integrations.git.sync.git_sync",
}

OPEN = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
# A run still "running" this long after its soft time limit lost its worker.
STALE_MARGIN = dt.timedelta(minutes=5)
# A run still "queued" this long was never picked up (its message was lost).
QUEUED_MAX = dt.timedelta(hours=6)
ERROR_MAX = 2000


def sync_soft_time_limit() -> int:
    """Seconds a sync may run before Celery stops it (settings, default 15 min)."""
    return int(settings.TEAMHUB_SYNC_SOFT_TIME_LIMIT)


def _connection_filter(connection: Connection) -> dict[str, Connection]:
    if isinstance(connection, JiraConnection):
        return {"jira": connection}
    return {"git": connection}


def _open_run_id(connection: Connection) -> int | None:
    return (
        SyncRun.objects.filter(**_connection_filter(connection), status__in=OPEN)
        .values_list("pk", flat=True)
        .first()
    )


def sync_runs_fail_stale(
    *, connection: Connection | None = None, now: dt.datetime | None = None
) -> int:
    """Mark runs whose worker was lost as failed (of one connection, or all);
    return how many. Their message may still arrive: the run then no longer
    flips from queued, so it does not execute."""
    now = now or timezone.now()
    running_cutoff = now - dt.timedelta(seconds=sync_soft_time_limit()) - STALE_MARGIN
    runs = SyncRun.objects.all()
    if connection is not None:
        runs = runs.filter(**_connection_filter(connection))
    minutes = sync_soft_time_limit() // 60
    lost = runs.filter(
        status=SyncRun.Status.RUNNING, started_at__lt=running_cutoff
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error=(
            f"The worker was lost: the run was still running {minutes} minutes "
            "after its time limit. The next run picks up from the last good "
            "watermark."
        ),
    )
    never = runs.filter(
        status=SyncRun.Status.QUEUED, queued_at__lt=now - QUEUED_MAX
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error="No worker picked the run up: is the Celery worker running?",
    )
    if lost or never:
        logger.warning("Failed %d lost and %d never-started sync runs", lost, never)
    return lost + never


def sync_run_queue(
    *,
    connection: Connection,
    trigger: str,
    requested_by: User | None = None,
) -> SyncRun:
    """Queue a run of ``connection`` and send it to a worker after commit.

    Raises Conflict (409) when one is already queued or running.
    """
    if trigger == SyncRun.Trigger.MANUAL and not user_has_role(
        requested_by, Role.MANAGER
    ):
        raise PermissionDenied("Only managers and admins can start a sync.")
    if trigger not in SyncRun.Trigger.values:
        raise ValueError(f"Unknown trigger {trigger!r}")
    with transaction.atomic():
        sync_runs_fail_stale(connection=connection)
        return _run_create(connection, trigger, requested_by)


@transaction.atomic
def _run_create(
    connection: Connection, trigger: str, requested_by: User | None
) -> SyncRun:
    """Insert the queued run (Conflict if one is open), audit it, and send it to
    a worker after commit; stale runs must have been failed already."""
    run = SyncRun(
        **_connection_filter(connection),
        trigger=trigger,
        requested_by=requested_by,
        queued_at=timezone.now(),
    )
    try:
        with transaction.atomic():  # a savepoint: PostgreSQL goes on after it
            run.save()
    except IntegrityError as error:
        raise Conflict(
            f"A sync of {connection} is already queued or running.",
            run_id=_open_run_id(connection),
        ) from error
    audit_record(
        actor=requested_by,
        verb="sync_run.queued",
        target=run,
        data={"trigger": trigger, "source": run.source},
    )
    transaction.on_commit(lambda: _send(run.pk))
    return run


def _send(run_id: int) -> None:
    from teamhub.integrations.tasks import sync_run_task

    sync_run_task.delay(run_id)


def sync_all_queue() -> int:
    """Queue a scheduled run of every active connection with none open; return
    how many were queued."""
    sync_runs_fail_stale()
    open_runs = Q(runs__status__in=OPEN)
    connections: list[Connection] = [
        *JiraConnection.objects.filter(active=True).exclude(open_runs),
        *GitRepository.objects.filter(active=True).exclude(open_runs),
    ]
    queued = 0
    for connection in connections:
        try:  # the stale runs of every connection were failed above
            _run_create(connection, SyncRun.Trigger.SCHEDULE, None)
        except Conflict:
            continue  # queued by a webhook or a manager meanwhile
        queued += 1
    return queued


def _sync_function(source: str) -> SyncFunction:
    function: SyncFunction = import_string(SYNCS[source])
    return function


def _secrets_of(connection: Connection) -> list[str]:
    secrets: list[str] = []
    getters: list[Callable[[], str]] = [connection.webhook_secret]
    if isinstance(connection, JiraConnection):
        getters.append(connection.token)
    for getter in getters:
        try:
            secret = getter()
        except Exception:  # noqa: S112 -- an unreadable secret cannot leak either
            continue
        if secret:
            secrets.append(secret)
    return secrets


_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def error_redact(message: str, *, connection: Connection) -> str:
    """Return ``message`` without the connection's secrets or URL credentials."""
    for secret in _secrets_of(connection):
        message = message.replace(secret, "***")
    message = _USERINFO.sub(r"\g<scheme>***@", message)
    return message[:ERROR_MAX]


def sync_run_execute(run_id: int) -> SyncRun:
    """Run a queued sync once: flip it to running (a conditional update, so of two
    workers holding the same message only one runs it), call the source's sync,
    then record success (counts; for Jira, the new watermark) or failure."""
    run = SyncRun.objects.select_related("jira", "git", "requested_by").get(pk=run_id)
    started_at = timezone.now()
    since = run.jira.watermark if run.jira else None
    flipped = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, started_at=started_at, since=since
    )
    if not flipped:
        logger.info("Sync run %s is %s: not executing it again", run_id, run.status)
        run.refresh_from_db()
        return run
    run.status = SyncRun.Status.RUNNING
    run.started_at = started_at
    run.since = since
    logger.info("Sync run %s of %s started", run.pk, run.connection)

    counts: dict[str, int] | None = None
    error = ""
    try:
        counts = _sync_function(run.source)(run)
    except SyncFailed as failure:
        error = str(failure) or "The sync failed."
    except SoftTimeLimitExceeded:
        error = (
            f"The run took longer than {sync_soft_time_limit() // 60} minutes and "
            "was stopped; the next run picks up from the last good watermark."
        )
    except Exception as unexpected:
        logger.exception("Sync run %s failed unexpectedly", run.pk)
        error = f"Unexpected error: {type(unexpected).__name__}: {unexpected}"
    if counts is not None:
        clean = {str(key): int(value) for key, value in counts.items()}
        return _finish(run, SyncRun.Status.SUCCEEDED, counts=clean)
    error = error_redact(error, connection=run.connection)
    return _finish(run, SyncRun.Status.FAILED, error=error)


def _finish(run: SyncRun, status: str, **fields: Any) -> SyncRun:
    """End a running run as ``status`` with ``fields`` (counts or error), audited
    with them; a succeeded Jira run moves the watermark to the run's start."""
    finished_at = timezone.now()
    with transaction.atomic():
        finished = SyncRun.objects.filter(
            pk=run.pk, status=SyncRun.Status.RUNNING
        ).update(status=status, finished_at=finished_at, **fields)
        if not finished:
            # Declared lost meanwhile: it stays failed and the watermark stays.
            run.refresh_from_db()
            return run
        if status == SyncRun.Status.SUCCEEDED and run.jira is not None:
            JiraConnection.objects.filter(pk=run.jira.pk).update(
                watermark=run.started_at
            )
            run.jira.watermark = run.started_at
        run.status = status
        run.finished_at = finished_at
        for name, value in fields.items():
            setattr(run, name, value)
        audit_record(
            actor=run.requested_by,
            verb=f"sync_run.{status}",
            target=run,
            data=fields,
        )
    level = logging.INFO if status == SyncRun.Status.SUCCEEDED else logging.WARNING
    logger.log(level, "Sync run %s %s: %s", run.pk, status, fields)
    return run

"""Celery tasks of the integrations app: they take ids and call the runner."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from teamhub.integrations.runs import (
    sync_all_queue,
    sync_run_execute,
    sync_soft_time_limit,
)

# Worth another try: the database was briefly unreachable or locked. A sync's
# own faults end the run as failed (SyncFailed) and are never retried here.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    soft_time_limit=sync_soft_time_limit(),
    time_limit=sync_soft_time_limit() + 60,
    autoretry_for=TRANSIENT,
    max_retries=3,
    retry_backoff=True,
    retry_jitter=True,
)
def sync_run_task(run_id: int) -> str:
    """Execute one queued sync run; return its final status."""
    return sync_run_execute(run_id).status


@shared_task
def sync_all_task() -> int:
    """Beat: queue a run of each active connection that has none open."""
    return sync_all_queue()

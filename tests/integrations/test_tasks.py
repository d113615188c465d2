"""The Celery tasks: the beat task queues one run per active connection, the run
task is safe to redeliver, and a real worker on real Redis syncs a local Git
repository end to end."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.models import ActivityEvent, SyncRun
from teamhub.integrations.tasks import sync_all_task, sync_run_task
from tests.integrations.test_runs import local_repository, make_git, make_jira


@pytest.mark.django_db
def test_sync_all_queues_one_run_per_active_connection(
    django_capture_on_commit_callbacks,
):
    jira = make_jira()
    make_jira(name="Old Jira", active=False)
    busy = make_git(name="busy")
    idle = make_git(name="idle")
    SyncRun.objects.create(git=busy, status="running")

    with django_capture_on_commit_callbacks(execute=False) as sent:
        queued = sync_all_task.apply().get()

    assert queued == 2
    assert len(sent) == 2  # one task message per queued run, after commit
    open_runs = SyncRun.objects.filter(status="queued")
    assert {(r.jira_id, r.git_id) for r in open_runs} == {
        (jira.pk, None),
        (None, idle.pk),
    }
    assert {r.trigger for r in open_runs} == {"schedule"}

    # The next beat finds them all open: nothing more is queued.
    assert sync_all_task.apply().get() == 0
    assert SyncRun.objects.count() == 3


def test_run_task_retries_transient_errors_only():
    assert sync_run_task.acks_late is True
    assert sync_run_task.max_retries == 3
    assert sync_run_task.soft_time_limit and sync_run_task.soft_time_limit > 0
    assert OperationalError in sync_run_task.autoretry_for
    assert not any(issubclass(SyncFailed, e) for e in sync_run_task.autoretry_for)


@pytest.mark.django_db
def test_run_task_returns_the_final_status_and_is_safe_to_redeliver(tmp_path, settings):
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "mirrors"
    repository = make_git(url=str(local_repository(tmp_path / "src", commits=2)))
    run = SyncRun.objects.create(git=repository)
    assert sync_run_task.apply(args=[run.pk]).get() == "succeeded"
    assert sync_run_task.apply(args=[run.pk]).get() == "succeeded"
    assert ActivityEvent.objects.filter(git=repository).count() == 2


@pytest.mark.celery_worker
@pytest.mark.redis
def test_sync_now_runs_on_a_real_worker(celery_worker, make_user, tmp_path, settings):
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "mirrors"
    repository = make_git(url=str(local_repository(tmp_path / "src", commits=4)))
    client = Client()
    client.force_login(make_user("manager"))

    response = client.post(
        reverse("integrations:sync_now", args=["git", repository.pk])
    )
    assert response.status_code == 302

    run = SyncRun.objects.get(git=repository)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert run.status == "succeeded", run.error
    assert run.counts["commits"] == 4
    assert ActivityEvent.objects.filter(git=repository, kind="commit").count() == 4
    page = client.get(reverse("integrations:index")).content.decode()
    assert "Succeeded" in page

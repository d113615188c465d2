"""The runner: queueing under the one-open-run lock, executing a run once, and
how a run ends (counts and watermark, or a clear error with earlier data kept).

The runner's own behaviour is exercised through its dispatch table (SYNCS)
pointed at small syncs defined here; a real local Git repository goes through
the real git_sync at the end.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.dashboard.freshness import PendingChanges
from teamhub.integrations import runs
from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.models import (
    ActivityEvent,
    GitRepository,
    JiraConnection,
    SyncRun,
)
from teamhub.integrations.runs import (
    sync_run_execute,
    sync_run_queue,
    sync_runs_fail_stale,
)

pytestmark = pytest.mark.django_db

TOKEN = "s3cr3t-token-value"
HERE = "tests.integrations.test_runs"


def make_jira(name: str = "Acme Jira", **kwargs: Any) -> JiraConnection:
    connection = JiraConnection(
        name=name,
        base_url="https://acme.atlassian.net",
        email="bot@acme.example",
        **kwargs,
    )
    connection.token_set(TOKEN)
    connection.save()
    return connection


def make_git(name: str = "models", url: str = "/nowhere", **kw: Any) -> GitRepository:
    return GitRepository.objects.create(name=name, url=url, **kw)


def event_for(run: SyncRun, key: str) -> ActivityEvent:
    return ActivityEvent.objects.create(
        source="jira",
        kind="issue_created",
        external_id=f"{run.jira_id}:{key}",
        jira=run.jira,
        occurred_at=timezone.now(),
        title=key,
    )


# The syncs the dispatch table points at in these tests.
CALLS: list[int] = []


def sync_ok(run: SyncRun) -> dict[str, int]:
    CALLS.append(run.pk)
    event_for(run, f"ML-{run.pk}")
    return {"issues": 1, "events": 1}


def sync_fails(run: SyncRun) -> dict[str, int]:
    CALLS.append(run.pk)
    raise SyncFailed("Jira said 401: the token is wrong or expired.")


def sync_crashes(run: SyncRun) -> dict[str, int]:
    raise RuntimeError(f"boom at https://bot:{TOKEN}@acme.atlassian.net with {TOKEN}")


def sync_loses_its_worker(run: SyncRun) -> dict[str, int]:
    """Meanwhile the run is declared lost (as a later queue would do)."""
    SyncRun.objects.filter(pk=run.pk).update(status="failed", error="worker lost")
    return {"issues": 5}


@pytest.fixture
def use_sync(monkeypatch: pytest.MonkeyPatch) -> Any:
    CALLS.clear()

    def use(name: str, source: str = "jira") -> None:
        monkeypatch.setitem(runs.SYNCS, source, f"{HERE}.{name}")

    return use


def test_queue_creates_a_queued_run_and_audits_it(manager):
    connection = make_jira()
    run = sync_run_queue(
        connection=connection, trigger=SyncRun.Trigger.MANUAL, requested_by=manager
    )
    assert (run.status, run.trigger, run.jira, run.requested_by) == (
        "queued",
        "manual",
        connection,
        manager,
    )
    assert AuditEvent.objects.filter(verb="sync_run.queued", actor=manager).exists()


def test_second_queue_of_the_same_connection_conflicts():
    connection = make_jira()
    first = sync_run_queue(connection=connection, trigger=SyncRun.Trigger.SCHEDULE)
    with pytest.raises(Conflict) as conflict:
        sync_run_queue(connection=connection, trigger=SyncRun.Trigger.WEBHOOK)
    assert conflict.value.detail == (
        "A sync of Acme Jira is already queued or running."
    )
    assert conflict.value.extra["run_id"] == first.pk
    assert SyncRun.objects.count() == 1
    # Another connection is not blocked.
    sync_run_queue(connection=make_git(), trigger=SyncRun.Trigger.SCHEDULE)
    assert SyncRun.objects.count() == 2


def test_manual_sync_needs_a_manager(scientist):
    with pytest.raises(Exception, match="Only managers"):
        sync_run_queue(
            connection=make_jira(),
            trigger=SyncRun.Trigger.MANUAL,
            requested_by=scientist,
        )
    assert not SyncRun.objects.exists()


def test_successful_jira_run_records_counts_and_moves_the_watermark(use_sync):
    use_sync("sync_ok")
    old_watermark = timezone.now() - dt.timedelta(hours=3)
    connection = make_jira(watermark=old_watermark)
    run = sync_run_queue(connection=connection, trigger=SyncRun.Trigger.SCHEDULE)

    done = sync_run_execute(run.pk)

    done.refresh_from_db()
    connection.refresh_from_db()
    assert done.status == "succeeded"
    assert done.counts == {"issues": 1, "events": 1}
    assert done.since == old_watermark  # asked for what changed since then
    assert done.started_at is not None and done.finished_at is not None
    assert done.finished_at >= done.started_at
    assert connection.watermark == done.started_at
    assert AuditEvent.objects.filter(verb="sync_run.succeeded").exists()


def test_failed_run_keeps_the_watermark_and_earlier_data(use_sync):
    use_sync("sync_ok")
    connection = make_jira()
    first = sync_run_execute(
        sync_run_queue(connection=connection, trigger="schedule").pk
    )
    connection.refresh_from_db()
    good_watermark = connection.watermark
    assert good_watermark == first.started_at

    use_sync("sync_fails")
    failed = sync_run_execute(
        sync_run_queue(connection=connection, trigger="schedule").pk
    )

    failed.refresh_from_db()
    connection.refresh_from_db()
    assert failed.status == "failed"
    assert failed.error == "Jira said 401: the token is wrong or expired."
    assert failed.finished_at is not None
    assert failed.since == good_watermark
    assert connection.watermark == good_watermark
    assert ActivityEvent.objects.count() == 1  # the first run's event stays
    assert AuditEvent.objects.filter(verb="sync_run.failed").exists()

    # The next run picks up from the last good watermark.
    use_sync("sync_ok")
    third = sync_run_execute(
        sync_run_queue(connection=connection, trigger="schedule").pk
    )
    assert third.since == good_watermark
    assert third.status == "succeeded"


def test_unexpected_error_fails_the_run_without_the_token(use_sync):
    use_sync("sync_crashes")
    run = sync_run_execute(
        sync_run_queue(connection=make_jira(), trigger="schedule").pk
    )
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error.startswith("Unexpected error: RuntimeError: boom at https://")
    assert TOKEN not in run.error
    assert "***" in run.error


def test_a_run_executes_once_even_if_delivered_twice(use_sync):
    use_sync("sync_ok")
    run = sync_run_queue(connection=make_jira(), trigger="schedule")
    first = sync_run_execute(run.pk)
    second = sync_run_execute(run.pk)  # e.g. the message redelivered (acks_late)
    assert [run.pk] == CALLS
    assert first.status == second.status == "succeeded"
    assert ActivityEvent.objects.count() == 1


def test_running_run_is_not_started_by_a_second_worker(use_sync):
    use_sync("sync_ok")
    run = sync_run_queue(connection=make_jira(), trigger="schedule")
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", started_at=timezone.now()
    )
    result = sync_run_execute(run.pk)
    assert CALLS == []
    assert result.status == "running"


def test_stale_running_run_is_failed_before_a_new_queue(use_sync, settings):
    settings.TEAMHUB_SYNC_SOFT_TIME_LIMIT = 15 * 60
    connection = make_jira(watermark=timezone.now() - dt.timedelta(days=1))
    watermark = connection.watermark
    stale = sync_run_queue(connection=connection, trigger="schedule")
    SyncRun.objects.filter(pk=stale.pk).update(
        status="running", started_at=timezone.now() - dt.timedelta(minutes=25)
    )

    fresh = sync_run_queue(connection=connection, trigger="webhook")

    stale.refresh_from_db()
    connection.refresh_from_db()
    assert stale.status == "failed"
    assert stale.error.startswith("The worker was lost")
    assert stale.finished_at is not None
    assert fresh.status == "queued"
    assert connection.watermark == watermark


def test_recently_started_run_is_not_declared_lost():
    connection = make_jira()
    run = sync_run_queue(connection=connection, trigger="schedule")
    SyncRun.objects.filter(pk=run.pk).update(
        status="running", started_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert sync_runs_fail_stale() == 0
    with pytest.raises(Conflict):
        sync_run_queue(connection=connection, trigger="schedule")


def test_run_declared_lost_while_running_stays_failed(use_sync):
    use_sync("sync_loses_its_worker")
    connection = make_jira()
    run = sync_run_execute(sync_run_queue(connection=connection, trigger="schedule").pk)
    connection.refresh_from_db()
    assert run.status == "failed"
    assert connection.watermark is None


def test_git_run_does_not_touch_a_watermark(use_sync):
    use_sync("git_three_commits", source="git")
    run = sync_run_execute(sync_run_queue(connection=make_git(), trigger="schedule").pk)
    assert (run.status, run.counts, run.since) == ("succeeded", {"commits": 3}, None)


def git_three_commits(run: SyncRun) -> dict[str, int]:
    return {"commits": 3}


def test_queue_sends_the_run_to_a_worker_after_commit(
    use_sync, django_capture_on_commit_callbacks
):
    """Tasks run eagerly here: the queued run is executed once committed."""
    use_sync("sync_ok")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = sync_run_queue(connection=make_jira(), trigger="schedule")
    # One task sent (the dashboard's cache versions may also wait for the commit).
    assert len([c for c in callbacks if not isinstance(c, PendingChanges)]) == 1
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert run.counts == {"issues": 1, "events": 1}


# --- the real git_sync on a local repository ---------------------------------


def git(cwd: Path, *args: str, **env: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
            "GIT_CONFIG_NOSYSTEM": "1",
            **env,
        },
    ).stdout


def local_repository(path: Path, commits: int = 3) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for n in range(commits):
        (path / f"model_{n}.py").write_text(f"import torch\nvalue = {n}\n")
        git(path, "add", ".")
        git(
            path,
            "commit",
            "-q",
            "-m",
            f"Train model {n}",
            GIT_AUTHOR_NAME="Ada Lovelace",
            GIT_AUTHOR_EMAIL="ada@example.com",
            GIT_COMMITTER_NAME="Ada Lovelace",
            GIT_COMMITTER_EMAIL="ada@example.com",
        )
    return path


def test_local_git_repository_syncs_through_the_runner(tmp_path, settings):
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "mirrors"
    source = local_repository(tmp_path / "source")
    repository = make_git(url=str(source), branches=["main"])

    run = sync_run_execute(sync_run_queue(connection=repository, trigger="schedule").pk)

    assert run.status == "succeeded", run.error
    assert run.counts["commits"] == 3
    assert ActivityEvent.objects.filter(git=repository, kind="commit").count() == 3

    again = sync_run_execute(
        sync_run_queue(connection=repository, trigger="schedule").pk
    )
    assert again.status == "succeeded", again.error
    assert again.counts["commits"] == 0
    assert ActivityEvent.objects.filter(git=repository).count() == 3


def test_missing_git_repository_fails_with_a_clear_message(tmp_path, settings):
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "mirrors"
    repository = make_git(url=str(tmp_path / "gone"))
    run = sync_run_execute(sync_run_queue(connection=repository, trigger="schedule").pk)
    assert run.status == "failed"
    assert run.error and not run.error.startswith("Unexpected error")

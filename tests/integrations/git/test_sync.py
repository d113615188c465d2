"""git_sync against real repositories: authors and .mailmap, merges, numstat,
imports, incremental runs, replays, force pushes and vanished remotes."""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.git.mirror import mirror_path
from teamhub.integrations.git.sync import git_sync
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    GitRepository,
    RawPayload,
    SkillEvidence,
    SkillEvidenceRule,
    SyncRun,
)
from tests.factories import (
    InitiativeFactory,
    PersonFactory,
    SkillFactory,
    UserFactory,
)
from tests.integrations.git.conftest import Repo, notebook

pytestmark = pytest.mark.django_db

MAILMAP = "Ada Lovelace <ada@example.com> <ada.l@old.example.org>\n"


def sync(repository: GitRepository) -> tuple[SyncRun, dict[str, int]]:
    """Run one sync as the runner would: running → succeeded or failed."""
    run = SyncRun.objects.create(git=repository, status=SyncRun.Status.RUNNING)
    try:
        counts = git_sync(run)
    except SyncFailed as error:
        run.status, run.error = SyncRun.Status.FAILED, str(error)
        run.save(update_fields=["status", "error"])
        raise
    run.status, run.counts = SyncRun.Status.SUCCEEDED, counts
    run.save(update_fields=["status", "counts"])
    repository.refresh_from_db()
    return run, counts


def commits(repository: GitRepository) -> dict[str, ActivityEvent]:
    return {
        event.data["sha"]: event
        for event in ActivityEvent.objects.filter(git=repository, kind="commit")
    }


def snapshot(repository: GitRepository) -> list[tuple[Any, ...]]:
    return list(
        ActivityEvent.objects.filter(git=repository)
        .order_by("pk")
        .values_list(
            "pk",
            "external_id",
            "occurred_at",
            "identity_id",
            "person_id",
            "initiative_id",
            "title",
            "url",
            "data",
            "orphaned",
        )
    )


def build_history(repo: Repo) -> dict[str, str]:
    """Three authors (one with two e-mails merged by .mailmap), a feature
    branch merged with --no-ff, a binary file, Python and a notebook."""
    shas = {}
    shas["init"] = repo.commit(
        "Add mailmap and readme", {".mailmap": MAILMAP, "README.md": "a\nb\nc\n"}
    )
    shas["model"] = repo.commit(
        "Train the model",
        {
            "src/model.py": "import torch\n"
            "from sklearn.model_selection import train_test_split\n"
            "import numpy as np, pandas as pd\n"
            "from . import local\n"
            "from __future__ import annotations\n",
            "weights.bin": b"\x00\x01\x02\xff" * 10,
        },
        name="Ada L.",
        email="ada.l@old.example.org",
    )
    repo.git("checkout", "--quiet", "-b", "feature")
    shas["notebook"] = repo.commit(
        "Explore in a notebook",
        {"explore.ipynb": notebook("import pyspark.sql", "x = 1")},
        name="Bob Builder",
        email="12345+bobby@users.noreply.github.com",
    )
    repo.git("checkout", "--quiet", "main")
    shas["readme"] = repo.commit(
        "Edit readme", {"README.md": "a\nB\nc\nd\n"}, name="Cy", email="CY@Example.com"
    )
    shas["merge"] = repo.merge("feature", "Merge branch feature")
    repo.push("main", "feature")
    return shas


@pytest.fixture
def repository(repo: Repo) -> GitRepository:
    return GitRepository.objects.create(
        name="models",
        url=str(repo.remote),
        branches=["main"],
        initiative=InitiativeFactory(),
    )


def test_first_sync_stores_every_commit_of_the_branch(
    repo: Repo, repository: GitRepository
) -> None:
    shas = build_history(repo)
    run, counts = sync(repository)

    events = commits(repository)
    assert set(events) == set(shas.values())
    assert counts["commits"] == 5
    assert counts["orphaned"] == 0
    assert repository.tips == {"main": shas["merge"]}
    model = events[shas["model"]]
    assert model.external_id == f"{repository.pk}:{shas['model']}"
    assert model.title == "Train the model"
    assert model.initiative_id == repository.initiative_id
    assert model.occurred_at == dt.datetime(2026, 1, 1, 0, 2, tzinfo=dt.UTC)
    assert model.data["branch"] == "main"
    assert model.data["merge"] is False
    assert events[shas["merge"]].data["merge"] is True
    assert events[shas["merge"]].data["files"] == []
    assert events[shas["notebook"]].data["branch"] == "main"  # reached via the merge
    assert not any(event.orphaned for event in events.values())
    # Raw payloads keep the parsed commits, so rows can be rebuilt.
    payload = RawPayload.objects.get(run=run, kind="git_log")
    assert {c["sha"] for c in payload.payload["commits"]} == set(shas.values())


def test_numstat_counts_and_binary_files(repo: Repo, repository: GitRepository) -> None:
    shas = build_history(repo)
    sync(repository)
    events = commits(repository)

    assert events[shas["init"]].data["files"] == [
        {"path": ".mailmap", "added": 1, "deleted": 0},
        {"path": "README.md", "added": 3, "deleted": 0},
    ]
    assert events[shas["readme"]].data["files"] == [
        {"path": "README.md", "added": 2, "deleted": 1}
    ]
    files = {f["path"]: f for f in events[shas["model"]].data["files"]}
    assert files["weights.bin"] == {
        "path": "weights.bin",
        "added": 0,
        "deleted": 0,
        "binary": True,
    }
    assert files["src/model.py"]["added"] == 5


def test_imports_are_extracted_from_added_python_and_notebook_lines(
    repo: Repo, repository: GitRepository
) -> None:
    shas = build_history(repo)
    sync(repository)
    events = commits(repository)

    assert events[shas["model"]].data["imports"] == [
        "numpy",
        "pandas",
        "sklearn",
        "torch",
    ]
    assert events[shas["notebook"]].data["imports"] == ["pyspark"]
    assert events[shas["readme"]].data["imports"] == []


def test_removed_imports_are_not_evidence(
    repo: Repo, repository: GitRepository
) -> None:
    repo.commit("Add", {"a.py": "import torch\n"})
    removed = repo.commit("Switch", {"a.py": "import jax\n"})
    repo.push("main")
    sync(repository)

    assert commits(repository)[removed].data["imports"] == ["jax"]


def test_mailmap_merges_two_emails_and_identities_link_by_email(
    repo: Repo, repository: GitRepository
) -> None:
    ada = PersonFactory(user=UserFactory(username="ada", email="Ada@Example.com"))
    shas = build_history(repo)
    sync(repository)
    events = commits(repository)

    model = events[shas["model"]]
    assert model.data["author_email"] == "ada@example.com"
    assert model.data["author_name"] == "Ada Lovelace"
    assert model.identity == events[shas["init"]].identity
    assert model.person == ada
    identities = {
        i.external_id: i for i in ExternalIdentity.objects.filter(source="git")
    }
    assert set(identities) == {
        "ada@example.com",
        "cy@example.com",
        "12345+bobby@users.noreply.github.com",
    }
    assert identities["ada@example.com"].person == ada
    bob = identities["12345+bobby@users.noreply.github.com"]
    assert bob.person is None  # waits for a manager on the review page
    assert bob.display_name == "Bob Builder (GitHub @bobby)"
    assert events[shas["notebook"]].data["github_login"] == "bobby"


def test_second_run_processes_only_new_commits(
    repo: Repo, repository: GitRepository
) -> None:
    build_history(repo)
    sync(repository)
    new = repo.commit("More training", {"src/train.py": "import torch\n"})
    repo.push("main")
    run, counts = sync(repository)

    assert counts["commits"] == 1
    assert repository.tips == {"main": new}
    payload = RawPayload.objects.get(run=run)
    assert [c["sha"] for c in payload.payload["commits"]] == [new]
    assert len(commits(repository)) == 6


def test_replaying_with_no_new_commits_leaves_rows_identical(
    repo: Repo, repository: GitRepository
) -> None:
    build_history(repo)
    sync(repository)
    before = snapshot(repository)
    _, counts = sync(repository)

    assert counts["commits"] == 0
    assert snapshot(repository) == before


def test_replaying_the_same_range_upserts_without_duplicates(
    repo: Repo, repository: GitRepository
) -> None:
    build_history(repo)
    sync(repository)
    before = snapshot(repository)
    GitRepository.objects.filter(pk=repository.pk).update(tips={})  # forget the tip
    repository.refresh_from_db()
    _, counts = sync(repository)

    assert counts["commits"] == 5
    assert snapshot(repository) == before


def test_force_push_orphans_rewritten_commits_and_deletes_nothing(
    repo: Repo, repository: GitRepository
) -> None:
    shas = build_history(repo)
    old_one = repo.commit("Doomed one", {"x.txt": "1\n"})
    old_two = repo.commit("Doomed two", {"x.txt": "2\n"})
    repo.push("main")
    sync(repository)
    assert len(commits(repository)) == 7

    repo.git("reset", "--quiet", "--hard", shas["merge"])
    rewritten = repo.commit("Replacement", {"y.txt": "y\n"})
    repo.push("main", force=True)
    _, counts = sync(repository)

    events = commits(repository)
    assert len(events) == 8  # nothing deleted
    assert counts == {"commits": 1, "orphaned": 2, "restored": 0, "branches": 1}
    assert events[old_one].orphaned and events[old_two].orphaned
    assert not events[rewritten].orphaned
    assert not any(events[sha].orphaned for sha in shas.values())
    assert repository.tips == {"main": rewritten}

    # Force-pushing the old history back brings the commits back.
    repo.git("reset", "--quiet", "--hard", old_two)
    repo.push("main", force=True)
    _, counts = sync(repository)

    events = commits(repository)
    assert not events[old_one].orphaned and not events[old_two].orphaned
    assert events[rewritten].orphaned
    assert counts["restored"] == 2
    assert counts["orphaned"] == 1


def test_commits_of_a_deleted_branch_survive_on_another_followed_branch(
    repo: Repo, repository: GitRepository
) -> None:
    shas = build_history(repo)
    repo.git("checkout", "--quiet", "-b", "spike")
    spike = repo.commit("Spike", {"s.py": "import jax\n"})
    repo.push("spike")
    repository.branches = ["main", "spike"]
    repository.save()
    _, counts = sync(repository)
    assert counts["commits"] == 6
    assert commits(repository)[spike].data["branch"] == "spike"

    repo.git("push", "--quiet", "origin", "--delete", "spike")
    _, counts = sync(repository)

    events = commits(repository)
    assert events[spike].orphaned
    assert not any(events[sha].orphaned for sha in shas.values())
    assert repository.tips == {"main": shas["merge"]}


def test_a_repository_that_disappears_fails_the_run_and_keeps_data(
    repo: Repo, repository: GitRepository
) -> None:
    build_history(repo)
    sync(repository)
    before = snapshot(repository)
    tips = repository.tips
    shutil.rmtree(repo.remote)

    with pytest.raises(SyncFailed) as error:
        sync(repository)

    assert str(error.value).startswith("cannot fetch models: repository not found")
    assert snapshot(repository) == before
    repository.refresh_from_db()
    assert repository.tips == tips
    assert SyncRun.objects.filter(git=repository, status="failed").count() == 1


def test_a_remote_that_never_existed_fails_with_a_clear_message(
    tmp_path: Any,
) -> None:
    repository = GitRepository.objects.create(
        name="ghost", url=str(tmp_path / "nowhere.git")
    )
    with pytest.raises(SyncFailed, match="cannot fetch ghost: repository not found"):
        sync(repository)
    assert not ActivityEvent.objects.exists()


def test_credentials_never_appear_in_the_failure_message() -> None:
    repository = GitRepository.objects.create(
        name="private", url="https://deploy:s3cr3t-token@127.0.0.1:9/org/repo.git"
    )
    with pytest.raises(SyncFailed) as error:
        sync(repository)

    message = str(error.value)
    assert message.startswith("cannot fetch private:")
    assert "s3cr3t-token" not in message
    assert "deploy" not in message
    assert "https://127.0.0.1:9/org/repo.git" in message


def test_a_branch_that_does_not_exist_fails_the_run(
    repo: Repo, repository: GitRepository
) -> None:
    build_history(repo)
    repository.branches = ["mian"]
    repository.save()

    with pytest.raises(SyncFailed, match="branch 'mian' not found"):
        sync(repository)


def test_without_branches_the_default_branch_is_followed(repo: Repo) -> None:
    shas = build_history(repo)
    repository = GitRepository.objects.create(name="dflt", url=str(repo.remote))
    _, counts = sync(repository)

    assert repository.tips == {"main": shas["merge"]}
    assert counts["commits"] == 5


def test_an_empty_repository_fails_with_a_clear_message(repo: Repo) -> None:
    repository = GitRepository.objects.create(name="empty", url=str(repo.remote))
    with pytest.raises(SyncFailed, match="no default branch"):
        sync(repository)


def test_github_remote_gets_commit_links(
    repo: Repo, repository: GitRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = build_history(repo)
    sync(repository)
    assert commits(repository)[shas["init"]].url == ""  # a local path: no web page

    # Keep fetching from the local remote; only the configured URL changes.
    path = mirror_path(repository)
    monkeypatch.setattr(
        "teamhub.integrations.git.sync.mirror_update", lambda repository: path
    )
    GitRepository.objects.filter(pk=repository.pk).update(
        url="https://github.com/acme/models.git", tips={}
    )
    repository.refresh_from_db()
    sync(repository)

    assert (
        commits(repository)[shas["init"]].url
        == f"https://github.com/acme/models/commit/{shas['init']}"
    )


def test_a_killed_run_resumes_and_marks_orphans_it_missed(
    repo: Repo, repository: GitRepository
) -> None:
    shas = build_history(repo)
    doomed = repo.commit("Doomed", {"x.txt": "1\n"})
    repo.push("main")
    sync(repository)
    # A run that saved the new tip but died before marking orphans.
    repo.git("reset", "--quiet", "--hard", shas["merge"])
    repo.push("main", force=True)
    GitRepository.objects.filter(pk=repository.pk).update(tips={"main": shas["merge"]})
    repository.refresh_from_db()

    _, counts = sync(repository)

    assert counts["orphaned"] == 1
    assert commits(repository)[doomed].orphaned


def test_imports_become_inferred_evidence_for_the_linked_person(
    repo: Repo, repository: GitRepository
) -> None:
    ada = PersonFactory(user=UserFactory(username="ada", email="ada@example.com"))
    pytorch = SkillFactory(name="PyTorch")
    SkillEvidenceRule.objects.create(kind="import", pattern="torch", skill=pytorch)
    shas = build_history(repo)
    sync(repository)

    evidence = SkillEvidence.objects.get(person=ada, skill=pytorch)
    assert evidence.event.data["sha"] == shas["model"]


def test_a_run_that_dies_half_way_resumes_without_duplicates_or_gaps(
    repo: Repo, repository: GitRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_history(repo)
    monkeypatch.setattr("teamhub.integrations.git.sync.BATCH", 2)
    calls = []

    def dies_on_second_batch(*, event_ids: list[int]) -> int:
        calls.append(event_ids)
        if len(calls) == 2:
            raise SyncFailed("worker killed")
        return 0

    monkeypatch.setattr(
        "teamhub.integrations.git.sync.evidence_record", dies_on_second_batch
    )
    with pytest.raises(SyncFailed):
        sync(repository)
    repository.refresh_from_db()
    assert repository.tips == {}  # the branch was not fully processed
    assert len(commits(repository)) == 4  # two batches of two were stored

    monkeypatch.undo()
    _, counts = sync(repository)

    assert counts["commits"] == 5
    assert len(commits(repository)) == 5
    assert ActivityEvent.objects.filter(git=repository).count() == 5


def _history_of(repo: Repo, size: int) -> None:
    for n in range(size):
        repo.commit(
            f"Commit {n}",
            {f"f{n}.py": f"import mod{n}\n", "b.bin": bytes([n, 0])},
            name=f"Author {n}",
            email=f"author{n}@example.com",
        )
    repo.push("main")


def test_queries_do_not_grow_with_the_number_of_commits(tmp_path: Any) -> None:
    counted = []
    for size in (3, 40):
        repo = Repo(tmp_path / f"r{size}")
        _history_of(repo, size)
        repository = GitRepository.objects.create(
            name=f"r{size}", url=str(repo.remote), branches=["main"]
        )
        with CaptureQueriesContext(connection) as queries:
            sync(repository)
        counted.append(len(queries))
    assert counted[0] == counted[1]

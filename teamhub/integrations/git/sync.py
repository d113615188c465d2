"""One sync of one Git repository: fetch the mirror, log each followed branch
since its last processed tip, upsert commit events, mark rewritten history."""

import logging
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from django.db import transaction

from teamhub.integrations.activity import EventData, activity_upsert
from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.evidence import evidence_record
from teamhub.integrations.git.log import Commit, commits_stream, imports_added
from teamhub.integrations.git.mirror import (
    GitError,
    branch_tip,
    commit_exists,
    default_branch,
    git_run,
    is_ancestor,
    merge_base,
    mirror_update,
    reachable_commits,
    url_redact,
)
from teamhub.integrations.identities import (
    GITHUB_NOREPLY,
    SeenIdentity,
    email_normalise,
    identities_resolve,
)
from teamhub.integrations.models import (
    ActivityEvent,
    GitRepository,
    RawPayload,
    Source,
    SyncRun,
)

logger = logging.getLogger(__name__)

# Commits per transaction, per RawPayload chunk and per evidence call.
BATCH = 1000
WEB_HOSTS = ("github", "gitlab", "gitea")

_SCP_URL = re.compile(r"^(?:ssh://)?[\w.-]+@(?P<host>[\w.-]+)[:/](?P<path>.+)$")


def github_login(email: str) -> str | None:
    """The GitHub login in a noreply address (``12345+login@users.noreply…``),
    as written (``github_noreply_login`` lower-cases it)."""
    match = GITHUB_NOREPLY.match(email.strip())
    return match["login"] if match else None


def commit_url_base(url: str) -> str | None:
    """The repository's web address on GitHub, GitLab or Gitea, if it is one
    (``…/commit/<sha>`` is appended to it)."""
    url = url_redact(url.strip())
    if match := _SCP_URL.match(url):
        host, path = match.group("host"), match.group("path")
    else:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return None
        host, path = parts.netloc, parts.path
    if not any(name in host.lower() for name in WEB_HOSTS):
        return None
    path = path.strip("/").removesuffix(".git").strip("/")
    return f"https://{host}/{path}" if path else None


def _batched(commits: Iterable[Commit], size: int) -> Iterator[list[Commit]]:
    iterator = iter(commits)
    while batch := list(islice(iterator, size)):
        yield batch


def _seen(commit: Commit) -> SeenIdentity | None:
    external_id = email_normalise(commit.author_email)
    if not external_id:
        return None
    login = github_login(external_id)
    name = commit.author_name or external_id
    display = f"{name} (GitHub @{login})" if login else name
    return SeenIdentity(external_id, commit.author_email, display)


def _event_data(commit: Commit, *, branch: str) -> dict[str, object]:
    data: dict[str, object] = {
        "sha": commit.sha,
        "files": [
            {
                "path": stat.path,
                "added": stat.added or 0,
                "deleted": stat.deleted or 0,
                **({"binary": True} if stat.binary else {}),
            }
            for stat in commit.files
        ],
        "imports": commit.imports,
        "branch": branch,
        "merge": commit.merge,
        "parents": list(commit.parents),
        "author_name": commit.author_name,
        "author_email": commit.author_email,
    }
    if login := github_login(commit.author_email):
        data["github_login"] = login
    return data


def _batch_store(
    *,
    run: SyncRun,
    repository: GitRepository,
    path: Path,
    branch: str,
    commits: list[Commit],
    url_base: str | None,
) -> tuple[list[int], int]:
    """Store one batch of commits; return the event ids and how many were
    brought back from orphaned."""
    python = [c.sha for c in commits if not c.merge and c.touches_python]
    found = imports_added(path, python)
    for commit in commits:
        commit.imports = found.get(commit.sha, [])
    seen = {c.sha: _seen(c) for c in commits}
    with transaction.atomic():
        identities = identities_resolve(
            source=Source.GIT, seen=[entry for entry in seen.values() if entry]
        )
        events = []
        for commit in commits:
            entry = seen[commit.sha]
            events.append(
                EventData(
                    source=Source.GIT,
                    kind=ActivityEvent.Kind.COMMIT,
                    external_id=f"{repository.pk}:{commit.sha}",
                    occurred_at=commit.authored_at,
                    identity=identities.get(entry.external_id) if entry else None,
                    initiative_id=repository.initiative_id,
                    git_id=repository.pk,
                    title=commit.subject,
                    url=f"{url_base}/commit/{commit.sha}" if url_base else "",
                    data=_event_data(commit, branch=branch),
                )
            )
        ids = activity_upsert(events)
        # Walked from a followed branch: reachable, so no longer orphaned.
        restored = ActivityEvent.objects.filter(pk__in=ids, orphaned=True).update(
            orphaned=False
        )
        RawPayload.objects.create(
            run=run,
            kind="git_log",
            key=f"{branch}:{commits[0].sha}"[:255],
            payload={
                "repository": repository.pk,
                "branch": branch,
                "commits": [commit.to_json() for commit in commits],
            },
        )
    return ids, restored


def _orphans_mark(
    *, repository: GitRepository, path: Path, tips: dict[str, str]
) -> tuple[int, int]:
    """Mark the repository's commits that no followed branch reaches as
    orphaned, and the reachable ones as not; never delete. Return (orphaned,
    restored)."""
    reachable = reachable_commits(path, sorted(set(tips.values())))
    prefix = f"{repository.pk}:"
    orphan: list[int] = []
    restore: list[int] = []
    rows = ActivityEvent.objects.filter(
        source=Source.GIT, kind=ActivityEvent.Kind.COMMIT, git=repository
    ).values_list("pk", "external_id", "orphaned")
    for pk, external_id, orphaned in rows.iterator(chunk_size=5000):
        alive = external_id.removeprefix(prefix) in reachable
        if alive and orphaned:
            restore.append(pk)
        elif not alive and not orphaned:
            orphan.append(pk)
    for ids, value in ((orphan, True), (restore, False)):
        for start in range(0, len(ids), BATCH):
            ActivityEvent.objects.filter(pk__in=ids[start : start + BATCH]).update(
                orphaned=value
            )
    return len(orphan), len(restore)


def _reachable_count(path: Path, tips: dict[str, str]) -> int:
    if not tips:
        return 0
    result = git_run(
        ["rev-list", "--count", *sorted(set(tips.values())), "--"], cwd=path
    )
    return int(result.stdout.strip() or 0)


def _tips_save(repository: GitRepository, tips: dict[str, str]) -> None:
    repository.tips = dict(tips)
    repository.save(update_fields=["tips", "updated"])


def git_sync(run: SyncRun) -> dict[str, int]:
    """Sync the run's repository; return counts ({"commits", "orphaned", …}).

    Raises SyncFailed with a clear message on a fault; what earlier runs and
    earlier branches stored stays, and the next run resumes from the last
    fully processed tip of each branch.
    """
    repository = run.git
    if repository is None:
        raise SyncFailed("this run has no Git repository")
    try:
        return _sync(run, repository)
    except GitError as error:
        raise SyncFailed(f"cannot sync {repository.name}: {error}") from error


def _sync(run: SyncRun, repository: GitRepository) -> dict[str, int]:
    path = mirror_update(repository)
    branches = [str(branch) for branch in repository.branches if str(branch).strip()]
    if not branches:
        head = default_branch(path)
        if head is None or branch_tip(path, head) is None:
            raise SyncFailed(
                f"cannot sync {repository.name}: the repository has no default "
                "branch yet (is it empty?)"
            )
        branches = [head]
    url_base = commit_url_base(repository.url)
    counts = {"commits": 0, "orphaned": 0, "restored": 0, "branches": 0}
    old_tips: dict[str, str] = dict(repository.tips or {})
    # Branches no longer followed drop out of the tips (their commits become
    # orphaned unless another followed branch reaches them).
    tips = {branch: sha for branch, sha in old_tips.items() if branch in branches}
    rewritten = tips != old_tips
    for branch in branches:
        new = branch_tip(path, branch)
        old = tips.get(branch)
        if new is None:
            if old is None:
                raise SyncFailed(
                    f"cannot sync {repository.name}: branch {branch!r} not found"
                )
            logger.info("branch %s of %s was deleted", branch, repository.name)
            del tips[branch]
            rewritten = True
            _tips_save(repository, tips)
            continue
        counts["branches"] += 1
        if old == new:
            continue
        # Commits other followed branches already brought in need no second walk.
        exclude = {sha for name, sha in tips.items() if name != branch}
        if old and commit_exists(path, old) and is_ancestor(path, old, new):
            exclude.add(old)
        elif old:
            # History was rewritten: walk from the merge base (or fully).
            rewritten = True
            base = merge_base(path, old, new) if commit_exists(path, old) else None
            if base:
                exclude.add(base)
            logger.info(
                "history of %s %s rewritten (%s → %s)",
                repository.name,
                branch,
                old[:12],
                new[:12],
            )
        for commits in _batched(commits_stream(path, tip=new, exclude=exclude), BATCH):
            ids, restored = _batch_store(
                run=run,
                repository=repository,
                path=path,
                branch=branch,
                commits=commits,
                url_base=url_base,
            )
            counts["commits"] += len(commits)
            counts["restored"] += restored
            evidence_record(event_ids=ids)
        tips[branch] = new
        _tips_save(repository, tips)
    if tips != old_tips:
        _tips_save(repository, tips)
    # A cheap check catches a rewrite whose marking a killed run never finished:
    # after a full run the live commits are exactly those the tips reach.
    live = ActivityEvent.objects.filter(
        source=Source.GIT,
        kind=ActivityEvent.Kind.COMMIT,
        git=repository,
        orphaned=False,
    ).count()
    if rewritten or live != _reachable_count(path, tips):
        orphaned, restored = _orphans_mark(repository=repository, path=path, tips=tips)
        counts["orphaned"] += orphaned
        counts["restored"] += restored
    return counts

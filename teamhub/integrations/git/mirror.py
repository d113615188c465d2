"""Bare mirrors of followed Git repositories under TEAMHUB_GIT_MIRRORS_DIR, kept
current with ``git fetch --prune``; the one place that runs the ``git`` binary."""

import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.models import GitRepository

logger = logging.getLogger(__name__)

# Long enough for a first clone of a big repository; a hung network still ends.
FETCH_TIMEOUT_SECONDS = 1800
COMMAND_TIMEOUT_SECONDS = 300

_NOT_FOUND = (
    "not found",
    "does not exist",
    "does not appear to be a git repository",
    "no such file or directory",
    "not a git repository",
)
_AUTH = (
    "authentication failed",
    "terminal prompts disabled",
    "could not read username",
    "could not read password",
    "permission denied",
    "403",
)
_UNREACHABLE = (
    "could not resolve host",
    "connection refused",
    "connection timed out",
    "timed out",
    "network is unreachable",
    "failed to connect",
    "could not read from remote repository",
)


class GitError(Exception):
    """A git command failed; the message is already free of credentials."""


def git_env() -> dict[str, str]:
    """The environment for every git call: never prompt, stable English
    messages. The worker's own Git configuration still applies (credential
    helpers, ``insteadOf``); options that would change the output we parse are
    switched off on the command lines."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") or key in {"GIT_SSH", "GIT_SSH_COMMAND"}
    }
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "true",
            "SSH_ASKPASS": "true",
            "LC_ALL": "C",
            "LANG": "C",
        }
    )
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=30")
    return env


def url_redact(url: str) -> str:
    """Return the URL without any user name or password in it."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit(parts._replace(netloc=host))
    return url


def _text_redact(text: str, url: str) -> str:
    """Strip credentials from git's messages (git echoes URLs back)."""
    text = text.replace(url, url_redact(url))
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1", text)


def git_run(
    args: list[str],
    *,
    cwd: Path | None = None,
    url: str = "",
    timeout: float = COMMAND_TIMEOUT_SECONDS,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``git <args>``; raise GitError (credentials removed) when it fails."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=git_env(),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as error:
        raise GitError(f"git {args[0]} timed out after {timeout:.0f} s") from error
    if check and result.returncode != 0:
        message = _text_redact(result.stderr.strip() or result.stdout.strip(), url)
        raise GitError(message or f"git {args[0]} exited with {result.returncode}")
    return result


def mirror_path(repository: GitRepository) -> Path:
    return Path(settings.TEAMHUB_GIT_MIRRORS_DIR) / str(repository.pk)


def _remote_url(url: str) -> str:
    """A local path is made absolute, so the mirror does not depend on the
    worker's current directory."""
    if "://" in url or re.match(r"^[\w.-]+@[\w.-]+:", url):
        return url
    return str(Path(url).expanduser().resolve())


def _failure(repository: GitRepository, message: str) -> SyncFailed:
    lowered = message.lower()
    if any(marker in lowered for marker in _AUTH):
        reason = "access denied (check the URL's credentials or deploy key)"
    elif any(marker in lowered for marker in _NOT_FOUND):
        reason = "repository not found"
    elif any(marker in lowered for marker in _UNREACHABLE):
        reason = "host unreachable"
    else:
        reason = message.splitlines()[-1] if message else "git failed"
    return SyncFailed(
        f"cannot fetch {repository.name}: {reason} ({url_redact(repository.url)})"
    )


def mirror_update(repository: GitRepository) -> Path:
    """Clone the repository as a bare mirror the first time, fetch (pruning
    deleted refs) afterwards; return the mirror's folder.

    Raises SyncFailed with a clear message when the remote is gone, refuses
    access or cannot be reached; an existing mirror is left as it was.
    """
    path = mirror_path(repository)
    url = _remote_url(repository.url)
    if url.startswith("/") and not Path(url).exists():
        raise _failure(repository, "does not exist")
    try:
        if (path / "HEAD").exists():
            git_run(["remote", "set-url", "origin", url], cwd=path, url=url)
            git_run(
                ["fetch", "--prune", "--quiet", "origin"],
                cwd=path,
                url=url,
                timeout=FETCH_TIMEOUT_SECONDS,
            )
            _head_refresh(path, url)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Clone beside the final folder and rename: a clone that dies half
            # way never leaves a broken mirror behind.
            staging = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
            try:
                git_run(
                    ["clone", "--mirror", "--quiet", url, str(staging / "m")],
                    url=url,
                    timeout=FETCH_TIMEOUT_SECONDS,
                )
                if path.exists():
                    shutil.rmtree(path)
                (staging / "m").rename(path)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except GitError as error:
        logger.warning("git fetch of %s failed: %s", repository.name, error)
        raise _failure(repository, str(error)) from error
    return path


def _head_refresh(path: Path, url: str) -> None:
    """Point the mirror's HEAD at the remote's default branch, which may have
    changed since the clone (best effort: a failure keeps the old HEAD)."""
    result = git_run(
        ["ls-remote", "--symref", "origin", "HEAD"], cwd=path, url=url, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            ref = line.removeprefix("ref: ").removesuffix("\tHEAD")
            git_run(["symbolic-ref", "HEAD", ref], cwd=path, check=False)
            return


def default_branch(path: Path) -> str | None:
    """The mirror's HEAD branch (the remote's default branch), if it has one."""
    result = git_run(["symbolic-ref", "--quiet", "HEAD"], cwd=path, check=False)
    ref = result.stdout.strip()
    if result.returncode != 0 or not ref.startswith("refs/heads/"):
        return None
    return ref.removeprefix("refs/heads/")


def branch_tip(path: Path, branch: str) -> str | None:
    """The commit a branch points at in the mirror, or None when it is gone."""
    result = git_run(
        ["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"],
        cwd=path,
        check=False,
    )
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and sha else None


def commit_exists(path: Path, sha: str) -> bool:
    result = git_run(["cat-file", "-e", f"{sha}^{{commit}}"], cwd=path, check=False)
    return result.returncode == 0


def is_ancestor(path: Path, ancestor: str, descendant: str) -> bool:
    result = git_run(
        ["merge-base", "--is-ancestor", ancestor, descendant], cwd=path, check=False
    )
    if result.returncode not in (0, 1):
        raise GitError(result.stderr.strip() or "git merge-base failed")
    return result.returncode == 0


def merge_base(path: Path, one: str, other: str) -> str | None:
    result = git_run(["merge-base", one, other], cwd=path, check=False)
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and sha else None


def reachable_commits(path: Path, tips: list[str]) -> set[str]:
    """Every commit reachable from the given tips."""
    if not tips:
        return set()
    result = git_run(["rev-list", *tips, "--"], cwd=path)
    return set(result.stdout.split())

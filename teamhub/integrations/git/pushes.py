"""Which pushes a Git repository's webhook should sync: those to a branch it
follows. GitHub, GitLab and Gitea push payloads all name the pushed ref in
``ref`` (``refs/heads/<branch>``) and the default branch under ``repository``
(GitHub, Gitea) or ``project`` (GitLab)."""

from __future__ import annotations

import json
from typing import Any

from teamhub.integrations.models import GitRepository

BRANCH_PREFIX = "refs/heads/"


def push_ignored_because(repository: GitRepository, body: bytes) -> str | None:
    """Return why a push with this (verified) payload needs no sync, or None.

    A body that is not a push payload (no ``ref``) is synced: better one run
    too many than a missed push."""
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return None
    ref = payload.get("ref") if isinstance(payload, dict) else None
    if not isinstance(ref, str):
        return None
    if not ref.startswith(BRANCH_PREFIX):
        return f"{ref} is not a branch; nothing queued."
    branch = ref.removeprefix(BRANCH_PREFIX)
    followed = [str(name) for name in repository.branches if str(name).strip()]
    if followed:
        if branch in followed:
            return None
        return (
            f"A push to {branch}, which {repository} does not follow "
            f"({', '.join(followed)}); nothing queued."
        )
    default = _default_branch(payload)
    if default is None or branch == default:
        return None
    return (
        f"A push to {branch}, not the default branch {default} that {repository} "
        "follows; nothing queued."
    )


def _default_branch(payload: dict[str, Any]) -> str | None:
    for key in ("repository", "project"):
        section = payload.get(key)
        if isinstance(section, dict):
            default = section.get("default_branch")
            if isinstance(default, str) and default:
                return default
    return None

"""Real Git repositories in temporary folders: a working copy that pushes to a
bare "remote", which the mirror fetches from; fixed authors and dates."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from teamhub.integrations.models import GitRepository, SyncRun

BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z


class Repo:
    """A working copy with a bare remote; every commit gets the next minute."""

    def __init__(self, root: Path) -> None:
        self.remote = root / "remote.git"
        self.work = root / "work"
        self.tick = 0
        root.mkdir(parents=True, exist_ok=True)
        self._git(root, "init", "--quiet", "--bare", "-b", "main", str(self.remote))
        self._git(root, "init", "--quiet", "-b", "main", str(self.work))
        self.git("remote", "add", "origin", str(self.remote))

    def _env(self, name: str, email: str) -> dict[str, str]:
        stamp = f"{BASE_TIME + 60 * self.tick} +0200"
        return {
            "PATH": os.environ["PATH"],
            "HOME": str(self.work.parent),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": "CI",
            "GIT_COMMITTER_EMAIL": "ci@example.com",
            "GIT_COMMITTER_DATE": stamp,
        }

    def _git(
        self, cwd: Path, *args: str, name: str = "Nobody", email: str = "n@x"
    ) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=self._env(name, email),
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def git(self, *args: str, name: str = "Nobody", email: str = "n@x") -> str:
        return self._git(self.work, *args, name=name, email=email)

    def write(self, path: str, content: str | bytes) -> None:
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)

    def commit(
        self,
        subject: str,
        files: dict[str, str | bytes] | None = None,
        *,
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
    ) -> str:
        """Write the files, commit them all as the given author; return the sha."""
        for path, content in (files or {}).items():
            self.write(path, content)
        self.tick += 1
        self.git("add", "--all")
        self.git(
            "commit", "--quiet", "--allow-empty", "-m", subject, name=name, email=email
        )
        return self.git("rev-parse", "HEAD")

    def merge(
        self,
        branch: str,
        subject: str,
        *,
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
    ) -> str:
        self.tick += 1
        self.git(
            "merge", "--quiet", "--no-ff", "-m", subject, branch, name=name, email=email
        )
        return self.git("rev-parse", "HEAD")

    def push(self, *refs: str, force: bool = False) -> None:
        self.git("push", "--quiet", *(["--force"] if force else []), "origin", *refs)


def notebook(*lines: str) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": [line + "\n" for line in lines],
                    "outputs": [],
                    "execution_count": None,
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


@pytest.fixture(autouse=True)
def mirrors_dir(tmp_path: Path, settings: object) -> Iterator[Path]:
    path = tmp_path / "mirrors"
    settings.TEAMHUB_GIT_MIRRORS_DIR = path  # type: ignore[attr-defined]
    yield path


def run_for(repository: GitRepository) -> SyncRun:
    """A running SyncRun, as the runner would hand it over."""
    return SyncRun.objects.create(git=repository, status=SyncRun.Status.RUNNING)


def finish(run: SyncRun) -> None:
    run.status = SyncRun.Status.SUCCEEDED
    run.save(update_fields=["status"])

"""Benchmark Git ingestion: a generated repository of 20,000 commits (every
tenth touches Python with imports), synced end to end by git_sync into a fresh
SQLite database; prints commits/s for the log parse alone and for the full sync.

Usage:
    .venv/bin/python benchmarks/git_ingest.py [--commits 20000] [--keep]

The repository is built with ``git fast-import`` under var/bench/git/ (cached per
commit count); the database and the mirror are rebuilt on every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "var" / "bench" / "git"
TARGET = 2000  # commits/s, from issue 5

AUTHORS = [(f"Author {n}", f"author{n}@example.com") for n in range(25)]


def _fast_import_stream(commits: int) -> bytes:
    """Commands for ``git fast-import``: each commit edits one or two files."""
    out: list[bytes] = []
    start = 1_735_689_600
    for n in range(1, commits + 1):
        name, email = AUTHORS[n % len(AUTHORS)]
        stamp = f"{start + 60 * n} +0000"
        message = f"Change {n}\n".encode()
        out.append(b"commit refs/heads/main\n")
        out.append(f"mark :{n}\n".encode())
        out.append(f"author {name} <{email}> {stamp}\n".encode())
        out.append(f"committer {name} <{email}> {stamp}\n".encode())
        out.append(b"data %d\n%s" % (len(message), message))
        if n > 1:
            out.append(f"from :{n - 1}\n".encode())
        files = {f"docs/page{n % 300}.md": f"# Page\n\nrevision {n}\n" * 3}
        if n % 7 == 0:
            files[f"sql/query{n % 50}.sql"] = f"-- revision {n}\nselect 1;\n"
        if n % 10 == 0:
            files[f"src/pkg/mod{n}.py"] = (
                f"import torch\nfrom sklearn import metrics\nVALUE = {n}\n"
            )
        for path, text in files.items():
            data = text.encode()
            out.append(f"M 100644 inline {path}\n".encode())
            out.append(b"data %d\n%s\n" % (len(data), data))
        out.append(b"\n")
    return b"".join(out)


def repository_build(commits: int) -> Path:
    path = BENCH / f"repo-{commits}.git"
    if (path / "HEAD").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "-b", "main", str(path)], check=True
    )
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=path,
        input=_fast_import_stream(commits),
        check=True,
    )
    subprocess.run(["git", "gc", "--quiet"], cwd=path, check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    started = time.perf_counter()
    remote = repository_build(args.commits)
    print(f"repository: {remote} ({time.perf_counter() - started:.1f} s to prepare)")

    work = Path(tempfile.mkdtemp(prefix="run-", dir=BENCH))
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
            "TEAMHUB_GIT_MIRRORS_DIR": str(work / "mirrors"),
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamhub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from teamhub.integrations.git.log import commits_stream
    from teamhub.integrations.git.mirror import branch_tip, mirror_update
    from teamhub.integrations.git.sync import git_sync
    from teamhub.integrations.models import ActivityEvent, GitRepository, SyncRun

    try:
        call_command("migrate", "--no-input", verbosity=0)
        repository = GitRepository.objects.create(
            name="bench", url=str(remote), branches=["main"]
        )
        started = time.perf_counter()
        path = mirror_update(repository)
        print(f"mirror clone: {time.perf_counter() - started:.2f} s")
        tip = branch_tip(path, "main")
        assert tip is not None

        started = time.perf_counter()
        parsed = sum(1 for _ in commits_stream(path, tip=tip))
        parse_seconds = time.perf_counter() - started

        run = SyncRun.objects.create(git=repository, status=SyncRun.Status.RUNNING)
        started = time.perf_counter()
        counts = git_sync(run)
        sync_seconds = time.perf_counter() - started
        events = ActivityEvent.objects.filter(git=repository).count()
        with_imports = sum(
            1
            for data in ActivityEvent.objects.filter(git=repository).values_list(
                "data", flat=True
            )
            if "torch" in data["imports"]
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    assert parsed == args.commits == counts["commits"] == events, (parsed, counts)
    parse_rate = parsed / parse_seconds
    sync_rate = counts["commits"] / sync_seconds
    print(
        f"git log --numstat parse: {parsed} commits in {parse_seconds:.2f} s "
        f"= {parse_rate:,.0f} commits/s"
    )
    print(
        f"git_sync end to end (fetch excluded; log, imports, identities, upsert, "
        f"raw payloads, evidence; SQLite): {counts['commits']} commits in "
        f"{sync_seconds:.2f} s = {sync_rate:,.0f} commits/s "
        f"({with_imports} with imports found)"
    )
    print(f"target {TARGET:,} commits/s: {'met' if sync_rate >= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()

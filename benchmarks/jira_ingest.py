"""Benchmark Jira ingest: sync N issues (100-issue pages, changelogs embedded)
from a Jira-compatible server on 127.0.0.1 into a fresh SQLite database (or
DATABASE_URL) and print issues/s. Target: at least 1,000 issues/s.

Usage:
    .venv/bin/python benchmarks/jira_ingest.py [--issues 5000] [--changes 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="jira-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamhub.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from teamhub.integrations.jira.sync import jira_sync  # noqa: E402
from teamhub.integrations.models import (  # noqa: E402
    ActivityEvent,
    JiraConnection,
    SyncRun,
)
from tests.integrations.jira.fake import FakeJira, issue, user  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=3)
    args = parser.parse_args()
    for name in ("werkzeug", "httpx", "teamhub"):
        logging.getLogger(name).setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        fake = FakeJira(server=server)
        people = [user(n) for n in range(50)]
        fake.issues = [
            issue(
                n,
                creator=people[n % len(people)],
                labels=["pytorch"] if n % 2 else ["spark"],
                components=["Training"],
                status_changes=args.changes,
            )
            for n in range(1, args.issues + 1)
        ]
        connection = JiraConnection(
            name=f"bench-{time.time_ns()}",
            base_url=fake.base_url,
            email="bot@example.com",
            page_cap=100_000,
        )
        connection.token_set("benchmark-token")
        connection.save()
        run = SyncRun.objects.create(
            jira=connection, status="running", started_at=timezone.now()
        )
        started = time.perf_counter()
        counts = jira_sync(run)
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    events = ActivityEvent.objects.filter(jira=connection).count()
    print(
        json.dumps(
            {
                "issues": counts["issues"],
                "pages": counts["pages"],
                "events": events,
                "seconds": round(seconds, 2),
                "issues_per_second": round(counts["issues"] / seconds),
                "events_per_second": round(events / seconds),
            }
        )
    )


if __name__ == "__main__":
    main()

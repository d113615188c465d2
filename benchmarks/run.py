"""Benchmark search, the directory, a 300-card board and card moves at scale on
SQLite and PostgreSQL.

Usage:
    .venv/bin/python benchmarks/run.py [--people 5000] [--requests 200]
                                       [--db sqlite,postgres]

For each database it seeds `seed_demo --people N` once (cached under var/bench/ for
SQLite), then runs benchmarks/measure.py in a fresh process against it and prints
p50/p95 server time. Results are also written to benchmarks/results/latest.md.
The board benchmarks use the demo's "ML portfolio" board, which holds 300 cards
from --people 250 or so on.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import services  # noqa: E402  (reuses the test suite's throwaway servers)

PY = sys.executable
# Bump when the demo data changes shape, so a cached SQLite database is rebuilt.
DATA_VERSION = 4


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "TEAMHUB_DEMO": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, check=True)


def _seed(env: dict[str, str], people: int) -> None:
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(env, "seed_demo", "--people", str(people), "--seed", "1", "--if-empty")
    # Measure the steady state: planner statistics as a running database has them.
    _manage(env, "shell", "-c", ANALYZE)


ANALYZE = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    pg = connection.vendor == 'postgresql'\n"
    "    c.execute('VACUUM ANALYZE' if pg else 'ANALYZE')"
)


def _measure(env: dict[str, str], requests: int) -> dict[str, object]:
    out = subprocess.run(
        [PY, str(ROOT / "benchmarks" / "measure.py"), "--requests", str(requests)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def bench_sqlite(people: int, requests: int) -> dict[str, object]:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"teamhub-{people}-v{DATA_VERSION}.sqlite3"
    env = _env(f"sqlite:///{path}")
    _seed(env, people)
    return _measure(env, requests)


def bench_postgres(people: int, requests: int) -> dict[str, object]:
    bindir = services.postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    with services.postgres_server(bindir) as pg:
        env = _env(pg.url("postgres"))
        _seed(env, people)
        return _measure(env, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    rows = []
    for db in args.db.split(","):
        run = bench_sqlite if db == "sqlite" else bench_postgres
        result = run(args.people, args.requests)
        for name, stats in result["timings"].items():  # type: ignore[union-attr]
            rows.append((db, name, stats))
        rows.append((db, "search API ÷ bare SQL", {"ratio": result["ratio"]}))
    lines = [
        f"People: {args.people}, requests per endpoint: {args.requests}",
        "",
        "| database | what | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    for db, name, stats in rows:
        if "ratio" in stats:
            lines.append(f"| {db} | {name} | {stats['ratio']:.2f}× | |")
        else:
            lines.append(f"| {db} | {name} | {stats['p50']:.1f} | {stats['p95']:.1f} |")
    lines += [
        "",
        "Budgets (issue 3): board page p95 ≤ 200 ms, card move p95 ≤ 30 ms.",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results" / "latest.md").write_text(text + "\n")


if __name__ == "__main__":
    main()

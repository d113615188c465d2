"""Benchmark the managers' dashboard at scale on SQLite and PostgreSQL.

Usage:
    .venv/bin/python benchmarks/dashboard.py [--people 5000] [--events 1000000]
                                             [--requests 100] [--cold 5]
                                             [--db sqlite,postgres]

For each database it seeds `seed_demo --people N` once (as benchmarks/run.py does),
then adds ``--events`` activity events on top (Jira and Git, spread over two years,
denser in recent weeks, across the people, their initiatives, sources and kinds),
written with one executemany (SQLite) or COPY (PostgreSQL). SQLite keeps its own
cached file under var/bench/ (keyed by the data versions and sizes), so the caches of
benchmarks/run.py and benchmarks/staffing.py are left alone. Then, in a fresh
process and as the demo manager, it times with Django's test client (the full
middleware stack, no network):

- GET /dashboard/ (default filters) with the cache cleared before each request
  (cold): budget <= 2 s;
- the same page from the cache (warm): budget p95 <= 400 ms;
- both again with a team filter (the largest team, with its sub-teams, holding
  at most half of the people);
- each chart's cold build (builder and figure to JSON, as the page does it), with
  and without the team filter, and the queries it ran. The charts are those
  registered in teamhub.dashboard.charts.CHARTS once teamhub.dashboard.builders is
  imported, so charts added later are measured too.

Results are also written to benchmarks/results/dashboard.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
# Bump when the generated activity changes shape (with run.DATA_VERSION).
DASHBOARD_DATA_VERSION = 2
COLD_BUDGET_MS = 2000.0
WARM_BUDGET_MS = 400.0
# The generated events' external ids start with this: present means already added.
EXTERNAL_PREFIX = "bench:"
DAYS = 730  # two years of activity
WORDS = [
    "Retrain ranking model on fresh clicks",
    "Fix feature drift alert thresholds",
    "Add evaluation notebook for churn model",
    "Speed up nightly Spark aggregation",
    "Tune LightGBM hyperparameters",
    "Backfill embeddings for new catalogue",
    "Document the training data contract",
    "Move inference to the GPU pool",
    "Shadow-deploy forecasting v3",
    "Clean up stale MLflow experiments",
]
# (source, kind, share of the events)
KINDS = [
    ("jira", "issue_created", 0.15),
    ("jira", "status_changed", 0.30),
    ("jira", "worklog", 0.15),
    ("git", "commit", 0.40),
]


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "p50": statistics.median(ordered) * 1000,
        "p95": p95 * 1000,
        "max": ordered[-1] * 1000,
    }


# -- adding the events (in a fresh process, DATABASE_URL set) ----------------------


def _django() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamhub.settings")
    import django

    django.setup()


def event_rows(
    events: int, *, seed: int, now: dt.datetime
) -> Iterator[tuple[Any, ...]]:
    """Yield ``events`` activity rows (the values of COLUMNS) in time order:
    people weighted by how active they are, mostly on initiatives they are
    assigned to, the recent weeks denser than the past."""
    from teamhub.initiatives.models import Assignment, Initiative
    from teamhub.people.models import Person

    rng = random.Random(seed)
    people = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    weights = [rng.lognormvariate(0, 0.8) for _ in people]
    initiatives = list(Initiative.objects.order_by("pk").values_list("pk", flat=True))
    theirs: dict[int, list[int]] = {}
    for person_id, initiative_id in Assignment.objects.order_by("pk").values_list(
        "person_id", "initiative_id"
    ):
        theirs.setdefault(person_id, []).append(initiative_id)
    who = rng.choices(people, weights, k=events)
    kinds = rng.choices(
        [(s, k) for s, k, _ in KINDS], [w for _, _, w in KINDS], k=events
    )
    # Days back from now: u ** 1.6 puts about a quarter of the events in the
    # last 90 days; the time of day is spread over working hours.
    ages = sorted(
        (
            dt.timedelta(
                days=DAYS * rng.random() ** 1.6,
            )
            for _ in range(events)
        ),
        reverse=True,
    )
    for index in range(events):
        person_id: int | None = who[index]
        roll = rng.random()
        if roll < 0.02:
            person_id = None  # an identity nobody has linked yet
        mine = theirs.get(who[index])
        if roll < 0.85 and mine:
            initiative_id: int | None = rng.choice(mine)
        elif roll < 0.90:
            initiative_id = rng.choice(initiatives)
        else:
            initiative_id = None  # an issue or a repository no initiative maps
        source, kind = kinds[index]
        orphaned = source == "git" and rng.random() < 0.005
        # Text and data as large as the syncs store, so the rows take the room
        # real ones do (what a scan of the table reads).
        if source == "git":
            sha = f"{rng.getrandbits(160):040x}"
            title = f"{WORDS[index % len(WORDS)]} {WORDS[(index * 7) % len(WORDS)]}"
            url = f"https://git.example.com/ml/repo-{index % 97}/commit/{sha}"
            data = (
                f'{{"sha": "{sha}", "files": {index % 9 + 1}, "lines": {index % 400}}}'
            )
        else:
            issue = f"ML-{index // 3 % 50000}"
            title = (
                f"{issue} {WORDS[index % len(WORDS)]} {WORDS[(index * 3) % len(WORDS)]}"
            )
            url = f"https://jira.example.com/browse/{issue}"
            seconds = index % 7200
            data = f'{{"issue": "{issue}", "status": "Done", "seconds": {seconds}}}'
        yield (
            source,
            kind,
            f"{EXTERNAL_PREFIX}{index}",
            person_id,
            initiative_id,
            now - ages[index],
            orphaned,
            title,
            url,
            data,
        )


COLUMNS = (
    "source",
    "kind",
    "external_id",
    "person_id",
    "initiative_id",
    "occurred_at",
    "orphaned",
    "title",
    "url",
    "data",
)


def add_events(events: int) -> dict[str, Any]:
    """Add ``events`` activity events unless they are there already."""
    _django()
    from django.db import connection, transaction
    from django.utils import timezone

    from teamhub.integrations.models import ActivityEvent

    if ActivityEvent.objects.filter(external_id__startswith=EXTERNAL_PREFIX).exists():
        return {"added": 0, "seconds": 0.0}
    start = time.perf_counter()
    now = timezone.now().replace(microsecond=0)
    table = ActivityEvent._meta.db_table
    # Generated in full first: the generator reads people and initiatives, which
    # it could not do on a connection busy with COPY.
    rows = list(event_rows(events, seed=1, now=now))
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor:
                sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            # Django stores SQLite datetimes as naive UTC text.
            placeholders = ", ".join("?" for _ in COLUMNS)
            raw.executemany(
                f"INSERT INTO {table} ({', '.join(COLUMNS)}) "  # noqa: S608  (our names)
                f"VALUES ({placeholders})",
                (
                    (
                        *row[:5],
                        row[5].astimezone(dt.UTC).replace(tzinfo=None).isoformat(" "),
                        *row[6:],
                    )
                    for row in rows
                ),
            )
    with connection.cursor() as cursor:
        pg = connection.vendor == "postgresql"
        cursor.execute(f"VACUUM ANALYZE {table}" if pg else "ANALYZE")
    return {"added": events, "seconds": time.perf_counter() - start}


# -- measuring (in a fresh process, DATABASE_URL set) ------------------------------


def measure(requests: int, cold_runs: int) -> dict[str, Any]:
    _django()
    import importlib

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import teamhub.dashboard.builders  # noqa: F401  (registers every chart)
    from teamhub.core.models import User
    from teamhub.core.roles import user_has_role
    from teamhub.dashboard.charts import CHARTS, DashboardFilters
    from teamhub.dashboard.filters import DEFAULT_DAYS
    from teamhub.dashboard.teams import team_ids_in_scope
    from teamhub.integrations.models import ActivityEvent
    from teamhub.people.models import Person, Team

    # Load the server's entry point, as gunicorn and runserver do (measure.py).
    importlib.import_module("teamhub.wsgi")

    manager = User.objects.get(username="manager")
    client = Client()
    client.force_login(manager)

    # The team filter: the largest team (with its sub-teams) that holds at most
    # half of the people -- a department, not the whole organisation.
    def people_in(team_id: int) -> int:
        return Person.objects.filter(team_id__in=team_ids_in_scope(team_id)).count()

    half = Person.objects.count() // 2
    sizes = [
        (people_in(pk), pk, name) for pk, name in Team.objects.values_list("pk", "name")
    ]
    _size, team_id, team_name = max(row for row in sizes if row[0] <= half)

    def page(params: dict[str, str], *, cold: bool) -> float:
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get("/dashboard/", params)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.content[:300]
        return elapsed

    timings: dict[str, dict[str, float]] = {}
    for label, params in (("", {}), (" (team filter)", {"team": str(team_id)})):
        page(params, cold=True)  # loads templates, imports, connections
        cold = [page(params, cold=True) for _ in range(cold_runs)]
        timings[f"page cold{label}"] = percentiles(cold)
        for _ in range(10):
            page(params, cold=False)
        warm = [page(params, cold=False) for _ in range(requests)]
        timings[f"page warm{label}"] = percentiles(warm)

    # Each chart's cold build, as the page does it (builder + figure to JSON).
    today = timezone.localdate()
    start = today - dt.timedelta(days=DEFAULT_DAYS)
    # The manager where their role may see the chart, else the admin (every role).
    viewers = [User.objects.get(username="manager"), User.objects.get(username="admin")]
    charts: list[dict[str, Any]] = []
    for spec in sorted(CHARTS.values(), key=lambda spec: spec.order):
        viewer = next(
            (u for u in viewers if user_has_role(u, *spec.roles)), viewers[-1]
        )
        for label, scope in (("all", None), ("team", team_id)):
            filters = DashboardFilters(team_id=scope, start=start, end=today)
            samples: list[float] = []
            queries = 0
            error = ""
            for _ in range(cold_runs):
                try:
                    with CaptureQueriesContext(connection) as ctx:
                        began = time.perf_counter()
                        built = spec.build(filters=filters, viewer=viewer)
                        built.figure.to_json()
                        samples.append(time.perf_counter() - began)
                    queries = len(ctx.captured_queries)
                except Exception as exc:  # a chart still being written
                    error = f"{type(exc).__name__}: {exc}"[:120]
                    break
            charts.append(
                {
                    "key": spec.key,
                    "scope": label,
                    "viewer": viewer.username,
                    "queries": queries,
                    "error": error,
                    **(percentiles(samples) if samples else {}),
                }
            )
    return {
        "timings": timings,
        "charts": charts,
        "team": team_name,
        "team_people": _size,
        "people": Person.objects.count(),
        "events": ActivityEvent.objects.count(),
        "events_in_range": ActivityEvent.objects.filter(
            occurred_at__gte=dt.datetime.combine(
                start, dt.time.min, tzinfo=timezone.get_current_timezone()
            )
        ).count(),
        "vendor": connection.vendor,
    }


# -- driving ----------------------------------------------------------------------


@contextmanager
def _database(db: str, people: int, events: int) -> Iterator[dict[str, str]]:
    """Yield the environment of a database seeded with ``people`` and ``events``
    (SQLite cached under var/bench/, PostgreSQL a throwaway server)."""
    from benchmarks import run

    if db == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        name = (
            f"dashboard-{people}-{events}-v{run.DATA_VERSION}."
            f"{DASHBOARD_DATA_VERSION}.sqlite3"
        )
        env = run._env(f"sqlite:///{folder / name}")
        run._seed(env, people)
        _add(env, events)
        yield env
        return
    from tests import services

    bindir = services.postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    with services.postgres_server(bindir) as pg:
        env = run._env(pg.url("postgres"))
        run._seed(env, people)
        _add(env, events)
        yield env


def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [PY, __file__, *args], env=env, check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _add(env: dict[str, str], events: int) -> None:
    added = _run(env, "--add-events", "--events", str(events))
    if added["added"]:
        print(
            f"  added {added['added']:,} activity events in {added['seconds']:.1f} s",
            file=sys.stderr,
        )


def bench(db: str, people: int, events: int, requests: int, cold: int) -> Any:
    with _database(db, people, events) as env:
        return _run(env, "--measure", "--requests", str(requests), "--cold", str(cold))


def _verdict(value: float, budget: float) -> str:
    return f"{'pass' if value <= budget else 'FAIL'} (≤ {budget:.0f} ms)"


def report(results: dict[str, Any], args: argparse.Namespace) -> tuple[str, bool]:
    lines = [
        f"People: {args.people}, activity events: {args.events:,} "
        f"(plus the demo's), warm requests: {args.requests}, cold runs: {args.cold}",
        "",
        "| database | what | p50 ms | p95 ms | max ms | budget |",
        "|---|---|---|---|---|---|",
    ]
    failed = False
    for db, result in results.items():
        for name, stats in result["timings"].items():
            budget = COLD_BUDGET_MS if "cold" in name else WARM_BUDGET_MS
            ok = stats["p95"] <= budget
            failed |= not ok
            lines.append(
                f"| {db} | {name} | {stats['p50']:.0f} | {stats['p95']:.0f} | "
                f"{stats['max']:.0f} | {_verdict(stats['p95'], budget)} |"
            )
    lines += [
        "",
        "Each chart's cold build (builder + figure to JSON), default date range "
        "(last 90 days); team = the team filter below:",
        "",
        "| database | chart | filter | queries | p50 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for db, result in results.items():
        for row in result["charts"]:
            if row["error"]:
                lines.append(
                    f"| {db} | {row['key']} | {row['scope']} | | error: "
                    f"{row['error']} | |"
                )
                continue
            lines.append(
                f"| {db} | {row['key']} | {row['scope']} | {row['queries']} | "
                f"{row['p50']:.0f} | {row['max']:.0f} |"
            )
    lines.append("")
    for db, result in results.items():
        lines.append(
            f"{db}: {result['people']:,} people, {result['events']:,} activity "
            f"events ({result['events_in_range']:,} in the default range); team "
            f"filter: {result['team']} ({result['team_people']:,} people)."
        )
    lines += [
        "",
        "Budgets (issue 7): dashboard p95 ≤ 400 ms server time (warm), cold cache "
        "≤ 2 s (p95 of the cold runs).",
    ]
    return "\n".join(lines), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add-events", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.add_events:
        print(json.dumps(add_events(args.events)))
        return
    if args.measure:
        print(json.dumps(measure(args.requests, args.cold)))
        return
    results = {
        db: bench(db, args.people, args.events, args.requests, args.cold)
        for db in args.db.split(",")
    }
    text, failed = report(results, args)
    print(text)
    (ROOT / "benchmarks" / "results" / "dashboard.md").write_text(text + "\n")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Benchmark staffing suggestions at scale on SQLite and PostgreSQL.

Usage:
    .venv/bin/python benchmarks/staffing.py [--people 5000] [--runs 30]
                                            [--db sqlite,postgres]

For each database it seeds `seed_demo --people N` once (as benchmarks/run.py does;
cached under var/bench/ for SQLite), then times in a fresh process what the
Celery task does for a request: ``suggestions.request_compute`` -- reading the
roles, the candidates' facts and the organisation's success rate, scoring,
proposing a team and storing the suggestions -- for

- one role needing 3 must-have and 2 nice-to-have skills (common ones, so most
  of the organisation are candidates): budget p95 <= 300 ms;
- a five-role request (7 people) with the team proposal: budget p95 <= 2 s.

It also prints how that time splits between reading the facts and scoring.
The requests are written inside a transaction that is rolled back, so the cached
database stays as seeded. Results are also written to
benchmarks/results/staffing.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
# Bump when the staffing demo data changes shape (with run.DATA_VERSION).
STAFFING_DATA_VERSION = 1
BUDGETS_MS = {"one role (3 must + 2 nice)": 300.0, "five-role team": 2000.0}

# role title, headcount, [(skill, min level, importance)]
ONE_ROLE = [
    (
        "ML engineer",
        1,
        [
            ("Python", 3, "must"),
            ("SQL", 3, "must"),
            ("Machine learning", 3, "must"),
            ("Docker", 2, "nice"),
            ("Apache Spark", 2, "nice"),
        ],
    )
]
FIVE_ROLES = [
    *ONE_ROLE,
    (
        "Data scientist",
        2,
        [
            ("Statistics", 3, "must"),
            ("scikit-learn", 3, "must"),
            ("pandas", 3, "must"),
            ("A/B testing", 2, "nice"),
            ("Feature engineering", 2, "nice"),
        ],
    ),
    (
        "Data engineer",
        1,
        [
            ("Apache Spark", 3, "must"),
            ("Apache Airflow", 3, "must"),
            ("SQL", 3, "must"),
            ("Scala", 2, "nice"),
            ("Python", 3, "nice"),
        ],
    ),
    (
        "Deep learning engineer",
        2,
        [
            ("PyTorch", 3, "must"),
            ("Deep learning", 3, "must"),
            ("Python", 3, "must"),
            ("Transformers", 2, "nice"),
            ("Embeddings", 2, "nice"),
        ],
    ),
    (
        "MLOps engineer",
        1,
        [
            ("Kubernetes", 3, "must"),
            ("Docker", 3, "must"),
            ("MLflow", 2, "must"),
            ("CI/CD", 2, "nice"),
            ("Terraform", 2, "nice"),
        ],
    ),
]


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered) * 1000, "p95": p95 * 1000}


def timed(fn: Callable[[], object], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


# -- measuring (in a fresh process, DATABASE_URL set) ------------------------------


def measure(runs: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamhub.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from teamhub.core.gc import gc_paused
    from teamhub.core.models import User
    from teamhub.initiatives.models import Initiative
    from teamhub.people.models import Person, Skill
    from teamhub.staffing import facts, suggest
    from teamhub.staffing.models import RequiredSkill, RoleRequirement, StaffingRequest
    from teamhub.staffing.records import ScoringContext
    from teamhub.staffing.suggestions import request_compute

    today = timezone.localdate()
    initiative = Initiative.objects.filter(start__gt=today).order_by("start", "pk")[0]
    manager = User.objects.get(username="manager")
    skills = dict(Skill.objects.values_list("name", "pk"))

    def request_write(spec: list[tuple[str, int, list[tuple[str, int, str]]]]) -> Any:
        request = StaffingRequest.objects.create(
            initiative=initiative, created_by=manager
        )
        start = today + dt.timedelta(days=14)
        for position, (title, headcount, needs) in enumerate(spec):
            role = RoleRequirement.objects.create(
                request=request,
                role=title,
                headcount=headcount,
                allocation=50,
                start=start,
                end=start + dt.timedelta(days=120),
                position=position,
            )
            RequiredSkill.objects.bulk_create(
                RequiredSkill(
                    role=role,
                    skill_id=skills[name],
                    min_level=level,
                    importance=importance,
                )
                for name, level, importance in needs
            )
        return request

    stages: dict[str, list[float]] = {}

    def compute(request: Any) -> None:
        """What the Celery task does: compute the suggestions and store them."""
        request_compute(request=request)

    def stage_times(request: Any, stage: str) -> tuple[int, int]:
        """Time reading the facts and scoring apart (as request_compute does)."""
        with gc_paused():
            start = time.perf_counter()
            roles = facts.role_specs(request)
            candidates = facts.candidate_facts(roles=roles, as_of=today)
            context = ScoringContext(
                as_of=today, prior_success=facts.prior_success(before=today)
            )
            read = time.perf_counter()
            result = suggest.request_suggest(
                roles=roles, candidates=candidates, context=context
            )
            stages.setdefault(f"{stage}: reading facts", []).append(read - start)
            stages.setdefault(f"{stage}: scoring + team", []).append(
                time.perf_counter() - read
            )
        return len(candidates), sum(len(m) for m in result.team.members.values())

    timings: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for name, spec, n, warmup in (
            ("one role (3 must + 2 nice)", ONE_ROLE, runs, 3),
            ("five-role team", FIVE_ROLES, max(5, runs // 3), 2),
        ):
            request = request_write(spec)
            candidates, members = stage_times(request, name)
            timings[name] = percentiles(
                timed(lambda request=request: compute(request), n, warmup)
            )
            sizes[name] = {"candidates": candidates, "team": members, "runs": n}
            for _ in range(n):
                stage_times(request, name)
        transaction.set_rollback(True)
    return {
        "timings": timings,
        "sizes": sizes,
        "stages": {name: percentiles(s) for name, s in stages.items()},
        "people": Person.objects.count(),
    }


# -- driving ----------------------------------------------------------------------


@contextmanager
def _database(db: str, people: int) -> Iterator[dict[str, str]]:
    """Yield the environment of a database seeded with ``people`` (SQLite cached
    under var/bench/, PostgreSQL a throwaway server), as benchmarks/run.py does."""
    from benchmarks import run

    if db == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"staffing-{people}-v{run.DATA_VERSION}.{STAFFING_DATA_VERSION}.sqlite3"
        env = run._env(f"sqlite:///{folder / name}")
        run._seed(env, people)
        yield env
        return
    from tests import services

    bindir = services.postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    with services.postgres_server(bindir) as pg:
        env = run._env(pg.url("postgres"))
        run._seed(env, people)
        yield env


def bench(db: str, people: int, runs: int) -> dict[str, Any]:
    with _database(db, people) as env:
        out = subprocess.run(
            [PY, __file__, "--measure", "--runs", str(runs)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.runs)))
        return
    lines = [
        f"People: {args.people}",
        "",
        "| database | what | candidates | team | runs | p50 ms | p95 ms | budget |",
        "|---|---|---|---|---|---|---|---|",
    ]
    failed = False
    for db in args.db.split(","):
        result = bench(db, args.people, args.runs)
        for name, stats in result["timings"].items():
            size = result["sizes"][name]
            budget = BUDGETS_MS[name]
            ok = stats["p95"] <= budget
            failed |= not ok
            lines.append(
                f"| {db} | {name} | {size['candidates']} | {size['team']} | "
                f"{size['runs']} | {stats['p50']:.0f} | {stats['p95']:.0f} | "
                f"{'pass' if ok else 'FAIL'} (p95 ≤ {budget:.0f} ms) |"
            )
        for name, stats in result["stages"].items():
            lines.append(
                f"| {db} | {name} | | | | {stats['p50']:.0f} | {stats['p95']:.0f} | |"
            )
    lines += [
        "",
        "Budgets (issue 6): one role's suggestions p95 ≤ 300 ms; a five-role team "
        "≤ 2 s (p95).",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results" / "staffing.md").write_text(text + "\n")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

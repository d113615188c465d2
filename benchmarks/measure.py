"""Time the search API, the directory page, the search's bare SQL, a 300-card board
page and card moves in one process.

Run by benchmarks/run.py with DATABASE_URL pointing at a seeded database; prints JSON.
Server time is measured around Django's test client (the full middleware stack, no
network), which is what a request costs the server.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teamhub.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from teamhub.core.models import User  # noqa: E402
from teamhub.initiatives.models import Board, Card, Column  # noqa: E402
from teamhub.people.models import Team  # noqa: E402

# Load the server's entry point, as gunicorn and runserver do: it also freezes
# what start-up built out of the garbage collector's full passes.
importlib.import_module("teamhub.wsgi")

AUTH_QUERY = re.compile(
    r'FROM "(django_session|auth_group|authtoken_token)"|FROM "core_user" WHERE'
)
SEARCHES = [
    "pytorch:4",
    "pytorh:3 nlp:2",
    "python:3 sql:3",
    "spark:3 k8s:2",
    "sklearn:2",
    "cv:3 pytorch:3",
    "time series forecasting:3",
    "llm:2 python:4",
]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered) * 1000, "p95": p95 * 1000}


def timed(fn: Callable[[int], object], n: int, warmup: int = 10) -> list[float]:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    n = parser.parse_args().requests

    client = Client()
    client.force_login(User.objects.get(username="manager"))
    teams = list(Team.objects.values_list("pk", flat=True))

    def search(i: int) -> object:
        q = SEARCHES[i % len(SEARCHES)]
        response = client.get("/api/people/search/", {"q": q, "mode": "all"})
        assert response.status_code == 200, response.content[:300]
        return response

    def directory(i: int) -> object:
        params = {"page": str(1 + i % 5)}
        if i % 2:
            params["team"] = str(teams[i % len(teams)])
        response = client.get("/people/", params)
        assert response.status_code == 200
        return response

    timings = {
        "search API": percentiles(timed(search, n)),
        "directory page": percentiles(timed(directory, n)),
    }

    # Bare SQL: the statements the search itself runs for each query (not the session
    # and user look-ups every authenticated request makes), executed directly.
    statements: list[list[str]] = []
    for q in SEARCHES:
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/people/search/", {"q": q, "mode": "all"})
        statements.append(
            [
                entry["sql"]
                for entry in ctx.captured_queries
                if not AUTH_QUERY.search(entry["sql"])
            ]
        )

    def bare(i: int) -> None:
        with connection.cursor() as cursor:
            for sql in statements[i % len(statements)]:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()

    bare_samples = timed(bare, n)
    timings["search bare SQL"] = percentiles(bare_samples)
    ratio = timings["search API"]["p50"] / timings["search bare SQL"]["p50"]
    timings.update(boards(client, n))
    print(json.dumps({"timings": timings, "ratio": ratio}))


# Columns a benchmark move may enter without a gate or a hard WIP limit refusing it.
FREE_STAGES = ("idea", "scoping", "monitoring", "iteration", "retired")
BOARD_CARDS = 300


def boards(client: Client, n: int) -> dict[str, dict[str, float]]:
    """Time the 300-card board page and moves of its cards through the API."""
    board = Board.objects.get(name="ML portfolio")
    held = board.cards.count()
    assert held == BOARD_CARDS, f"the portfolio board holds {held} cards"

    def page(i: int) -> object:
        response = client.get(f"/boards/{board.pk}/")
        assert response.status_code == 200, response.status_code
        return response

    timings = {"board page (300 cards)": percentiles(timed(page, n))}

    columns = list(Column.objects.filter(board=board, stage__in=FREE_STAGES))
    cards = list(
        Card.objects.filter(board=board, column__in=columns).values_list(
            "pk", flat=True
        )
    )

    def move_request(i: int) -> tuple[str, dict[str, int]]:
        """Return the URL and body of the i-th move (not timed: reads the version)."""
        card_id = cards[(i * 37) % len(cards)]
        column = columns[i % len(columns)]
        version = Card.objects.values_list("version", flat=True).get(pk=card_id)
        body = {"column": column.pk, "version": version}
        others = list(
            Card.objects.filter(column=column)
            .exclude(pk=card_id)
            .order_by("rank", "id")
            .values_list("pk", flat=True)
        )
        if others and i % 3:
            side = "before" if i % 3 == 1 else "after"
            body[side] = others[(i * 7) % len(others)]
        return f"/api/cards/{card_id}/move/", body

    samples = []
    for i in range(n + 10):
        url, body = move_request(i)
        start = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.content[:300]
        if i >= 10:  # the first ten warm up
            samples.append(elapsed)
    timings["card move API"] = percentiles(samples)
    return timings


if __name__ == "__main__":
    main()

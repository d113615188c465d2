"""manage.py evaluate_staffing: replay past initiatives and compare the staffing
suggestions with who actually worked on them, against baselines."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teamhub.staffing.evaluation import (
    DEFAULT_K,
    RANDOM_DRAWS,
    Evaluation,
    metric_names,
    staffing_evaluate,
)

_LABELS = {
    "model": "model (suggestions)",
    "random": "random",
    "most_available": "most available",
    "matching_skills": "matching skills",
}


class Command(BaseCommand):
    help = (
        "Replay history: for each past initiative with a closed staffing request, "
        "suggest a team from what was known before its start and compare it with "
        "who actually worked on it and how it went (gain 3 success, 2 partial, 1 "
        "failed or cancelled). Reports precision@k, recall@k, NDCG@k, must-have "
        "coverage and over-allocation of the top k (averaged over initiatives), "
        "and how evenly suggestions spread over people (Gini of how often each "
        "candidate is suggested; share of distinct people), for the model and the "
        "baselines random, most available and matching skills."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--k",
            type=int,
            default=DEFAULT_K,
            help=f"how many suggestions count (default {DEFAULT_K})",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the metrics as JSON"
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="replay only the N most recent past initiatives",
        )
        parser.add_argument(
            "--draws",
            type=int,
            default=RANDOM_DRAWS,
            help=f"random orders averaged for the random baseline "
            f"(default {RANDOM_DRAWS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        k: int = options["k"]
        limit: int | None = options["limit"]
        if k < 1:
            raise CommandError("--k must be at least 1.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if options["draws"] < 1:
            raise CommandError("--draws must be at least 1.")
        result = staffing_evaluate(k=k, limit=limit, draws=options["draws"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2, sort_keys=True))
            return
        if not result.initiatives:
            self.stdout.write(
                "No past initiatives to replay: none has a closed staffing request "
                "and finished assignments (seed_demo generates them)."
            )
            return
        self.stdout.write(_table(result))


def _table(result: Evaluation) -> str:
    names = metric_names(result.k)
    rows = [("model", result.model), *result.baselines.items()]
    width = max(len(label) for label in _LABELS.values())
    lines = [
        f"Replayed {result.initiatives} past initiatives, top {result.k} "
        "suggestions each.",
        "",
        " ".join([f"{'':{width}}", *(f"{n:>15}" for n in names)]),
    ]
    for name, metrics in rows:
        cells = [f"{metrics.get(n, 0.0):>15.3f}" for n in names]
        lines.append(" ".join([f"{_LABELS.get(name, name):{width}}", *cells]))
    best = max(result.baselines.items(), key=lambda item: item[1][f"ndcg@{result.k}"])
    model = result.model[f"ndcg@{result.k}"]
    verdict = "beats" if model > best[1][f"ndcg@{result.k}"] else "does not beat"
    lines += [
        "",
        f"NDCG@{result.k}: the model {verdict} the best baseline "
        f"({_LABELS[best[0]]}, {best[1][f'ndcg@{result.k}']:.3f}) with {model:.3f}.",
        "Higher is better for precision, recall, NDCG, coverage and distinct; "
        "lower for over-allocation and Gini.",
    ]
    return "\n".join(lines)

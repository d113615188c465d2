"""The evaluation's metrics: pure functions over rankings of person ids."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence


def metric_names(k: int) -> tuple[str, ...]:
    """The metrics reported for each method, in the order the table shows them."""
    return (
        f"precision@{k}",
        f"recall@{k}",
        f"ndcg@{k}",
        "must_coverage",
        "over_allocation",
        "gini",
        "distinct",
    )


def precision_at_k(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the top ``k`` places taken by relevant people (an empty place
    counts as a miss)."""
    return sum(1 for p in ranked[:k] if p in relevant) / k


def recall_at_k(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the relevant people found in the top ``k``."""
    if not relevant:
        return 0.0
    return sum(1 for p in ranked[:k] if p in relevant) / len(relevant)


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain of gains in rank order: sum g / log2(rank + 1)."""
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def ndcg_at_k(ranked: Sequence[int], gains: Mapping[int, float], k: int) -> float:
    """DCG of the top ``k`` over the DCG of the ideal top ``k`` (0 if no gain)."""
    ideal = dcg(sorted(gains.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg(gains.get(p, 0.0) for p in ranked[:k]) / ideal


def must_coverage(
    people: Iterable[int],
    musts: Collection[tuple[int, int]],
    levels: Mapping[int, Mapping[int, int]],
) -> float:
    """Share of the must-haves (skill id, minimum level) that someone among
    ``people`` holds at that level; ``levels`` is person -> skill id -> level.
    1.0 when there are no must-haves."""
    if not musts:
        return 1.0
    chosen = [levels.get(p, {}) for p in people]
    covered = sum(
        1 for skill, minimum in musts if any(h.get(skill, 0) >= minimum for h in chosen)
    )
    return covered / len(musts)


def over_allocation(free: Sequence[int], needed: Sequence[int]) -> float:
    """Share of suggested people whose free capacity (percent) was below what
    their role asks for; pairs of (free, needed). 0 for nobody suggested."""
    if not free:
        return 0.0
    return sum(1 for f, n in zip(free, needed, strict=True) if f < n) / len(free)


def gini(counts: Sequence[float]) -> float:
    """Gini coefficient of non-negative counts: 0 when all are equal, towards 1
    when a few hold everything (0 for no counts or all zeros)."""
    n = len(counts)
    total = sum(counts)
    if n == 0 or total <= 0:
        return 0.0
    ordered = sorted(counts)
    weighted = sum(rank * c for rank, c in enumerate(ordered, start=1))
    return (2 * weighted) / (n * total) - (n + 1) / n


def distinct_share(lists: Sequence[Sequence[int]]) -> float:
    """Distinct people over all places in the lists (1: nobody appears twice)."""
    places = sum(len(chosen) for chosen in lists)
    if not places:
        return 0.0
    return len({p for chosen in lists for p in chosen}) / places

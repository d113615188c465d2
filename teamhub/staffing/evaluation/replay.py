"""Replay past initiatives as of their start and score the rankings."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef

from teamhub.initiatives.models import Assignment
from teamhub.staffing import facts, suggest
from teamhub.staffing.evaluation.metrics import (
    distinct_share,
    gini,
    metric_names,
    must_coverage,
    ndcg_at_k,
    over_allocation,
    precision_at_k,
    recall_at_k,
)
from teamhub.staffing.evaluation.rankings import (
    Ranked,
    free_for,
    matching_skills_ranking,
    model_ranking,
    most_available_ranking,
    random_ranking,
)
from teamhub.staffing.models import StaffingRequest
from teamhub.staffing.records import CandidateFacts, RoleSpec, ScoringContext

logger = logging.getLogger("teamhub.staffing")

DEFAULT_K = 5
RANDOM_DRAWS = 10
# Relevance of a person who worked on the initiative, by its outcome.
GAIN: dict[str, int] = {"success": 3, "partial": 2, "failed": 1, "cancelled": 1}
BASELINES = ("random", "most_available", "matching_skills")


# -- one replayed initiative -----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A past initiative replayed as of its start."""

    request_id: int
    key: str
    as_of: dt.date
    roles: tuple[RoleSpec, ...]
    candidates: tuple[CandidateFacts, ...]
    context: ScoringContext
    truth: dict[int, float]  # person id -> gain


def case_scores(case: Case, ranked: Ranked, *, k: int) -> dict[str, float]:
    """The per-initiative metrics of one ranking (``Evaluation`` averages them)."""
    top = ranked[:k]
    people = [pid for pid, _role in top]
    by_id = {c.person_id: c for c in case.candidates}
    roles = {r.role_id: r for r in case.roles}
    musts = {(n.skill_id, n.min_level) for r in case.roles for n in r.musts}
    levels = {
        pid: {sid: held.level for sid, held in by_id[pid].skills.items()}
        for pid in people
        if pid in by_id
    }
    free = [free_for(by_id[pid], roles[rid]) for pid, rid in top if pid in by_id]
    needed = [roles[rid].allocation for pid, rid in top if pid in by_id]
    return {
        f"precision@{k}": precision_at_k(people, case.truth, k),
        f"recall@{k}": recall_at_k(people, case.truth, k),
        f"ndcg@{k}": ndcg_at_k(people, case.truth, k),
        "must_coverage": must_coverage(people, musts, levels),
        "over_allocation": over_allocation(free, needed),
    }


def evaluation_cases(*, limit: int | None = None) -> Iterator[Case]:
    """Replay each closed request on an initiative with finished assignments, as
    of the initiative's start; the most recent ``limit`` initiatives if given.

    A constant number of queries per initiative (the facts' own, plus two).
    """
    finished = Assignment.objects.filter(
        initiative_id=OuterRef("initiative_id"), status=Assignment.Status.FINISHED
    )
    requests = (
        StaffingRequest.objects.filter(status=StaffingRequest.Status.CLOSED)
        .filter(Exists(finished), initiative__start__isnull=False)
        .select_related("initiative")
        .order_by("-initiative__start", "-id")
    )
    if limit is not None:
        requests = requests[:limit]
    priors: dict[dt.date, float] = {}
    for request in reversed(list(requests)):
        initiative = request.initiative
        as_of = initiative.start
        assert as_of is not None
        roles = facts.role_specs(request)
        if not roles:
            continue
        truth: dict[int, float] = {}
        for person_id, outcome in Assignment.objects.filter(
            initiative_id=initiative.pk, status=Assignment.Status.FINISHED
        ).values_list("person_id", "outcome"):
            gain = float(GAIN.get(outcome or "", 1))
            truth[person_id] = max(truth.get(person_id, 0.0), gain)
        candidates = facts.candidate_facts(
            roles=roles,
            as_of=as_of,
            replay=True,
            exclude_initiative_id=initiative.pk,
        )
        if as_of not in priors:
            priors[as_of] = facts.prior_success(before=as_of)
        yield Case(
            request_id=request.pk,
            key=initiative.key,
            as_of=as_of,
            roles=tuple(roles),
            candidates=tuple(candidates),
            context=ScoringContext(as_of=as_of, prior_success=priors[as_of]),
            truth=truth,
        )


# -- the whole evaluation --------------------------------------------------------------


@dataclass
class _Tally:
    """Per-initiative metrics and the top-k lists of one method."""

    sums: Counter[str] = field(default_factory=Counter)
    cases: int = 0
    tops: list[list[int]] = field(default_factory=list)

    def add(self, scores: Mapping[str, float], top: list[int]) -> None:
        self.sums.update(scores)
        self.cases += 1
        self.tops.append(top)

    def metrics(self, candidates: Collection[int], k: int) -> dict[str, float]:
        result = {
            name: self.sums.get(name, 0.0) / max(1, self.cases)
            for name in metric_names(k)[:-2]
        }
        counts = Counter(p for top in self.tops for p in top)
        result["gini"] = gini([counts.get(p, 0) for p in candidates])
        result["distinct"] = distinct_share(self.tops)
        return result


@dataclass(frozen=True)
class Evaluation:
    k: int
    initiatives: int
    model: dict[str, float]
    baselines: dict[str, dict[str, float]]

    def as_json(self) -> dict[str, Any]:
        """``{"model": {"ndcg@5": …, …}, "baselines": {"random": {…}, …}}``."""
        return {
            "model": {**self.model, "initiatives": self.initiatives},
            "baselines": {
                name: {**metrics, "initiatives": self.initiatives}
                for name, metrics in self.baselines.items()
            },
        }


def staffing_evaluate(
    *,
    k: int = DEFAULT_K,
    limit: int | None = None,
    draws: int = RANDOM_DRAWS,
    seed: int = 0,
    cases: Iterable[Case] | None = None,
) -> Evaluation:
    """Replay history and score the model and the baselines (see the module)."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    tallies = {
        name: _Tally() for name in ("model", "most_available", "matching_skills")
    }
    shuffles = [_Tally() for _ in range(max(1, draws))]
    everyone: set[int] = set()
    count = 0
    for case in cases if cases is not None else evaluation_cases(limit=limit):
        count += 1
        everyone.update(c.person_id for c in case.candidates)
        result = suggest.request_suggest(
            roles=case.roles, candidates=case.candidates, context=case.context
        )
        rankings = {
            "model": model_ranking(result, case.roles),
            "most_available": most_available_ranking(case.roles, case.candidates),
            "matching_skills": matching_skills_ranking(case.roles, case.candidates),
        }
        for name, ranked in rankings.items():
            tallies[name].add(
                case_scores(case, ranked, k=k), [p for p, _r in ranked[:k]]
            )
        for draw, tally in enumerate(shuffles):
            rng = random.Random(f"evaluate-staffing:{seed}:{case.request_id}:{draw}")
            ranked = random_ranking(case.roles, case.candidates, rng)
            tally.add(case_scores(case, ranked, k=k), [p for p, _r in ranked[:k]])
        logger.debug("Replayed %s as of %s", case.key, case.as_of)
    draws_metrics = [t.metrics(everyone, k) for t in shuffles]
    random_metrics = {
        name: sum(m[name] for m in draws_metrics) / len(draws_metrics)
        for name in draws_metrics[0]
    }
    return Evaluation(
        k=k,
        initiatives=count,
        model=tallies["model"].metrics(everyone, k),
        baselines={
            "random": random_metrics,
            "most_available": tallies["most_available"].metrics(everyone, k),
            "matching_skills": tallies["matching_skills"].metrics(everyone, k),
        },
    )

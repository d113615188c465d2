"""Offline evaluation of staffing suggestions: replay past initiatives and compare
the suggestions with who actually worked on them, against simple baselines.

For each closed staffing request on an initiative with finished assignments, the
suggestions are recomputed *as of the initiative's start* from what was known
then (``facts.candidate_facts(replay=True)``: bookings running that day,
history and evidence before it, the initiative itself left out) and ranked:

- **model**: ``suggest.request_suggest``'s proposed team first (by score), then
  every other candidate by their best role (matches before alternatives, then
  by score), as a manager reads the page;
- **random**: the same candidates shuffled (seeded; metrics averaged over
  ``draws`` shuffles);
- **most_available**: by free capacity over the role's window (best role);
- **matching_skills**: by the number of the role's skills held at the minimum
  level or above (best role), ties by person id.

Ground truth is the people with finished assignments on the initiative, graded
by how it went: ``GAIN`` = 3 for success, 2 partial, 1 failed or cancelled
(they did work on it). Metrics at k, averaged over initiatives:

- ``precision@k`` / ``recall@k``: share of the top k who worked on it / share of
  those who worked on it found in the top k;
- ``ndcg@k``: DCG = sum of gain / log2(rank + 1) over the top k, divided by the
  DCG of the ideal order (linear gains);
- ``must_coverage``: share of the request's must-haves (a skill at a minimum
  level) that someone in the top k holds (at the level the registry holds);
- ``over_allocation``: share of the top k whose free capacity over the role's
  window was below the role's allocation at the time;

and across all initiatives, how evenly suggestions spread over people:

- ``gini``: Gini coefficient of how often each candidate appears in a top k
  (0: everyone equally often; 1: always the same people); counted over every
  person who was a candidate at least once;
- ``distinct``: distinct people in the top-k lists / the number of places.

``metrics.py`` holds the metrics and ``rankings.py`` the model's and baselines'
rankings (pure functions); ``replay.py`` reads the cases and puts it together.
The demo (``seed_demo``) draws its history from hidden true skill levels that
the registry only knows through noisy self-ratings, validations and track
record, so beating the baselines here means something
(``manage.py evaluate_staffing``).
"""

from teamhub.staffing.evaluation.metrics import (
    dcg,
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
    matching_skills_ranking,
    model_ranking,
    most_available_ranking,
    random_ranking,
)
from teamhub.staffing.evaluation.replay import (
    BASELINES,
    DEFAULT_K,
    GAIN,
    RANDOM_DRAWS,
    Case,
    Evaluation,
    case_scores,
    evaluation_cases,
    staffing_evaluate,
)

__all__ = [
    "BASELINES",
    "DEFAULT_K",
    "GAIN",
    "RANDOM_DRAWS",
    "Case",
    "Evaluation",
    "Ranked",
    "case_scores",
    "dcg",
    "distinct_share",
    "evaluation_cases",
    "gini",
    "matching_skills_ranking",
    "metric_names",
    "model_ranking",
    "most_available_ranking",
    "must_coverage",
    "ndcg_at_k",
    "over_allocation",
    "precision_at_k",
    "random_ranking",
    "recall_at_k",
    "staffing_evaluate",
]

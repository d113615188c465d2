"""Offline evaluation: metrics on hand-computed examples, the baselines, the
replay of a small scene, the command, and the model against every baseline on
a seeded demo organisation."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from teamhub.initiatives.models import Assignment
from teamhub.people.demo import demo_org_seed
from teamhub.staffing.evaluation import (
    BASELINES,
    Case,
    case_scores,
    dcg,
    distinct_share,
    evaluation_cases,
    gini,
    matching_skills_ranking,
    model_ranking,
    most_available_ranking,
    must_coverage,
    ndcg_at_k,
    over_allocation,
    precision_at_k,
    random_ranking,
    recall_at_k,
    staffing_evaluate,
)
from teamhub.staffing.models import StaffingRequest
from teamhub.staffing.records import (
    Booking,
    CandidateFacts,
    HeldSkill,
    RequestSuggestion,
    RoleRanking,
    RoleSpec,
    ScoredCandidate,
    ScoringContext,
    SkillNeed,
    TeamProposal,
)
from tests.factories import InitiativeFactory
from tests.staffing.builders import (
    booking_build,
    need,
    person_build,
    request_build,
    role,
)

START = dt.date(2025, 3, 1)
END = dt.date(2025, 6, 1)


# -- metrics, by hand -------------------------------------------------------------


def test_precision_counts_hits_in_the_top_k_over_k():
    assert precision_at_k([1, 2, 3, 4, 5, 6], {2, 5, 6}, 5) == pytest.approx(2 / 5)
    # Fewer suggestions than k: the empty places are misses.
    assert precision_at_k([2], {2}, 5) == pytest.approx(1 / 5)
    assert precision_at_k([], {2}, 5) == 0


def test_recall_counts_hits_in_the_top_k_over_everyone_relevant():
    assert recall_at_k([1, 2, 3, 4, 5, 6], {2, 5, 6, 9}, 5) == pytest.approx(2 / 4)
    assert recall_at_k([1, 2], set(), 5) == 0


def test_ndcg_uses_graded_gains_and_log2_discounts():
    gains = {7: 3.0, 8: 1.0}
    # Ranked 9, 8, 7: DCG = 0/1 + 1/log2(3) + 3/log2(4) = 0.6309 + 1.5
    # Ideal 7, 8:     IDCG = 3/1 + 1/log2(3) = 3.6309
    expected = (1 / math.log2(3) + 3 / 2) / (3 + 1 / math.log2(3))
    assert ndcg_at_k([9, 8, 7], gains, 5) == pytest.approx(expected)
    assert ndcg_at_k([7, 8, 9], gains, 5) == pytest.approx(1.0)
    assert ndcg_at_k([9, 10], gains, 5) == 0
    assert ndcg_at_k([7], {}, 5) == 0
    # Only the top k count, on both sides.
    assert ndcg_at_k([9, 7], gains, 1) == 0
    assert dcg([3, 2]) == pytest.approx(3 + 2 / math.log2(3))


def test_must_coverage_is_the_share_of_must_haves_someone_holds_at_the_level():
    levels = {1: {10: 4, 11: 2}, 2: {11: 3}}
    musts = {(10, 3), (11, 3), (12, 2)}
    assert must_coverage([1, 2], musts, levels) == pytest.approx(2 / 3)
    assert must_coverage([1], musts, levels) == pytest.approx(1 / 3)
    assert must_coverage([], musts, levels) == 0
    assert must_coverage([1], set(), levels) == 1


def test_over_allocation_is_the_share_with_less_free_than_the_role_asks():
    assert over_allocation([100, 40, 0, 50], [50, 50, 50, 50]) == pytest.approx(2 / 4)
    assert over_allocation([], []) == 0


def test_gini_is_zero_when_even_and_grows_with_concentration():
    assert gini([2, 2, 2, 2]) == 0
    # Sorted 0,0,0,4: 2*(4*4)/(4*4) - 5/4 = 0.75 (the most a list of 4 can be)
    assert gini([0, 4, 0, 0]) == pytest.approx(0.75)
    # Sorted 1,3: 2*(1+6)/(2*4) - 3/2 = 0.25
    assert gini([3, 1]) == pytest.approx(0.25)
    assert gini([]) == 0
    assert gini([0, 0]) == 0


def test_distinct_share_is_distinct_people_over_places():
    assert distinct_share([[1, 2], [2, 3]]) == pytest.approx(3 / 4)
    assert distinct_share([[1], [1], [1]]) == pytest.approx(1 / 3)
    assert distinct_share([]) == 0


# -- rankings over plain facts ------------------------------------------------------


def _role(role_id: int, *needs: tuple[int, int, str], allocation: int = 50) -> RoleSpec:
    return RoleSpec(
        role_id=role_id,
        title=f"Role {role_id}",
        headcount=1,
        allocation=allocation,
        start=START,
        end=END,
        needs=tuple(SkillNeed(s, f"Skill {s}", m, i) for s, m, i in needs),  # type: ignore[arg-type]
    )


def _person(
    person_id: int, skills: dict[int, int], *, booked: int = 0, capacity: int = 100
) -> CandidateFacts:
    bookings = (
        (Booking(99, "X-1", "Other work", booked, START, END, "confirmed"),)
        if booked
        else ()
    )
    return CandidateFacts(
        person_id=person_id,
        name=f"Person {person_id}",
        team_id=None,
        team_name="",
        capacity=capacity,
        skills={
            s: HeldSkill(
                skill_id=s, level=lvl, source="self", validated=False, last_used=None
            )
            for s, lvl in skills.items()
        },
        bookings=bookings,
    )


def test_most_available_ranks_by_free_capacity_over_the_window_ties_by_id():
    roles = [_role(1, (10, 3, "must"))]
    people = [
        _person(5, {10: 5}, booked=80),
        _person(3, {}, booked=0),
        _person(4, {10: 1}, booked=0, capacity=60),
        _person(2, {}, booked=0),
    ]
    assert most_available_ranking(roles, people) == [(2, 1), (3, 1), (4, 1), (5, 1)]


def test_matching_skills_counts_skills_held_at_the_minimum_in_the_best_role():
    roles = [
        _role(1, (10, 3, "must"), (11, 2, "nice")),
        _role(2, (12, 4, "must")),
    ]
    people = [
        _person(1, {10: 2, 11: 2}),  # role 1: one (11); role 2: none
        _person(2, {10: 3, 11: 5}),  # role 1: two
        _person(3, {12: 4}),  # role 2: one
        _person(4, {}),
    ]
    assert matching_skills_ranking(roles, people) == [(2, 1), (1, 1), (3, 2), (4, 1)]


def test_random_ranking_is_seeded_and_ranks_everyone_once():
    roles = [_role(1, (10, 3, "must")), _role(2, (11, 3, "must"))]
    people = [_person(i, {}) for i in range(1, 30)]
    first = random_ranking(roles, people, random.Random(1))
    assert first == random_ranking(roles, people, random.Random(1))
    assert first != random_ranking(roles, people, random.Random(2))
    assert sorted(p for p, _r in first) == list(range(1, 30))
    assert {r for _p, r in first} == {1, 2}


def _scored(person_id: int, score: float) -> ScoredCandidate:
    return ScoredCandidate(
        person_id=person_id,
        name=f"Person {person_id}",
        team_name="",
        score=score,
        terms=(),
        checks=(),
        free=100,
        strip=(),
        pulled_from=(),
    )


def test_model_ranking_puts_the_team_first_then_matches_then_alternatives():
    roles = [_role(1, (10, 3, "must")), _role(2, (11, 3, "must"))]
    result = RequestSuggestion(
        rankings={
            1: RoleRanking(
                role_id=1,
                matches=(_scored(1, 0.9), _scored(2, 0.7), _scored(3, 0.5)),
                alternatives=(_scored(6, 0.95),),
            ),
            2: RoleRanking(
                role_id=2,
                matches=(_scored(4, 0.8), _scored(2, 0.75)),
                alternatives=(_scored(5, 0.99),),
            ),
        },
        team=TeamProposal(
            method="test",
            members={1: (3,), 2: (4,)},
            coverage={},
            single_points=(),
            unmet=(),
        ),
    )
    # Team: 4 (0.8) before 3 (0.5); then the matches by their best score, 1 (0.9),
    # 2 (0.75 for role 2); then the alternatives, 5 (0.99) and 6 (0.95).
    assert model_ranking(result, roles) == [
        (4, 2),
        (3, 1),
        (1, 1),
        (2, 2),
        (5, 2),
        (6, 1),
    ]


def test_case_scores_measure_the_top_k_against_who_worked_on_it():
    roles = (_role(1, (10, 3, "must"), (11, 3, "must"), allocation=50),)
    people = (
        _person(1, {10: 4}, booked=80),  # worked on it; 20 % free < 50 %
        _person(2, {11: 3}),  # worked on it
        _person(3, {}),
    )
    case = Case(
        request_id=1,
        key="X-1",
        as_of=START,
        roles=roles,
        candidates=people,
        context=ScoringContext(as_of=START, prior_success=0.5),
        truth={1: 3.0, 2: 3.0, 9: 1.0},
    )
    scores = case_scores(case, [(3, 1), (1, 1)], k=2)
    assert scores["precision@2"] == pytest.approx(1 / 2)
    assert scores["recall@2"] == pytest.approx(1 / 3)
    assert scores["ndcg@2"] == pytest.approx(
        (3 / math.log2(3)) / (3 + 3 / math.log2(3))
    )
    assert scores["must_coverage"] == pytest.approx(1 / 2)
    assert scores["over_allocation"] == pytest.approx(1 / 2)


# -- replaying the database ---------------------------------------------------------


@pytest.fixture
def past_scene(db):
    """A past initiative staffed by Ana (PyTorch 4, free) while Ben (PyTorch 4)
    was fully booked elsewhere and Cleo (no PyTorch) was free."""
    initiative = InitiativeFactory(key="OLD-1", start=START, target_date=END)
    request_build(
        initiative=initiative,
        status=StaffingRequest.Status.CLOSED,
        roles=[role("ML engineer", skills=[need("PyTorch", 3), need("SQL", 2, "nice")],
                    start=START, end=END)],
    )  # fmt: skip
    ana = person_build("Ana Ruiz", skills={"PyTorch": 4, "SQL": 3})
    ben = person_build("Ben Okafor", skills={"PyTorch": 4})
    cleo = person_build("Cleo Park", skills={"SQL": 2})
    booking_build(ben, allocation=100, start=START - dt.timedelta(days=30), end=END)
    booking_build(
        ana,
        initiative=initiative,
        start=START,
        end=END,
        status=Assignment.Status.FINISHED,
        outcome="success",
    )
    return {"initiative": initiative, "ana": ana, "ben": ben, "cleo": cleo}


def test_cases_replay_a_past_initiative_as_of_its_start(past_scene):
    (case,) = list(evaluation_cases())
    ana, ben = past_scene["ana"], past_scene["ben"]
    assert case.key == "OLD-1"
    assert case.as_of == START
    assert case.truth == {ana.pk: 3.0}
    facts = {c.person_id: c for c in case.candidates}
    assert set(facts) == {ana.pk, ben.pk, past_scene["cleo"].pk}
    # Ana's own work on it is not a booking; Ben's other work is.
    assert facts[ana.pk].bookings == ()
    assert [b.allocation for b in facts[ben.pk].bookings] == [100]


def test_open_requests_and_initiatives_nobody_finished_are_not_replayed(past_scene):
    request_build(initiative=InitiativeFactory(key="NOW-1"))  # open
    request_build(
        initiative=InitiativeFactory(key="EMPTY-1", start=START),
        status=StaffingRequest.Status.CLOSED,
    )
    assert [c.key for c in evaluation_cases()] == ["OLD-1"]


def test_evaluate_scores_the_model_and_every_baseline(past_scene):
    result = staffing_evaluate(k=2, draws=3)

    assert result.initiatives == 1
    assert set(result.baselines) == set(BASELINES)
    # Ana fits and was free: the model ranks her first.
    assert result.model["ndcg@2"] == pytest.approx(1.0)
    assert result.model["recall@2"] == pytest.approx(1.0)
    assert result.baselines["matching_skills"]["over_allocation"] >= 0


def test_json_prints_the_metrics_of_the_model_and_the_baselines(past_scene):
    out = StringIO()
    call_command("evaluate_staffing", "--json", "--k", "3", stdout=out)

    report = json.loads(out.getvalue())
    assert set(report) == {"model", "baselines"}
    assert set(report["baselines"]) == {"random", "most_available", "matching_skills"}
    keys = {
        "precision@3", "recall@3", "ndcg@3", "must_coverage", "over_allocation",
        "gini", "distinct", "initiatives",
    }  # fmt: skip
    assert set(report["model"]) == keys
    for metrics in report["baselines"].values():
        assert set(metrics) == keys
    assert report["model"]["initiatives"] == 1


def test_the_table_compares_the_model_with_the_baselines(past_scene):
    out = StringIO()
    call_command("evaluate_staffing", stdout=out)

    text = out.getvalue()
    assert "Replayed 1 past initiatives" in text
    for label in ("model", "random", "most available", "matching skills", "ndcg@5"):
        assert label in text


def test_without_history_the_command_says_what_is_missing(db):
    out = StringIO()
    call_command("evaluate_staffing", stdout=out)
    assert "No past initiatives to replay" in out.getvalue()


@pytest.mark.parametrize("args", [["--k", "0"], ["--limit", "0"], ["--draws", "0"]])
def test_bad_arguments_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("evaluate_staffing", *args, stdout=StringIO())


# -- the demo organisation ----------------------------------------------------------


@pytest.fixture
def demo_org(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "var" / "git"
    return demo_org_seed(people=60, seed=7, logins=False, today=dt.date(2026, 6, 1))


def test_on_the_demo_the_model_beats_every_baseline_on_ndcg_at_5(demo_org):
    result = staffing_evaluate(k=5)

    assert result.initiatives >= 40
    model = result.model["ndcg@5"]
    for name, metrics in result.baselines.items():
        assert model > metrics["ndcg@5"], (name, model, metrics["ndcg@5"])
    # It does so without piling work on people who have no room for it.
    assert (
        result.model["over_allocation"]
        < result.baselines["matching_skills"]["over_allocation"]
    )
    assert result.model["must_coverage"] > result.baselines["random"]["must_coverage"]

"""Suggestions for a whole request: rankings per role and the proposed team."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence, Set

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamhub.staffing.records import (
    CandidateFacts,
    RequestSuggestion,
    RoleSpec,
)
from teamhub.staffing.scoring import candidate_score
from teamhub.staffing.suggest import request_suggest
from tests.staffing.test_scoring import (
    AIRFLOW,
    CTX,
    DBT,
    END,
    PYTORCH,
    SPARK,
    START,
    booking,
    held,
    need,
    person,
    role,
    term,
)
from tests.staffing.test_team import team_problems


def suggest(
    roles: Sequence[RoleSpec],
    people: Iterable[CandidateFacts],
    *,
    fixed: Mapping[int, Sequence[int]] | None = None,
    excluded: Mapping[int, Set[int]] | None = None,
    **kwargs: int,
) -> RequestSuggestion:
    return request_suggest(
        roles=roles,
        candidates=list(people),
        context=CTX,
        fixed=fixed or {},
        excluded=excluded or {},
        **kwargs,
    )


def ids(scored: Iterable) -> list[int]:
    return [s.person_id for s in scored]


DATA = role(need(SPARK, 3), need(AIRFLOW, 3), need(DBT, 2, "nice"), headcount=1)


def test_alternatives_come_after_matches_with_their_gaps_and_are_never_dropped():
    people = [
        person(1, held(SPARK, 3), held(AIRFLOW, 3)),
        person(2, held(SPARK, 5, validated=True), held(AIRFLOW, 4, validated=True)),
        person(3, held(SPARK, 5, validated=True), held(AIRFLOW, 2), held(DBT, 5)),
        person(4, held(SPARK, 2), held(DBT, 5, validated=True)),
        person(5, held(DBT, 2)),
        person(6, held(PYTORCH, 5)),  # holds none of the role's skills
    ]
    found = suggest([DATA], people)
    ranking = found.rankings[1]
    assert ids(ranking.matches) == [2, 1]
    # Fewest must-have gaps first, then score.
    assert ids(ranking.alternatives) == [3, 4, 5]
    assert (ranking.match_total, ranking.alternative_total) == (2, 3)
    gaps = {s.person_id: [c.name for c in s.missing] for s in ranking.alternatives}
    assert gaps == {3: ["Airflow"], 4: ["Spark", "Airflow"], 5: ["Spark", "Airflow"]}
    assert not any(s.is_match for s in ranking.alternatives)
    assert found.team.members == {1: (2,)}


def test_matches_with_equal_scores_are_ordered_by_name_then_id():
    r = role(need(SPARK, 3))
    people = [
        person(3, held(SPARK, 3), name="Bea Cole"),
        person(2, held(SPARK, 3), name="Abe Diaz"),
        person(1, held(SPARK, 3), name="Bea Cole"),
    ]
    assert ids(suggest([r], people).rankings[1].matches) == [2, 1, 3]


def test_only_the_best_are_kept_with_every_team_member_and_the_totals_count_all():
    r = role(need(SPARK, 3), headcount=3)
    people = [
        person(i, held(SPARK, 3 + i % 3), name=f"P{i:02d}") for i in range(1, 41)
    ] + [person(100 + i, held(SPARK, 1)) for i in range(20)]
    found = suggest([r], people, fixed={1: [40]}, keep_matches=5, keep_alternatives=4)
    ranking = found.rankings[1]
    assert (ranking.match_total, ranking.alternative_total) == (40, 20)
    assert len(ranking.alternatives) == 4
    assert found.team.members[1][0] == 40
    shown = ids(ranking.matches)
    assert set(found.team.members[1]) <= set(shown)
    assert len(shown) == 6  # the best five and the fixed pick ranked lower
    scores = [s.score for s in ranking.matches]
    assert scores == sorted(scores, reverse=True)


def test_shown_candidates_are_fully_explained_and_scored_like_candidate_score():
    r = role(need(SPARK, 3), need(AIRFLOW, 2))
    people = [
        person(
            1,
            held(SPARK, 4, last_used=START),
            held(AIRFLOW, 2),
            bookings=[booking(40, initiative_id=7)],
        ),
        person(2, held(SPARK, 3)),
    ]
    for shown in suggest([r], people).rankings[1].matches:
        expected = candidate_score(
            r, next(p for p in people if p.person_id == shown.person_id), context=CTX
        )
        assert shown == expected
        assert shown.strip and all(t.detail for t in shown.terms)


def test_rejected_people_are_never_suggested_again_for_that_role():
    roles = [
        role(need(SPARK, 3), role_id=1, title="Data engineer"),
        role(need(SPARK, 2), role_id=2, title="Analyst"),
    ]
    star = person(1, held(SPARK, 5, validated=True))
    people = [star, person(2, held(SPARK, 3)), person(3, held(SPARK, 2))]
    before = suggest(roles, people)
    assert before.team.members[1] == (1,)
    after = suggest(roles, people, excluded={1: {1}})
    assert 1 not in ids(after.rankings[1].matches + after.rankings[1].alternatives)
    assert after.team.members[1] == (2,)
    # Rejected for one role only: still a candidate for the other.
    assert 1 in ids(after.rankings[2].matches)
    assert after.team.members[2] == (1,)


def test_locked_picks_stay_and_the_rest_is_recomputed():
    roles = [
        role(need(SPARK, 3), role_id=1, headcount=2, title="Data engineer"),
        role(need(SPARK, 3), role_id=2, title="Analyst"),
    ]
    people = [
        person(1, held(SPARK, 5, validated=True)),
        person(2, held(SPARK, 4, validated=True)),
        person(3, held(SPARK, 3)),
        person(4, held(SPARK, 3, source="inferred")),
    ]
    found = suggest(roles, people, fixed={1: [3], 2: [1]})
    assert found.team.members == {1: (3, 2), 2: (1,)}
    assert found.team.feasible


def test_growth_credit_comes_from_a_mentor_on_the_proposed_team():
    lead = role(need(AIRFLOW, 4), role_id=1, title="Lead")
    data = role(need(SPARK, 3), need(AIRFLOW, 3, "nice"), role_id=2, headcount=1)
    ana = person(1, held(AIRFLOW, 5, validated=True), name="Ana Ruiz")
    bo = person(2, held(SPARK, 3), name="Bo Li", goals={AIRFLOW: 3})
    cy = person(3, held(SPARK, 3), name="Cy Ng")
    with_mentor = suggest([lead, data], [ana, bo, cy])
    assert with_mentor.team.members == {1: (1,), 2: (2,)}
    learner = next(s for s in with_mentor.rankings[2].matches if s.person_id == 2)
    assert term(learner, "growth").value == 1.0
    assert term(learner, "growth").detail == (
        "Wants to learn Airflow; Ana Ruiz on the proposed team can mentor."
    )
    assert learner.mentors == (("Airflow", "Ana Ruiz"),)
    # Without the lead nobody on the team can mentor Airflow: no credit.
    alone = suggest([data], [ana, bo, cy]).rankings[2].matches
    assert all(term(s, "growth").value == 0.0 for s in alone)


def test_accepting_a_suggestion_lowers_availability_for_the_next_one():
    r = role(need(SPARK, 3), allocation=100, initiative_id=99)
    ana = person(1, held(SPARK, 5, validated=True), name="Ana Ruiz")
    bo = person(2, held(SPARK, 3), name="Bo Li")
    first = suggest([r], [ana, bo])
    top = first.rankings[1].matches[0]
    assert (top.person_id, top.free) == (1, 100)
    assert first.team.members == {1: (1,)}
    # Accepting creates a proposed assignment on initiative 99 ...
    accepted = booking(100, START, END, "proposed", initiative_id=99)
    ana = dataclasses.replace(ana, bookings=(accepted,))
    # ... so another initiative asking for the same weeks finds her half booked.
    other = dataclasses.replace(r, role_id=2, initiative_id=100)
    second = suggest([other], [ana, bo])
    again = next(s for s in second.rankings[2].matches if s.person_id == 1)
    assert again.free == 50
    assert term(again, "availability").value == 0.5
    assert again.score < top.score
    assert [(p.key, p.status) for p in again.pulled_from] == [("ML-99", "proposed")]
    assert second.team.members == {2: (2,)}  # 50% free is not enough for 100%


def test_an_infeasible_request_is_reported_with_its_rankings():
    r = role(need(SPARK, 4), headcount=2, allocation=100)
    people = [person(1, held(SPARK, 4)), person(2, held(SPARK, 3))]
    found = suggest([r], people)
    assert found.team.members == {1: (1,)}
    assert [u.message for u in found.team.unmet] == [
        "Data engineer: 1 of 2 people found"
    ]
    assert found.team.unmet[0].fixes[0] == "Lowering Spark from 4 to 3 adds 1 candidate"
    assert ids(found.rankings[1].alternatives) == [2]


def test_nobody_to_suggest_gives_empty_rankings():
    found = suggest([DATA], [])
    assert found.rankings[1].matches == () and found.rankings[1].alternatives == ()
    assert found.team.members == {1: ()}
    assert not found.team.feasible


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=team_problems(), data=st.data())
def test_rankings_are_complete_ordered_and_hold_the_team(problem, data):
    roles, people, fixed = problem
    excluded = {
        r.role_id: set(
            data.draw(st.lists(st.sampled_from([c.person_id for c in people])))
            if people
            else ()
        )
        for r in roles
    }
    found = suggest(roles, people, fixed=fixed, excluded=excluded, keep_matches=3)
    for r in roles:
        ranking = found.rankings[r.role_id]
        kept = set(fixed.get(r.role_id, ()))
        rejected = excluded[r.role_id] - kept
        pool = [
            c
            for c in people
            if c.person_id not in rejected
            and (c.person_id in kept or any(n.skill_id in c.skills for n in r.needs))
        ]
        assert ranking.match_total + ranking.alternative_total == len(pool)
        assert all(s.is_match for s in ranking.matches)
        assert not any(s.is_match for s in ranking.alternatives)
        shown = ids(ranking.matches + ranking.alternatives)
        assert not set(shown) & rejected
        assert set(found.team.members[r.role_id]) <= set(shown)
        assert not set(found.team.members[r.role_id]) & rejected
        keys = [(-s.score, s.name, s.person_id) for s in ranking.matches]
        assert keys == sorted(keys)
        for s in ranking.matches + ranking.alternatives:
            assert round(sum(t.contribution for t in s.terms), 4) == s.score

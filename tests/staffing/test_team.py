"""The team proposal for a whole request, on hand-built records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamhub.staffing.records import (
    CandidateFacts,
    RoleSpec,
    ScoredCandidate,
    TeamProposal,
)
from teamhub.staffing.scoring import candidate_score, peak_load
from teamhub.staffing.team import growth_credit, team_propose
from tests.staffing.test_scoring import (
    AIRFLOW,
    CTX,
    DBT,
    END,
    PYTORCH,
    RUST,
    SPARK,
    START,
    D,
    booking,
    held,
    need,
    person,
    role,
)


def rank(
    roles: Sequence[RoleSpec],
    people: Iterable[CandidateFacts],
    mentors: Mapping[int, Sequence[str]] | None = None,
) -> dict[int, list[ScoredCandidate]]:
    """Score the people holding one of each role's skills, as suggest.py does."""
    people = list(people)
    return {
        r.role_id: [
            candidate_score(r, c, context=CTX, mentors=mentors or {})
            for c in people
            if any(n.skill_id in c.skills for n in r.needs)
        ]
        for r in roles
    }


def propose(
    roles: Sequence[RoleSpec],
    people: Iterable[CandidateFacts],
    *,
    fixed: Mapping[int, Sequence[int]] | None = None,
    mentors: Mapping[int, Sequence[str]] | None = None,
) -> TeamProposal:
    people = list(people)
    return team_propose(
        roles=roles,
        rankings=rank(roles, people, mentors),
        fixed=fixed or {},
        candidates={c.person_id: c for c in people},
    )


ML = role(need(PYTORCH, 3), role_id=1, title="ML engineer")
DATA = role(need(SPARK, 3), role_id=2, title="Data engineer")


def test_the_method_is_named():
    team = propose([DATA], [person(1, held(SPARK, 3))])
    assert "Min-cost assignment" in team.method
    assert team.as_json()["method"] == team.method


def test_the_best_people_fill_every_role_and_cover_every_must_have():
    people = [
        person(1, held(PYTORCH, 5, validated=True)),
        person(2, held(PYTORCH, 3)),
        person(3, held(SPARK, 5, validated=True)),
        person(4, held(SPARK, 3)),
    ]
    team = propose([ML, DATA], people)
    assert team.members == {1: (1,), 2: (3,)}
    assert team.coverage == {PYTORCH: (1,), SPARK: (3,)}
    # Nobody holds both, so two holders each is impossible with two people.
    assert team.single_points == (PYTORCH, SPARK)
    assert team.feasible
    assert team.unmet == ()


def test_swaps_give_each_must_have_two_holders_where_possible():
    people = [
        person(1, held(PYTORCH, 5, validated=True)),  # best ML engineer, no Spark
        person(2, held(PYTORCH, 3), held(SPARK, 3)),
        person(3, held(SPARK, 5, validated=True)),  # best data engineer, no PyTorch
        person(4, held(SPARK, 3), held(PYTORCH, 3)),
    ]
    team = propose([ML, DATA], people)
    assert {pid for pids in team.members.values() for pid in pids} == {2, 4}
    assert sorted(team.coverage[PYTORCH]) == [2, 4]
    assert sorted(team.coverage[SPARK]) == [2, 4]
    assert team.single_points == ()
    assert team.feasible


def test_a_swap_never_takes_a_skill_below_two_holders_to_add_another():
    roles = [
        role(need(PYTORCH, 3), role_id=1, headcount=2, title="ML engineer"),
        role(need(SPARK, 3), role_id=2, title="Data engineer"),
    ]
    people = [
        person(1, held(PYTORCH, 5, validated=True)),
        person(2, held(PYTORCH, 5, validated=True)),
        person(3, held(SPARK, 5, validated=True)),
        person(4, held(SPARK, 3)),  # could only replace 3: Spark stays at one holder
    ]
    team = propose(roles, people)
    assert team.members == {1: (1, 2), 2: (3,)}
    assert team.single_points == (SPARK,)


def test_coverage_counts_holders_over_every_role_at_the_lowest_minimum():
    roles = [
        role(need(SPARK, 4), role_id=1, title="Lead"),
        role(need(SPARK, 2), need(AIRFLOW, 3), role_id=2, title="Engineer"),
    ]
    people = [person(1, held(SPARK, 4)), person(2, held(SPARK, 2), held(AIRFLOW, 3))]
    team = propose(roles, people)
    assert team.coverage == {SPARK: (1, 2), AIRFLOW: (2,)}
    assert team.single_points == (AIRFLOW,)


def test_a_person_fills_at_most_one_slot_of_a_request():
    star = person(1, held(PYTORCH, 5, validated=True), held(SPARK, 5, validated=True))
    team = propose([ML, DATA], [star, person(2, held(SPARK, 3))])
    assert team.members == {1: (1,), 2: (2,)}


def test_people_without_the_capacity_are_not_proposed():
    r = role(need(SPARK, 3), allocation=60)
    busy = person(1, held(SPARK, 5, validated=True), bookings=[booking(50)])
    team = propose([r], [busy, person(2, held(SPARK, 3))])
    assert team.members == {1: (2,)}


def test_fixed_picks_stay_first_and_use_their_slot():
    r = role(need(SPARK, 3), headcount=2)
    people = [
        person(1, held(SPARK, 5, validated=True)),
        person(2, held(SPARK, 4, validated=True)),
        person(3, held(SPARK, 3)),
    ]
    team = propose([r], people, fixed={1: [3]})
    assert team.members == {1: (3, 1)}


def test_a_fixed_pick_is_not_placed_in_another_role():
    star = person(1, held(PYTORCH, 5, validated=True), held(SPARK, 5, validated=True))
    team = propose([ML, DATA], [star, person(2, held(SPARK, 3))], fixed={2: [1]})
    assert team.members == {1: (), 2: (1,)}
    assert team.unmet[0].message == "ML engineer: 0 of 1 people found"


def test_stretch_picks_are_capped_at_a_quarter_of_the_headcount():
    r = role(need(SPARK, 3), need(AIRFLOW, 3, "nice"), headcount=4)
    stretch = [
        person(i, held(SPARK, 4 if i == 1 else 3), goals={AIRFLOW: 3})
        for i in range(1, 5)
    ]
    steady = [person(i, held(SPARK, 3, source="inferred")) for i in range(11, 16)]
    mentors = {AIRFLOW: ["Mentor"]}
    rankings = rank([r], stretch + steady, mentors)
    by_id = {c.person_id: c for c in rankings[1]}
    # With the growth credit every stretch candidate beats every steady one.
    assert min(by_id[i].score for i in range(1, 5)) > max(
        by_id[i].score for i in range(11, 16)
    )
    team = propose([r], stretch + steady, mentors=mentors)
    members = team.members[1]
    picked_for_growth = [pid for pid in members if growth_credit(by_id[pid]) > 0]
    assert picked_for_growth == [1]  # max(1, floor(0.25 * 4)) = 1, the best one
    assert len(members) == 4
    assert team.feasible


def test_a_role_that_cannot_be_filled_says_what_would_make_it_feasible():
    r = role(
        need(SPARK, 4),
        need(AIRFLOW, 2),
        need(DBT, 2, "nice"),
        headcount=3,
        allocation=100,
    )
    people = [
        person(1, held(SPARK, 4), held(AIRFLOW, 2)),  # the one match
        person(2, held(SPARK, 3), held(AIRFLOW, 2)),
        person(3, held(SPARK, 3), held(AIRFLOW, 3)),
        person(4, held(SPARK, 3), held(AIRFLOW, 2), bookings=[booking(60)]),  # busy
        person(5, held(SPARK, 2), held(AIRFLOW, 3)),
        person(6, held(AIRFLOW, 2)),
        person(7, held(SPARK, 5), held(AIRFLOW, 2), bookings=[booking(50)]),
        person(8, held(SPARK, 4), held(DBT, 3)),  # no Airflow
        person(9, held(DBT, 5)),
    ]
    team = propose([r], people)
    assert team.members == {1: (1,)}
    assert not team.feasible
    (unmet,) = team.unmet
    assert unmet.role_id == 1 and unmet.skill_id is None
    assert unmet.message == "Data engineer: 1 of 3 people found"
    assert unmet.fixes == (
        "Making Spark nice-to-have adds 4 candidates",  # 2, 3, 5, 6
        "Lowering Spark from 4 to 3 adds 2 candidates",  # 2, 3: enough for the gap
        "Making Airflow nice-to-have adds 1 candidate",  # 8
        "Asking 50% instead of 100% adds 1 candidate",  # 7
    )


def test_lowering_goes_as_far_as_needed_to_close_the_gap():
    r = role(need(SPARK, 5), headcount=3)
    people = [
        person(1, held(SPARK, 4)),
        person(2, held(SPARK, 3)),
        person(3, held(SPARK, 3)),
    ]
    role_unmet, spark_unmet = propose([r], people).unmet
    assert role_unmet.message == "Data engineer: 0 of 3 people found"
    assert role_unmet.fixes == (
        "Lowering Spark from 5 to 3 adds 3 candidates",
        "Making Spark nice-to-have adds 3 candidates",
    )
    assert spark_unmet.skill_id == SPARK
    assert spark_unmet.message == "Nobody on the proposed team holds Spark at level 5"
    assert spark_unmet.fixes == role_unmet.fixes


def test_a_skill_nobody_holds_asks_to_hire_or_train():
    r = role(need(SPARK, 3), need(RUST, 3))
    people = [person(1, held(SPARK, 4)), person(2, held(SPARK, 3))]
    team = propose([r], people)
    role_unmet, spark_unmet, rust_unmet = team.unmet
    assert role_unmet.message == "Data engineer: 0 of 1 people found"
    assert role_unmet.fixes == (
        "Making Rust nice-to-have adds 2 candidates",
        "Nobody in the registry holds Rust: hire or train",
    )
    assert (rust_unmet.role_id, rust_unmet.skill_id) == (None, RUST)
    assert rust_unmet.message == "Nobody on the proposed team holds Rust at level 3"
    assert rust_unmet.fixes == (
        "Making Rust nice-to-have adds 2 candidates",
        "Nobody in the registry holds Rust: hire or train",
    )
    assert spark_unmet.skill_id == SPARK
    assert team.as_json()["feasible"] is False


def test_fixes_never_count_people_already_on_the_team():
    roles = [
        role(need(SPARK, 4), role_id=1, headcount=2, title="Lead"),
        role(need(SPARK, 3), role_id=2, title="Engineer"),
    ]
    people = [person(1, held(SPARK, 4)), person(2, held(SPARK, 3))]
    team = propose(roles, people)
    assert team.members == {1: (1,), 2: (2,)}
    (unmet,) = team.unmet
    assert unmet.message == "Lead: 1 of 2 people found"
    assert unmet.fixes == ()  # person 2 would qualify at 3 but already works here


# -- properties --------------------------------------------------------------------

_SKILLS = [SPARK, AIRFLOW, DBT]


@st.composite
def team_problems(draw: st.DrawFn) -> tuple[list[RoleSpec], list[CandidateFacts], dict]:
    roles = []
    for role_id in range(1, draw(st.integers(min_value=1, max_value=3)) + 1):
        offset = draw(st.integers(min_value=0, max_value=60))
        length = draw(st.integers(min_value=0, max_value=90))
        start = START + dt.timedelta(days=offset)
        needs = draw(
            st.lists(
                st.builds(
                    need,
                    st.sampled_from(_SKILLS),
                    st.integers(min_value=1, max_value=4),
                    st.sampled_from(["must", "nice"]),
                ),
                min_size=1,
                max_size=2,
                unique_by=lambda n: n.skill_id,
            )
        )
        roles.append(
            role(
                *needs,
                role_id=role_id,
                headcount=draw(st.integers(min_value=1, max_value=3)),
                allocation=draw(st.sampled_from([20, 50, 80, 100])),
                start=start,
                end=start + dt.timedelta(days=length),
            )
        )
    people = []
    for pid in range(1, draw(st.integers(min_value=0, max_value=12)) + 1):
        skills = draw(
            st.lists(
                st.builds(
                    held,
                    st.sampled_from(_SKILLS),
                    st.integers(min_value=1, max_value=5),
                    validated=st.booleans(),
                ),
                max_size=3,
                unique_by=lambda h: h.skill_id,
            )
        )
        bookings = [
            booking(
                alloc,
                START + dt.timedelta(days=first),
                None if length is None else START + dt.timedelta(days=first + length),
                status,
                initiative_id=i,
            )
            for i, (first, length, alloc, status) in enumerate(
                draw(
                    st.lists(
                        st.tuples(
                            st.integers(min_value=-30, max_value=120),
                            st.one_of(
                                st.none(), st.integers(min_value=0, max_value=60)
                            ),
                            st.integers(min_value=10, max_value=100),
                            st.sampled_from(["confirmed", "proposed"]),
                        ),
                        max_size=3,
                    )
                )
            )
        ]
        people.append(
            person(
                pid,
                *skills,
                capacity=draw(st.sampled_from([0, 50, 80, 100])),
                bookings=bookings,
                goals=draw(
                    st.dictionaries(
                        st.sampled_from(_SKILLS), st.integers(min_value=2, max_value=5)
                    )
                ),
            )
        )
    fixed = {}
    if people and draw(st.booleans()):
        fixed[roles[0].role_id] = [draw(st.sampled_from(people)).person_id]
    return roles, people, fixed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=team_problems(), with_mentors=st.booleans())
def test_a_proposal_never_exceeds_anyones_capacity(problem, with_mentors):
    roles, people, fixed = problem
    by_id = {c.person_id: c for c in people}
    mentors = {s: ["Someone else"] for s in _SKILLS} if with_mentors else None
    rankings = rank(roles, people, mentors)
    team = team_propose(roles=roles, rankings=rankings, fixed=fixed, candidates=by_id)
    placed = [pid for pids in team.members.values() for pid in pids]
    assert len(placed) == len(set(placed)), "a person fills at most one slot"
    for r in roles:
        members = team.members[r.role_id]
        kept = list(fixed.get(r.role_id, ()))
        assert list(members[: len(kept)]) == kept, "fixed picks stay, first"
        assert len(members) <= max(r.headcount, len(kept))
        scored = {c.person_id: c for c in rankings[r.role_id]}
        for pid in members[len(kept) :]:
            assert scored[pid].is_match
            c = by_id[pid]
            new = booking(r.allocation, r.start, r.end, initiative_id=999)
            load = peak_load([*c.bookings, new], start=r.start, end=r.end)
            assert load <= c.capacity, "never over capacity"
        filled = len(members) >= r.headcount
        assert filled == all(u.role_id != r.role_id for u in team.unmet)
    for sid, holders in team.coverage.items():
        level = min(n.min_level for r in roles for n in r.musts if n.skill_id == sid)
        assert set(holders) == {
            pid
            for pid in placed
            if sid in by_id[pid].skills and by_id[pid].skills[sid].level >= level
        }
    if team.feasible and not fixed:
        assert all(team.coverage.values()), "a feasible team covers every must-have"
    assert set(team.single_points) == {
        s for s, h in team.coverage.items() if len(h) == 1
    }


def test_an_empty_request_proposes_nothing():
    team = team_propose(roles=[], rankings={}, fixed={}, candidates={})
    assert team.members == {} and team.feasible


def test_start_and_end_are_inclusive_for_capacity():
    r = role(need(SPARK, 3), allocation=50, start=D(2027, 1, 1), end=D(2027, 1, 31))
    edge = person(
        1, held(SPARK, 3), bookings=[booking(60, D(2026, 1, 1), D(2027, 1, 1))]
    )
    after = person(2, held(SPARK, 3), bookings=[booking(60, D(2027, 2, 1), END)])
    team = propose([r], [edge, after])
    assert team.members == {1: (2,)}

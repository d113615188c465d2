"""Scoring one candidate for one role: pure functions on hand-built records.

The builders at the top are shared by test_team.py and test_suggest.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamhub.staffing.records import (
    Booking,
    CandidateFacts,
    EvidenceLink,
    HeldSkill,
    PastWork,
    RoleSpec,
    ScoredCandidate,
    ScoringContext,
    SkillNeed,
    Term,
)
from teamhub.staffing.scoring import (
    WEIGHTS,
    candidate_score,
    free_capacity,
    peak_load,
)

D = dt.date
AS_OF = D(2026, 11, 20)
CTX = ScoringContext(as_of=AS_OF, prior_success=0.6)
START, END = D(2026, 12, 1), D(2027, 2, 28)
SPARK, AIRFLOW, DBT, PYTORCH, RUST = 10, 11, 12, 13, 14
NAMES = {SPARK: "Spark", AIRFLOW: "Airflow", DBT: "dbt", PYTORCH: "PyTorch"}
NAMES[RUST] = "Rust"


# -- builders (shared) -------------------------------------------------------------


def need(skill_id: int, min_level: int = 3, importance: str = "must") -> SkillNeed:
    return SkillNeed(skill_id, NAMES[skill_id], min_level, importance)


def role(
    *needs: SkillNeed,
    role_id: int = 1,
    title: str = "Data engineer",
    headcount: int = 1,
    allocation: int = 50,
    start: dt.date = START,
    end: dt.date = END,
    initiative_id: int = 99,
    team_id: int | None = None,
    label_ids: Iterable[int] = (),
) -> RoleSpec:
    return RoleSpec(
        role_id=role_id,
        title=title,
        headcount=headcount,
        allocation=allocation,
        start=start,
        end=end,
        needs=needs,
        initiative_id=initiative_id,
        team_id=team_id,
        label_ids=frozenset(label_ids),
    )


def held(
    skill_id: int,
    level: int,
    *,
    source: str = "self",
    validated: bool = False,
    last_used: dt.date | None = None,
    recent_evidence: int = 0,
    last_evidence: dt.date | None = None,
    evidence: tuple[EvidenceLink, ...] = (),
) -> HeldSkill:
    return HeldSkill(
        skill_id=skill_id,
        level=level,
        source=source,
        validated=validated,
        last_used=last_used,
        recent_evidence=recent_evidence,
        last_evidence=last_evidence,
        evidence=evidence,
    )


def person(
    person_id: int,
    *skills: HeldSkill,
    name: str | None = None,
    capacity: int = 100,
    bookings: Iterable[Booking] = (),
    history: Iterable[PastWork] = (),
    goals: dict[int, int] | None = None,
    team_id: int | None = None,
) -> CandidateFacts:
    return CandidateFacts(
        person_id=person_id,
        name=name or f"Person {person_id:03d}",
        team_id=team_id,
        team_name="Data",
        capacity=capacity,
        skills={h.skill_id: h for h in skills},
        bookings=tuple(bookings),
        history=tuple(history),
        goals=dict(goals or {}),
    )


def booking(
    allocation: int,
    start: dt.date = START,
    end: dt.date | None = END,
    status: str = "confirmed",
    *,
    initiative_id: int = 1,
    key: str | None = None,
) -> Booking:
    return Booking(
        initiative_id=initiative_id,
        key=key or f"ML-{initiative_id}",
        title=f"Initiative {initiative_id}",
        allocation=allocation,
        start=start,
        end=end,
        status=status,
    )


def past(
    outcome: str,
    *,
    skill_ids: Iterable[int] = (SPARK,),
    team_id: int | None = None,
    label_ids: Iterable[int] = (),
    initiative_id: int = 500,
    key: str | None = None,
) -> PastWork:
    return PastWork(
        initiative_id=initiative_id,
        key=key or f"OLD-{initiative_id}",
        outcome=outcome,
        team_id=team_id,
        skill_ids=frozenset(skill_ids),
        label_ids=frozenset(label_ids),
        ended=D(2025, 6, 30),
    )


def term(scored: ScoredCandidate, name: str) -> Term:
    return next(t for t in scored.terms if t.name == name)


def score(r: RoleSpec, c: CandidateFacts, **kwargs: object) -> ScoredCandidate:
    return candidate_score(r, c, context=CTX, **kwargs)


# -- peak load and free capacity ---------------------------------------------------


def test_overlapping_bookings_add_up_on_the_days_they_overlap():
    bookings = [
        booking(40, D(2026, 12, 1), D(2026, 12, 31)),
        booking(30, D(2026, 12, 20), D(2027, 1, 31), initiative_id=2),
    ]
    assert peak_load(bookings, start=START, end=END) == 70


def test_bookings_one_after_the_other_do_not_add_up():
    bookings = [
        booking(60, D(2026, 12, 1), D(2026, 12, 31)),
        booking(50, D(2027, 1, 1), D(2027, 1, 31), initiative_id=2),
    ]
    assert peak_load(bookings, start=START, end=END) == 60


def test_bookings_sharing_one_day_add_up_on_that_day():
    bookings = [
        booking(60, D(2026, 12, 1), D(2026, 12, 31)),
        booking(50, D(2026, 12, 31), D(2027, 1, 31), initiative_id=2),
    ]
    assert peak_load(bookings, start=START, end=END) == 110


def test_a_booking_partly_inside_the_window_counts_and_one_outside_does_not():
    bookings = [
        booking(30, D(2026, 10, 1), D(2026, 12, 5)),  # ends inside the window
        booking(50, D(2026, 6, 1), D(2026, 11, 30), initiative_id=2),  # before it
        booking(40, D(2027, 3, 1), None, initiative_id=3),  # after it
    ]
    assert peak_load(bookings, start=START, end=END) == 30
    assert free_capacity(100, bookings, start=START, end=END) == 70


def test_proposed_bookings_count_half_rounded_up_at_the_end():
    assert peak_load([booking(50, status="proposed")], start=START, end=END) == 25
    assert peak_load([booking(25, status="proposed")], start=START, end=END) == 13
    two = [
        booking(25, status="proposed"),
        booking(25, status="proposed", initiative_id=2),
    ]
    assert peak_load(two, start=START, end=END) == 25  # 12.5 + 12.5, not 13 + 13
    mixed = [booking(40), booking(30, status="proposed", initiative_id=2)]
    assert peak_load(mixed, start=START, end=END) == 55


def test_an_open_ended_booking_lasts_through_the_window():
    assert peak_load([booking(70, D(2025, 1, 1), None)], start=START, end=END) == 70


def test_free_capacity_is_floored_at_zero():
    bookings = [booking(80), booking(60, initiative_id=2)]
    assert free_capacity(100, bookings, start=START, end=END) == 0
    assert free_capacity(80, [], start=START, end=END) == 80


_day = st.integers(min_value=0, max_value=40)
_bookings = st.lists(
    st.tuples(
        _day,
        st.one_of(st.none(), st.integers(min_value=0, max_value=20)),
        st.integers(min_value=1, max_value=100),
        st.sampled_from(["confirmed", "proposed"]),
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(raw=_bookings, window=st.tuples(_day, st.integers(min_value=0, max_value=15)))
def test_peak_load_is_the_busiest_day_counted_one_by_one(raw, window):
    base = D(2027, 1, 1)
    bookings = [
        booking(
            alloc,
            base + dt.timedelta(days=first),
            None if length is None else base + dt.timedelta(days=first + length),
            status,
            initiative_id=i,
        )
        for i, (first, length, alloc, status) in enumerate(raw)
    ]
    start = base + dt.timedelta(days=window[0])
    end = start + dt.timedelta(days=window[1])
    busiest = 0
    day = start
    while day <= end:
        halves = sum(
            b.allocation * (1 if b.status == "proposed" else 2)
            for b in bookings
            if b.start <= day and (b.end is None or b.end >= day)
        )
        busiest = max(busiest, halves)
        day += dt.timedelta(days=1)
    assert peak_load(bookings, start=start, end=end) == (busiest + 1) // 2


# -- the score's shape -------------------------------------------------------------


def test_weights_put_skills_first_and_positive_weights_sum_to_one():
    assert list(WEIGHTS) == [
        "skill_fit",
        "availability",
        "track_record",
        "recency",
        "growth",
        "load",
    ]
    assert sum(w for w in WEIGHTS.values() if w > 0) == pytest.approx(1.0)
    assert WEIGHTS["load"] < 0
    assert max(WEIGHTS, key=lambda n: WEIGHTS[n]) == "skill_fit"


_held = st.builds(
    held,
    st.sampled_from([SPARK, AIRFLOW, DBT]),
    st.integers(min_value=1, max_value=5),
    source=st.sampled_from(["self", "manager", "inferred"]),
    validated=st.booleans(),
    last_used=st.one_of(st.none(), st.dates(D(2020, 1, 1), D(2027, 6, 1))),
    recent_evidence=st.integers(min_value=0, max_value=3),
    last_evidence=st.one_of(st.none(), st.dates(D(2020, 1, 1), AS_OF)),
)
_past = st.builds(
    past,
    st.sampled_from(["success", "partial", "failed"]),
    skill_ids=st.frozensets(st.sampled_from([SPARK, AIRFLOW, DBT, PYTORCH])),
    team_id=st.sampled_from([None, 5, 6]),
    label_ids=st.frozensets(st.integers(min_value=1, max_value=3)),
    initiative_id=st.integers(min_value=100, max_value=110),
)


@st.composite
def _candidates(draw: st.DrawFn) -> CandidateFacts:
    raw = draw(_bookings)
    bookings = [
        booking(
            alloc,
            AS_OF + dt.timedelta(days=3 * first),
            None if n is None else AS_OF + dt.timedelta(days=3 * first + 5 * n),
            status,
            initiative_id=i,
        )
        for i, (first, n, alloc, status) in enumerate(raw)
    ]
    return person(
        draw(st.integers(min_value=1, max_value=50)),
        *draw(st.lists(_held, max_size=3, unique_by=lambda h: h.skill_id)),
        capacity=draw(st.sampled_from([0, 50, 80, 100])),
        bookings=bookings,
        history=draw(st.lists(_past, max_size=5)),
        goals=draw(
            st.dictionaries(
                st.sampled_from([SPARK, AIRFLOW, DBT]),
                st.integers(min_value=1, max_value=5),
            )
        ),
        team_id=draw(st.sampled_from([None, 5])),
    )


_roles = st.builds(
    lambda needs, allocation, team_id, labels: role(
        *needs, allocation=allocation, team_id=team_id, label_ids=labels
    ),
    st.lists(
        st.builds(
            need,
            st.sampled_from([SPARK, AIRFLOW, DBT]),
            st.integers(min_value=1, max_value=5),
            st.sampled_from(["must", "nice"]),
        ),
        min_size=1,
        max_size=3,
        unique_by=lambda n: n.skill_id,
    ),
    st.integers(min_value=1, max_value=100),
    st.sampled_from([None, 5]),
    st.frozensets(st.integers(min_value=1, max_value=3)),
)


@settings(max_examples=150, deadline=None)
@given(
    r=_roles,
    c=_candidates(),
    mentors=st.dictionaries(
        st.sampled_from([SPARK, AIRFLOW, DBT]),
        st.lists(st.sampled_from(["Ana Ruiz", "Person 001"]), max_size=2),
    ),
)
def test_terms_come_in_weight_order_and_add_up_to_the_score(r, c, mentors):
    scored = score(r, c, mentors=mentors)
    assert [t.name for t in scored.terms] == list(WEIGHTS)
    for t in scored.terms:
        assert 0.0 <= t.value <= 1.0
        assert t.weight == WEIGHTS[t.name]
        assert t.contribution == round(t.weight * t.value, 4)
        assert t.detail.endswith(".")
    assert round(sum(t.contribution for t in scored.terms), 4) == scored.score
    assert -0.15 <= scored.score <= 1.0
    assert [ch.skill_id for ch in scored.checks] == [n.skill_id for n in r.needs]
    assert 0 <= scored.free <= max(0, c.capacity)


def test_a_perfect_candidate_scores_one():
    r = role(need(SPARK, 3), need(AIRFLOW, 2, "nice"), team_id=5, label_ids=[1])
    history = [past("success", skill_ids=[SPARK, AIRFLOW], team_id=5, label_ids=[1])]
    c = person(
        1,
        held(SPARK, 5, validated=True, last_used=AS_OF),
        held(AIRFLOW, 5, source="manager", last_used=AS_OF),
        history=history * 200,
    )
    scored = score(r, c)
    assert term(scored, "skill_fit").value == 1.0
    assert term(scored, "availability").value == 1.0
    assert term(scored, "track_record").value == pytest.approx(1.0, abs=0.01)
    assert term(scored, "recency").value == 1.0
    assert scored.score == pytest.approx(0.9, abs=0.01)  # growth aside


# -- skill fit and must-have gating ------------------------------------------------


def test_missing_a_must_have_makes_an_alternative_with_the_gap_shown():
    r = role(need(SPARK, 3), need(AIRFLOW, 3), need(DBT, 2, "nice"))
    c = person(1, held(SPARK, 4), held(AIRFLOW, 2))
    scored = score(r, c)
    assert not scored.is_match
    assert [ch.name for ch in scored.missing] == ["Airflow", "dbt"]
    assert [ch.name for ch in scored.matched] == ["Spark"]
    airflow = scored.checks[1]
    assert (airflow.level, airflow.min_level, airflow.met) == (2, 3, False)
    assert scored.checks[2].level is None
    assert (
        "Airflow 2 (must, needs 3, below the minimum"
        in term(scored, "skill_fit").detail
    )
    assert "dbt not held" in term(scored, "skill_fit").detail


def test_missing_only_a_nice_to_have_is_still_a_match():
    r = role(need(SPARK, 3), need(DBT, 2, "nice"))
    assert score(r, person(1, held(SPARK, 3))).is_match


def test_skill_fit_rewards_depth_above_the_minimum_and_weights_musts_double():
    r = role(need(SPARK, 3))
    at_min = term(score(r, person(1, held(SPARK, 3, validated=True))), "skill_fit")
    above = term(score(r, person(1, held(SPARK, 4, validated=True))), "skill_fit")
    top = term(score(r, person(1, held(SPARK, 5, validated=True))), "skill_fit")
    below = term(score(r, person(1, held(SPARK, 2, validated=True))), "skill_fit")
    assert at_min.value == pytest.approx(0.85)
    assert above.value == pytest.approx(0.925)
    assert top.value == pytest.approx(1.0)
    assert below.value == pytest.approx(0.85 * 2 / 3)
    both = role(need(SPARK, 3), need(AIRFLOW, 3, "nice"))
    only_must = score(both, person(1, held(SPARK, 5, validated=True)))
    only_nice = score(both, person(1, held(AIRFLOW, 5, validated=True)))
    assert term(only_must, "skill_fit").value == pytest.approx(2 / 3)
    assert term(only_nice, "skill_fit").value == pytest.approx(1 / 3)


def test_verified_and_evidenced_levels_outrank_self_reported_at_equal_level():
    r = role(need(SPARK, 3))
    link = EvidenceLink("Tune Spark joins", "https://git.example/c/1", AS_OF, "git")
    manager = score(r, person(1, held(SPARK, 4, validated=True)))
    activity = score(
        r,
        person(
            2, held(SPARK, 4, recent_evidence=2, last_evidence=AS_OF, evidence=(link,))
        ),
    )
    inferred = score(r, person(3, held(SPARK, 4, source="inferred")))
    self_only = score(r, person(4, held(SPARK, 4)))
    fits = [
        term(s, "skill_fit").value for s in (manager, activity, inferred, self_only)
    ]
    assert fits == sorted(fits, reverse=True) and len(set(fits)) == 4
    assert manager.score > self_only.score
    assert activity.score > self_only.score
    assert [s.checks[0].verified for s in (manager, activity, inferred, self_only)] == [
        True,
        True,
        False,
        False,
    ]
    assert activity.checks[0].evidence == (link,)
    assert "self-reported" in term(self_only, "skill_fit").detail
    assert "validated by a manager" in term(manager, "skill_fit").detail
    assert "backed by recent activity (2 commits or issues)" in (
        term(activity, "skill_fit").detail
    )


# -- availability ------------------------------------------------------------------


def test_availability_is_the_free_share_of_what_the_role_asks():
    r = role(need(SPARK, 3), allocation=50)
    c = person(1, held(SPARK, 3), bookings=[booking(40)])
    scored = score(r, c)
    availability = term(scored, "availability")
    assert scored.free == 60
    assert availability.value == 1.0
    assert availability.detail == "60% free 1 Dec 2026 – 28 Feb 2027; 50% asked."
    busy = score(r, person(1, held(SPARK, 3), bookings=[booking(80)]))
    assert term(busy, "availability").value == pytest.approx(20 / 50)
    assert busy.score < scored.score


def test_partial_and_proposed_allocations_lower_availability_by_their_share():
    r = role(need(SPARK, 3), allocation=100)
    partial = person(
        1, held(SPARK, 3), bookings=[booking(50, D(2027, 1, 1), D(2027, 1, 15))]
    )
    proposed = person(1, held(SPARK, 3), bookings=[booking(50, status="proposed")])
    assert score(r, partial).free == 50
    assert score(r, proposed).free == 75
    assert term(score(r, proposed), "availability").value == pytest.approx(0.75)


def test_nobody_with_zero_capacity_is_available():
    r = role(need(SPARK, 3))
    scored = score(r, person(1, held(SPARK, 3), capacity=0))
    assert term(scored, "availability").value == 0.0
    assert scored.free == 0


def test_strip_has_one_week_per_monday_and_pulled_from_lists_other_work_largest_first():
    r = role(
        need(SPARK, 3), start=D(2026, 12, 2), end=D(2026, 12, 20), initiative_id=99
    )
    c = person(
        1,
        held(SPARK, 3),
        bookings=[
            booking(20, D(2026, 12, 14), None, initiative_id=7, key="ML-7"),
            booking(60, D(2026, 11, 1), D(2026, 12, 8), initiative_id=8, key="ML-8"),
            booking(
                30, D(2026, 12, 1), None, "proposed", initiative_id=99, key="ML-99"
            ),
            booking(90, D(2027, 1, 1), None, initiative_id=9, key="ML-9"),
        ],
    )
    scored = score(r, c)
    assert [(w.week, w.load, w.free) for w in scored.strip] == [
        (D(2026, 11, 30), 75, 25),
        (D(2026, 12, 7), 75, 25),
        (D(2026, 12, 14), 35, 65),
    ]
    assert [(p.key, p.allocation, p.status) for p in scored.pulled_from] == [
        ("ML-8", 60, "confirmed"),
        ("ML-7", 20, "confirmed"),
    ]


def test_the_strip_stops_at_26_weeks():
    r = role(need(SPARK, 3), start=D(2026, 1, 1), end=D(2027, 12, 31))
    assert len(score(r, person(1, held(SPARK, 3))).strip) == 26


# -- track record ------------------------------------------------------------------


def test_no_history_gives_the_organisation_average():
    scored = score(role(need(SPARK, 3)), person(1, held(SPARK, 3)))
    record = term(scored, "track_record")
    assert record.value == pytest.approx(0.6)
    assert "average of 60%" in record.detail


def test_one_success_does_not_beat_many():
    r = role(need(SPARK, 3), team_id=5)
    one = person(1, held(SPARK, 3), history=[past("success", team_id=5)])
    many = person(
        2,
        held(SPARK, 3),
        history=[past("success", team_id=5, initiative_id=500 + i) for i in range(4)]
        + [past("partial", team_id=5, initiative_id=600)],
    )
    one_value = term(score(r, one), "track_record").value
    many_value = term(score(r, many), "track_record").value
    assert 0.6 < one_value < many_value < 1.0
    # Smoothed: one success moves the average, it does not decide it.
    assert one_value == pytest.approx((0.8 * 1 + 2 * 0.6) / (0.8 + 2))


def test_failures_on_similar_initiatives_lower_the_record_and_unrelated_ones_do_not():
    r = role(need(SPARK, 3), team_id=5, label_ids=[1])
    failed = person(
        1, held(SPARK, 3), history=[past("failed", team_id=5, label_ids=[1])]
    )
    unrelated = person(
        2, held(SPARK, 3), history=[past("failed", skill_ids=[PYTORCH], team_id=6)]
    )
    assert term(score(r, failed), "track_record").value == pytest.approx(2 * 0.6 / 3)
    assert term(score(r, unrelated), "track_record").value == pytest.approx(0.6)
    detail = term(score(r, failed), "track_record").detail
    assert "OLD-500 failed" in detail


def test_the_initiative_being_staffed_is_not_its_own_track_record():
    r = role(need(SPARK, 3), initiative_id=99)
    c = person(1, held(SPARK, 3), history=[past("failed", initiative_id=99)])
    assert term(score(r, c), "track_record").value == pytest.approx(0.6)


# -- recency -----------------------------------------------------------------------


def test_recency_is_full_within_90_days_then_halves_every_year():
    r = role(need(SPARK, 3))

    def recency(**kwargs: object) -> float:
        return term(score(r, person(1, held(SPARK, 3, **kwargs))), "recency").value

    assert recency(last_used=AS_OF - dt.timedelta(days=90)) == 1.0
    assert recency(last_used=AS_OF - dt.timedelta(days=455)) == pytest.approx(0.5)
    assert recency(last_used=AS_OF - dt.timedelta(days=820)) == pytest.approx(0.25)
    assert recency() == 0.0
    # A last_used in the future is not trusted; recent evidence is.
    assert recency(last_used=AS_OF + dt.timedelta(days=10)) == 0.0
    assert recency(last_used=D(2020, 1, 1), last_evidence=AS_OF) == 1.0


def test_recency_weights_musts_double_and_not_held_counts_zero():
    r = role(need(SPARK, 3), need(AIRFLOW, 3, "nice"))
    c = person(1, held(SPARK, 3, last_used=AS_OF))
    scored = score(r, c)
    assert term(scored, "recency").value == pytest.approx(2 / 3)
    assert term(scored, "recency").detail == "Spark used today; Airflow not held."


# -- growth ------------------------------------------------------------------------


GROWTH_ROLE = role(need(SPARK, 3), need(AIRFLOW, 3, "nice"), need(DBT, 2, "nice"))


def test_growth_needs_a_mentor_on_the_proposed_team():
    learner = person(1, held(SPARK, 3), name="Bo Li", goals={AIRFLOW: 3})
    alone = score(GROWTH_ROLE, learner)
    assert term(alone, "growth").value == 0.0
    assert (
        "nobody on the proposed team can mentor it yet" in term(alone, "growth").detail
    )
    mentored = score(GROWTH_ROLE, learner, mentors={AIRFLOW: ["Ana Ruiz"]})
    growth = term(mentored, "growth")
    assert growth.value == pytest.approx(0.5)  # one of two nice-to-haves
    assert (
        growth.detail
        == "Wants to learn Airflow; Ana Ruiz on the proposed team can mentor."
    )
    assert mentored.mentors == (("Airflow", "Ana Ruiz"),)
    assert mentored.score > alone.score


def test_nobody_mentors_themselves():
    learner = person(1, held(SPARK, 3), name="Ana Ruiz", goals={AIRFLOW: 3})
    scored = score(GROWTH_ROLE, learner, mentors={AIRFLOW: ["Ana Ruiz"]})
    assert term(scored, "growth").value == 0.0
    other = score(GROWTH_ROLE, learner, mentors={AIRFLOW: ["Ana Ruiz", "Cy Ng"]})
    assert other.mentors == (("Airflow", "Cy Ng"),)


def test_growth_is_only_for_people_meeting_every_must_have():
    learner = person(1, held(SPARK, 2), goals={AIRFLOW: 3})
    scored = score(GROWTH_ROLE, learner, mentors={AIRFLOW: ["Ana Ruiz"]})
    assert term(scored, "growth").value == 0.0
    assert "meeting every must-have" in term(scored, "growth").detail


def test_growth_needs_a_goal_above_the_current_level():
    reached = person(1, held(SPARK, 3), held(AIRFLOW, 3), goals={AIRFLOW: 3})
    climbing = person(1, held(SPARK, 3), held(AIRFLOW, 2), goals={AIRFLOW: 3, DBT: 4})
    mentors = {AIRFLOW: ["Ana Ruiz"], DBT: ["Cy Ng"]}
    assert term(score(GROWTH_ROLE, reached, mentors=mentors), "growth").value == 0.0
    assert term(score(GROWTH_ROLE, climbing, mentors=mentors), "growth").value == 1.0


# -- load --------------------------------------------------------------------------


def test_load_pushes_over_committed_people_down():
    r = role(need(SPARK, 3), allocation=20, start=D(2027, 6, 1), end=D(2027, 8, 31))
    soon = AS_OF + dt.timedelta(days=3)
    full = person(1, held(SPARK, 3), bookings=[booking(100, AS_OF, D(2026, 12, 31))])
    over = person(
        2,
        held(SPARK, 3),
        bookings=[
            booking(100, AS_OF, D(2026, 12, 31), key="ML-1"),
            booking(30, soon, D(2026, 12, 31), initiative_id=2, key="ML-2"),
        ],
    )
    fine, pushed = score(r, full), score(r, over)
    assert term(fine, "load").value == 0.0
    assert term(pushed, "load").value == pytest.approx(30 / 50)
    assert term(pushed, "load").contribution == pytest.approx(-0.09)
    assert pushed.score < fine.score
    assert term(pushed, "load").detail == (
        "Over-committed: 130% booked in the next 4 weeks against 100% capacity "
        "(ML-1 100% and ML-2 30%)."
    )


def test_load_counts_only_the_next_four_weeks():
    r = role(need(SPARK, 3))
    later = person(
        1, held(SPARK, 3), bookings=[booking(150, AS_OF + dt.timedelta(days=28))]
    )
    assert term(score(r, later), "load").value == 0.0
    assert term(score(r, later), "load").detail == "Nothing booked in the next 4 weeks."


def test_similarity_is_the_same_from_the_shared_skills_and_their_count():
    # facts.py reads of a past initiative only the skills the request asks for
    # too, and how many it asked for in all: the track record must not change.
    r = role(need(SPARK, 3), need(AIRFLOW, 2, "nice"))
    whole = past("success", skill_ids=[SPARK, DBT, RUST])
    shared = dataclasses.replace(whole, skill_ids=frozenset({SPARK}), skill_count=3)
    other = past("failed", skill_ids=[DBT], initiative_id=501)
    for history in ([whole, other], [shared, other]):
        c = person(1, held(SPARK, 4), history=history)
        value = term(score(r, c), "track_record").value
        # Jaccard({Spark, dbt, Rust}, {Spark, Airflow}) = 1/4; dbt alone shares
        # nothing, so only the success counts: (0.125 * 1 + 2 * 0.6) / 2.125.
        assert value == pytest.approx((0.125 + 2 * 0.6) / 2.125, abs=1e-4)

"""Computing and storing a request's suggestions, and reading them back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teamhub.staffing import suggest
from teamhub.staffing.facts import candidate_facts, prior_success, role_specs
from teamhub.staffing.models import StaffingRequest, Suggestion
from teamhub.staffing.receivers import open_requests_mark_stale
from teamhub.staffing.records import ScoringContext
from teamhub.staffing.selectors import (
    request_suggestions,
    role_suggestions,
    staffing_request_detail,
    staffing_requests,
)
from teamhub.staffing.suggestions import request_compute, stale_requests_compute
from tests.factories import InitiativeFactory
from tests.staffing.builders import (
    TODAY,
    history_build,
    need,
    people_build,
    person_build,
    request_build,
    role,
    suggestion_build,
)

pytestmark = pytest.mark.django_db


def rows(role):
    return list(
        Suggestion.objects.filter(role=role)
        .order_by("rank")
        .values_list("person__user__first_name", "kind", "rank", "in_team", "status")
    )


def test_compute_stores_ranked_matches_then_alternatives_and_the_team(
    staffing_request, ml_role, candidates
):
    result = request_compute(request=staffing_request)
    assert rows(ml_role) == [
        ("Ana", "match", 1, True, "open"),
        ("Ben", "match", 2, False, "open"),
        ("Cleo", "alternative", 3, False, "open"),
    ]
    ana = Suggestion.objects.get(role=ml_role, person=candidates["ana"])
    ranking = result.rankings[ml_role.pk]
    assert ana.terms == ranking.matches[0].as_json()
    assert ana.score == pytest.approx(ranking.matches[0].score)
    staffing_request.refresh_from_db()
    assert staffing_request.team["members"] == {str(ml_role.pk): [candidates["ana"].pk]}
    assert staffing_request.team["method"] == result.team.method
    assert staffing_request.team["totals"] == {
        str(ml_role.pk): {"matches": 2, "alternatives": 1}
    }
    assert staffing_request.computed_at is not None


def test_recompute_keeps_ids_and_decisions_and_drops_who_is_gone(
    manager, staffing_request, ml_role, candidates
):
    request_compute(request=staffing_request)
    ids = dict(Suggestion.objects.filter(role=ml_role).values_list("person_id", "pk"))
    cleo = Suggestion.objects.get(pk=ids[candidates["cleo"].pk])
    cleo.status = "rejected"
    cleo.reason = "No"
    cleo.save()
    # Ben loses PyTorch: he is no candidate any more.
    candidates["ben"].skills.all().delete()
    request_compute(request=staffing_request)
    now = dict(Suggestion.objects.filter(role=ml_role).values_list("person_id", "pk"))
    assert now == {
        candidates["ana"].pk: ids[candidates["ana"].pk],
        candidates["cleo"].pk: ids[candidates["cleo"].pk],
    }
    assert Suggestion.objects.get(pk=cleo.pk).status == "rejected"


def test_accepted_and_locked_picks_are_fixed_and_rejected_excluded(
    staffing_request, ml_role, candidates, monkeypatch
):
    suggestion_build(ml_role, candidates["ben"], status="accepted")
    suggestion_build(ml_role, candidates["cleo"], locked=True)
    suggestion_build(ml_role, candidates["ana"], status="rejected")
    seen = {}
    original = suggest.request_suggest

    def spy(**kwargs):
        seen.update(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(suggest, "request_suggest", spy)
    request_compute(request=staffing_request)
    assert seen["fixed"] == {ml_role.pk: [candidates["ben"].pk, candidates["cleo"].pk]}
    assert seen["excluded"] == {ml_role.pk: {candidates["ana"].pk}}
    team = {s.person_id for s in role_suggestions(role=ml_role).team}
    assert team == {candidates["ben"].pk, candidates["cleo"].pk}
    assert Suggestion.objects.get(person=candidates["ana"]).in_team is False


def test_compute_clears_stale_when_nothing_changed_meanwhile(
    staffing_request, candidates
):
    StaffingRequest.objects.update(stale_since=timezone.now() - dt.timedelta(1))
    request_compute(request=staffing_request)
    assert StaffingRequest.objects.get().stale_since is None
    assert staffing_request.stale_since is None


def test_a_change_during_the_computation_keeps_the_request_stale(
    staffing_request, candidates, monkeypatch
):
    StaffingRequest.objects.update(stale_since=timezone.now() - dt.timedelta(1))
    original = suggest.request_suggest

    def meanwhile(**kwargs):
        open_requests_mark_stale()  # a skill changed while scoring
        return original(**kwargs)

    monkeypatch.setattr(suggest, "request_suggest", meanwhile)
    request_compute(request=staffing_request)
    found = StaffingRequest.objects.get()
    assert found.computed_at is not None
    assert found.stale_since is not None


def test_a_closed_request_is_not_rewritten(staffing_request, ml_role, candidates):
    StaffingRequest.objects.update(status="closed")
    request_compute(request=staffing_request)
    assert not Suggestion.objects.exists()
    assert StaffingRequest.objects.get().computed_at is None


def test_stale_requests_compute_does_every_open_stale_one(candidates, pytorch):
    stale = request_build(roles=[role(skills=[need(pytorch, 3)])])
    fresh = request_build(roles=[role(skills=[need(pytorch, 3)])])
    closed = request_build(roles=[role(skills=[need(pytorch, 3)])], status="closed")
    StaffingRequest.objects.filter(pk__in=[stale.pk, closed.pk]).update(
        stale_since=timezone.now()
    )
    assert stale_requests_compute() == 1
    computed = set(
        StaffingRequest.objects.filter(computed_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert computed == {stale.pk}
    assert fresh.pk not in computed


def test_request_compute_query_count_is_the_same_for_10_and_200_people(
    staffing_request,
):
    # Each count is of a recompute with nothing new to insert or delete (the
    # first computation after a change inserts rows, a bounded number of them).
    people_build(10)
    request_compute(request=staffing_request)
    with CaptureQueriesContext(connection) as few:
        request_compute(request=staffing_request)
    people_build(190)
    request_compute(request=staffing_request)
    with CaptureQueriesContext(connection) as many:
        request_compute(request=staffing_request)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert Suggestion.objects.filter(role__request=staffing_request).count() <= 30


# -- selectors ---------------------------------------------------------------------


def test_staffing_requests_counts_without_multiplying_joins(
    staffing_request, ml_role, candidates, pytorch
):
    request_build(
        initiative=staffing_request.initiative,
        roles=[role(skills=[need(pytorch, 3)], headcount=3), role(headcount=2)],
    )
    suggestion_build(ml_role, candidates["ana"], status="accepted")
    suggestion_build(ml_role, candidates["ben"], status="accepted")
    suggestion_build(ml_role, candidates["cleo"])
    found = {r.pk: r for r in staffing_requests()}
    mine = found[staffing_request.pk]
    assert (mine.role_count, mine.headcount, mine.accepted) == (1, 1, 2)
    other = next(r for pk, r in found.items() if pk != staffing_request.pk)
    assert (other.role_count, other.headcount, other.accepted) == (2, 5, 0)
    assert list(staffing_requests(status="closed")) == []
    other_initiative = InitiativeFactory()
    assert list(staffing_requests(initiative_id=other_initiative.pk)) == []


def test_staffing_request_detail_prefetches_roles_and_skills(
    staffing_request, django_assert_num_queries
):
    with django_assert_num_queries(3):
        found = staffing_request_detail(pk=staffing_request.pk)
        names = [s.skill.name for r in found.roles.all() for s in r.skills.all()]
        assert found.initiative.team.name == "Data Science"
    assert names == ["PyTorch", "SQL"]
    with pytest.raises(StaffingRequest.DoesNotExist):
        staffing_request_detail(pk=999)


def test_role_suggestions_sort_decisions_and_team(
    staffing_request, ml_role, candidates
):
    ana = suggestion_build(ml_role, candidates["ana"], rank=1, in_team=True)
    ben = suggestion_build(ml_role, candidates["ben"], rank=2, status="accepted")
    cleo = suggestion_build(
        ml_role, candidates["cleo"], rank=3, kind="alternative", status="rejected"
    )
    dan = suggestion_build(
        ml_role, person_build("Dan Diaz"), rank=4, kind="alternative"
    )
    found = role_suggestions(role=ml_role)
    assert found.matches == [ana, ben]
    assert found.alternatives == [dan]
    assert found.rejected == [cleo]
    assert found.accepted == [ben]
    assert found.team == [ana]
    assert (found.match_total, found.alternative_total) == (2, 1)
    assert found.stale is False and found.computed_at is None


def test_request_suggestions_reads_every_role_in_constant_queries(
    staffing_request, candidates, pytorch, django_assert_num_queries
):
    request = request_build(
        roles=[
            role("A", skills=[need(pytorch, 3)]),
            role("B", skills=[need(pytorch, 2)]),
        ]
    )
    request_compute(request=request)
    request_compute(request=staffing_request)
    with django_assert_num_queries(2):
        found = request_suggestions(request=request)
        names = [s.person.name for r in found.values() for s in r.matches]
        teams = [s.person.team.name for r in found.values() for s in r.matches]
    assert [r.role.role for r in found.values()] == ["A", "B"]
    assert "Ana Ruiz" in names and teams


# -- only the contenders carry a track record ----------------------------------------


def _everyone_ranked(staffing_request):
    """The ranking computed from every candidate's full facts."""
    roles = role_specs(staffing_request)
    today = timezone.localdate()
    return suggest.request_suggest(
        roles=roles,
        candidates=candidate_facts(roles=roles, as_of=today),
        context=ScoringContext(as_of=today, prior_success=prior_success(before=today)),
    )


def _shown(result):
    return {
        role_id: (
            [(c.person_id, c.score) for c in r.matches],
            [(c.person_id, c.score) for c in r.alternatives],
            r.match_total,
            r.alternative_total,
        )
        for role_id, r in result.rankings.items()
    }


def test_stored_ranking_equals_the_one_from_everyones_full_facts(
    staffing_request, pytorch, sql
):
    # 40 people: matches and alternatives at many distances, each with past work
    # (a track record moves scores, so leaving out anyone shown would show).
    for i in range(40):
        person = person_build(
            f"P{i:02d} Person", skills={pytorch: 1 + i % 5, sql: 1 + (i * 3) % 5}
        )
        history_build(
            person, outcome=("success", "failed", "partial")[i % 3], skills=[pytorch]
        )
    computed = request_compute(request=staffing_request)
    full = _everyone_ranked(staffing_request)
    assert _shown(computed) == _shown(full)
    (ranking,) = computed.rankings.values()
    assert ranking.alternative_total > suggest.KEEP_ALTERNATIVES  # some left out
    assert computed.team.members == full.team.members


def test_contenders_are_the_matches_and_the_closest_alternatives(
    staffing_request, pytorch, sql
):
    roles = role_specs(staffing_request)  # PyTorch >= 3 must, SQL >= 2 nice
    people = {
        name: person_build(name, skills=skills)
        for name, skills in {
            "Ana Match": {pytorch: 4},
            "Ben Close": {pytorch: 2, sql: 4},
            "Cleo Tied": {pytorch: 2, sql: 4},
            "Dan Far": {pytorch: 1},
            "Eve Sqlonly": {sql: 5},
        }.items()
    }
    for person in people.values():
        history_build(person, skills=[pytorch])
    facts = {
        f.name: f for f in candidate_facts(roles=roles, as_of=TODAY, alternatives=1)
    }
    # Ben and Cleo tie as the closest alternative: both are kept with theirs.
    assert {n for n, f in facts.items() if f.history} == {
        "Ana Match", "Ben Close", "Cleo Tied"
    }  # fmt: skip
    assert set(facts) == set(people)  # everyone is still a candidate (counted)
    rejected = {roles[0].role_id: {people["Ben Close"].pk}}
    facts = {
        f.name: f
        for f in candidate_facts(
            roles=roles,
            as_of=TODAY,
            alternatives=1,
            excluded=rejected,
            include={people["Eve Sqlonly"].pk},
        )
    }
    assert {n for n, f in facts.items() if f.history} == {
        "Ana Match", "Cleo Tied", "Eve Sqlonly"
    }  # fmt: skip

"""facts.py reads what scoring needs about roles and candidates, in bulk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teamhub.initiatives.models import Label
from teamhub.staffing.facts import candidate_facts, prior_success, role_specs
from tests.factories import InitiativeFactory
from tests.staffing.builders import (
    TODAY,
    WINDOW_END,
    WINDOW_START,
    booking_build,
    evidence_build,
    history_build,
    need,
    people_build,
    person_build,
    request_build,
    role,
)

pytestmark = pytest.mark.django_db


def facts_by_name(roles, **kwargs):
    kwargs.setdefault("as_of", TODAY)
    return {f.name: f for f in candidate_facts(roles=roles, **kwargs)}


# -- role_specs ------------------------------------------------------------------


def test_role_specs_lists_roles_in_order_with_musts_first(initiative, pytorch, sql):
    label = Label.objects.create(name="NLP")
    initiative.labels.add(label)
    request = request_build(
        initiative=initiative,
        roles=[
            role(
                "ML engineer",
                skills=[need(sql, 2, "nice"), need(pytorch, 4)],
                headcount=2,
                allocation=60,
            ),
            role("Analyst", skills=[need(sql, 3)]),
        ],
    )
    first, second = role_specs(request)
    ml = request.roles.get(role="ML engineer")
    assert first.role_id == ml.pk
    assert (first.title, first.headcount, first.allocation) == ("ML engineer", 2, 60)
    assert (first.start, first.end) == (WINDOW_START, WINDOW_END)
    assert [(n.name, n.min_level, n.importance) for n in first.needs] == [
        ("PyTorch", 4, "must"),
        ("SQL", 2, "nice"),
    ]
    assert first.initiative_id == initiative.pk
    assert first.team_id == initiative.team_id
    assert first.label_ids == frozenset({label.pk})
    assert second.title == "Analyst"


# -- candidate_facts: who ----------------------------------------------------------


def test_candidates_are_active_people_holding_any_requested_skill(
    staffing_request, pytorch, sql
):
    person_build("Low Level", skills={pytorch: 1})
    person_build("Only Nice", skills={sql: 2})
    person_build("Gone Away", skills={pytorch: 5}, active=False)
    person_build("Other Skill", skills={"Excel": 5})
    found = facts_by_name(role_specs(staffing_request))
    assert set(found) == {"Low Level", "Only Nice"}


def test_candidate_holds_only_the_requested_skills_with_their_sources(
    staffing_request, pytorch, ds_team, manager
):
    from django.utils import timezone

    person_build(
        "Ana Ruiz",
        team=ds_team,
        capacity="0.8",
        skills={
            pytorch: {
                "level": 4,
                "source": "manager",
                "last_used": TODAY - dt.timedelta(days=30),
                "validated_by": manager,
                "validated_at": timezone.now(),
            },
            "Excel": 5,
        },
        goals={"SQL": 3, "Excel": 4},
    )
    ana = facts_by_name(role_specs(staffing_request))["Ana Ruiz"]
    assert ana.capacity == 80
    assert (ana.team_id, ana.team_name) == (ds_team.pk, "Data Science")
    assert set(ana.skills) == {pytorch.pk}
    held = ana.skills[pytorch.pk]
    assert (held.level, held.source, held.validated) == (4, "manager", True)
    assert held.last_used == TODAY - dt.timedelta(days=30)
    sql_id = staffing_request.roles.get().skills.get(skill__name="SQL").skill_id
    assert ana.goals == {sql_id: 3}


def test_name_falls_back_to_username(staffing_request, pytorch):
    person = person_build(skills={pytorch: 3})
    person.user.first_name = person.user.last_name = ""
    person.user.save()
    (facts,) = candidate_facts(roles=role_specs(staffing_request), as_of=TODAY)
    assert facts.name == person.user.username


# -- evidence ----------------------------------------------------------------------


def test_evidence_counts_the_last_year_and_links_the_three_newest(
    staffing_request, pytorch
):
    ana = person_build("Ana Ruiz", skills={pytorch: 3})
    for days in (5, 40, 100, 200):
        evidence_build(
            ana, pytorch, at=TODAY - dt.timedelta(days=days), title=f"{days} days ago"
        )
    evidence_build(ana, pytorch, at=TODAY - dt.timedelta(days=400))  # too old
    evidence_build(ana, "Excel", at=TODAY - dt.timedelta(days=3))  # other skill
    jira = evidence_build(
        ana,
        pytorch,
        at=TODAY - dt.timedelta(days=1),
        source="jira",
        title="ML-7 Train model",
        url="https://jira.example.com/browse/ML-7",
    )
    held = facts_by_name(role_specs(staffing_request))["Ana Ruiz"].skills[pytorch.pk]
    assert held.recent_evidence == 5
    assert held.last_evidence == jira.at.date()
    assert [e.title for e in held.evidence] == [
        "ML-7 Train model",
        "5 days ago",
        "40 days ago",
    ]
    first = held.evidence[0]
    assert (first.url, first.source) == ("https://jira.example.com/browse/ML-7", "jira")


def test_no_evidence_means_zero(staffing_request, pytorch):
    person_build("Ana Ruiz", skills={pytorch: 3})
    held = facts_by_name(role_specs(staffing_request))["Ana Ruiz"].skills[pytorch.pk]
    assert (held.recent_evidence, held.last_evidence, held.evidence) == (0, None, ())


# -- bookings ----------------------------------------------------------------------


def test_bookings_are_confirmed_and_proposed_work_not_yet_ended(
    staffing_request, pytorch
):
    ana = person_build("Ana Ruiz", skills={pytorch: 3})
    current = InitiativeFactory(key="FRAUD-2", title="Fraud")
    booking_build(ana, initiative=current, allocation=40, end=None)
    booking_build(ana, allocation=30, status="proposed")
    booking_build(ana, allocation=20, start=TODAY - dt.timedelta(days=9), end=TODAY)
    booking_build(ana, start=TODAY - dt.timedelta(days=90), end=TODAY - dt.timedelta(1))
    booking_build(ana, status="finished", outcome="success")
    bookings = facts_by_name(role_specs(staffing_request))["Ana Ruiz"].bookings
    assert sorted((b.allocation, b.status) for b in bookings) == [
        (20, "confirmed"),
        (30, "proposed"),
        (40, "confirmed"),
    ]
    fraud = next(b for b in bookings if b.allocation == 40)
    assert (fraud.key, fraud.title, fraud.end) == ("FRAUD-2", "Fraud", None)
    assert fraud.initiative_id == current.pk


# -- history -----------------------------------------------------------------------


def test_history_is_finished_work_with_an_outcome_ended_before_as_of(
    staffing_request, pytorch, spark
):
    ana = person_build("Ana Ruiz", skills={pytorch: 3})
    label = Label.objects.create(name="Fraud")
    past = InitiativeFactory(key="OLD-1")
    past.labels.add(label)
    history_build(ana, initiative=past, outcome="partial", skills=[pytorch, spark])
    history_build(ana, outcome="cancelled", skills=[pytorch])
    history_build(
        ana, outcome="success", ended=TODAY + dt.timedelta(days=3), skills=[pytorch]
    )
    booking_build(
        ana,
        status="finished",
        outcome=None,
        start=TODAY - dt.timedelta(days=50),
        end=TODAY - dt.timedelta(days=9),
    )
    (work,) = facts_by_name(role_specs(staffing_request))["Ana Ruiz"].history
    assert (work.initiative_id, work.key, work.outcome) == (past.pk, "OLD-1", "partial")
    # The skills it asked for that the request asks for too, and how many in all
    # (the request asks for PyTorch only).
    assert work.skill_ids == frozenset({pytorch.pk})
    assert work.skill_count == 2
    assert work.label_ids == frozenset({label.pk})
    assert work.team_id == past.team_id
    assert work.ended == TODAY - dt.timedelta(days=60)


def test_history_is_only_work_similar_to_the_roles(
    staffing_request, pytorch, initiative
):
    """Similar: it asked for one of the roles' skills, or shares the team or a
    label of the initiative staffed (anything else weighs nothing in scoring)."""
    label = Label.objects.create(name="Churn")
    initiative.labels.add(label)
    ana = person_build("Ana Ruiz", skills={pytorch: 3})
    by_skill = history_build(ana, skills=[pytorch]).initiative
    by_team = history_build(ana, initiative=InitiativeFactory(team=initiative.team))
    tagged = InitiativeFactory()
    tagged.labels.add(label)
    by_label = history_build(ana, initiative=tagged).initiative
    history_build(ana, skills=["Excel"])  # unrelated: other skill, team, labels
    found = facts_by_name(role_specs(staffing_request))["Ana Ruiz"].history
    assert {w.initiative_id for w in found} == {
        by_skill.pk,
        by_team.initiative_id,
        by_label.pk,
    }


def test_history_leaves_out_the_initiative_being_staffed(
    staffing_request, pytorch, initiative
):
    ana = person_build("Ana Ruiz", skills={pytorch: 3})
    history_build(ana, initiative=initiative, outcome="failed")
    assert facts_by_name(role_specs(staffing_request))["Ana Ruiz"].history == ()


# -- replay ------------------------------------------------------------------------


def test_replay_counts_only_what_was_known_before_as_of(staffing_request, pytorch):
    as_of = TODAY - dt.timedelta(days=100)
    staffed = InitiativeFactory(key="REPLAY-1")
    ana = person_build(
        "Ana Ruiz",
        skills={pytorch: {"level": 4, "last_used": TODAY - dt.timedelta(days=10)}},
    )
    # Bookings running on as_of, whatever their status now, as confirmed...
    booking_build(
        ana,
        allocation=30,
        status="finished",
        outcome="success",
        start=as_of - dt.timedelta(days=50),
        end=as_of + dt.timedelta(days=20),
    )
    booking_build(ana, allocation=20, status="proposed", start=as_of, end=None)
    # ... but not the initiative replayed, nor work that started later.
    booking_build(
        ana, initiative=staffed, start=as_of - dt.timedelta(days=5), end=TODAY
    )
    booking_build(ana, start=as_of + dt.timedelta(days=1), end=TODAY)
    history_build(
        ana, outcome="success", ended=as_of - dt.timedelta(days=10), skills=[pytorch]
    )
    # Work finished since is no history yet: it was running (booked) on as_of.
    history_build(
        ana, outcome="failed", ended=as_of + dt.timedelta(days=10), allocation=15
    )
    evidence_build(ana, pytorch, at=as_of - dt.timedelta(days=3), title="before")
    evidence_build(ana, pytorch, at=as_of, title="on the day")
    evidence_build(ana, pytorch, at=as_of + dt.timedelta(days=3), title="after")

    facts = facts_by_name(
        role_specs(staffing_request),
        as_of=as_of,
        replay=True,
        exclude_initiative_id=staffed.pk,
    )["Ana Ruiz"]
    assert sorted((b.allocation, b.status) for b in facts.bookings) == [
        (15, "confirmed"),
        (20, "confirmed"),
        (30, "confirmed"),
    ]
    assert [w.outcome for w in facts.history] == ["success"]
    held = facts.skills[pytorch.pk]
    assert held.last_used is None  # known only later
    assert held.recent_evidence == 1
    assert [e.title for e in held.evidence] == ["before"]


def test_replay_ignores_a_validation_made_later(staffing_request, pytorch, manager):
    from django.utils import timezone

    person_build(
        "Ana Ruiz",
        skills={pytorch: {"level": 4, "validated_at": timezone.now()}},
    )
    roles = role_specs(staffing_request)
    now = facts_by_name(roles)["Ana Ruiz"].skills[pytorch.pk]
    then = facts_by_name(roles, as_of=TODAY - dt.timedelta(days=30), replay=True)[
        "Ana Ruiz"
    ].skills[pytorch.pk]
    assert (now.validated, then.validated) == (True, False)


# -- prior_success -----------------------------------------------------------------


def test_prior_success_is_the_organisation_rate_before_a_date():
    ana = person_build("Ana Ruiz")
    history_build(ana, outcome="success")
    history_build(ana, outcome="partial")
    history_build(ana, outcome="failed")
    history_build(ana, outcome="success")
    history_build(ana, outcome="cancelled")  # left out
    history_build(ana, outcome="failed", ended=TODAY + dt.timedelta(days=1))  # later
    assert prior_success(before=TODAY + dt.timedelta(days=1)) == pytest.approx(2.5 / 4)
    assert prior_success(before=TODAY + dt.timedelta(days=2)) == pytest.approx(2.5 / 5)


def test_prior_success_is_one_half_without_history():
    assert prior_success(before=TODAY) == 0.5


# -- scale ---------------------------------------------------------------------------


def _queries(roles):
    with CaptureQueriesContext(connection) as ctx:
        facts = candidate_facts(roles=roles, as_of=TODAY)
    return len(ctx.captured_queries), facts


def test_candidate_facts_runs_the_same_queries_for_10_and_200_people(
    staffing_request,
):
    roles = role_specs(staffing_request)
    people_build(10)
    few, facts = _queries(roles)
    assert len(facts) == 10
    people_build(190)
    many, facts = _queries(roles)
    assert len(facts) == 200
    assert few == many <= 10
    assert all(f.bookings and f.history and f.goals for f in facts)
    assert all(f.skills[roles[0].needs[0].skill_id].evidence for f in facts)


def test_candidate_facts_without_skills_is_empty(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert candidate_facts(roles=[], as_of=TODAY) == []

"""The staffing services: creating requests, and the manager's decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.dashboard.freshness import PendingChanges
from teamhub.initiatives.models import Assignment
from teamhub.staffing import services
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)
from teamhub.staffing.selectors import request_suggestions, role_suggestions
from teamhub.staffing.services import RoleInput, SkillInput
from teamhub.staffing.suggestions import request_compute
from tests.factories import UserFactory
from tests.staffing.builders import (
    WINDOW_END,
    WINDOW_START,
    booking_build,
    need,
    person_build,
    request_build,
    role,
    suggestion_build,
)

pytestmark = pytest.mark.django_db


def counts():
    return (
        StaffingRequest.objects.count(),
        RoleRequirement.objects.count(),
        RequiredSkill.objects.count(),
        Suggestion.objects.filter(status="accepted").count(),
        Assignment.objects.count(),
        AuditEvent.objects.count(),
    )


def role_input(skills, **kw):
    fields = {
        "title": "ML engineer",
        "headcount": 1,
        "allocation": 50,
        "start": WINDOW_START,
        "end": WINDOW_END,
        "skills": skills,
    }
    fields.update(kw)
    return RoleInput(**fields)


# -- create ------------------------------------------------------------------------


def test_create_writes_roles_and_skills_audits_and_computes_on_commit(
    manager, initiative, pytorch, sql, candidates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = services.staffing_request_create(
            actor=manager,
            initiative=initiative,
            note="  For the Q3 launch ",
            roles=[
                role_input(
                    [SkillInput(pytorch, 3), SkillInput(sql, 2, "nice")],
                    title="  ML   engineer ",
                    headcount=2,
                ),
                role_input([SkillInput(sql, 3)], title="Analyst", allocation=20),
            ],
        )
    created.refresh_from_db()
    assert (created.created_by, created.note, created.status) == (
        manager,
        "For the Q3 launch",
        "open",
    )
    ml, analyst = created.roles.order_by("position")
    assert (ml.role, ml.headcount, ml.allocation) == ("ML engineer", 2, 50)
    assert {(s.skill.name, s.min_level, s.importance) for s in ml.skills.all()} == {
        ("PyTorch", 3, "must"),
        ("SQL", 2, "nice"),
    }
    assert analyst.position == 1
    assert AuditEvent.objects.filter(verb="staffing.request_created").count() == 1
    # The task ran once the request was committed: suggestions are stored.
    assert created.computed_at is not None
    assert Suggestion.objects.filter(role=ml).exists()


@pytest.mark.parametrize(
    ("change", "key", "text"),
    [
        ({"skills": []}, "roles.0.skills", "add at least one required skill"),
        ({"allocation": 0}, "roles.0.allocation", "from 1 to 100% (got 0%)"),
        ({"allocation": 101}, "roles.0.allocation", "from 1 to 100% (got 101%)"),
        ({"headcount": 0}, "roles.0.headcount", "from 1 to 50"),
        ({"headcount": 51}, "roles.0.headcount", "from 1 to 50"),
        ({"title": "  "}, "roles.0.title", "give the role a title"),
        (
            {"end": WINDOW_START - dt.timedelta(days=1)},
            "roles.0.end",
            "is before the start",
        ),
        ({"min_level": 0}, "roles.0.skills.0.min_level", "from 1 to 5 (got 0)"),
        ({"min_level": 6}, "roles.0.skills.0.min_level", "from 1 to 5 (got 6)"),
        ({"importance": "maybe"}, "roles.0.skills.0.importance", "“must” or “nice”"),
        ({"twice": True}, "roles.0.skills.1.skill", "PyTorch is listed twice"),
    ],
)
def test_create_refuses_bad_roles_and_writes_nothing(
    manager, initiative, pytorch, change, key, text
):
    change = dict(change)
    skill = SkillInput(
        pytorch, change.pop("min_level", 3), change.pop("importance", "must")
    )
    skills = [skill, skill] if change.pop("twice", False) else [skill]
    if "skills" in change:
        skills = change.pop("skills")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.staffing_request_create(
            actor=manager,
            initiative=initiative,
            roles=[role_input(skills, **change)],
        )
    messages = caught.value.message_dict
    assert key in messages
    assert text in " ".join(messages[key])
    assert "Role 1" in " ".join(messages[key])
    assert counts() == before


def test_create_without_roles_is_refused(manager, initiative):
    with pytest.raises(ValidationError) as caught:
        services.staffing_request_create(actor=manager, initiative=initiative, roles=[])
    assert "at least one role" in caught.value.message_dict["roles"][0]
    assert StaffingRequest.objects.count() == 0


def test_create_names_the_second_role_by_position_and_title(
    manager, initiative, pytorch
):
    good = role_input([SkillInput(pytorch, 3)])
    bad = role_input([], title="Data engineer")
    with pytest.raises(ValidationError) as caught:
        services.staffing_request_create(
            actor=manager, initiative=initiative, roles=[good, bad]
        )
    (message,) = caught.value.message_dict["roles.1.skills"]
    assert message.startswith("Role 2 “Data engineer”:")
    assert RoleRequirement.objects.count() == 0


@pytest.mark.parametrize("role_name", ["data_scientist", "stakeholder", None])
def test_only_managers_create_requests(role_name, initiative, pytorch):
    actor = UserFactory(roles=[role_name] if role_name else [])
    with pytest.raises(PermissionDenied):
        services.staffing_request_create(
            actor=actor,
            initiative=initiative,
            roles=[role_input([SkillInput(pytorch, 3)])],
        )
    assert StaffingRequest.objects.count() == 0


def test_admins_create_requests(initiative, pytorch):
    admin = UserFactory(roles=["admin"])
    created = services.staffing_request_create(
        actor=admin, initiative=initiative, roles=[role_input([SkillInput(pytorch, 3)])]
    )
    assert created.created_by == admin


# -- accept ------------------------------------------------------------------------


def test_accept_creates_a_proposed_assignment_audits_and_notifies(
    manager, ml_role, candidates, initiative, django_capture_on_commit_callbacks
):
    ana = candidates["ana"]
    suggestion = suggestion_build(ml_role, ana)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.suggestion_accept(actor=manager, suggestion=suggestion)
    assert (assignment.person, assignment.initiative) == (ana, initiative)
    assert (assignment.role, assignment.allocation, assignment.status) == (
        "ML engineer",
        50,
        "proposed",
    )
    assert (assignment.start, assignment.end) == (WINDOW_START, WINDOW_END)
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"
    assert (suggestion.decided_by, suggestion.assignment) == (manager, assignment)
    assert suggestion.decided_at is not None
    assert AuditEvent.objects.filter(verb="staffing.suggestion_accepted").count() == 1
    (sent,) = mail.outbox
    assert sent.to == [ana.user.email]
    assert "ML engineer" in sent.subject and "CHURN-1" in sent.subject
    assert "50%" in sent.body


def test_accepting_twice_is_a_conflict_naming_who_and_when(
    manager, ml_role, candidates
):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    services.suggestion_accept(actor=manager, suggestion=suggestion)
    before = counts()
    with pytest.raises(Conflict) as caught:
        services.suggestion_accept(actor=manager, suggestion=suggestion)
    text = caught.value.detail
    assert "Ana Ruiz was already accepted" in text
    assert manager.get_full_name() in text
    assert counts() == before


def test_accepting_a_rejected_suggestion_is_a_conflict(manager, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    services.suggestion_reject(actor=manager, suggestion=suggestion, reason="On leave")
    with pytest.raises(Conflict, match="already rejected"):
        services.suggestion_accept(actor=manager, suggestion=suggestion)
    assert Assignment.objects.count() == 0


def test_accepting_someone_who_became_unavailable_is_refused_with_numbers(
    manager, ml_role, candidates
):
    ana = candidates["ana"]
    suggestion = suggestion_build(ml_role, ana)
    booking_build(ana, allocation=80)  # confirmed since the suggestion
    before = counts()
    with pytest.raises(Conflict) as caught:
        services.suggestion_accept(actor=manager, suggestion=suggestion)
    assert caught.value.detail.startswith("Ana Ruiz now has 20% free between")
    assert caught.value.detail.endswith("the role needs 50%.")
    assert counts() == before
    assert Suggestion.objects.get(pk=suggestion.pk).status == "open"


def test_proposed_work_counts_half_when_accepting(manager, ml_role, candidates):
    ana = candidates["ana"]
    booking_build(ana, allocation=100, status="proposed")  # counts 50
    assignment = services.suggestion_accept(
        actor=manager, suggestion=suggestion_build(ml_role, ana)
    )
    assert assignment.allocation == 50


def test_accepting_an_inactive_person_is_refused(manager, ml_role, candidates):
    ana = candidates["ana"]
    suggestion = suggestion_build(ml_role, ana)
    ana.active = False
    ana.save()
    with pytest.raises(Conflict, match="no longer active"):
        services.suggestion_accept(actor=manager, suggestion=suggestion)
    assert Assignment.objects.count() == 0


def test_nothing_is_decided_on_a_closed_request(
    manager, staffing_request, ml_role, candidates
):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    services.staffing_request_close(actor=manager, request=staffing_request)
    with pytest.raises(Conflict, match="closed"):
        services.suggestion_accept(actor=manager, suggestion=suggestion)
    with pytest.raises(Conflict, match="closed"):
        services.suggestion_reject(actor=manager, suggestion=suggestion, reason="x")
    with pytest.raises(Conflict, match="closed"):
        services.staffing_request_close(actor=manager, request=staffing_request)
    assert Assignment.objects.count() == 0


@pytest.mark.parametrize("role_name", ["data_scientist", "stakeholder"])
def test_only_managers_decide(role_name, ml_role, candidates, staffing_request):
    actor = UserFactory(roles=[role_name])
    suggestion = suggestion_build(ml_role, candidates["ana"], in_team=True)
    calls = [
        lambda: services.suggestion_accept(actor=actor, suggestion=suggestion),
        lambda: services.suggestion_reject(
            actor=actor, suggestion=suggestion, reason="no"
        ),
        lambda: services.suggestion_lock(
            actor=actor, suggestion=suggestion, locked=True
        ),
        lambda: services.team_accept(actor=actor, request=staffing_request),
        lambda: services.staffing_request_close(actor=actor, request=staffing_request),
        lambda: services.staffing_request_recompute(
            actor=actor, request=staffing_request
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.locked) == ("open", False)


# -- accepting updates availability ------------------------------------------------


def test_accepting_lowers_availability_for_the_next_role(
    manager, initiative, pytorch, candidates
):
    request = request_build(
        initiative=initiative,
        created_by=manager,
        roles=[
            role("Lead", skills=[need(pytorch, 3)], allocation=100),
            role("Modeller", skills=[need(pytorch, 3)], allocation=60),
        ],
    )
    lead, modeller = request.roles.order_by("position")
    request_compute(request=request)
    ana_before = next(
        s
        for s in role_suggestions(role=modeller).matches
        if s.person == candidates["ana"]
    )
    ana_lead = Suggestion.objects.get(role=lead, person=candidates["ana"])
    services.suggestion_accept(actor=manager, suggestion=ana_lead)

    request_compute(request=request)
    found = request_suggestions(request=request)
    ana_after = next(
        s for s in found[modeller.pk].matches if s.person_id == ana_before.person_id
    )
    assert ana_after.terms["free"] < ana_before.terms["free"]
    assert ana_after.terms["free"] == 50  # 100% proposed counts half
    availability = {t["name"]: t["value"] for t in ana_after.terms["terms"]}
    before = {t["name"]: t["value"] for t in ana_before.terms["terms"]}
    assert availability["availability"] < before["availability"]
    assert candidates["ana"] not in [s.person for s in found[modeller.pk].team]
    assert [s.person for s in found[lead.pk].team] == [candidates["ana"]]
    assert Suggestion.objects.get(pk=ana_lead.pk).status == "accepted"


# -- reject ------------------------------------------------------------------------


def test_reject_keeps_the_reason_and_the_person_is_not_suggested_again(
    manager, staffing_request, ml_role, candidates
):
    request_compute(request=staffing_request)
    ana = Suggestion.objects.get(role=ml_role, person=candidates["ana"])
    assert ana.in_team
    services.suggestion_reject(
        actor=manager, suggestion=ana, reason="  Leaving in June "
    )
    ana.refresh_from_db()
    assert (ana.status, ana.reason, ana.decided_by) == (
        "rejected",
        "Leaving in June",
        manager,
    )
    assert AuditEvent.objects.filter(verb="staffing.suggestion_rejected").count() == 1
    request_compute(request=staffing_request)
    found = role_suggestions(role=ml_role)
    assert candidates["ana"] not in [s.person for s in found.matches + found.team]
    assert [s.person for s in found.rejected] == [candidates["ana"]]
    assert found.team  # someone else fills the role


def test_reject_needs_a_reason(manager, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    with pytest.raises(ValidationError) as caught:
        services.suggestion_reject(actor=manager, suggestion=suggestion, reason="  ")
    assert "reason" in caught.value.message_dict
    assert Suggestion.objects.get(pk=suggestion.pk).status == "open"


def test_rejecting_twice_is_a_conflict(manager, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    services.suggestion_reject(actor=manager, suggestion=suggestion, reason="No")
    with pytest.raises(Conflict, match="already rejected"):
        services.suggestion_reject(actor=manager, suggestion=suggestion, reason="No")


# -- lock --------------------------------------------------------------------------


def test_locking_keeps_the_pick_and_recomputes_the_rest(
    manager, staffing_request, ml_role, candidates
):
    request_compute(request=staffing_request)
    ben = Suggestion.objects.get(role=ml_role, person=candidates["ben"])
    assert not ben.in_team  # Ana scores higher
    locked = services.suggestion_lock(actor=manager, suggestion=ben, locked=True)
    assert (locked.locked, locked.in_team) == (True, True)
    team = role_suggestions(role=ml_role).team
    assert [s.person for s in team] == [candidates["ben"]]
    unlocked = services.suggestion_lock(actor=manager, suggestion=ben, locked=False)
    assert (unlocked.locked, unlocked.in_team) == (False, False)
    verbs = AuditEvent.objects.values_list("verb", flat=True)
    assert {"staffing.suggestion_locked", "staffing.suggestion_unlocked"} <= set(verbs)


def test_a_rejected_suggestion_cannot_be_locked(manager, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    services.suggestion_reject(actor=manager, suggestion=suggestion, reason="No")
    with pytest.raises(Conflict, match="cannot be locked"):
        services.suggestion_lock(actor=manager, suggestion=suggestion, locked=True)


# -- team_accept -------------------------------------------------------------------


def two_role_request(manager, initiative, pytorch, sql):
    request = request_build(
        initiative=initiative,
        created_by=manager,
        roles=[
            role("ML engineer", skills=[need(pytorch, 3)]),
            role("Analyst", skills=[need(sql, 3)]),
        ],
    )
    request_compute(request=request)
    return request


def test_team_accept_accepts_every_open_member(
    manager, initiative, pytorch, sql, candidates, django_capture_on_commit_callbacks
):
    request = two_role_request(manager, initiative, pytorch, sql)
    team = list(Suggestion.objects.filter(role__request=request, in_team=True))
    assert len(team) == 2
    with django_capture_on_commit_callbacks(execute=True):
        made = services.team_accept(actor=manager, request=request)
    assert len(made) == 2
    assert {a.person_id for a in made} == {s.person_id for s in team}
    assert all(a.status == "proposed" for a in made)
    assert (
        Suggestion.objects.filter(role__request=request, status="accepted").count() == 2
    )
    assert len(mail.outbox) == 2


def test_team_accept_is_all_or_nothing(
    manager, initiative, pytorch, sql, candidates, django_capture_on_commit_callbacks
):
    request = two_role_request(manager, initiative, pytorch, sql)
    members = Suggestion.objects.filter(role__request=request, in_team=True)
    last = members.order_by("role__position").last()
    booking_build(last.person, allocation=100)  # booked since the computation
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Conflict) as caught,
    ):
        services.team_accept(actor=manager, request=request)
    assert caught.value.detail.startswith("Nothing was accepted:")
    assert last.person.name in caught.value.detail
    assert counts() == before
    assert not Suggestion.objects.filter(status="accepted").exists()
    assert mail.outbox == []


def test_team_accept_with_nothing_open_is_a_conflict(manager, staffing_request):
    with pytest.raises(Conflict, match="Nothing to accept"):
        services.team_accept(actor=manager, request=staffing_request)


# -- recompute and close -----------------------------------------------------------


def test_recompute_queues_the_computation(
    manager, staffing_request, candidates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as captured:
        services.staffing_request_recompute(actor=manager, request=staffing_request)
    # (The dashboard's cache versions may also wait for the commit.)
    callbacks = [c for c in captured if not isinstance(c, PendingChanges)]
    assert len(callbacks) == 1
    assert StaffingRequest.objects.get().computed_at is None  # not yet
    callbacks[0]()
    assert StaffingRequest.objects.get().computed_at is not None


def test_close_keeps_accepted_assignments(
    manager, staffing_request, ml_role, candidates
):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    assignment = services.suggestion_accept(actor=manager, suggestion=suggestion)
    closed = services.staffing_request_close(actor=manager, request=staffing_request)
    assert closed.status == "closed"
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    with pytest.raises(Conflict):
        services.staffing_request_recompute(actor=manager, request=staffing_request)


def test_person_free_counts_confirmed_full_and_proposed_half(candidates):
    ana = person_build("Zed Zero", capacity="0.9")
    booking_build(ana, allocation=30)
    booking_build(ana, allocation=20, status="proposed")
    booking_build(ana, allocation=50, status="finished", outcome="success")
    free = services.person_free(person=ana, start=WINDOW_START, end=WINDOW_END)
    assert free == 90 - 30 - 10


# -- concurrency (PostgreSQL row locks) ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_of_one_person_never_overbook_them(make_user, pytorch):
    manager = make_user("manager")
    ana = person_build("Ana Ruiz", skills={pytorch: 4})
    request = request_build(
        created_by=manager,
        roles=[
            # One proposed 80% (counting 40) leaves 60% free: not enough.
            role("Lead", skills=[need(pytorch, 3)], allocation=80),
            role("Modeller", skills=[need(pytorch, 3)], allocation=80),
        ],
    )
    picks = [suggestion_build(r, ana) for r in request.roles.order_by("position")]
    # Both also race for the same suggestion: it is accepted once.
    twice = [picks[0], picks[0], picks[1]]

    def accept(index):
        return services.suggestion_accept(
            actor=manager, suggestion=Suggestion.objects.get(pk=twice[index].pk)
        )

    from tests.threads import run_threads

    results = run_threads(3, accept)
    winners = [r for r in results if isinstance(r, Assignment)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) for r in losers), losers
    assert Assignment.objects.filter(person=ana).count() == 1
    assert Suggestion.objects.filter(status="accepted").count() == 1

"""Initiative and assignment writes: validation, permissions, audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import Assignment, Initiative, Outcome, Stage
from teamhub.initiatives.services import (
    assignment_create,
    assignment_finish,
    assignment_update,
    initiative_create,
    initiative_update,
)
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)


# Initiatives -------------------------------------------------------------------


def test_initiative_create_saves_and_audits(manager):
    team = TeamFactory(name="Vision")
    initiative = initiative_create(
        actor=manager,
        key="ML-7",
        title=" Churn model ",
        team=team,
        owner=manager.person,
        stage=Stage.SCOPING,
        mission_criticality=3,
        start=JAN,
        target_date=FEB,
    )
    initiative.refresh_from_db()
    assert (initiative.title, initiative.stage) == ("Churn model", Stage.SCOPING)
    assert initiative.mission_criticality == 3
    assert AuditEvent.objects.get(verb="initiative.created").data["key"] == "ML-7"


def test_initiative_create_refuses_a_taken_key_in_any_case(manager):
    InitiativeFactory(key="ML-7")
    with pytest.raises(ValidationError) as error:
        initiative_create(actor=manager, key="ml-7", title="Again")
    assert "key" in error.value.message_dict
    assert Initiative.objects.count() == 1


def test_initiative_create_refuses_a_target_before_the_start(manager):
    with pytest.raises(ValidationError) as error:
        initiative_create(
            actor=manager, key="ML-7", title="T", start=FEB, target_date=JAN
        )
    assert "target_date" in error.value.message_dict
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder"])
def test_initiative_create_is_refused_to_non_managers(make_user, role):
    with pytest.raises(PermissionDenied):
        initiative_create(actor=make_user(role), key="ML-7", title="T")


def test_initiative_update_changes_given_fields_and_audits(manager):
    initiative = InitiativeFactory(key="ML-7", title="Churn", start=JAN)
    initiative_update(
        actor=manager,
        initiative=initiative,
        stage=Stage.EXPERIMENTATION,
        outcome=Outcome.SUCCESS,
    )
    initiative.refresh_from_db()
    assert (initiative.title, initiative.stage) == ("Churn", Stage.EXPERIMENTATION)
    event = AuditEvent.objects.get(verb="initiative.updated")
    assert event.data == {"stage": "experimentation", "outcome": "success"}


def test_initiative_update_refuses_another_initiatives_key(manager):
    InitiativeFactory(key="ML-1")
    initiative = InitiativeFactory(key="ML-2")
    with pytest.raises(ValidationError) as error:
        initiative_update(actor=manager, initiative=initiative, key="ML-1")
    assert "key" in error.value.message_dict
    initiative.refresh_from_db()
    assert initiative.key == "ML-2"


# Assignments -------------------------------------------------------------------


def test_assignment_create_saves_and_audits(manager):
    person = PersonFactory()
    initiative = InitiativeFactory()
    assignment = assignment_create(
        actor=manager,
        person=person,
        initiative=initiative,
        role="Data scientist",
        allocation=60,
        start=JAN,
    )
    assert assignment.status == Assignment.Status.PROPOSED
    event = AuditEvent.objects.get(verb="assignment.created")
    assert event.data["allocation"] == 60
    assert event.data["start"] == "2026-01-01"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allocation": 0}, "allocation"),
        ({"allocation": 101}, "allocation"),
        ({"end": dt.date(2025, 12, 31)}, "end"),
        ({"outcome": Outcome.SUCCESS}, "outcome"),
        ({"status": Assignment.Status.FINISHED}, "end"),
    ],
)
def test_assignment_create_refuses_bad_values_naming_the_field(manager, changes, field):
    values = {"role": "DS", "allocation": 50, "start": JAN, **changes}
    with pytest.raises(ValidationError) as error:
        assignment_create(
            actor=manager,
            person=PersonFactory(),
            initiative=InitiativeFactory(),
            **values,
        )
    assert field in error.value.message_dict
    assert not Assignment.objects.exists()


def test_assignment_create_records_a_finished_past_assignment(manager):
    assignment = assignment_create(
        actor=manager,
        person=PersonFactory(),
        initiative=InitiativeFactory(),
        role="DS",
        allocation=50,
        start=JAN,
        end=FEB,
        status=Assignment.Status.FINISHED,
        outcome=Outcome.PARTIAL,
    )
    assert assignment.outcome == Outcome.PARTIAL


def test_assignment_create_refuses_an_inactive_person(manager):
    person = PersonFactory(active=False)
    with pytest.raises(ValidationError) as error:
        assignment_create(
            actor=manager,
            person=person,
            initiative=InitiativeFactory(),
            role="DS",
            allocation=50,
            start=JAN,
        )
    assert "person" in error.value.message_dict


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder"])
def test_assignment_create_is_refused_to_non_managers(make_user, role):
    with pytest.raises(PermissionDenied):
        assignment_create(
            actor=make_user(role),
            person=PersonFactory(),
            initiative=InitiativeFactory(),
            role="DS",
            allocation=50,
            start=JAN,
        )
    assert not Assignment.objects.exists()


def test_assignment_update_changes_allocation_and_status(manager):
    assignment = AssignmentFactory(status=Assignment.Status.PROPOSED, allocation=50)
    assignment_update(
        actor=manager,
        assignment=assignment,
        allocation=80,
        status=Assignment.Status.CONFIRMED,
    )
    assignment.refresh_from_db()
    assert (assignment.allocation, assignment.status) == (80, "confirmed")
    assert AuditEvent.objects.get(verb="assignment.updated").data == {
        "allocation": 80,
        "status": "confirmed",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": Assignment.Status.FINISHED}, "status"),
        ({"outcome": Outcome.SUCCESS}, "outcome"),
        ({"end": dt.date(2025, 1, 1)}, "end"),
        ({"allocation": 150}, "allocation"),
    ],
)
def test_assignment_update_refuses_bad_values_and_changes_nothing(
    manager, changes, field
):
    assignment = AssignmentFactory(start=JAN, allocation=50)
    with pytest.raises(ValidationError) as error:
        assignment_update(actor=manager, assignment=assignment, **changes)
    assert field in error.value.message_dict
    assignment.refresh_from_db()
    assert (assignment.allocation, assignment.end, assignment.outcome) == (
        50,
        None,
        None,
    )


def test_assignment_finish_ends_today_with_the_outcome(manager):
    assignment = AssignmentFactory(start=JAN)
    assignment_finish(actor=manager, assignment=assignment, outcome=Outcome.SUCCESS)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.FINISHED
    assert assignment.outcome == Outcome.SUCCESS
    assert assignment.end == max(timezone.localdate(), JAN)
    assert AuditEvent.objects.get(verb="assignment.finished").data["outcome"] == (
        "success"
    )


def test_assignment_finish_of_a_future_assignment_ends_at_its_start(manager):
    start = timezone.localdate() + dt.timedelta(days=30)
    assignment = AssignmentFactory(start=start)
    assignment_finish(actor=manager, assignment=assignment, outcome=Outcome.CANCELLED)
    assignment.refresh_from_db()
    assert assignment.end == start


def test_assignment_finish_twice_is_a_conflict(manager):
    assignment = AssignmentFactory(start=JAN)
    assignment_finish(actor=manager, assignment=assignment, end=FEB)
    with pytest.raises(Conflict):
        assignment_finish(actor=manager, assignment=assignment, outcome="failed")
    assignment.refresh_from_db()
    assert (assignment.end, assignment.outcome) == (FEB, None)


def test_assignment_finish_is_refused_to_a_data_scientist(scientist):
    assignment = AssignmentFactory()
    with pytest.raises(PermissionDenied):
        assignment_finish(actor=scientist, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFIRMED

"""Writes to the registry: who may change what, validation, and the audit trail."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from teamhub.core.models import AuditEvent
from teamhub.people.models import LearningGoal, PersonSkill
from teamhub.people.services import (
    learning_goal_remove,
    learning_goal_set,
    person_skill_remove,
    person_skill_set,
    person_skill_validate,
)
from tests.factories import (
    LearningGoalFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


@pytest.fixture
def skill():
    return SkillFactory(name="PyTorch")


@pytest.fixture
def other(make_user):
    """Another data scientist, whose skills the scientist may not touch."""
    return make_user("data_scientist").person


# --- person_skill_set -------------------------------------------------------


def test_scientist_adds_own_skill_as_self_assessed_and_audited(scientist, skill):
    person_skill = person_skill_set(
        actor=scientist,
        person=scientist.person,
        skill=skill,
        level=3,
        interest=2,
        last_used=dt.date(2026, 1, 5),
    )
    person_skill.refresh_from_db()
    assert (person_skill.level, person_skill.interest) == (3, 2)
    assert person_skill.last_used == dt.date(2026, 1, 5)
    assert person_skill.source == PersonSkill.Source.SELF
    assert person_skill.validated_by is None
    event = AuditEvent.objects.get()
    assert event.verb == "person_skill.set"
    assert event.actor == scientist
    assert event.target_id == str(person_skill.pk)
    assert event.data == {"level": 3, "before": None, "source": "self"}


def test_changing_a_level_records_the_previous_one(scientist, skill):
    PersonSkillFactory(person=scientist.person, skill=skill, level=2, interest=3)
    person_skill_set(actor=scientist, person=scientist.person, skill=skill, level=4)
    row = PersonSkill.objects.get(person=scientist.person, skill=skill)
    assert row.level == 4
    assert row.interest == 3  # not given: kept
    assert AuditEvent.objects.get().data["before"] == 2


def test_own_change_drops_an_earlier_manager_validation(scientist, manager, skill):
    PersonSkillFactory(
        person=scientist.person,
        skill=skill,
        level=3,
        source=PersonSkill.Source.MANAGER,
        validated_by=manager,
        validated_at=timezone.now(),
    )
    person_skill_set(actor=scientist, person=scientist.person, skill=skill, level=5)
    row = PersonSkill.objects.get(person=scientist.person, skill=skill)
    assert row.source == PersonSkill.Source.SELF
    assert row.validated_by is None
    assert row.validated_at is None


def test_managers_change_of_someone_else_counts_as_validated(manager, scientist, skill):
    before = timezone.now()
    person_skill_set(actor=manager, person=scientist.person, skill=skill, level=4)
    row = PersonSkill.objects.get(person=scientist.person, skill=skill)
    assert row.source == PersonSkill.Source.MANAGER
    assert row.validated_by == manager
    assert row.validated_at >= before


def test_managers_change_of_own_skill_stays_self_assessed(manager, skill):
    person_skill_set(actor=manager, person=manager.person, skill=skill, level=5)
    row = PersonSkill.objects.get(person=manager.person, skill=skill)
    assert row.source == PersonSkill.Source.SELF
    assert row.validated_by is None


def test_admin_may_set_anyones_skill(make_user, scientist, skill):
    admin = make_user("admin")
    person_skill_set(actor=admin, person=scientist.person, skill=skill, level=2)
    assert PersonSkill.objects.get(person=scientist.person).validated_by == admin


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder", None])
def test_others_may_not_set_someones_skill(make_user, role, other, skill):
    actor = make_user(role) if role else AnonymousUser()
    with pytest.raises(PermissionDenied):
        person_skill_set(actor=actor, person=other, skill=skill, level=3)
    assert not PersonSkill.objects.exists()
    assert not AuditEvent.objects.exists()


def test_stakeholder_with_a_person_may_not_edit_even_their_own(make_user, skill):
    stakeholder = make_user("stakeholder")
    person = PersonFactory(user=stakeholder)
    with pytest.raises(PermissionDenied):
        person_skill_set(actor=stakeholder, person=person, skill=skill, level=3)
    assert not PersonSkill.objects.exists()


@pytest.mark.parametrize("level", [0, 6, 7, -1])
def test_level_outside_1_to_5_is_a_field_error_and_nothing_is_written(
    scientist, skill, level
):
    with pytest.raises(ValidationError) as excinfo:
        person_skill_set(
            actor=scientist, person=scientist.person, skill=skill, level=level
        )
    assert "level" in excinfo.value.message_dict
    assert not PersonSkill.objects.exists()
    assert not AuditEvent.objects.exists()


def test_level_true_is_not_a_level(scientist, skill):
    with pytest.raises(ValidationError):
        person_skill_set(
            actor=scientist,
            person=scientist.person,
            skill=skill,
            level=True,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("interest", [4, -1, "2"])
def test_interest_outside_0_to_3_is_a_field_error(scientist, skill, interest):
    with pytest.raises(ValidationError) as excinfo:
        person_skill_set(
            actor=scientist,
            person=scientist.person,
            skill=skill,
            level=3,
            interest=interest,
        )
    assert "interest" in excinfo.value.message_dict
    assert not PersonSkill.objects.exists()


# --- person_skill_validate --------------------------------------------------


def test_manager_validates_a_level_recording_who_and_when(manager, scientist, skill):
    person_skill = PersonSkillFactory(person=scientist.person, skill=skill, level=3)
    before = timezone.now()
    person_skill_validate(actor=manager, person_skill=person_skill)
    person_skill.refresh_from_db()
    assert person_skill.level == 3
    assert person_skill.source == PersonSkill.Source.MANAGER
    assert person_skill.validated_by == manager
    assert before <= person_skill.validated_at <= timezone.now()
    event = AuditEvent.objects.get()
    assert event.verb == "person_skill.validated"
    assert event.actor == manager
    assert event.data == {"level": 3, "before": 3}


def test_manager_may_correct_the_level_while_validating(manager, scientist, skill):
    person_skill = PersonSkillFactory(person=scientist.person, skill=skill, level=4)
    person_skill_validate(actor=manager, person_skill=person_skill, level=3)
    person_skill.refresh_from_db()
    assert person_skill.level == 3
    assert AuditEvent.objects.get().data == {"level": 3, "before": 4}


def test_validation_with_a_bad_level_changes_nothing(manager, scientist, skill):
    person_skill = PersonSkillFactory(person=scientist.person, skill=skill, level=4)
    with pytest.raises(ValidationError) as excinfo:
        person_skill_validate(actor=manager, person_skill=person_skill, level=9)
    assert "level" in excinfo.value.message_dict
    person_skill.refresh_from_db()
    assert (person_skill.level, person_skill.source) == (4, PersonSkill.Source.SELF)
    assert not AuditEvent.objects.exists()


def test_manager_cannot_validate_own_skill(manager, skill):
    person_skill = PersonSkillFactory(person=manager.person, skill=skill)
    with pytest.raises(PermissionDenied):
        person_skill_validate(actor=manager, person_skill=person_skill)
    person_skill.refresh_from_db()
    assert person_skill.source == PersonSkill.Source.SELF
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder", None])
def test_non_managers_cannot_validate(make_user, role, other, skill):
    actor = make_user(role) if role else AnonymousUser()
    person_skill = PersonSkillFactory(person=other, skill=skill)
    with pytest.raises(PermissionDenied):
        person_skill_validate(actor=actor, person_skill=person_skill)
    person_skill.refresh_from_db()
    assert person_skill.source == PersonSkill.Source.SELF


def test_scientist_cannot_validate_own_skill(scientist, skill):
    person_skill = PersonSkillFactory(person=scientist.person, skill=skill)
    with pytest.raises(PermissionDenied):
        person_skill_validate(actor=scientist, person_skill=person_skill)


def test_admin_validates_others_but_not_own(make_user, scientist, skill):
    admin = make_user("admin")
    own = PersonSkillFactory(person=PersonFactory(user=admin), skill=skill)
    theirs = PersonSkillFactory(person=scientist.person, skill=skill)
    person_skill_validate(actor=admin, person_skill=theirs)
    assert PersonSkill.objects.get(pk=theirs.pk).validated_by == admin
    with pytest.raises(PermissionDenied):
        person_skill_validate(actor=admin, person_skill=own)


# --- person_skill_remove ----------------------------------------------------


def test_scientist_removes_own_skill_and_it_is_audited(scientist, skill):
    person_skill = PersonSkillFactory(person=scientist.person, skill=skill, level=2)
    pk = person_skill.pk
    person_skill_remove(actor=scientist, person_skill=person_skill)
    assert not PersonSkill.objects.exists()
    event = AuditEvent.objects.get()
    assert (event.verb, event.target_id) == ("person_skill.removed", str(pk))
    assert event.data == {"skill": skill.pk, "level": 2}


def test_scientist_cannot_remove_someone_elses_skill(scientist, other, skill):
    person_skill = PersonSkillFactory(person=other, skill=skill)
    with pytest.raises(PermissionDenied):
        person_skill_remove(actor=scientist, person_skill=person_skill)
    assert PersonSkill.objects.filter(pk=person_skill.pk).exists()
    assert not AuditEvent.objects.exists()


def test_manager_removes_someone_elses_skill(manager, other, skill):
    person_skill = PersonSkillFactory(person=other, skill=skill)
    person_skill_remove(actor=manager, person_skill=person_skill)
    assert not PersonSkill.objects.exists()


# --- learning goals ---------------------------------------------------------


def test_scientist_sets_and_changes_own_goal(scientist, skill):
    goal = learning_goal_set(
        actor=scientist, person=scientist.person, skill=skill, target_level=3
    )
    learning_goal_set(
        actor=scientist,
        person=scientist.person,
        skill=skill,
        target_level=4,
        note="for the churn model",
    )
    goal.refresh_from_db()
    assert (goal.target_level, goal.note) == (4, "for the churn model")
    assert LearningGoal.objects.count() == 1
    assert audit_verbs() == ["learning_goal.set", "learning_goal.set"]
    assert AuditEvent.objects.order_by("-id").first().data == {
        "skill": skill.pk,
        "target_level": 4,
    }


@pytest.mark.parametrize("target", [0, 6])
def test_goal_with_bad_target_is_a_field_error_and_nothing_written(
    scientist, skill, target
):
    with pytest.raises(ValidationError) as excinfo:
        learning_goal_set(
            actor=scientist, person=scientist.person, skill=skill, target_level=target
        )
    assert "target_level" in excinfo.value.message_dict
    assert not LearningGoal.objects.exists()
    assert not AuditEvent.objects.exists()


def test_goal_with_too_long_note_writes_nothing(scientist, skill):
    with pytest.raises(ValidationError) as excinfo:
        learning_goal_set(
            actor=scientist,
            person=scientist.person,
            skill=skill,
            target_level=3,
            note="x" * 301,
        )
    assert "note" in excinfo.value.message_dict
    assert not LearningGoal.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder", None])
def test_others_may_not_set_someones_goal(make_user, role, other, skill):
    actor = make_user(role) if role else AnonymousUser()
    with pytest.raises(PermissionDenied):
        learning_goal_set(actor=actor, person=other, skill=skill, target_level=3)
    assert not LearningGoal.objects.exists()


def test_manager_sets_someone_elses_goal(manager, other, skill):
    learning_goal_set(actor=manager, person=other, skill=skill, target_level=5)
    assert LearningGoal.objects.get(person=other).target_level == 5


def test_scientist_removes_own_goal_but_not_others(scientist, other, skill):
    mine = LearningGoalFactory(person=scientist.person, skill=skill)
    theirs = LearningGoalFactory(person=other, skill=skill)
    learning_goal_remove(actor=scientist, goal=mine)
    with pytest.raises(PermissionDenied):
        learning_goal_remove(actor=scientist, goal=theirs)
    assert list(LearningGoal.objects.all()) == [theirs]
    assert audit_verbs() == ["learning_goal.removed"]

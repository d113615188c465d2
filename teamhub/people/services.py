"""Writes to the registry: person skills, validation, learning goals."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.people.models import LearningGoal, Person, PersonSkill, Skill
from teamhub.people.permissions import can_edit_person_skills, can_validate_skills


def _is_whole(value: object) -> bool:
    # bool is a subclass of int, but True is not a level.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_level(level: int, *, field: str = "level") -> None:
    if not _is_whole(level) or not 1 <= level <= 5:
        raise ValidationError({field: ["Level must be a whole number from 1 to 5."]})


@transaction.atomic
def person_skill_set(
    *,
    actor: User,
    person: Person,
    skill: Skill,
    level: int,
    interest: int | None = None,
    last_used: date | None = None,
) -> PersonSkill:
    """Create or change one skill level of ``person``.

    A person's own change is self-assessed and drops any earlier validation; a
    manager's change of someone else's level counts as validated by them.
    """
    if not can_edit_person_skills(actor, person):
        raise PermissionDenied("You may only edit your own skills.")
    _check_level(level)
    if interest is not None and (not _is_whole(interest) or not 0 <= interest <= 3):
        raise ValidationError({"interest": ["Interest must be from 0 to 3."]})
    person_skill = PersonSkill.objects.select_for_update().filter(
        person=person, skill=skill
    ).first() or PersonSkill(person=person, skill=skill)
    before = None if person_skill.pk is None else person_skill.level
    person_skill.level = level
    if interest is not None:
        person_skill.interest = interest
    if last_used is not None:
        person_skill.last_used = last_used
    if can_validate_skills(actor, person):
        person_skill.source = PersonSkill.Source.MANAGER
        person_skill.validated_by = actor
        person_skill.validated_at = timezone.now()
    else:
        person_skill.source = PersonSkill.Source.SELF
        person_skill.validated_by = None
        person_skill.validated_at = None
    person_skill.full_clean(validate_unique=False)
    person_skill.save()
    audit_record(
        actor=actor,
        verb="person_skill.set",
        target=person_skill,
        data={"level": level, "before": before, "source": person_skill.source},
    )
    return person_skill


@transaction.atomic
def person_skill_validate(
    *, actor: User, person_skill: PersonSkill, level: int | None = None
) -> PersonSkill:
    """Record a manager's validation of a level, optionally correcting it."""
    if not can_validate_skills(actor, person_skill.person):
        raise PermissionDenied(
            "Only a manager can validate skill levels, and not their own."
        )
    locked = PersonSkill.objects.select_for_update().get(pk=person_skill.pk)
    before = locked.level
    if level is not None:
        _check_level(level)
        locked.level = level
    locked.source = PersonSkill.Source.MANAGER
    locked.validated_by = actor
    locked.validated_at = timezone.now()
    locked.save()
    audit_record(
        actor=actor,
        verb="person_skill.validated",
        target=locked,
        data={"level": locked.level, "before": before},
    )
    return locked


@transaction.atomic
def person_skill_remove(*, actor: User, person_skill: PersonSkill) -> None:
    if not can_edit_person_skills(actor, person_skill.person):
        raise PermissionDenied("You may only edit your own skills.")
    audit_record(
        actor=actor,
        verb="person_skill.removed",
        target=person_skill,
        data={"skill": person_skill.skill_id, "level": person_skill.level},
    )
    person_skill.delete()


@transaction.atomic
def learning_goal_set(
    *, actor: User, person: Person, skill: Skill, target_level: int, note: str = ""
) -> LearningGoal:
    """Create or change what ``person`` wants to learn."""
    if not can_edit_person_skills(actor, person):
        raise PermissionDenied("You may only edit your own learning goals.")
    _check_level(target_level, field="target_level")
    goal, _ = LearningGoal.objects.select_for_update().get_or_create(
        person=person, skill=skill, defaults={"target_level": target_level}
    )
    goal.target_level = target_level
    goal.note = note
    goal.full_clean(validate_unique=False)
    goal.save()
    audit_record(
        actor=actor,
        verb="learning_goal.set",
        target=goal,
        data={"skill": skill.pk, "target_level": target_level},
    )
    return goal


@transaction.atomic
def learning_goal_remove(*, actor: User, goal: LearningGoal) -> None:
    if not can_edit_person_skills(actor, goal.person):
        raise PermissionDenied("You may only edit your own learning goals.")
    audit_record(actor=actor, verb="learning_goal.removed", target=goal)
    goal.delete()

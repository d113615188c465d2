"""Registry writes: teams, skill categories, skills and people."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from teamhub.core.models import AuditEvent, User
from teamhub.people.models import Person, Skill, Team
from teamhub.people.services_registry import (
    person_create,
    person_deactivate,
    person_reactivate,
    person_update,
    skill_category_create,
    skill_category_update,
    skill_create,
    skill_update,
    team_create,
    team_update,
)
from tests.factories import (
    PersonFactory,
    SkillCategoryFactory,
    SkillFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


# Teams -------------------------------------------------------------------------


def test_team_create_saves_and_audits(manager):
    parent = TeamFactory(name="ML")
    team = team_create(actor=manager, name="  Vision ", parent=parent)
    assert team.name == "Vision"
    assert team.parent == parent
    assert audit_verbs() == ["team.created"]


def test_team_create_refuses_a_taken_name_in_any_case(manager):
    TeamFactory(name="Vision")
    with pytest.raises(ValidationError) as error:
        team_create(actor=manager, name="vision")
    assert "name" in error.value.message_dict
    assert Team.objects.filter(name__iexact="vision").count() == 1


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder", None])
def test_team_create_is_refused_to_non_managers(make_user, role):
    with pytest.raises(PermissionDenied):
        team_create(actor=make_user(role), name="Vision")
    assert not Team.objects.filter(name="Vision").exists()


def test_team_update_refuses_a_parent_below_itself(manager):
    top = TeamFactory(name="ML")
    child = TeamFactory(name="Vision", parent=top)
    with pytest.raises(ValidationError) as error:
        team_update(actor=manager, team=top, parent=child)
    assert "parent" in error.value.message_dict
    with pytest.raises(ValidationError):
        team_update(actor=manager, team=top, parent=top)
    top.refresh_from_db()
    assert top.parent is None


def test_team_update_changes_only_what_is_given_and_audits_the_change(manager):
    parent = TeamFactory(name="ML")
    team = TeamFactory(name="Vision", parent=parent)
    team_update(actor=manager, team=team, name="Computer vision")
    team.refresh_from_db()
    assert (team.name, team.parent) == ("Computer vision", parent)
    event = AuditEvent.objects.get(verb="team.updated")
    assert event.data == {"name": "Computer vision"}


def test_team_update_without_changes_writes_no_audit_event(manager):
    team = TeamFactory(name="Vision")
    team_update(actor=manager, team=team, name="Vision")
    assert audit_verbs() == []


# Skill categories --------------------------------------------------------------


def test_skill_category_create_and_update(manager):
    category = skill_category_create(actor=manager, name="MLOps")
    skill_category_update(actor=manager, category=category, name="ML Ops")
    category.refresh_from_db()
    assert category.name == "ML Ops"
    assert audit_verbs() == ["skill_category.created", "skill_category.updated"]


def test_skill_category_create_refuses_a_taken_name(manager):
    SkillCategoryFactory(name="MLOps")
    with pytest.raises(ValidationError) as error:
        skill_category_create(actor=manager, name="mlops")
    assert "name" in error.value.message_dict


def test_skill_category_create_is_refused_to_a_data_scientist(scientist):
    with pytest.raises(PermissionDenied):
        skill_category_create(actor=scientist, name="MLOps")


# Skills ------------------------------------------------------------------------


def test_skill_create_trims_aliases_and_audits(manager):
    category = SkillCategoryFactory(name="Language/tool")
    skill = skill_create(
        actor=manager,
        name="scikit-learn",
        category=category,
        aliases=[" sklearn ", "scikit"],
    )
    skill.refresh_from_db()
    assert skill.aliases == ["sklearn", "scikit"]
    event = AuditEvent.objects.get(verb="skill.created")
    assert event.data["aliases"] == ["sklearn", "scikit"]


@pytest.mark.parametrize(
    "aliases",
    [
        ["torch", "Torch"],  # listed twice
        ["torch", "  "],  # blank
        ["torch", 3],  # not a name
        "torch",  # not a list
        ["PyTorch"],  # its own name
    ],
)
def test_skill_create_refuses_bad_aliases(manager, aliases):
    category = SkillCategoryFactory()
    with pytest.raises(ValidationError) as error:
        skill_create(actor=manager, name="PyTorch", category=category, aliases=aliases)
    assert "aliases" in error.value.message_dict
    assert not Skill.objects.filter(name="PyTorch").exists()


def test_skill_create_refuses_an_alias_that_is_another_skills_name_or_alias(manager):
    SkillFactory(name="TensorFlow", aliases=["tf"])
    category = SkillCategoryFactory()
    for alias in ["tensorflow", "TF"]:
        with pytest.raises(ValidationError) as error:
            skill_create(
                actor=manager, name="Keras", category=category, aliases=[alias]
            )
        assert "TensorFlow" in error.value.message_dict["aliases"][0]
    assert not Skill.objects.filter(name="Keras").exists()


def test_skill_create_refuses_a_name_that_is_another_skills_alias(manager):
    SkillFactory(name="scikit-learn", aliases=["sklearn"])
    with pytest.raises(ValidationError) as error:
        skill_create(actor=manager, name="SKLearn", category=SkillCategoryFactory())
    assert "name" in error.value.message_dict


def test_skill_update_keeps_its_own_aliases_without_clashing_with_itself(manager):
    skill = SkillFactory(name="PyTorch", aliases=["torch"])
    skill_update(actor=manager, skill=skill, aliases=["torch", "pt"])
    skill.refresh_from_db()
    assert skill.aliases == ["torch", "pt"]


def test_skill_update_refuses_a_clash_and_changes_nothing(manager):
    SkillFactory(name="TensorFlow", aliases=["tf"])
    skill = SkillFactory(name="PyTorch", aliases=["torch"])
    with pytest.raises(ValidationError):
        skill_update(actor=manager, skill=skill, name="Torch2", aliases=["tf"])
    skill.refresh_from_db()
    assert (skill.name, skill.aliases) == ("PyTorch", ["torch"])


def test_skill_update_refuses_itself_as_parent(manager):
    skill = SkillFactory(name="Deep learning")
    with pytest.raises(ValidationError) as error:
        skill_update(actor=manager, skill=skill, parent=skill)
    assert "parent" in error.value.message_dict


def test_skill_update_is_refused_to_a_stakeholder(make_user):
    skill = SkillFactory(name="PyTorch")
    with pytest.raises(PermissionDenied):
        skill_update(actor=make_user("stakeholder"), skill=skill, name="Torch")


# People ------------------------------------------------------------------------


def test_person_create_creates_the_login_and_the_person(manager):
    team = TeamFactory(name="Vision")
    person = person_create(
        actor=manager,
        username="grace",
        email="grace@example.com",
        first_name="Grace",
        last_name="Hopper",
        team=team,
        timezone="Europe/Berlin",
        capacity_fte=Decimal("0.80"),
        manager=manager.person,
    )
    person.refresh_from_db()
    assert person.name == "Grace Hopper"
    assert person.user.username == "grace"
    assert not person.user.has_usable_password()
    assert person.team == team
    assert person.manager == manager.person
    assert person.capacity_fte == Decimal("0.80")
    event = AuditEvent.objects.get(verb="person.created")
    assert event.data["email"] == "grace@example.com"


def test_person_create_refuses_a_taken_email_in_any_case(manager):
    PersonFactory(user__username="grace", user__email="grace@example.com")
    users = User.objects.count()
    with pytest.raises(ValidationError) as error:
        person_create(
            actor=manager, username="g2", email="Grace@Example.com", first_name="G"
        )
    assert "email" in error.value.message_dict
    assert User.objects.count() == users


def test_person_create_refuses_a_taken_username(manager):
    with pytest.raises(ValidationError) as error:
        person_create(
            actor=manager, username="boss", email="new@example.com", first_name="N"
        )
    assert "username" in error.value.message_dict


def test_person_create_refuses_an_unknown_timezone(manager):
    with pytest.raises(ValidationError) as error:
        person_create(
            actor=manager,
            username="grace",
            email="grace@example.com",
            first_name="Grace",
            timezone="Mars/Olympus",
        )
    assert "timezone" in error.value.message_dict
    assert not User.objects.filter(username="grace").exists()


def test_person_create_rolls_back_the_login_when_the_person_is_invalid(manager):
    with pytest.raises(ValidationError) as error:
        person_create(
            actor=manager,
            username="grace",
            email="grace@example.com",
            first_name="Grace",
            capacity_fte=Decimal("1.50"),
        )
    assert "capacity_fte" in error.value.message_dict
    assert not User.objects.filter(username="grace").exists()
    assert not AuditEvent.objects.exists()


def test_person_create_is_refused_to_a_data_scientist(scientist):
    with pytest.raises(PermissionDenied):
        person_create(
            actor=scientist, username="grace", email="g@example.com", first_name="G"
        )
    assert not User.objects.filter(username="grace").exists()


def test_person_update_changes_login_and_profile_fields(manager):
    person = PersonFactory(user__first_name="Grace", user__last_name="Hopper")
    team = TeamFactory(name="Vision")
    person_update(
        actor=manager,
        person=person,
        email="ghopper@example.com",
        last_name="Murray Hopper",
        team=team,
        title="Principal scientist",
        capacity_fte=Decimal("0.50"),
    )
    person.refresh_from_db()
    person.user.refresh_from_db()
    assert person.user.email == "ghopper@example.com"
    assert person.name == "Grace Murray Hopper"
    assert (person.team, person.title) == (team, "Principal scientist")
    event = AuditEvent.objects.get(verb="person.updated")
    assert event.data == {
        "email": "ghopper@example.com",
        "last_name": "Murray Hopper",
        "team": team.pk,
        "title": "Principal scientist",
        "capacity_fte": "0.50",
    }


def test_person_update_refuses_someone_elses_email(manager):
    PersonFactory(user__email="taken@example.com")
    person = PersonFactory(user__email="mine@example.com")
    with pytest.raises(ValidationError) as error:
        person_update(actor=manager, person=person, email="TAKEN@example.com")
    assert "email" in error.value.message_dict
    person.user.refresh_from_db()
    assert person.user.email == "mine@example.com"


def test_person_update_refuses_a_manager_loop(manager):
    lead = PersonFactory()
    report = PersonFactory(manager=lead)
    with pytest.raises(ValidationError) as error:
        person_update(actor=manager, person=lead, manager=report)
    assert "manager" in error.value.message_dict
    with pytest.raises(ValidationError):
        person_update(actor=manager, person=lead, manager=lead)


def test_person_deactivate_keeps_the_row_and_audits_once(manager):
    person = PersonFactory()
    person_deactivate(actor=manager, person=person)
    person_deactivate(actor=manager, person=person)
    person.refresh_from_db()
    assert person.active is False
    assert Person.objects.filter(pk=person.pk).exists()
    assert audit_verbs() == ["person.deactivated"]
    person_reactivate(actor=manager, person=person)
    person.refresh_from_db()
    assert person.active is True


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder"])
def test_person_deactivate_is_refused_to_non_managers(make_user, role):
    person = PersonFactory()
    with pytest.raises(PermissionDenied):
        person_deactivate(actor=make_user(role), person=person)
    person.refresh_from_db()
    assert person.active is True


def test_admin_may_do_what_a_manager_may(make_user):
    admin = make_user("admin")
    team = team_create(actor=admin, name="Platform")
    assert team.pk is not None

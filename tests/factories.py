"""factory_boy factories for every model the tests build by hand."""

import datetime as dt

import factory
from django.contrib.auth.models import Group

from teamhub.core.models import User
from teamhub.initiatives.models import Assignment, Initiative
from teamhub.people.models import (
    LearningGoal,
    Person,
    PersonSkill,
    Skill,
    SkillCategory,
    Team,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def roles(
        self, create: bool, extracted: list[str] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get_or_create(name=role)[0])
            if "admin" in extracted:
                self.is_staff = self.is_superuser = True
                self.save(update_fields=["is_staff", "is_superuser"])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    title = "Data Scientist"
    location = "Berlin"


class SkillCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillCategory
        django_get_or_create = ("name",)

    name = "ML technique"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")
    category = factory.SubFactory(SkillCategoryFactory)
    aliases = factory.LazyFunction(list)


class PersonSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonSkill

    person = factory.SubFactory(PersonFactory)
    skill = factory.SubFactory(SkillFactory)
    level = 3
    source = PersonSkill.Source.SELF


class LearningGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningGoal

    person = factory.SubFactory(PersonFactory)
    skill = factory.SubFactory(SkillFactory)
    target_level = 3


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    key = factory.Sequence(lambda n: f"ML-{n + 1}")
    title = factory.Sequence(lambda n: f"Initiative {n}")
    team = factory.SubFactory(TeamFactory)
    start = dt.date(2026, 1, 1)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    person = factory.SubFactory(PersonFactory)
    initiative = factory.SubFactory(InitiativeFactory)
    role = "Data Scientist"
    allocation = 50
    start = dt.date(2026, 1, 1)
    status = Assignment.Status.CONFIRMED

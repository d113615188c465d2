"""django-filter FilterSets for the registry API (query parameters of the lists)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from teamhub.people.models import (
    LearningGoal,
    Level,
    Person,
    PersonSkill,
    Skill,
    SkillCategory,
    Team,
)
from teamhub.people.selectors import team_and_sub_team_ids


class StableOrderingFilter(django_filters.OrderingFilter):
    """``?ordering=a,-b``; then by primary key so that pages never overlap.

    ``expand`` maps a public name to several model fields (e.g. ``name`` to last
    then first name).
    """

    def __init__(
        self, *args: Any, expand: dict[str, tuple[str, ...]] | None = None, **kw: Any
    ) -> None:
        self.expand = expand or {}
        super().__init__(*args, **kw)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        ordering: list[str] = []
        for param in value:
            if not param:
                continue
            descending = param.startswith("-")
            name = param.lstrip("-")
            for field in self.expand.get(name, (self.param_map.get(name, name),)):
                ordering.append(f"-{field}" if descending else field)
        return qs.order_by(*ordering, "pk")


@extend_schema_field(OpenApiTypes.INT)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A row by id, filtered by a method (documented as an integer, not a string)."""


def search_terms(value: str) -> list[str]:
    return [term for term in value.split() if term]


class TeamFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Team name contains"
    )
    parent = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    ordering = StableOrderingFilter(fields=["name", "created"])

    class Meta:
        model = Team
        fields = ["parent"]

    def filter_search(
        self, qs: QuerySet[Team], name: str, value: str
    ) -> QuerySet[Team]:
        return qs.filter(name__icontains=value.strip())


class SkillCategoryFilter(django_filters.FilterSet):
    ordering = StableOrderingFilter(fields=["name", "created"])

    class Meta:
        model = SkillCategory
        fields: list[str] = []


class SkillFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Name or alias contains"
    )
    category = django_filters.ModelChoiceFilter(queryset=SkillCategory.objects.all())
    parent = django_filters.ModelChoiceFilter(queryset=Skill.objects.all())
    ordering = StableOrderingFilter(fields=["name", "created"])

    class Meta:
        model = Skill
        fields = ["category", "parent"]

    def filter_search(
        self, qs: QuerySet[Skill], name: str, value: str
    ) -> QuerySet[Skill]:
        value = value.strip()
        # ``icontains`` on a JSON field matches inside its text on SQLite and
        # PostgreSQL alike; good enough for a filter box.
        return qs.filter(Q(name__icontains=value) | Q(aliases__icontains=value))


class _SkillLevelForm(forms.Form):
    """Refuse ``min_level`` without ``skill``: a level of what?"""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("min_level") not in (None, "") and not data.get("skill"):
            self.add_error("min_level", "Give a skill to filter by its level.")
        return data


class PersonFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Name, username or e-mail contains"
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(),
        method="filter_team",
        label="Member of this team or of a team below it",
    )
    # A choice, not a BooleanFilter: that one reads an unknown value as "not given".
    team_only = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")],
        coerce=lambda value: value in ("true", "1"),
        method="filter_noop",
        label="With team: only its own members, not the teams below it (true/false)",
    )
    skill = IdChoiceFilter(
        queryset=Skill.objects.all(),
        method="filter_skill",
        label="Holds this skill (at min_level or above)",
    )
    min_level = django_filters.TypedChoiceFilter(
        choices=Level.choices,
        coerce=int,
        method="filter_noop",
        label="Lowest level of the skill (1-5)",
    )
    active = django_filters.BooleanFilter()
    manager = django_filters.ModelChoiceFilter(queryset=Person.objects.all())
    ordering = StableOrderingFilter(
        fields=[
            ("user__last_name", "name"),
            ("user__email", "email"),
            ("team__name", "team"),
            ("title", "title"),
            ("location", "location"),
            ("capacity_fte", "capacity_fte"),
            ("created", "created"),
        ],
        expand={"name": ("user__last_name", "user__first_name")},
    )

    class Meta:
        model = Person
        fields = ["team", "active", "manager"]
        form = _SkillLevelForm

    def filter_search(
        self, qs: QuerySet[Person], name: str, value: str
    ) -> QuerySet[Person]:
        for term in search_terms(value):
            qs = qs.filter(
                Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(user__username__icontains=term)
                | Q(user__email__icontains=term)
            )
        return qs

    def filter_team(
        self, qs: QuerySet[Person], name: str, value: Team
    ) -> QuerySet[Person]:
        if self.form.cleaned_data.get("team_only"):
            return qs.filter(team_id=value.pk)
        # A department's people are in its teams: one query for the team tree.
        return qs.filter(team_id__in=team_and_sub_team_ids(value.pk))

    def filter_skill(
        self, qs: QuerySet[Person], name: str, value: Skill
    ) -> QuerySet[Person]:
        # One filter() call so that skill and level apply to the same PersonSkill;
        # (person, skill) is unique, so no duplicates.
        min_level = self.form.cleaned_data.get("min_level") or Level.AWARE
        return qs.filter(skills__skill=value, skills__level__gte=min_level)

    def filter_noop(
        self, qs: QuerySet[Person], name: str, value: Any
    ) -> QuerySet[Person]:
        return qs  # applied in filter_skill


class PersonSkillFilter(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(queryset=Person.objects.all())
    skill = django_filters.ModelChoiceFilter(queryset=Skill.objects.all())
    min_level = django_filters.TypedChoiceFilter(
        choices=Level.choices,
        coerce=int,
        field_name="level",
        lookup_expr="gte",
        label="Lowest level (1-5)",
    )
    source = django_filters.ChoiceFilter(choices=PersonSkill.Source.choices)
    ordering = StableOrderingFilter(
        fields=[
            ("skill__name", "skill"),
            ("level", "level"),
            ("interest", "interest"),
            ("last_used", "last_used"),
            ("validated_at", "validated_at"),
            ("person__user__last_name", "person"),
        ]
    )

    class Meta:
        model = PersonSkill
        fields = ["person", "skill", "source"]


class LearningGoalFilter(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(queryset=Person.objects.all())
    skill = django_filters.ModelChoiceFilter(queryset=Skill.objects.all())
    ordering = StableOrderingFilter(
        fields=[
            ("skill__name", "skill"),
            ("target_level", "target_level"),
            ("person__user__last_name", "person"),
        ]
    )

    class Meta:
        model = LearningGoal
        fields = ["person", "skill"]

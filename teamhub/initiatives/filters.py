"""django-filter FilterSets for the initiatives and assignments lists."""

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet

from teamhub.initiatives.models import (
    Assignment,
    Initiative,
    MissionCriticality,
    Outcome,
    Pathway,
    PipelineOwner,
    Stage,
)
from teamhub.people.filters import StableOrderingFilter, search_terms
from teamhub.people.models import Person, Team


class InitiativeFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Key or title contains"
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=Person.objects.all())
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    mission_criticality = django_filters.TypedMultipleChoiceFilter(
        choices=MissionCriticality.choices, coerce=int
    )
    pathway = django_filters.ChoiceFilter(choices=Pathway.choices)
    pipeline_owner = django_filters.ChoiceFilter(choices=PipelineOwner.choices)
    outcome = django_filters.ChoiceFilter(
        choices=Outcome.choices, null_value="none", null_label="No outcome yet"
    )
    ordering = StableOrderingFilter(
        fields=[
            "key",
            "title",
            "stage",
            "mission_criticality",
            "start",
            "target_date",
            "created",
        ]
    )

    class Meta:
        model = Initiative
        fields = [
            "team",
            "owner",
            "stage",
            "mission_criticality",
            "pathway",
            "pipeline_owner",
            "outcome",
        ]

    def filter_search(
        self, qs: QuerySet[Initiative], name: str, value: str
    ) -> QuerySet[Initiative]:
        for term in search_terms(value):
            qs = qs.filter(Q(key__icontains=term) | Q(title__icontains=term))
        return qs


class AssignmentFilter(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(queryset=Person.objects.all())
    initiative = django_filters.ModelChoiceFilter(queryset=Initiative.objects.all())
    status = django_filters.MultipleChoiceFilter(choices=Assignment.Status.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    active_on = django_filters.DateFilter(
        method="filter_active_on",
        label="Running on this date (start ≤ date ≤ end, or no end)",
    )
    ordering = StableOrderingFilter(
        fields=[
            "start",
            "end",
            "allocation",
            "status",
            ("initiative__key", "initiative"),
            ("person__user__last_name", "person"),
        ]
    )

    class Meta:
        model = Assignment
        fields = ["person", "initiative", "status", "outcome"]

    def filter_active_on(
        self, qs: QuerySet[Assignment], name: str, value: dt.date
    ) -> QuerySet[Assignment]:
        return qs.filter(start__lte=value).filter(
            Q(end__isnull=True) | Q(end__gte=value)
        )

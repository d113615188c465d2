"""The activity API: synced Jira and Git events, filtered and paginated, for
every signed-in role. Bad filter values are a 400 naming the field."""

import django_filters
from django.db.models import QuerySet
from django.urls import URLPattern, path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from teamhub.initiatives.models import Initiative
from teamhub.initiatives.serializers import InitiativeBriefSerializer
from teamhub.integrations.models import ActivityEvent, Source
from teamhub.integrations.selectors import activity_list
from teamhub.people.filters import IdChoiceFilter
from teamhub.people.models import Person
from teamhub.people.serializers import PersonBriefSerializer


class ActivityFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=Source.choices)
    kind = django_filters.ChoiceFilter(choices=ActivityEvent.Kind.choices)
    person = IdChoiceFilter(queryset=Person.objects.all())
    initiative = IdChoiceFilter(queryset=Initiative.objects.all())
    since = django_filters.DateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        label="Events at or after this date or ISO 8601 time, e.g. 2026-01-31 "
        "or 2026-01-31T09:00:00Z (no offset: the server's time zone)",
    )

    class Meta:
        model = ActivityEvent
        fields = ["source", "kind", "person", "initiative"]


class ActivityOutputSerializer(serializers.ModelSerializer[ActivityEvent]):
    person = PersonBriefSerializer(allow_null=True)
    initiative = InitiativeBriefSerializer(allow_null=True)

    class Meta:
        model = ActivityEvent
        fields = [
            "id",
            "source",
            "kind",
            "occurred_at",
            "person",
            "initiative",
            "title",
            "url",
            "orphaned",
        ]


@extend_schema(
    description="Synced activity (Jira issues created, status changes, worklogs; "
    "Git commits), newest first, with a count. Orphaned commits (no longer "
    "reachable after a history rewrite) are listed with `orphaned: true`."
)
class ActivityListApi(generics.ListAPIView[ActivityEvent]):
    permission_classes = [IsAuthenticated]
    serializer_class = ActivityOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilter

    def get_queryset(self) -> QuerySet[ActivityEvent]:
        return activity_list().defer("data")


urlpatterns: list[URLPattern] = [
    path("activity/", ActivityListApi.as_view(), name="api-activity-list"),
]

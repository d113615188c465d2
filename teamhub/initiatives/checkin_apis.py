"""The value check-ins API: read an initiative's check-ins, record a new one.

Every signed-in role reads; managers and the initiative's owner and members
(proposed or confirmed) record. Check-ins are never changed or deleted.
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.models import User
from teamhub.core.pagination import PageNumberPagination
from teamhub.initiatives.models import Initiative, ValueCheckIn
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.initiatives.services_checkins import (
    NOTE_MAX_LENGTH,
    checkin_record,
    initiative_checkins,
)
from teamhub.people.apis import actor_of, validated_input


class CheckInAuthorSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class CheckInSerializer(serializers.ModelSerializer[ValueCheckIn]):
    """A check-in (needs ``by`` selected)."""

    by = CheckInAuthorSerializer(allow_null=True)

    class Meta:
        model = ValueCheckIn
        fields = [
            "id",
            "initiative",
            "at",
            "business_value",
            "model_metric",
            "note",
            "by",
            "created",
        ]


class CheckInPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CheckInSerializer(many=True)


# One URL, two operations: the list and the create of the same collection.
class InitiativeCheckInsApi(APIView):
    permission_classes = [IsAuthenticated]

    class CheckInCreateInputSerializer(serializers.Serializer[Any]):
        at = serializers.DateField(help_text="The day measured; not in the future.")
        business_value = serializers.FloatField(
            help_text="The business KPI's current value."
        )
        model_metric = serializers.FloatField(
            required=False,
            allow_null=True,
            help_text="The model's predictive performance (its metric name is "
            "the initiative's model_metric_name).",
        )
        note = serializers.CharField(
            required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH
        )

    @extend_schema(
        summary="List an initiative's value check-ins, oldest first",
        responses=CheckInPageSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        initiative = get_object_or_404(Initiative, pk=pk)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            initiative_checkins(initiative_id=initiative.pk), request, view=self
        )
        return paginator.get_paginated_response(CheckInSerializer(page, many=True).data)

    @extend_schema(
        summary="Record a value check-in",
        request=CheckInCreateInputSerializer,
        responses={201: CheckInSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        initiative = get_object_or_404(Initiative, pk=pk)
        actor = actor_of(request)
        # Refuse before reading the body: a refused caller learns nothing from it.
        if not can_work_on_initiative(actor, initiative):
            raise PermissionDenied(
                "Only managers and the people working on an initiative can record "
                "its check-ins."
            )
        data = validated_input(self.CheckInCreateInputSerializer, request)
        checkin = checkin_record(actor=actor, initiative=initiative, **data)
        checkin = initiative_checkins(initiative_id=initiative.pk).get(pk=checkin.pk)
        return Response(CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    path(
        "initiatives/<int:pk>/checkins/",
        InitiativeCheckInsApi.as_view(),
        name="api-initiative-checkins",
    ),
]

"""The initiatives API: ML initiatives, their labels and the assignments of people.

Every signed-in role reads; managers and admins write, through the services.
Finishing an assignment is a business action with its own endpoint.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from teamhub.core.permissions import IsManager, ReadOnlyOrManager
from teamhub.initiatives import services
from teamhub.initiatives.filters import AssignmentFilter, InitiativeFilter
from teamhub.initiatives.models import (
    Assignment,
    Initiative,
    Label,
    MissionCriticality,
    Outcome,
    Pathway,
    PipelineOwner,
    Stage,
)
from teamhub.initiatives.selectors import assignment_list, initiative_list
from teamhub.initiatives.serializers import (
    AssignmentSerializer,
    InitiativeSerializer,
    LabelSerializer,
)
from teamhub.people.apis import RegistryViewSet, actor_of, validated_input
from teamhub.people.models import Person, Team


class InitiativeUpdateInputSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(max_length=20, required=False)
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )
    business_kpi = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    kpi_target = serializers.CharField(max_length=100, required=False, allow_blank=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    mission_criticality = serializers.ChoiceField(
        choices=MissionCriticality.choices, required=False
    )
    pathway = serializers.ChoiceField(choices=Pathway.choices, required=False)
    pipeline_owner = serializers.ChoiceField(
        choices=PipelineOwner.choices, required=False
    )
    compute_complexity = serializers.IntegerField(
        min_value=1, max_value=3, required=False
    )
    ml_complexity = serializers.IntegerField(min_value=1, max_value=3, required=False)
    start = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, required=False, allow_null=True
    )
    labels = serializers.PrimaryKeyRelatedField(
        queryset=Label.objects.all(),
        many=True,
        required=False,
        help_text="Label ids (the whole set).",
    )
    model_metric_name = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="The model's predictive metric, e.g. AUC or MAPE.",
    )
    hardening_plan = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="How engineering will harden the production pipeline.",
    )


class InitiativeCreateInputSerializer(InitiativeUpdateInputSerializer):
    key = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=200)


@extend_schema_view(
    create=extend_schema(
        request=InitiativeCreateInputSerializer,
        responses={201: InitiativeSerializer},
    ),
    partial_update=extend_schema(
        request=InitiativeUpdateInputSerializer, responses=InitiativeSerializer
    ),
)
class InitiativeViewSet(RegistryViewSet):
    permission_classes = [ReadOnlyOrManager]
    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Initiative]:
        return initiative_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(InitiativeCreateInputSerializer, request)
        initiative = services.initiative_create(actor=actor_of(request), **data)
        return self.respond(initiative, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        initiative = self.get_object()
        data = validated_input(InitiativeUpdateInputSerializer, request)
        initiative = services.initiative_update(
            actor=actor_of(request), initiative=initiative, **data
        )
        return self.respond(initiative)


class AssignmentCreateInputSerializer(serializers.Serializer[Any]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    initiative = serializers.PrimaryKeyRelatedField(queryset=Initiative.objects.all())
    role = serializers.CharField(max_length=100)
    allocation = serializers.IntegerField(
        min_value=1, max_value=100, help_text="Percent of a full-time week."
    )
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Assignment.Status.choices, required=False)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_null=True,
        help_text="Only for a finished assignment.",
    )


class AssignmentUpdateInputSerializer(serializers.Serializer[Any]):
    role = serializers.CharField(max_length=100, required=False)
    allocation = serializers.IntegerField(min_value=1, max_value=100, required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=Assignment.Status.choices,
        required=False,
        help_text="proposed or confirmed; finish with the finish action.",
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_null=True,
        help_text="Only for a finished assignment.",
    )


@extend_schema_view(
    create=extend_schema(
        request=AssignmentCreateInputSerializer,
        responses={201: AssignmentSerializer},
    ),
    partial_update=extend_schema(
        request=AssignmentUpdateInputSerializer, responses=AssignmentSerializer
    ),
)
class AssignmentViewSet(RegistryViewSet):
    permission_classes = [ReadOnlyOrManager]
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Assignment]:
        return assignment_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(AssignmentCreateInputSerializer, request)
        assignment = services.assignment_create(actor=actor_of(request), **data)
        return self.respond(assignment, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = self.get_object()
        data = validated_input(AssignmentUpdateInputSerializer, request)
        assignment = services.assignment_update(
            actor=actor_of(request), assignment=assignment, **data
        )
        return self.respond(assignment)


class AssignmentFinishApi(APIView):
    """Close an assignment with its outcome; 409 if it is finished already."""

    permission_classes = [IsAuthenticated, IsManager]

    class AssignmentFinishInputSerializer(serializers.Serializer[Any]):
        outcome = serializers.ChoiceField(
            choices=Outcome.choices, required=False, allow_null=True
        )
        end = serializers.DateField(
            required=False,
            allow_null=True,
            help_text="Defaults to today (never before the start).",
        )

    @extend_schema(
        request=AssignmentFinishInputSerializer, responses=AssignmentSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        assignment = get_object_or_404(Assignment, pk=pk)
        data = validated_input(self.AssignmentFinishInputSerializer, request)
        assignment = services.assignment_finish(
            actor=actor_of(request), assignment=assignment, **data
        )
        return Response(
            AssignmentSerializer(
                assignment_list().get(pk=assignment.pk), context={"request": request}
            ).data
        )


# Labels ------------------------------------------------------------------------

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class LabelCreateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(
        max_length=40,
        validators=[
            UniqueValidator(
                queryset=Label.objects.all(),
                lookup="iexact",
                message="There is a label with this name already.",
            )
        ],
    )
    color = serializers.RegexField(
        HEX_COLOUR,
        required=False,
        help_text="CSS colour like #0d6efd.",
        error_messages={"invalid": "Give a colour like #0d6efd."},
    )


@extend_schema_view(
    create=extend_schema(
        request=LabelCreateInputSerializer, responses={201: LabelSerializer}
    ),
)
class LabelViewSet(RegistryViewSet):
    """Labels of initiatives: every role reads, managers create."""

    permission_classes = [ReadOnlyOrManager]
    serializer_class = LabelSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Label]:
        return Label.objects.order_by("name", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(LabelCreateInputSerializer, request)
        label = services.label_create(actor=actor_of(request), **data)
        return self.respond(label, created=True)


router = SimpleRouter(trailing_slash=True)
router.register("initiatives", InitiativeViewSet, basename="api-initiative")
router.register("assignments", AssignmentViewSet, basename="api-assignment")
router.register("labels", LabelViewSet, basename="api-label")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "assignments/<int:pk>/finish/",
        AssignmentFinishApi.as_view(),
        name="api-assignment-finish",
    ),
    *router.urls,
]

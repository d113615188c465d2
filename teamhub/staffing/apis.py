"""JSON API of staffing under /api/staffing/: requests, their suggestions, and
the manager's decisions. Managers and admins only (others get 403, anonymous
401); bad input is a 400 naming the field, a decision that clashes with the
current state a 409 saying why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.permissions import IsManager
from teamhub.initiatives.models import Initiative
from teamhub.people.apis import actor_of, validated_input
from teamhub.people.filters import IdChoiceFilter
from teamhub.people.models import Skill
from teamhub.people.search.query import Term
from teamhub.people.search.resolve import (
    Resolution,
    skill_catalog_load,
    term_resolve,
)
from teamhub.staffing import services
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)
from teamhub.staffing.selectors import (
    role_suggestions,
    staffing_request_detail,
    staffing_requests,
)
from teamhub.staffing.serializers import (
    ProposedAssignmentSerializer,
    RoleSuggestionsSerializer,
    StaffingRequestDetailSerializer,
    StaffingRequestSerializer,
    SuggestionSerializer,
)

PERMISSIONS = [IsAuthenticated, IsManager]


def _detail(pk: int) -> StaffingRequest:
    try:
        return staffing_request_detail(pk=pk)
    except StaffingRequest.DoesNotExist as exc:
        raise Http404("No such staffing request.") from exc


def _detail_payload(pk: int) -> dict[str, Any]:
    return dict(StaffingRequestDetailSerializer(_detail(pk)).data)


# -- input ---------------------------------------------------------------------------


class SkillNeedInputSerializer(serializers.Serializer[Any]):
    skill = serializers.CharField(
        max_length=100,
        help_text="A skill id, or a name or alias (typos tolerated, as in the "
        "skill search).",
    )
    min_level = serializers.IntegerField(help_text="1 aware … 5 authority.")
    importance = serializers.CharField(
        required=False, default="must", help_text="must | nice"
    )


class RoleInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(allow_blank=True, max_length=200)
    headcount = serializers.IntegerField(required=False, default=1)
    allocation = serializers.IntegerField(help_text="Percent of a full-time week.")
    start = serializers.DateField()
    end = serializers.DateField()
    skills = SkillNeedInputSerializer(many=True, allow_empty=True)


def roles_from_input(rows: Sequence[Mapping[str, Any]]) -> list[services.RoleInput]:
    """Resolve each skill (an id, or a name or alias as the skill search does)
    and return the service's inputs; raise ValidationError naming every skill
    that cannot be resolved. Two queries whatever the number of skills."""
    catalog = None
    errors: dict[str, list[str]] = {}
    resolved: dict[tuple[int, int], int] = {}
    for i, role in enumerate(rows):
        for j, need in enumerate(role["skills"]):
            raw = str(need["skill"]).strip()
            if raw.isdigit():
                resolved[(i, j)] = int(raw)
                continue
            if catalog is None:
                catalog = skill_catalog_load()
            found = term_resolve(Term(text=raw), catalog=catalog)
            if isinstance(found, Resolution):
                resolved[(i, j)] = found.skill.id
            else:
                errors[f"roles.{i}.skills.{j}.skill"] = [found.message]
    skills = Skill.objects.in_bulk(sorted(set(resolved.values())))
    for (i, j), skill_id in resolved.items():
        if skill_id not in skills:
            errors[f"roles.{i}.skills.{j}.skill"] = [f"No skill has the id {skill_id}."]
    if errors:
        raise ValidationError(errors)
    return [
        services.RoleInput(
            title=role["title"],
            headcount=role["headcount"],
            allocation=role["allocation"],
            start=role["start"],
            end=role["end"],
            skills=[
                services.SkillInput(
                    skill=skills[resolved[(i, j)]],
                    min_level=need["min_level"],
                    importance=need.get("importance") or "must",
                )
                for j, need in enumerate(role["skills"])
            ],
        )
        for i, role in enumerate(rows)
    ]


# -- requests --------------------------------------------------------------------------


class StaffingRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=StaffingRequest.Status.choices)
    initiative = IdChoiceFilter(queryset=Initiative.objects.all())

    class Meta:
        model = StaffingRequest
        fields = ["status", "initiative"]


class StaffingRequestListApi(generics.ListAPIView[StaffingRequest]):
    """List staffing requests (``?status=open|closed&initiative=<id>``), newest
    first, or create one (its suggestions are computed in the background)."""

    permission_classes = PERMISSIONS
    serializer_class = StaffingRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = StaffingRequestFilter

    class StaffingRequestCreateInputSerializer(serializers.Serializer[Any]):
        initiative = serializers.PrimaryKeyRelatedField(
            queryset=Initiative.objects.all()
        )
        note = serializers.CharField(required=False, allow_blank=True, default="")
        roles = RoleInputSerializer(many=True, allow_empty=True)

    def get_queryset(self) -> QuerySet[StaffingRequest]:
        return staffing_requests()

    @extend_schema(
        operation_id="staffing_requests_create",
        request=StaffingRequestCreateInputSerializer,
        responses={201: StaffingRequestDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(self.StaffingRequestCreateInputSerializer, request)
        created = services.staffing_request_create(
            actor=actor_of(request),
            initiative=data["initiative"],
            roles=roles_from_input(data["roles"]),
            note=data["note"],
        )
        return Response(_detail_payload(created.pk), status=status.HTTP_201_CREATED)


class StaffingRequestDetailApi(APIView):
    """One request: its roles with their skills, the proposed team, when it was
    computed and whether it is stale (a recompute is due)."""

    permission_classes = PERMISSIONS

    @extend_schema(responses=StaffingRequestDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail_payload(pk))


class StaffingRequestRecomputeApi(APIView):
    """Queue the computation of the request's suggestions now (202)."""

    permission_classes = PERMISSIONS

    @extend_schema(request=None, responses={202: StaffingRequestDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(StaffingRequest, pk=pk)
        services.staffing_request_recompute(actor=actor_of(request), request=found)
        return Response(_detail_payload(pk), status=status.HTTP_202_ACCEPTED)


class StaffingRequestCloseApi(APIView):
    """Close the request; accepted people keep their proposed assignments."""

    permission_classes = PERMISSIONS

    @extend_schema(request=None, responses=StaffingRequestDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(StaffingRequest, pk=pk)
        services.staffing_request_close(actor=actor_of(request), request=found)
        return Response(_detail_payload(pk))


TeamAccepted = inline_serializer(
    "StaffingTeamAccepted",
    {
        "assignments": ProposedAssignmentSerializer(many=True),
        "request": StaffingRequestDetailSerializer(),
    },
)


class TeamAcceptApi(APIView):
    """Accept every open member of the proposed team, all or nothing: 409 naming
    the person who can no longer be assigned, and nothing is accepted."""

    permission_classes = PERMISSIONS

    @extend_schema(request=None, responses={201: TeamAccepted})
    def post(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(StaffingRequest, pk=pk)
        made = services.team_accept(actor=actor_of(request), request=found)
        return Response(
            {
                "assignments": ProposedAssignmentSerializer(made, many=True).data,
                "request": _detail_payload(pk),
            },
            status=status.HTTP_201_CREATED,
        )


# -- suggestions ---------------------------------------------------------------------


class RoleSuggestionsApi(APIView):
    """A role's ranked matches and alternatives with every term of their scores,
    the rejected ones, and this role's members of the proposed team."""

    permission_classes = PERMISSIONS

    @extend_schema(responses=RoleSuggestionsSerializer)
    def get(self, request: Request, pk: int) -> Response:
        skills = RequiredSkill.objects.select_related("skill").order_by(
            "importance", "skill__name"
        )
        role = get_object_or_404(
            RoleRequirement.objects.prefetch_related(
                Prefetch("skills", queryset=skills)
            ),
            pk=pk,
        )
        return Response(RoleSuggestionsSerializer(role_suggestions(role=role)).data)


def _suggestion(pk: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related(
            "role", "person__user", "person__team", "decided_by"
        ),
        pk=pk,
    )


def _suggestion_payload(pk: int) -> dict[str, Any]:
    return dict(SuggestionSerializer(_suggestion(pk)).data)


SuggestionAccepted = inline_serializer(
    "StaffingSuggestionAccepted",
    {
        "suggestion": SuggestionSerializer(),
        "assignment": ProposedAssignmentSerializer(),
    },
)


class SuggestionAcceptApi(APIView):
    """Accept a suggestion: creates a proposed assignment and notifies the person.
    409 when already decided, the request is closed, or the person no longer has
    the free capacity the role needs."""

    permission_classes = PERMISSIONS

    @extend_schema(request=None, responses={201: SuggestionAccepted})
    def post(self, request: Request, pk: int) -> Response:
        assignment = services.suggestion_accept(
            actor=actor_of(request), suggestion=_suggestion(pk)
        )
        return Response(
            {
                "suggestion": _suggestion_payload(pk),
                "assignment": ProposedAssignmentSerializer(assignment).data,
            },
            status=status.HTTP_201_CREATED,
        )


class SuggestionRejectApi(APIView):
    """Reject a suggestion with a reason (required): the person is not suggested
    for that role again."""

    permission_classes = PERMISSIONS

    class SuggestionRejectInputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(
            max_length=2000, help_text="Why: kept with the decision."
        )

    @extend_schema(
        request=SuggestionRejectInputSerializer, responses=SuggestionSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        suggestion = _suggestion(pk)
        data = validated_input(self.SuggestionRejectInputSerializer, request)
        services.suggestion_reject(
            actor=actor_of(request), suggestion=suggestion, reason=data["reason"]
        )
        return Response(_suggestion_payload(pk))


class SuggestionLockApi(APIView):
    """Lock a pick in the team (``{"locked": true}``) or unlock it; the rest of
    the team is recomputed at once."""

    permission_classes = PERMISSIONS

    class SuggestionLockInputSerializer(serializers.Serializer[Any]):
        locked = serializers.BooleanField()

    @extend_schema(
        request=SuggestionLockInputSerializer, responses=SuggestionSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        suggestion = _suggestion(pk)
        data = validated_input(self.SuggestionLockInputSerializer, request)
        services.suggestion_lock(
            actor=actor_of(request), suggestion=suggestion, locked=data["locked"]
        )
        return Response(_suggestion_payload(pk))


urlpatterns: list[URLPattern] = [
    path(
        "staffing/requests/",
        StaffingRequestListApi.as_view(),
        name="api-staffing-requests",
    ),
    path(
        "staffing/requests/<int:pk>/",
        StaffingRequestDetailApi.as_view(),
        name="api-staffing-request",
    ),
    path(
        "staffing/requests/<int:pk>/recompute/",
        StaffingRequestRecomputeApi.as_view(),
        name="api-staffing-request-recompute",
    ),
    path(
        "staffing/requests/<int:pk>/close/",
        StaffingRequestCloseApi.as_view(),
        name="api-staffing-request-close",
    ),
    path(
        "staffing/requests/<int:pk>/accept-team/",
        TeamAcceptApi.as_view(),
        name="api-staffing-team-accept",
    ),
    path(
        "staffing/roles/<int:pk>/suggestions/",
        RoleSuggestionsApi.as_view(),
        name="api-staffing-role-suggestions",
    ),
    path(
        "staffing/suggestions/<int:pk>/accept/",
        SuggestionAcceptApi.as_view(),
        name="api-staffing-suggestion-accept",
    ),
    path(
        "staffing/suggestions/<int:pk>/reject/",
        SuggestionRejectApi.as_view(),
        name="api-staffing-suggestion-reject",
    ),
    path(
        "staffing/suggestions/<int:pk>/lock/",
        SuggestionLockApi.as_view(),
        name="api-staffing-suggestion-lock",
    ),
]

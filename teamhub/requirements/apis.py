"""The requirements API: documents, versions, diffs, sign-off requests,
decisions and the "waiting for my sign-off" inbox.

Every signed-in role reads. Managers and the people working on an initiative
write its documents and request sign-off; the stakeholders asked decide.
"""

from typing import Any

from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.models import User
from teamhub.initiatives.models import Initiative
from teamhub.people.apis import actor_of, validated_input
from teamhub.requirements import services, services_signoff
from teamhub.requirements.diff import version_diff
from teamhub.requirements.models import DocVersion, RequirementDoc, SignOffRequest
from teamhub.requirements.selectors import doc_state, request_status, signoff_inbox
from teamhub.requirements.serializers import (
    DocVersionSerializer,
    InboxItemSerializer,
    RequirementDocSerializer,
    SignOffRequestSerializer,
    SignOffSerializer,
)


def _doc_payload(doc: RequirementDoc) -> dict[str, Any]:
    latest = doc.versions.select_related("author").order_by("-number").first()
    doc.state = doc_state(doc)  # type: ignore[attr-defined]
    doc.latest = latest  # type: ignore[attr-defined]
    return dict(RequirementDocSerializer(doc).data)


class RequirementDocListApi(APIView):
    """List documents (``?initiative=``) or create one from the template."""

    permission_classes = [IsAuthenticated]

    class RequirementDocCreateInputSerializer(serializers.Serializer[Any]):
        initiative = serializers.PrimaryKeyRelatedField(
            queryset=Initiative.objects.all()
        )
        title = serializers.CharField(max_length=200)
        body_markdown = serializers.CharField(required=False, allow_blank=True)
        # "fields" (the structured fields) is read from the body directly: a
        # serializer field of that name would shadow Serializer.fields. The
        # service validates it (400 naming the field).

    @extend_schema(operation_id="requirements_list", responses={200: dict})
    def get(self, request: Request) -> Response:
        docs = RequirementDoc.objects.annotate(latest_version=Max("versions__number"))
        initiative = request.query_params.get("initiative", "")
        if initiative:
            if not initiative.isdigit():
                raise serializers.ValidationError({"initiative": ["An id."]})
            docs = docs.filter(initiative_id=int(initiative))
        rows = [
            {
                "id": doc.pk,
                "initiative": doc.initiative_id,
                "title": doc.title,
                "latest_version": doc.latest_version,
            }
            for doc in docs.order_by("initiative_id", "title", "id")[:500]
        ]
        return Response({"count": len(rows), "results": rows})

    @extend_schema(
        request=RequirementDocCreateInputSerializer,
        responses={201: RequirementDocSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(self.RequirementDocCreateInputSerializer, request)
        doc = services.doc_create(
            actor=actor_of(request), fields=request.data.get("fields"), **data
        )
        return Response(_doc_payload(doc), status=status.HTTP_201_CREATED)


class RequirementDocDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RequirementDocSerializer)
    def get(self, request: Request, pk: int) -> Response:
        doc = get_object_or_404(RequirementDoc, pk=pk)
        return Response(_doc_payload(doc))


class DocVersionCreateApi(APIView):
    """Save a new version, edited from version ``based_on`` (409 if stale)."""

    permission_classes = [IsAuthenticated]

    class DocVersionCreateInputSerializer(serializers.Serializer[Any]):
        body_markdown = serializers.CharField(allow_blank=True, trim_whitespace=False)
        based_on = serializers.IntegerField(min_value=1)
        # "fields" is read from the body directly (see RequirementDocListApi).

    @extend_schema(
        request=DocVersionCreateInputSerializer, responses={201: DocVersionSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        doc = get_object_or_404(RequirementDoc, pk=pk)
        data = validated_input(self.DocVersionCreateInputSerializer, request)
        version = services.doc_version_create(
            actor=actor_of(request),
            doc=doc,
            fields=request.data.get("fields"),
            **data,
        )
        return Response(
            DocVersionSerializer(version).data, status=status.HTTP_201_CREATED
        )


class DocDiffApi(APIView):
    """What changed between two versions: ``?from=1&to=3`` (fields and body)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        doc = get_object_or_404(RequirementDoc, pk=pk)
        numbers = {}
        for name in ("from", "to"):
            value = request.query_params.get(name, "")
            if not value.isdigit():
                raise serializers.ValidationError({name: ["A version number."]})
            numbers[name] = int(value)
        versions = {
            v.number: v
            for v in DocVersion.objects.filter(
                doc=doc, number__in=list(numbers.values())
            )
        }
        for name, number in numbers.items():
            if number not in versions:
                raise serializers.ValidationError({name: [f"No version {number}."]})
        diff = version_diff(versions[numbers["from"]], versions[numbers["to"]])
        return Response(
            {
                "from": numbers["from"],
                "to": numbers["to"],
                "fields": [
                    {"key": c.key, "label": c.label, "old": c.old, "new": c.new}
                    for c in diff.fields
                ],
                "body": [
                    {"kind": r.kind, "old": r.old, "new": r.new} for r in diff.body
                ],
            }
        )


class SignOffRequestListApi(APIView):
    """Request sign-off; ``GET ?waiting_for=me`` is the stakeholder's inbox."""

    permission_classes = [IsAuthenticated]

    class SignOffRequestCreateInputSerializer(serializers.Serializer[Any]):
        doc = serializers.PrimaryKeyRelatedField(queryset=RequirementDoc.objects.all())
        stakeholders = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(), many=True
        )
        policy = serializers.ChoiceField(
            choices=SignOffRequest.Policy.choices, required=False
        )
        quorum = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        due = serializers.DateField(required=False, allow_null=True)

    @extend_schema(responses=InboxItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        if request.query_params.get("waiting_for") != "me":
            raise serializers.ValidationError(
                {"waiting_for": ["Only waiting_for=me is supported."]}
            )
        items = signoff_inbox(user=actor_of(request))
        return Response(InboxItemSerializer(items, many=True).data)

    @extend_schema(
        request=SignOffRequestCreateInputSerializer,
        responses={201: SignOffRequestSerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(self.SignOffRequestCreateInputSerializer, request)
        created = services_signoff.signoff_request_create(
            actor=actor_of(request), **data
        )
        return Response(
            SignOffRequestSerializer(request_status(created)).data,
            status=status.HTTP_201_CREATED,
        )


class SignOffRequestDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SignOffRequestSerializer)
    def get(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(
            SignOffRequest.objects.select_related("version", "doc__initiative"), pk=pk
        )
        payload = dict(SignOffRequestSerializer(request_status(found)).data)
        decisions = found.signoffs.select_related("stakeholder", "version")
        payload["decisions"] = SignOffSerializer(decisions, many=True).data
        return Response(payload)


class SignOffDecideApi(APIView):
    """Approve or reject the version under review, signing with your password."""

    permission_classes = [IsAuthenticated]

    class SignOffDecideInputSerializer(serializers.Serializer[Any]):
        decision = serializers.ChoiceField(choices=["approved", "rejected"])
        comment = serializers.CharField(required=False, allow_blank=True)
        password = serializers.CharField(trim_whitespace=False)
        version = serializers.IntegerField(
            min_value=1, help_text="The version number you read."
        )

    @extend_schema(
        request=SignOffDecideInputSerializer, responses={201: SignOffSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(SignOffRequest, pk=pk)
        data = validated_input(self.SignOffDecideInputSerializer, request)
        signoff = services_signoff.signoff_decide(
            request=found,
            stakeholder=actor_of(request),
            decision=data["decision"],
            password=data["password"],
            version_number=data["version"],
            comment=data.get("comment", ""),
        )
        return Response(SignOffSerializer(signoff).data, status=status.HTTP_201_CREATED)


class SignOffRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    class SignOffRevokeInputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField()

    @extend_schema(
        request=SignOffRevokeInputSerializer, responses={201: SignOffSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        found = get_object_or_404(SignOffRequest, pk=pk)
        data = validated_input(self.SignOffRevokeInputSerializer, request)
        revocation = services_signoff.signoff_revoke(
            request=found, stakeholder=actor_of(request), reason=data["reason"]
        )
        return Response(
            SignOffSerializer(revocation).data, status=status.HTTP_201_CREATED
        )


urlpatterns: list[URLPattern] = [
    path("requirements/", RequirementDocListApi.as_view(), name="api-requirements"),
    path(
        "requirements/<int:pk>/",
        RequirementDocDetailApi.as_view(),
        name="api-requirement",
    ),
    path(
        "requirements/<int:pk>/versions/",
        DocVersionCreateApi.as_view(),
        name="api-requirement-versions",
    ),
    path(
        "requirements/<int:pk>/diff/",
        DocDiffApi.as_view(),
        name="api-requirement-diff",
    ),
    path(
        "signoff-requests/",
        SignOffRequestListApi.as_view(),
        name="api-signoff-requests",
    ),
    path(
        "signoff-requests/<int:pk>/",
        SignOffRequestDetailApi.as_view(),
        name="api-signoff-request",
    ),
    path(
        "signoff-requests/<int:pk>/decide/",
        SignOffDecideApi.as_view(),
        name="api-signoff-decide",
    ),
    path(
        "signoff-requests/<int:pk>/revoke/",
        SignOffRevokeApi.as_view(),
        name="api-signoff-revoke",
    ),
]

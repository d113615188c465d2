"""Output serializers of the requirements API (input serializers live in apis.py)."""

from typing import Any

from rest_framework import serializers

from teamhub.people.serializers import UserBriefSerializer
from teamhub.requirements.models import DocVersion, RequirementDoc, SignOff


class DocVersionBriefSerializer(serializers.ModelSerializer[DocVersion]):
    author = UserBriefSerializer(allow_null=True)

    class Meta:
        model = DocVersion
        fields = ["id", "number", "content_sha256", "author", "created"]


class DocVersionSerializer(DocVersionBriefSerializer):
    class Meta(DocVersionBriefSerializer.Meta):
        fields = [*DocVersionBriefSerializer.Meta.fields, "body_markdown", "fields"]


class RequirementDocSerializer(serializers.ModelSerializer[RequirementDoc]):
    """A document with its state and latest version (``state`` and ``latest``
    are set by the API)."""

    initiative = serializers.IntegerField(source="initiative_id")
    state = serializers.CharField()
    latest = DocVersionSerializer()

    class Meta:
        model = RequirementDoc
        fields = ["id", "initiative", "title", "state", "latest", "created"]


class SignOffSerializer(serializers.ModelSerializer[SignOff]):
    stakeholder = UserBriefSerializer()
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = SignOff
        fields = [
            "id",
            "stakeholder",
            "decision",
            "version",
            "meaning",
            "comment",
            "signed_at",
            "content_sha256",
        ]


class StandingSerializer(serializers.Serializer[Any]):
    stakeholder = serializers.IntegerField(source="stakeholder_id")
    standing = serializers.CharField()


class SignOffRequestSerializer(serializers.Serializer[Any]):
    """A request with its computed state (a ``selectors.RequestStatus``)."""

    id = serializers.IntegerField(source="request.pk")
    doc = serializers.IntegerField(source="request.doc_id")
    title = serializers.CharField(source="request.doc.title")
    version = serializers.IntegerField(source="request.version.number")
    content_sha256 = serializers.CharField(source="request.version.content_sha256")
    policy = serializers.CharField(source="request.policy")
    quorum = serializers.IntegerField(source="request.quorum", allow_null=True)
    due = serializers.DateField(source="request.due", allow_null=True)
    state = serializers.CharField()
    stakeholders = StandingSerializer(source="people", many=True)
    unmet_rules = serializers.ListField(child=serializers.CharField())


class InboxItemSerializer(serializers.Serializer[Any]):
    """A request waiting for the signed-in stakeholder (a ``selectors.InboxItem``)."""

    id = serializers.IntegerField(source="request.pk")
    doc = serializers.IntegerField(source="request.doc_id")
    title = serializers.CharField(source="request.doc.title")
    initiative = serializers.CharField(source="request.doc.initiative.key")
    version = serializers.IntegerField(source="request.version.number")
    content_sha256 = serializers.CharField(source="request.version.content_sha256")
    due = serializers.DateField(source="request.due", allow_null=True)
    standing = serializers.CharField()
    signed_version = serializers.IntegerField(allow_null=True)

"""The integrations API: Jira connections and Git repositories ("sync now" and
sync runs are in ``run_apis.py``).

Admins write connections; managers (and admins) read them and start syncs.
Tokens and webhook secrets are write-only: responses say only whether one is set.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.permissions import IsAdmin, IsManager
from teamhub.initiatives.models import Initiative
from teamhub.integrations.models import (
    GitRepository,
    JiraConnection,
    JiraMapping,
)
from teamhub.integrations.selectors import jira_connections
from teamhub.integrations.services_connections import (
    MappingRow,
    git_repository_create,
    git_repository_update,
    jira_connection_create,
    jira_connection_update,
    url_redacted,
)
from teamhub.people.apis import actor_of, validated_input

# --- output -----------------------------------------------------------------


class JiraMappingOutputSerializer(serializers.ModelSerializer[JiraMapping]):
    initiative_key = serializers.CharField(source="initiative.key", read_only=True)

    class Meta:
        model = JiraMapping
        fields = ["kind", "value", "initiative", "initiative_key"]


class JiraConnectionOutputSerializer(serializers.ModelSerializer[JiraConnection]):
    has_token = serializers.BooleanField(read_only=True)
    has_webhook_secret = serializers.SerializerMethodField()
    mappings = JiraMappingOutputSerializer(many=True, read_only=True)

    class Meta:
        model = JiraConnection
        fields = [
            "id",
            "name",
            "base_url",
            "deployment",
            "email",
            "token_env",
            "has_token",
            "has_webhook_secret",
            "jql",
            "active",
            "watermark",
            "jira_timezone",
            "page_cap",
            "epic_link_field",
            "mappings",
        ]

    def get_has_webhook_secret(self, connection: JiraConnection) -> bool:
        return bool(connection.webhook_secret_encrypted)


class GitRepositoryOutputSerializer(serializers.ModelSerializer[GitRepository]):
    url = serializers.SerializerMethodField(help_text="Passwords are shown as ***.")
    has_webhook_secret = serializers.SerializerMethodField()

    class Meta:
        model = GitRepository
        fields = [
            "id",
            "name",
            "url",
            "branches",
            "initiative",
            "has_webhook_secret",
            "active",
            "tips",
        ]

    def get_url(self, repository: GitRepository) -> str:
        return url_redacted(repository.url)

    def get_has_webhook_secret(self, repository: GitRepository) -> bool:
        return bool(repository.webhook_secret_encrypted)


# --- input ------------------------------------------------------------------


class JiraMappingInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=JiraMapping.Kind.choices)
    value = serializers.CharField(max_length=255)
    initiative = serializers.PrimaryKeyRelatedField(queryset=Initiative.objects.all())


class JiraConnectionInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    base_url = serializers.URLField(max_length=200, required=False)
    deployment = serializers.ChoiceField(
        choices=JiraConnection.Deployment.choices, required=False
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    api_token = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=True,
        help_text="Stored encrypted; never returned. Empty keeps the current one.",
    )
    token_env = serializers.CharField(max_length=100, required=False, allow_blank=True)
    jql = serializers.CharField(required=False, allow_blank=True)
    webhook_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Signs Jira's webhooks; empty removes it.",
    )
    active = serializers.BooleanField(required=False)
    page_cap = serializers.IntegerField(min_value=1, max_value=100000, required=False)
    epic_link_field = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text="The Epic Link custom field's id, e.g. customfield_10014.",
    )
    mappings = JiraMappingInputSerializer(
        many=True, required=False, help_text="Replaces every mapping rule."
    )


def _mapping_rows(data: dict[str, Any]) -> list[MappingRow] | None:
    if "mappings" not in data:
        return None
    return [MappingRow(**row) for row in data.pop("mappings")]


class _ReadManagersWriteAdmins(BasePermission):
    message = "Only admins can change integrations."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return IsManager().has_permission(request, view)
        return IsAdmin().has_permission(request, view)


class JiraConnectionListApi(APIView):
    """List Jira connections (managers) or add one (admins)."""

    permission_classes = [IsAuthenticated, _ReadManagersWriteAdmins]

    @extend_schema_serializer(component_name="JiraConnectionCreateInput")
    class InputSerializer(JiraConnectionInputSerializer):
        name = serializers.CharField(max_length=100)
        base_url = serializers.URLField(max_length=200)
        deployment = serializers.ChoiceField(choices=JiraConnection.Deployment.choices)

    @extend_schema(responses=JiraConnectionOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            JiraConnectionOutputSerializer(jira_connections(), many=True).data
        )

    @extend_schema(
        request=InputSerializer, responses={201: JiraConnectionOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        fields = validated_input(self.InputSerializer, request)
        mappings = _mapping_rows(fields)
        connection = jira_connection_create(
            actor=actor_of(request), mappings=mappings, **fields
        )
        return Response(
            JiraConnectionOutputSerializer(
                jira_connections().get(pk=connection.pk)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class JiraConnectionDetailApi(APIView):
    """Read (managers) or change (admins) one Jira connection."""

    permission_classes = [IsAuthenticated, _ReadManagersWriteAdmins]

    @extend_schema_serializer(component_name="JiraConnectionUpdateInput")
    class InputSerializer(JiraConnectionInputSerializer):
        pass

    @extend_schema(responses=JiraConnectionOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        connection = get_object_or_404(jira_connections(), pk=pk)
        return Response(JiraConnectionOutputSerializer(connection).data)

    @extend_schema(request=InputSerializer, responses=JiraConnectionOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        connection = get_object_or_404(JiraConnection, pk=pk)
        fields = validated_input(self.InputSerializer, request)
        mappings = _mapping_rows(fields)
        jira_connection_update(
            actor=actor_of(request), connection=connection, mappings=mappings, **fields
        )
        return Response(
            JiraConnectionOutputSerializer(jira_connections().get(pk=pk)).data
        )


class GitRepositoryInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    url = serializers.CharField(
        max_length=500, required=False, help_text="Remote URL or local path."
    )
    branch = serializers.CharField(
        max_length=200, required=False, help_text="One branch to follow."
    )
    branches = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Branches to follow; empty: the default branch.",
    )
    initiative = serializers.PrimaryKeyRelatedField(
        queryset=Initiative.objects.all(), required=False, allow_null=True
    )
    webhook_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Signs the host's push webhooks; empty removes it.",
    )
    active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        branch = attrs.pop("branch", None)
        if branch is not None:
            if "branches" in attrs:
                raise serializers.ValidationError(
                    {"branch": ["Give branch or branches, not both."]}
                )
            attrs["branches"] = [branch]
        return attrs


class GitRepositoryListApi(APIView):
    """List Git repositories (managers) or add one (admins)."""

    permission_classes = [IsAuthenticated, _ReadManagersWriteAdmins]

    @extend_schema_serializer(component_name="GitRepositoryCreateInput")
    class InputSerializer(GitRepositoryInputSerializer):
        name = serializers.CharField(max_length=100)
        url = serializers.CharField(max_length=500, help_text="Remote URL or path.")

    @extend_schema(responses=GitRepositoryOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            GitRepositoryOutputSerializer(GitRepository.objects.all(), many=True).data
        )

    @extend_schema(
        request=InputSerializer, responses={201: GitRepositoryOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        repository = git_repository_create(
            actor=actor_of(request), **validated_input(self.InputSerializer, request)
        )
        return Response(
            GitRepositoryOutputSerializer(repository).data,
            status=status.HTTP_201_CREATED,
        )


class GitRepositoryDetailApi(APIView):
    """Read (managers) or change (admins) one Git repository."""

    permission_classes = [IsAuthenticated, _ReadManagersWriteAdmins]

    @extend_schema_serializer(component_name="GitRepositoryUpdateInput")
    class InputSerializer(GitRepositoryInputSerializer):
        pass

    @extend_schema(responses=GitRepositoryOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        repository = get_object_or_404(GitRepository, pk=pk)
        return Response(GitRepositoryOutputSerializer(repository).data)

    @extend_schema(request=InputSerializer, responses=GitRepositoryOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        repository = get_object_or_404(GitRepository, pk=pk)
        repository = git_repository_update(
            actor=actor_of(request),
            repository=repository,
            **validated_input(self.InputSerializer, request),
        )
        return Response(GitRepositoryOutputSerializer(repository).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "integrations/jira/",
        JiraConnectionListApi.as_view(),
        name="api-jira-connections",
    ),
    path(
        "integrations/jira/<int:pk>/",
        JiraConnectionDetailApi.as_view(),
        name="api-jira-connection",
    ),
    path(
        "integrations/git/",
        GitRepositoryListApi.as_view(),
        name="api-git-repositories",
    ),
    path(
        "integrations/git/<int:pk>/",
        GitRepositoryDetailApi.as_view(),
        name="api-git-repository",
    ),
]

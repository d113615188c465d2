"""The integrations API: Jira connections, Git repositories, "sync now" and
sync runs (a list and each one's status).

Admins write connections; managers (and admins) read them and start syncs.
Tokens and webhook secrets are write-only: responses say only whether one is set.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import generics, serializers, status
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
    Source,
    SyncRun,
)
from teamhub.integrations.runs import Connection, sync_run_queue
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
from teamhub.people.filters import IdChoiceFilter

# --- output -----------------------------------------------------------------


class SyncRunOutputSerializer(serializers.ModelSerializer[SyncRun]):
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]
    connection = serializers.SerializerMethodField()
    duration = serializers.FloatField(
        source="duration_seconds", read_only=True, help_text="Seconds."
    )

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "source",
            "connection",
            "status",
            "trigger",
            "queued_at",
            "started_at",
            "finished_at",
            "duration",
            "since",
            "counts",
            "error",
        ]

    def get_connection(self, run: SyncRun) -> int:
        return int(run.jira_id or run.git_id or 0)


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


RunResponse = inline_serializer("SyncRunQueued", {"run": SyncRunOutputSerializer()})


class _SyncNowApi(APIView):
    permission_classes = [IsAuthenticated, IsManager]
    model: type[JiraConnection] | type[GitRepository]

    @extend_schema(request=None, responses={202: RunResponse})
    def post(self, request: Request, pk: int) -> Response:
        connection: Connection = get_object_or_404(self.model, pk=pk)  # type: ignore[assignment]
        run = sync_run_queue(
            connection=connection,
            trigger=SyncRun.Trigger.MANUAL,
            requested_by=actor_of(request),
        )
        return Response(
            {"run": SyncRunOutputSerializer(run).data}, status=status.HTTP_202_ACCEPTED
        )


class JiraSyncApi(_SyncNowApi):
    """Queue a sync of a Jira connection now; 409 when one is queued or running."""

    model = JiraConnection


class GitSyncApi(_SyncNowApi):
    """Queue a sync of a Git repository now; 409 when one is queued or running."""

    model = GitRepository


class SyncRunFilter(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(
        choices=Source.choices, method="filter_source", label="jira or git"
    )
    jira = IdChoiceFilter(
        queryset=JiraConnection.objects.all(), label="Runs of this Jira connection"
    )
    git = IdChoiceFilter(
        queryset=GitRepository.objects.all(), label="Runs of this Git repository"
    )
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)
    trigger = django_filters.ChoiceFilter(choices=SyncRun.Trigger.choices)

    class Meta:
        model = SyncRun
        fields = ["jira", "git", "status", "trigger"]

    def filter_source(
        self, qs: QuerySet[SyncRun], name: str, value: str
    ) -> QuerySet[SyncRun]:
        if value == Source.JIRA:
            return qs.filter(jira__isnull=False)
        return qs.filter(git__isnull=False)


@extend_schema(
    description="Sync runs, newest first, with a count: filter by source, "
    "connection (`jira` or `git` id), status and trigger."
)
class SyncRunListApi(generics.ListAPIView[SyncRun]):
    permission_classes = [IsAuthenticated, IsManager]
    serializer_class = SyncRunOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SyncRunFilter

    def get_queryset(self) -> QuerySet[SyncRun]:
        return SyncRun.objects.order_by("-queued_at", "-id")


class SyncRunDetailApi(APIView):
    """Where a sync run stands: status, counts, error, times."""

    permission_classes = [IsAuthenticated, IsManager]

    @extend_schema(responses=SyncRunOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(SyncRun, pk=pk)
        return Response(SyncRunOutputSerializer(run).data)


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
        "integrations/jira/<int:pk>/sync/",
        JiraSyncApi.as_view(),
        name="api-jira-sync",
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
    path(
        "integrations/git/<int:pk>/sync/",
        GitSyncApi.as_view(),
        name="api-git-sync",
    ),
    path("sync-runs/", SyncRunListApi.as_view(), name="api-sync-runs"),
    path("sync-runs/<int:pk>/", SyncRunDetailApi.as_view(), name="api-sync-run"),
]

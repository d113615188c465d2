"""The sync runs API: "sync now" for a connection, the list of runs and each
one's status. Managers (and admins) only."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.permissions import IsManager
from teamhub.integrations.models import GitRepository, JiraConnection, Source, SyncRun
from teamhub.integrations.runs import Connection, sync_run_queue
from teamhub.people.apis import actor_of
from teamhub.people.filters import IdChoiceFilter


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
        "integrations/jira/<int:pk>/sync/",
        JiraSyncApi.as_view(),
        name="api-jira-sync",
    ),
    path(
        "integrations/git/<int:pk>/sync/",
        GitSyncApi.as_view(),
        name="api-git-sync",
    ),
    path("sync-runs/", SyncRunListApi.as_view(), name="api-sync-runs"),
    path("sync-runs/<int:pk>/", SyncRunDetailApi.as_view(), name="api-sync-run"),
]

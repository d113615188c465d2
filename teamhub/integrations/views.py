"""The integrations pages: each connection with its recent runs and "Sync now"
(managers and admins), and the settings pages where admins add and edit Jira
connections and Git repositories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.integrations.forms import (
    GitRepositoryForm,
    JiraConnectionForm,
    JiraMappingFormSet,
)
from teamhub.integrations.models import GitRepository, JiraConnection, SyncRun
from teamhub.integrations.runs import OPEN, Connection, sync_run_queue
from teamhub.integrations.selectors import jira_connections
from teamhub.integrations.services_connections import (
    JIRA_FIELDS,
    MappingRow,
    git_repository_create,
    git_repository_update,
    jira_connection_create,
    jira_connection_update,
    url_redacted,
)

View = Callable[..., HttpResponse]
RUNS_SHOWN = 5
MODELS: dict[str, type[JiraConnection] | type[GitRepository]] = {
    "jira": JiraConnection,
    "git": GitRepository,
}


def role_required(role: str, message: str) -> Callable[[View], View]:
    """Refuse (403, with ``message``) anyone without ``role`` (admins hold all)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_has_role(request.user, role):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


managers_only = role_required(Role.MANAGER, "Only managers and admins can see this.")
admins_only = role_required(Role.ADMIN, "Only admins can change integrations.")


@dataclass
class ConnectionRow:
    source: str
    connection: JiraConnection | GitRepository
    runs: list[SyncRun]
    last_success: dt.datetime | None
    now: dt.datetime

    @property
    def key(self) -> str:
        return f"{self.source}-{self.connection.pk}"

    @property
    def open(self) -> bool:
        return any(run.status in OPEN for run in self.runs)

    @property
    def lag(self) -> dt.timedelta | None:
        if self.last_success is None:
            return None
        return self.now - self.last_success

    @property
    def lag_late(self) -> bool:
        """Behind by more than two schedule periods (a sync is overdue)."""
        lag = self.lag
        period = dt.timedelta(minutes=settings.TEAMHUB_SYNC_MINUTES)
        return lag is None or lag > 2 * period

    @property
    def display_url(self) -> str:
        if isinstance(self.connection, GitRepository):
            return url_redacted(self.connection.url)
        return self.connection.base_url


def _with_runs(
    queryset: QuerySet[Any], field: str
) -> QuerySet[Any]:  # JiraConnection or GitRepository
    last_success = (
        SyncRun.objects.filter(
            **{field: OuterRef("pk")}, status=SyncRun.Status.SUCCEEDED
        )
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    recent = SyncRun.objects.select_related("requested_by").order_by(
        "-queued_at", "-id"
    )[:RUNS_SHOWN]
    return queryset.annotate(last_success=Subquery(last_success)).prefetch_related(
        Prefetch("runs", recent, to_attr="recent_runs")
    )


def connection_rows(
    *, source: str | None = None, pk: int | None = None
) -> list[ConnectionRow]:
    """Return the connections (all, or one) with their recent runs; three
    queries per source whatever the number of connections."""
    now = timezone.now()
    rows: list[ConnectionRow] = []
    for name, model in MODELS.items():
        if source is not None and name != source:
            continue
        queryset = model.objects.all()
        if pk is not None:
            queryset = queryset.filter(pk=pk)
        for connection in _with_runs(queryset, name):
            rows.append(
                ConnectionRow(
                    source=name,
                    connection=connection,
                    runs=connection.recent_runs,
                    last_success=connection.last_success,
                    now=now,
                )
            )
    return rows


def _identities_url() -> str | None:
    try:
        return reverse("integrations:identities")
    except NoReverseMatch:  # the review page is not wired (yet)
        return None


@managers_only
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    rows = connection_rows()
    return render(
        request,
        "integrations/index.html",
        {
            "jira_rows": [r for r in rows if r.source == "jira"],
            "git_rows": [r for r in rows if r.source == "git"],
            "identities_url": _identities_url(),
        },
    )


@managers_only
@require_GET
def runs(request: HttpRequest, source: str, pk: int) -> HttpResponse:
    """Return one connection's runs panel; htmx polls it while a run is open."""
    rows = connection_rows(source=source, pk=pk) if source in MODELS else []
    if not rows:
        raise Http404("No such connection.")
    return render(request, "integrations/_partials/runs.html", {"row": rows[0]})


@managers_only
@require_POST
def sync_now(request: HttpRequest, source: str, pk: int) -> HttpResponse:
    if source not in MODELS:
        raise Http404("No such connection.")
    connection: Connection = get_object_or_404(MODELS[source], pk=pk)  # type: ignore[assignment]
    try:
        sync_run_queue(
            connection=connection,
            trigger=SyncRun.Trigger.MANUAL,
            requested_by=user_of(request),
        )
    except Conflict as conflict:
        messages.warning(request, conflict.detail)
    else:
        messages.success(
            request, f"A sync of {connection} is queued; its runs update below."
        )
    return redirect(f"{reverse('integrations:index')}#{source}-{pk}")


def user_of(request: HttpRequest) -> User:
    """Return the signed-in user (the role decorators refuse anyone else)."""
    user: User = request.user  # type: ignore[assignment]
    return user


# --- settings (admins) -------------------------------------------------------


@admins_only
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/settings.html",
        {
            "jira_connections": jira_connections(),
            "git_repositories": [
                (repository, url_redacted(repository.url))
                for repository in GitRepository.objects.select_related("initiative")
            ],
        },
    )


def _mapping_rows(formset: Any) -> list[MappingRow]:
    return [
        MappingRow(
            kind=data["kind"], value=data["value"], initiative=data["initiative"]
        )
        for data in formset.cleaned_data
        if data and data.get("kind") and not data.get("DELETE")
    ]


@admins_only
@require_http_methods(["GET", "POST"])
def jira_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    connection = get_object_or_404(JiraConnection, pk=pk) if pk else None
    initial: dict[str, Any] = {}
    mappings: list[dict[str, Any]] = []
    if connection is not None:
        initial = {
            field: getattr(connection, field)
            for field in JIRA_FIELDS
            if field in JiraConnectionForm.base_fields
        }
        mappings = [
            {"kind": m.kind, "value": m.value, "initiative": m.initiative_id}
            for m in connection.mappings.all()
        ]
    form = JiraConnectionForm(
        request.POST or None, initial=initial, connection=connection
    )
    formset = JiraMappingFormSet(
        request.POST or None, initial=mappings, prefix="mappings"
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        secret = form.webhook_secret_input()
        data = form.fields_input()
        token = data.pop("api_token") or None
        rows = _mapping_rows(formset)
        try:
            if connection is None:
                connection = jira_connection_create(
                    actor=user_of(request),
                    api_token=token or "",
                    webhook_secret=secret or "",
                    mappings=rows,
                    **data,
                )
                messages.success(request, f"Added the Jira connection {connection}.")
            else:
                connection = jira_connection_update(
                    actor=user_of(request),
                    connection=connection,
                    api_token=token,
                    webhook_secret=secret,
                    mappings=rows,
                    **data,
                )
                messages.success(request, f"Saved the Jira connection {connection}.")
        except ValidationError as error:
            form.add_service_error(error)  # "mappings" goes above the form
        else:
            return redirect("integrations:settings")
    return render(
        request,
        "integrations/jira_form.html",
        {"form": form, "formset": formset, "connection": connection},
    )


@admins_only
@require_http_methods(["GET", "POST"])
def git_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    repository = get_object_or_404(GitRepository, pk=pk) if pk else None
    initial: dict[str, Any] = {}
    if repository is not None:
        initial = {
            "name": repository.name,
            "url": url_redacted(repository.url),
            "branches": ", ".join(repository.branches),
            "initiative": repository.initiative_id,
            "active": repository.active,
        }
    form = GitRepositoryForm(
        request.POST or None,
        initial=initial,
        has_secret=bool(repository and repository.webhook_secret_encrypted),
    )
    if request.method == "POST" and form.is_valid():
        secret = form.webhook_secret_input()
        data = form.fields_input()
        try:
            if repository is None:
                repository = git_repository_create(
                    actor=user_of(request), webhook_secret=secret or "", **data
                )
                messages.success(request, f"Added the Git repository {repository}.")
            else:
                repository = git_repository_update(
                    actor=user_of(request),
                    repository=repository,
                    webhook_secret=secret,
                    **data,
                )
                messages.success(request, f"Saved the Git repository {repository}.")
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return redirect("integrations:settings")
    return render(
        request,
        "integrations/git_form.html",
        {"form": form, "repository": repository},
    )


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("settings/", settings_index, name="settings"),
    path("settings/jira/add/", jira_edit, name="jira_add"),
    path("settings/jira/<int:pk>/", jira_edit, name="jira_edit"),
    path("settings/git/add/", git_edit, name="git_add"),
    path("settings/git/<int:pk>/", git_edit, name="git_edit"),
    path("<str:source>/<int:pk>/runs/", runs, name="runs"),
    path("<str:source>/<int:pk>/sync/", sync_now, name="sync_now"),
]

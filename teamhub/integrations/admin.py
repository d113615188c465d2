"""Admin for every integrations model. Tokens and webhook secrets are write-only:
a "new token" field replaces them; the stored (encrypted) values are never shown.

Jira connections and Git repositories are written only through the connection
services (teamhub/integrations/services_connections.py), so the admin gets their
checks and audit events: the form's ``clean`` runs the service in a savepoint
that is always rolled back (its ValidationError becomes form errors), and
``save_model`` runs it for real.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    GitRepository,
    JiraConnection,
    JiraMapping,
    RawPayload,
    SkillEvidence,
    SkillEvidenceRule,
    SyncRun,
)
from teamhub.integrations.runs import Connection
from teamhub.integrations.services_connections import (
    MappingRow,
    connection_delete,
    git_repository_create,
    git_repository_update,
    jira_connection_create,
    jira_connection_update,
    url_redacted,
)
from teamhub.staffing.receivers import staffing_mark_stale


def _secret_input(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        help_text="Write-only: leave empty to keep the current one.",
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password"}
        ),
    )


def _actor(request: HttpRequest) -> User:
    """Return the signed-in user (the admin site lets no one else in)."""
    return cast(User, request.user)


class _ConnectionAdminForm(forms.ModelForm):
    """A connection saved by its service; ``actor`` is set by the admin."""

    actor: User | None = None
    SERVICE_FIELDS: tuple[str, ...] = ()
    # The service's error keys that name a differently named field here.
    SERVICE_FIELD_NAMES = {"webhook_secret": "new_webhook_secret"}

    new_webhook_secret = _secret_input("New webhook secret")
    remove_webhook_secret = forms.BooleanField(required=False)

    def webhook_secret_input(self) -> str | None:
        """Return the new secret, "" to remove it, or None to keep it."""
        if self.cleaned_data.get("new_webhook_secret"):
            return str(self.cleaned_data["new_webhook_secret"])
        if self.cleaned_data.get("remove_webhook_secret"):
            return ""
        return None

    def service_save(self) -> Connection:
        """Create or update the connection through its service."""
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or self.cleaned_data
        if self.errors:  # ask the service only about well-formed input
            return cleaned
        try:
            with transaction.atomic():  # a dry run: validate, write nothing
                self.service_save()
                transaction.set_rollback(True)
        except ValidationError as error:
            self._service_error_add(error)
        return cleaned

    def _service_error_add(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.error_dict.items():
            name = self.SERVICE_FIELD_NAMES.get(key, key)
            self.add_error(name if name in self.fields else None, messages)


class JiraConnectionAdminForm(_ConnectionAdminForm):
    SERVICE_FIELD_NAMES = {
        **_ConnectionAdminForm.SERVICE_FIELD_NAMES,
        "api_token": "new_token",
    }

    base_url = forms.URLField(
        max_length=200,
        assume_scheme="https",
        help_text="e.g. https://example.atlassian.net",
    )
    new_token = _secret_input("New API token")

    # What the services take. The watermark and the Jira time zone are the
    # syncs' to set: read-only here.
    SERVICE_FIELDS = (
        "name",
        "base_url",
        "deployment",
        "email",
        "token_env",
        "jql",
        "active",
        "page_cap",
        "epic_link_field",
    )

    class Meta:
        model = JiraConnection
        fields = [
            "name",
            "base_url",
            "deployment",
            "email",
            "token_env",
            "jql",
            "active",
            "page_cap",
            "epic_link_field",
        ]

    def service_save(self) -> JiraConnection:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.SERVICE_FIELDS}
        token = data.get("new_token") or None
        assert self.actor is not None
        if self.instance.pk is None:
            return jira_connection_create(
                actor=self.actor,
                api_token=token or "",
                webhook_secret=self.webhook_secret_input() or "",
                **fields,
            )
        return jira_connection_update(
            actor=self.actor,
            connection=self.instance,
            api_token=token,
            webhook_secret=self.webhook_secret_input(),
            **fields,
        )


class GitRepositoryAdminForm(_ConnectionAdminForm):
    SERVICE_FIELDS = ("name", "url", "branches", "initiative", "active")

    class Meta:
        model = GitRepository
        fields = ["name", "url", "branches", "initiative", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a password in the URL is a secret too; the
            # update service keeps the stored URL when this one comes back.
            self.initial["url"] = url_redacted(self.instance.url)

    def clean_branches(self) -> list[str]:
        branches = self.cleaned_data["branches"]
        if branches is None:
            return []
        if not isinstance(branches, list) or not all(
            isinstance(branch, str) for branch in branches
        ):
            raise ValidationError('Enter a list of branch names, e.g. ["main"].')
        return branches

    def service_save(self) -> GitRepository:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.SERVICE_FIELDS}
        assert self.actor is not None
        if self.instance.pk is None:
            return git_repository_create(
                actor=self.actor,
                webhook_secret=self.webhook_secret_input() or "",
                **fields,
            )
        return git_repository_update(
            actor=self.actor,
            repository=self.instance,
            webhook_secret=self.webhook_secret_input(),
            **fields,
        )


class JiraMappingInline(admin.TabularInline):
    """A connection's mapping rules, replaced through jira_connection_update."""

    model = JiraMapping
    extra = 0
    raw_id_fields = ("initiative",)


class _ConnectionAdmin(admin.ModelAdmin):
    """Saves through the connection's service; only TeamHub admins may write."""

    @admin.display(description="Webhook secret")
    def webhook_state(self, connection: JiraConnection | GitRepository) -> str:
        return "set" if connection.webhook_secret_encrypted else "not set"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and user_has_role(
            request.user, Role.ADMIN
        )

    def has_change_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return super().has_change_permission(request, obj) and user_has_role(
            request.user, Role.ADMIN
        )

    def get_form(
        self,
        request: HttpRequest,
        obj: Any | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        form = cast(
            type[_ConnectionAdminForm], super().get_form(request, obj, change, **kwargs)
        )
        form.actor = _actor(request)  # a new class per call: safe to set
        return form

    def has_delete_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return super().has_delete_permission(request, obj) and user_has_role(
            request.user, Role.ADMIN
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        connection_delete(actor=_actor(request), connection=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for connection in queryset:
            connection_delete(actor=_actor(request), connection=connection)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        saved = form.service_save()
        # The admin goes on with ``obj`` (inlines, log entry, redirect).
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(JiraConnection)
class JiraConnectionAdmin(_ConnectionAdmin):
    form = JiraConnectionAdminForm
    list_display = ("name", "base_url", "deployment", "token_state", "active")
    list_filter = ("deployment", "active")
    search_fields = ("name", "base_url")
    readonly_fields = (
        "token_state",
        "webhook_state",
        "watermark",
        "jira_timezone",
        "created_by",
    )
    inlines = [JiraMappingInline]

    @admin.display(description="Token")
    def token_state(self, connection: JiraConnection) -> str:
        if connection.token_env:
            return f"from ${connection.token_env}"
        return "set" if connection.token_encrypted else "missing"

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        """Replace the mapping rules through the service (audited if changed)."""
        if formset.model is not JiraMapping:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # writes nothing: lists the changes to log
        rows = [
            MappingRow(
                kind=data["kind"], value=data["value"], initiative=data["initiative"]
            )
            for data in (f.cleaned_data for f in formset.forms)
            if data and not data.get("DELETE")
        ]
        jira_connection_update(
            actor=_actor(request), connection=form.instance, mappings=rows
        )


@admin.register(GitRepository)
class GitRepositoryAdmin(_ConnectionAdmin):
    form = GitRepositoryAdminForm
    list_display = ("name", "shown_url", "initiative", "active")
    list_filter = ("active",)
    search_fields = ("name", "url")
    raw_id_fields = ("initiative",)
    readonly_fields = ("webhook_state", "tips", "created_by")

    @admin.display(description="URL")
    def shown_url(self, repository: GitRepository) -> str:
        return url_redacted(repository.url)


@admin.register(JiraMapping)
class JiraMappingAdmin(admin.ModelAdmin):
    """Read-only: mapping rules are edited on their connection's page, where
    the service checks and audits them."""

    list_display = ("connection", "kind", "value", "initiative")
    list_filter = ("kind", "connection")
    search_fields = ("value", "initiative__key")
    list_select_related = ("connection", "initiative")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("id", "jira", "git", "status", "trigger", "queued_at", "started_at")
    list_filter = ("status", "trigger")
    list_select_related = ("jira", "git")
    raw_id_fields = ("jira", "git", "requested_by")
    date_hierarchy = "queued_at"


@admin.register(RawPayload)
class RawPayloadAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "kind", "key", "fetched_at")
    list_filter = ("kind",)
    search_fields = ("key",)
    raw_id_fields = ("run",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("run__jira", "run__git")


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ("display_name", "source", "external_id", "email", "person")
    list_filter = ("source",)
    search_fields = ("display_name", "external_id", "email")
    raw_id_fields = ("person", "linked_by")
    list_select_related = ("person__user",)


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "source", "kind", "title", "person", "initiative")
    list_filter = ("source", "kind", "orphaned")
    search_fields = ("external_id", "title")
    raw_id_fields = ("identity", "person", "initiative", "jira", "git")
    list_select_related = ("person__user", "initiative")
    date_hierarchy = "occurred_at"


@admin.register(SkillEvidenceRule)
class SkillEvidenceRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "pattern", "skill", "active")
    list_filter = ("kind", "active")
    search_fields = ("pattern", "skill__name")
    autocomplete_fields = ("skill",)
    list_select_related = ("skill",)


@admin.register(SkillEvidence)
class SkillEvidenceAdmin(admin.ModelAdmin):
    list_display = ("person", "skill", "at", "reason")
    search_fields = ("reason", "skill__name")
    raw_id_fields = ("person", "skill", "event")
    list_select_related = ("person__user", "skill")

    # Deleting evidence sends no signal (staffing.receivers): open requests must
    # still learn that a skill's backing changed.
    def delete_model(self, request: HttpRequest, obj: SkillEvidence) -> None:
        super().delete_model(request, obj)
        staffing_mark_stale()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        staffing_mark_stale()

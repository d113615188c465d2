"""Admin for every integrations model. Tokens and webhook secrets are write-only:
a "new token" field replaces them; the stored (encrypted) values are never shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

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
from teamhub.integrations.services_connections import url_redacted


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


class _WebhookSecretAdminForm(forms.ModelForm):
    new_webhook_secret = _secret_input("New webhook secret")
    remove_webhook_secret = forms.BooleanField(required=False)


class JiraConnectionAdminForm(_WebhookSecretAdminForm):
    base_url = forms.URLField(
        max_length=200,
        assume_scheme="https",
        help_text="e.g. https://example.atlassian.net",
    )
    new_token = _secret_input("New API token")

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
            "watermark",
            "jira_timezone",
            "page_cap",
        ]


class GitRepositoryAdminForm(_WebhookSecretAdminForm):
    class Meta:
        model = GitRepository
        fields = ["name", "url", "branches", "initiative", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a password in the URL is a secret too
            self.initial["url"] = url_redacted(self.instance.url)

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if self.instance.pk and url == url_redacted(self.instance.url):
            return self.instance.url
        return url


class JiraMappingInline(admin.TabularInline):
    model = JiraMapping
    extra = 0
    raw_id_fields = ("initiative",)


class _ConnectionAdmin(admin.ModelAdmin):
    """A connection's write-only webhook secret, and who created it."""

    @admin.display(description="Webhook secret")
    def webhook_state(self, connection: JiraConnection | GitRepository) -> str:
        return "set" if connection.webhook_secret_encrypted else "not set"

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if form.cleaned_data.get("new_webhook_secret"):
            obj.webhook_secret_set(form.cleaned_data["new_webhook_secret"])
        elif form.cleaned_data.get("remove_webhook_secret"):
            obj.webhook_secret_set("")
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(JiraConnection)
class JiraConnectionAdmin(_ConnectionAdmin):
    form = JiraConnectionAdminForm
    list_display = ("name", "base_url", "deployment", "token_state", "active")
    list_filter = ("deployment", "active")
    search_fields = ("name", "base_url")
    readonly_fields = ("token_state", "webhook_state", "created_by")
    inlines = [JiraMappingInline]

    @admin.display(description="Token")
    def token_state(self, connection: JiraConnection) -> str:
        if connection.token_env:
            return f"from ${connection.token_env}"
        return "set" if connection.token_encrypted else "missing"

    def save_model(
        self, request: HttpRequest, obj: JiraConnection, form: Any, change: bool
    ) -> None:
        if form.cleaned_data.get("new_token"):
            obj.token_set(form.cleaned_data["new_token"])
        super().save_model(request, obj, form, change)


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
    list_display = ("connection", "kind", "value", "initiative")
    list_filter = ("kind", "connection")
    search_fields = ("value", "initiative__key")
    raw_id_fields = ("initiative",)
    list_select_related = ("connection", "initiative")


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

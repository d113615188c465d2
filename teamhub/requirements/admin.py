from django.contrib import admin
from django.http import HttpRequest

from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffReminder,
    SignOffRequest,
    SignOffRule,
)


class DocVersionInline(admin.TabularInline):
    model = DocVersion
    extra = 0
    can_delete = False
    fields = ("number", "author", "created", "content_sha256")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RequirementDoc)
class RequirementDocAdmin(admin.ModelAdmin):
    list_display = ("title", "initiative", "created_by", "created")
    list_select_related = ("initiative", "created_by")
    search_fields = ("title", "initiative__key")
    raw_id_fields = ("initiative",)
    inlines = [DocVersionInline]


@admin.register(DocVersion)
class DocVersionAdmin(admin.ModelAdmin):
    """Versions are immutable: admins read them here."""

    list_display = ("doc", "number", "author", "created", "content_sha256")
    list_select_related = ("doc__initiative", "author")
    readonly_fields = (
        "doc",
        "number",
        "body_markdown",
        "fields",
        "content_sha256",
        "author",
        "created",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SignOffRule)
class SignOffRuleAdmin(admin.ModelAdmin):
    """The rules that add required approvers by mission criticality."""

    list_display = ("min_criticality", "team", "description", "active")
    list_filter = ("active",)
    list_select_related = ("team",)


class SignOffInline(admin.TabularInline):
    model = SignOff
    extra = 0
    can_delete = False
    fields = ("signed_at", "stakeholder", "decision", "version", "comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SignOffRequest)
class SignOffRequestAdmin(admin.ModelAdmin):
    list_display = ("doc", "version", "policy", "quorum", "due", "requested_by")
    list_select_related = ("doc__initiative", "version", "requested_by")
    # Only the due date is the admin's to change; the rest is the signed record.
    readonly_fields = (
        "doc",
        "version",
        "requested_by",
        "stakeholders",
        "policy",
        "quorum",
    )
    inlines = [SignOffInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    """Decisions are append-only: admins read them here."""

    list_display = ("request", "stakeholder", "decision", "signed_at")
    list_filter = ("decision",)
    list_select_related = (
        "request__doc__initiative",
        "request__version",
        "stakeholder",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SignOffReminder)
class SignOffReminderAdmin(admin.ModelAdmin):
    """The overdue reminders sent (one a day per person): admins read them here."""

    list_display = ("sent_on", "user", "requests", "sent_at")
    list_filter = ("sent_on",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    date_hierarchy = "sent_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

"""Admin of staffing: every model editable by admins, roles and skills inline."""

from django.contrib import admin

from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)


class RoleRequirementInline(admin.TabularInline):
    model = RoleRequirement
    extra = 0
    fields = ("position", "role", "headcount", "allocation", "start", "end")
    show_change_link = True


class RequiredSkillInline(admin.TabularInline):
    model = RequiredSkill
    extra = 0
    fields = ("skill", "min_level", "importance")
    autocomplete_fields = ("skill",)


class SuggestionInline(admin.TabularInline):
    model = Suggestion
    extra = 0
    fields = ("person", "kind", "rank", "score", "status", "in_team", "locked")
    readonly_fields = ("person", "kind", "rank", "score")
    show_change_link = True
    ordering = ("kind", "rank")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(StaffingRequest)
class StaffingRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "created_by", "created", "computed_at")
    list_filter = ("status",)
    list_select_related = ("initiative", "created_by")
    search_fields = ("initiative__key", "initiative__title", "note")
    raw_id_fields = ("initiative", "created_by")
    readonly_fields = ("computed_at", "stale_since")
    inlines = [RoleRequirementInline]


@admin.register(RoleRequirement)
class RoleRequirementAdmin(admin.ModelAdmin):
    list_display = ("role", "request", "headcount", "allocation", "start", "end")
    list_select_related = ("request__initiative",)
    search_fields = ("role", "request__initiative__key")
    raw_id_fields = ("request",)
    inlines = [RequiredSkillInline, SuggestionInline]


@admin.register(RequiredSkill)
class RequiredSkillAdmin(admin.ModelAdmin):
    list_display = ("skill", "role", "min_level", "importance")
    list_select_related = ("skill", "role__request__initiative")
    search_fields = ("skill__name", "role__role")
    raw_id_fields = ("role",)
    autocomplete_fields = ("skill",)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "kind", "rank", "score", "status", "in_team")
    list_filter = ("status", "kind", "in_team", "locked")
    list_select_related = ("person__user", "role__request__initiative")
    search_fields = (
        "person__user__first_name",
        "person__user__last_name",
        "role__role",
        "role__request__initiative__key",
    )
    raw_id_fields = ("role", "person", "decided_by", "assignment")

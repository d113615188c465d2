from django.contrib import admin

from teamhub.initiatives.models import Assignment, Initiative


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    raw_id_fields = ("person",)


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "title",
        "team",
        "stage",
        "mission_criticality",
        "pathway",
        "pipeline_owner",
        "outcome",
    )
    list_filter = ("stage", "mission_criticality", "pathway", "pipeline_owner", "team")
    search_fields = ("key", "title")
    raw_id_fields = ("owner",)
    list_select_related = ("team",)
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "person",
        "initiative",
        "role",
        "allocation",
        "start",
        "end",
        "status",
    )
    list_filter = ("status", "outcome")
    raw_id_fields = ("person", "initiative")
    list_select_related = ("person__user", "initiative")

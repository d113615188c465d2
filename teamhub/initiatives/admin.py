from django.contrib import admin
from django.http import HttpRequest

from teamhub.initiatives.models import (
    Assignment,
    Board,
    Card,
    CardEvent,
    Column,
    ColumnGate,
    Initiative,
    Label,
    ValueCheckIn,
)


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
    filter_horizontal = ("labels",)
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


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ("name", "color")
    search_fields = ("name",)


@admin.register(ValueCheckIn)
class ValueCheckInAdmin(admin.ModelAdmin):
    list_display = ("initiative", "at", "business_value", "model_metric", "by")
    list_filter = ("at",)
    raw_id_fields = ("initiative", "by")
    list_select_related = ("initiative", "by")


class ColumnInline(admin.TabularInline):
    model = Column
    extra = 0
    fields = ("position", "name", "stage", "wip_limit", "wip_hard")


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "swimlanes", "version")
    list_select_related = ("team",)
    search_fields = ("name",)
    readonly_fields = ("version",)
    inlines = [ColumnInline]


class ColumnGateInline(admin.TabularInline):
    model = ColumnGate
    extra = 0


@admin.register(Column)
class ColumnAdmin(admin.ModelAdmin):
    list_display = ("name", "board", "position", "stage", "wip_limit", "wip_hard")
    list_filter = ("board",)
    list_select_related = ("board",)
    inlines = [ColumnGateInline]


class CardEventInline(admin.TabularInline):
    model = CardEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "verb", "from_column", "to_column", "data")

    def has_add_permission(self, request: HttpRequest, obj: Card | None = None) -> bool:
        return False


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    """Cards are moved on the board (ranks and versions are the services' job)."""

    list_display = ("initiative", "board", "column", "rank", "version")
    list_filter = ("board",)
    list_select_related = ("initiative", "board", "column")
    raw_id_fields = ("initiative",)
    readonly_fields = ("rank", "version")
    inlines = [CardEventInline]


@admin.register(ColumnGate)
class ColumnGateAdmin(admin.ModelAdmin):
    list_display = ("column", "rule", "min_criticality", "active")
    list_filter = ("rule", "active")
    list_select_related = ("column__board",)

from django.contrib import admin
from django.http import HttpRequest

from teamhub.requirements.models import DocVersion, RequirementDoc


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

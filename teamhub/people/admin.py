from django.contrib import admin

from teamhub.people.models import (
    LearningGoal,
    Person,
    PersonSkill,
    Skill,
    SkillCategory,
    SkillImport,
    Team,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "parent")
    search_fields = ("name",)


class PersonSkillInline(admin.TabularInline):
    model = PersonSkill
    extra = 0
    autocomplete_fields = ("skill",)
    raw_id_fields = ("validated_by",)


class LearningGoalInline(admin.TabularInline):
    model = LearningGoal
    extra = 0
    autocomplete_fields = ("skill",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("__str__", "team", "title", "capacity_fte", "active")
    list_filter = ("team", "active")
    search_fields = ("user__first_name", "user__last_name", "user__email")
    list_select_related = ("user", "team")
    raw_id_fields = ("user", "manager")
    inlines = [PersonSkillInline, LearningGoalInline]


@admin.register(SkillCategory)
class SkillCategoryAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "parent")
    list_filter = ("category",)
    search_fields = ("name",)
    list_select_related = ("category", "parent")


@admin.register(PersonSkill)
class PersonSkillAdmin(admin.ModelAdmin):
    list_display = ("person", "skill", "level", "source", "last_used")
    list_filter = ("source", "level")
    search_fields = ("person__user__email", "skill__name")
    raw_id_fields = ("person", "skill", "validated_by")
    list_select_related = ("person__user", "skill")


@admin.register(LearningGoal)
class LearningGoalAdmin(admin.ModelAdmin):
    list_display = ("person", "skill", "target_level")
    raw_id_fields = ("person", "skill")
    list_select_related = ("person__user", "skill")


@admin.register(SkillImport)
class SkillImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "uploaded_by", "status", "created", "finished")
    list_filter = ("status",)
    search_fields = ("filename",)
    exclude = ("content",)
    readonly_fields = (
        "uploaded_by",
        "filename",
        "status",
        "report",
        "error",
        "finished",
    )

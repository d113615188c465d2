"""Output serializers of the registry API (input serializers live in apis.py)."""

from typing import Any

from rest_framework import serializers

from teamhub.core.models import User
from teamhub.people.models import (
    LearningGoal,
    Person,
    PersonSkill,
    Skill,
    SkillCategory,
    Team,
)

LEVEL_HELP = "1 aware, 2 novice, 3 practitioner, 4 expert, 5 authority."


def level_field(**kwargs: Any) -> serializers.IntegerField:
    """Return a 1-5 level field.

    Plain integers rather than an enum: the same scale appears as ``level``,
    ``target_level`` and ``min_level``, which OpenAPI would otherwise name thrice.
    """
    return serializers.IntegerField(
        min_value=1, max_value=5, help_text=LEVEL_HELP, **kwargs
    )


class TeamBriefSerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "name"]


class SkillCategoryBriefSerializer(serializers.ModelSerializer[SkillCategory]):
    class Meta:
        model = SkillCategory
        fields = ["id", "name"]


class SkillBriefSerializer(serializers.ModelSerializer[Skill]):
    category = SkillCategoryBriefSerializer()

    class Meta:
        model = Skill
        fields = ["id", "name", "category"]


class PersonBriefSerializer(serializers.ModelSerializer[Person]):
    """A person in someone else's row: id and name (needs ``user`` selected)."""

    name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name"]


class UserBriefSerializer(serializers.ModelSerializer[User]):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name"]

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class TeamSerializer(serializers.ModelSerializer[Team]):
    parent = TeamBriefSerializer(allow_null=True)
    member_count = serializers.IntegerField(
        read_only=True, help_text="Active people in the team."
    )
    url = serializers.HyperlinkedIdentityField(view_name="api-team-detail")

    class Meta:
        model = Team
        fields = ["id", "name", "parent", "member_count", "url"]


class SkillCategorySerializer(serializers.ModelSerializer[SkillCategory]):
    skill_count = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api-skill-category-detail")

    class Meta:
        model = SkillCategory
        fields = ["id", "name", "skill_count", "url"]


class SkillSerializer(serializers.ModelSerializer[Skill]):
    category = SkillCategoryBriefSerializer()
    aliases = serializers.ListField(child=serializers.CharField())
    holder_count = serializers.IntegerField(
        read_only=True, help_text="Active people holding the skill."
    )
    url = serializers.HyperlinkedIdentityField(view_name="api-skill-detail")

    class Meta:
        model = Skill
        fields = [
            "id",
            "name",
            "category",
            "parent",
            "aliases",
            "description",
            "holder_count",
            "url",
        ]


class PersonSerializer(serializers.ModelSerializer[Person]):
    """A row of the people list (needs ``user``, ``team``, ``manager__user``)."""

    name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    team = TeamBriefSerializer(allow_null=True)
    manager = PersonBriefSerializer(allow_null=True)
    url = serializers.HyperlinkedIdentityField(view_name="api-person-detail")
    profile_url = serializers.SerializerMethodField(help_text="The profile page.")

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "email",
            "team",
            "title",
            "location",
            "timezone",
            "capacity_fte",
            "manager",
            "active",
            "url",
            "profile_url",
        ]

    def get_profile_url(self, person: Person) -> str:
        return person.get_absolute_url()


class PersonSkillInPersonSerializer(serializers.ModelSerializer[PersonSkill]):
    skill = SkillBriefSerializer()
    validated_by = UserBriefSerializer(allow_null=True)
    level = level_field(read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = PersonSkill
        fields = [
            "id",
            "skill",
            "level",
            "level_label",
            "interest",
            "source",
            "last_used",
            "validated_by",
            "validated_at",
        ]


class LearningGoalInPersonSerializer(serializers.ModelSerializer[LearningGoal]):
    skill = SkillBriefSerializer()
    target_level = level_field(read_only=True)

    class Meta:
        model = LearningGoal
        fields = ["id", "skill", "target_level", "note"]


class PersonDetailSerializer(PersonSerializer):
    """One person with their skills and learning goals (prefetched)."""

    username = serializers.CharField(source="user.username", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    skills = PersonSkillInPersonSerializer(many=True, read_only=True)
    learning_goals = LearningGoalInPersonSerializer(many=True, read_only=True)

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "username",
            "first_name",
            "last_name",
            "skills",
            "learning_goals",
        ]


class PersonSkillSerializer(PersonSkillInPersonSerializer):
    """A row of the person-skills list (needs person__user, skill__category)."""

    person = PersonBriefSerializer()
    url = serializers.HyperlinkedIdentityField(view_name="api-person-skill-detail")

    class Meta(PersonSkillInPersonSerializer.Meta):
        fields = ["id", "person", *PersonSkillInPersonSerializer.Meta.fields[1:], "url"]


class LearningGoalSerializer(LearningGoalInPersonSerializer):
    person = PersonBriefSerializer()
    url = serializers.HyperlinkedIdentityField(view_name="api-learning-goal-detail")

    class Meta(LearningGoalInPersonSerializer.Meta):
        fields = ["id", "person", "skill", "target_level", "note", "url"]

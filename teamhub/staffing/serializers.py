"""Output serializers of the staffing API (inputs live in their API classes)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teamhub.initiatives.models import Assignment
from teamhub.initiatives.serializers import InitiativeBriefSerializer
from teamhub.people.models import Person
from teamhub.people.serializers import UserBriefSerializer
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)


class RequiredSkillSerializer(serializers.ModelSerializer[RequiredSkill]):
    """A required skill (needs ``skill`` selected)."""

    skill_name = serializers.CharField(source="skill.name", read_only=True)

    class Meta:
        model = RequiredSkill
        fields = ["id", "skill", "skill_name", "min_level", "importance"]


class RoleSerializer(serializers.ModelSerializer[RoleRequirement]):
    """A role with its skills (needs ``skills__skill`` prefetched)."""

    title = serializers.CharField(source="role", read_only=True)
    skills = RequiredSkillSerializer(many=True, read_only=True)

    class Meta:
        model = RoleRequirement
        fields = [
            "id",
            "title",
            "headcount",
            "allocation",
            "start",
            "end",
            "position",
            "skills",
        ]


class StaffingRequestSerializer(serializers.ModelSerializer[StaffingRequest]):
    """A request in a list (``selectors.staffing_requests``: annotated)."""

    initiative = InitiativeBriefSerializer(read_only=True)
    created_by = UserBriefSerializer(read_only=True, allow_null=True)
    role_count = serializers.IntegerField(read_only=True)
    headcount = serializers.IntegerField(
        read_only=True, help_text="People asked for, over every role."
    )
    accepted = serializers.IntegerField(
        read_only=True, help_text="Suggestions accepted so far."
    )
    stale = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="open | closed")

    class Meta:
        model = StaffingRequest
        fields = [
            "id",
            "initiative",
            "status",
            "note",
            "created_by",
            "created",
            "role_count",
            "headcount",
            "accepted",
            "computed_at",
            "stale",
        ]

    def get_stale(self, request: StaffingRequest) -> bool:
        return request.stale_since is not None


class StaffingRequestDetailSerializer(serializers.ModelSerializer[StaffingRequest]):
    """A request with its roles and the proposed team
    (``selectors.staffing_request_detail``)."""

    initiative = InitiativeBriefSerializer(read_only=True)
    created_by = UserBriefSerializer(read_only=True, allow_null=True)
    roles = RoleSerializer(many=True, read_only=True)
    team = serializers.JSONField(
        read_only=True,
        help_text="The proposed team: method, members by role id (person ids), "
        "coverage of each must-have skill, single points of failure, unmet "
        "requirements with what would make them feasible.",
    )
    stale = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="open | closed")

    class Meta:
        model = StaffingRequest
        fields = [
            "id",
            "initiative",
            "status",
            "note",
            "created_by",
            "created",
            "roles",
            "team",
            "computed_at",
            "stale",
            "stale_since",
        ]

    def get_stale(self, request: StaffingRequest) -> bool:
        return request.stale_since is not None


class SuggestedPersonSerializer(serializers.ModelSerializer[Person]):
    """The person of a suggestion (needs ``user`` and ``team`` selected)."""

    name = serializers.CharField(read_only=True)
    team = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "team"]

    def get_team(self, person: Person) -> str:
        return person.team.name if person.team is not None else ""


class SuggestionSerializer(serializers.ModelSerializer[Suggestion]):
    """One suggested person with the score's terms (``records.ScoredCandidate``
    as JSON: terms, skill checks with evidence, free share, availability strip,
    initiatives the person would be pulled from, mentors)."""

    person = SuggestedPersonSerializer(read_only=True)
    decided_by = UserBriefSerializer(read_only=True, allow_null=True)
    status = serializers.CharField(
        read_only=True, help_text="open | accepted | rejected"
    )

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "role",
            "person",
            "score",
            "terms",
            "status",
            "kind",
            "rank",
            "locked",
            "in_team",
            "reason",
            "decided_by",
            "decided_at",
            "assignment",
        ]


class ProposedAssignmentSerializer(serializers.ModelSerializer[Assignment]):
    """The assignment an accepted suggestion created."""

    status = serializers.CharField(
        read_only=True, help_text="proposed | confirmed | finished"
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "person",
            "initiative",
            "role",
            "allocation",
            "start",
            "end",
            "status",
        ]


class RoleSuggestionsSerializer(serializers.Serializer[Any]):
    """``selectors.RoleSuggestions`` of one role."""

    role = serializers.SerializerMethodField()
    matches = SuggestionSerializer(many=True, read_only=True)
    alternatives = SuggestionSerializer(
        many=True,
        read_only=True,
        help_text="Candidates below a must-have minimum, gaps shown in their checks.",
    )
    rejected = SuggestionSerializer(many=True, read_only=True)
    team = SuggestionSerializer(
        many=True, read_only=True, help_text="This role's members of the team."
    )
    match_total = serializers.IntegerField(read_only=True)
    alternative_total = serializers.IntegerField(read_only=True)
    proposal = serializers.SerializerMethodField(
        help_text="The request's team proposal (method, coverage, unmet)."
    )
    computed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    stale = serializers.BooleanField(read_only=True)

    @extend_schema_field(RoleSerializer)
    def get_role(self, found: Any) -> dict[str, Any]:
        return dict(RoleSerializer(found.role).data)

    @extend_schema_field(serializers.JSONField)
    def get_proposal(self, found: Any) -> dict[str, Any]:
        return dict(found.role.request.team or {})

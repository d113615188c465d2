"""Output serializers of the initiatives API (input serializers live in apis.py)."""

from rest_framework import serializers

from teamhub.initiatives.models import Assignment, Initiative
from teamhub.people.serializers import PersonBriefSerializer, TeamBriefSerializer


class InitiativeBriefSerializer(serializers.ModelSerializer[Initiative]):
    class Meta:
        model = Initiative
        fields = ["id", "key", "title"]


class InitiativeSerializer(serializers.ModelSerializer[Initiative]):
    """An initiative (needs ``team`` and ``owner__user`` selected)."""

    team = TeamBriefSerializer(allow_null=True)
    owner = PersonBriefSerializer(allow_null=True)
    url = serializers.HyperlinkedIdentityField(view_name="api-initiative-detail")

    class Meta:
        model = Initiative
        fields = [
            "id",
            "key",
            "title",
            "summary",
            "team",
            "owner",
            "business_kpi",
            "kpi_target",
            "stage",
            "mission_criticality",
            "pathway",
            "pipeline_owner",
            "compute_complexity",
            "ml_complexity",
            "start",
            "target_date",
            "outcome",
            "url",
        ]


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    """An assignment (needs ``person__user`` and ``initiative`` selected)."""

    person = PersonBriefSerializer()
    initiative = InitiativeBriefSerializer()
    url = serializers.HyperlinkedIdentityField(view_name="api-assignment-detail")

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
            "outcome",
            "url",
        ]

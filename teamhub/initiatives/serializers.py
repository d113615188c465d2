"""Output serializers of the initiatives API (input serializers live in apis.py)."""

from rest_framework import serializers

from teamhub.initiatives.models import Assignment, Initiative, Label
from teamhub.people.serializers import PersonBriefSerializer, TeamBriefSerializer


class LabelSerializer(serializers.ModelSerializer[Label]):
    class Meta:
        model = Label
        fields = ["id", "name", "color"]


class InitiativeBriefSerializer(serializers.ModelSerializer[Initiative]):
    class Meta:
        model = Initiative
        fields = ["id", "key", "title"]


class InitiativeSerializer(serializers.ModelSerializer[Initiative]):
    """An initiative (needs ``team`` and ``owner__user`` selected and ``labels``
    prefetched)."""

    team = TeamBriefSerializer(allow_null=True)
    owner = PersonBriefSerializer(allow_null=True)
    labels = LabelSerializer(many=True)
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
            "labels",
            "model_metric_name",
            "hardening_plan",
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

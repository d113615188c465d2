"""Swimlanes: which lane an initiative sits in on a board, and moving it across."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from teamhub.initiatives.models import (
    Initiative,
    MissionCriticality,
    PipelineOwner,
    Swimlanes,
)
from teamhub.people.models import Team


@dataclass(frozen=True)
class Lane:
    key: str  # "" for "no team"; "1".."4" for criticality; a pipeline owner value
    label: str


def lane_key(swimlanes: str, initiative: Initiative) -> str:
    """Return the key of the lane ``initiative`` sits in (``""`` without lanes)."""
    if swimlanes == Swimlanes.TEAM:
        return str(initiative.team_id or "")
    if swimlanes == Swimlanes.CRITICALITY:
        return str(initiative.mission_criticality)
    if swimlanes == Swimlanes.PIPELINE_OWNER:
        return initiative.pipeline_owner
    return ""


def lanes_for(swimlanes: str, teams: list[Team]) -> list[Lane]:
    """Return the lanes of a board split by ``swimlanes`` (one lane without)."""
    if swimlanes == Swimlanes.TEAM:
        return [Lane(str(team.pk), team.name) for team in teams] + [Lane("", "No team")]
    if swimlanes == Swimlanes.CRITICALITY:
        return [
            Lane(str(value), f"Criticality {label}")
            for value, label in reversed(MissionCriticality.choices)
        ]
    if swimlanes == Swimlanes.PIPELINE_OWNER:
        return [
            Lane(value, f"{label} pipeline") for value, label in PipelineOwner.choices
        ]
    return [Lane("", "")]


def lane_changes(
    swimlanes: str, initiative: Initiative, lane: str
) -> dict[str, object]:
    """Return the initiative fields that putting it in ``lane`` changes.

    Raises ValidationError on ``lane`` when it names no lane of the board.
    """
    if not swimlanes:
        if lane:
            raise ValidationError({"lane": ["This board has no swimlanes."]})
        return {}
    if lane == lane_key(swimlanes, initiative):
        return {}
    if swimlanes == Swimlanes.TEAM:
        if lane == "":
            return {"team": None}
        team = Team.objects.filter(pk=int(lane)).first() if lane.isdigit() else None
        if team is None:
            raise ValidationError({"lane": [f"There is no team “{lane}”."]})
        return {"team": team}
    if swimlanes == Swimlanes.CRITICALITY:
        if lane not in {str(value) for value in MissionCriticality.values}:
            raise ValidationError(
                {"lane": ["Mission criticality lanes are 1, 2, 3 and 4."]}
            )
        return {"mission_criticality": int(lane)}
    if lane not in PipelineOwner.values:
        raise ValidationError(
            {"lane": ["Pipeline owner lanes are data_science and engineering."]}
        )
    return {"pipeline_owner": lane}

"""Models of the initiatives app: initiatives and assignments, boards and cards."""

from teamhub.initiatives.models.boards import (
    RANK_MAX_LENGTH,
    Board,
    Card,
    CardEvent,
    Column,
    ColumnGate,
    GateRule,
    Swimlanes,
)
from teamhub.initiatives.models.initiatives import (
    Assignment,
    Initiative,
    Label,
    MissionCriticality,
    Outcome,
    Pathway,
    PipelineOwner,
    Stage,
    ValueCheckIn,
)

__all__ = [
    "RANK_MAX_LENGTH",
    "Assignment",
    "Board",
    "Card",
    "CardEvent",
    "Column",
    "ColumnGate",
    "GateRule",
    "Initiative",
    "Label",
    "MissionCriticality",
    "Outcome",
    "Pathway",
    "PipelineOwner",
    "Stage",
    "Swimlanes",
    "ValueCheckIn",
]

"""Output serializers of the boards API (input serializers live in the API modules)."""

from typing import Any

from rest_framework import serializers

from teamhub.initiatives.models import (
    Assignment,
    Board,
    CardEvent,
    Column,
    ColumnGate,
    Initiative,
)
from teamhub.initiatives.serializers import InitiativeBriefSerializer, LabelSerializer
from teamhub.people.serializers import PersonBriefSerializer, TeamBriefSerializer


class CardPlaceSerializer(serializers.Serializer[dict[str, Any]]):
    """Where a card is now (a dict from ``card_state`` plus its ``lane``)."""

    id = serializers.IntegerField()
    board = serializers.IntegerField()
    column = serializers.IntegerField()
    column_name = serializers.CharField()
    rank = serializers.CharField()
    version = serializers.IntegerField()
    initiative = InitiativeBriefSerializer()
    lane = serializers.CharField(
        required=False,
        help_text="The swimlane key ('' on a board without swimlanes); not sent "
        "with a 409.",
    )


class CardMoveResultSerializer(serializers.Serializer[dict[str, Any]]):
    card = CardPlaceSerializer()
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Soft WIP limit warnings; the move happened.",
    )


class CardConflictSerializer(serializers.Serializer[dict[str, Any]]):
    """409: the move was refused; ``card`` is where the card is now."""

    detail = serializers.CharField()
    card = CardPlaceSerializer()
    reasons = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Refusing gates."
    )


class BoardVersionSerializer(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField()


class ColumnGateSerializer(serializers.ModelSerializer[ColumnGate]):
    class Meta:
        model = ColumnGate
        fields = ["id", "column", "rule", "active", "min_criticality"]


class ColumnSerializer(serializers.ModelSerializer[Column]):
    class Meta:
        model = Column
        fields = ["id", "board", "name", "stage", "position", "wip_limit", "wip_hard"]


class BoardSerializer(serializers.ModelSerializer[Board]):
    """A board in a list (needs ``team`` selected; counts from ``board_list``)."""

    team = TeamBriefSerializer(allow_null=True)
    column_count = serializers.IntegerField(read_only=True)
    card_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Board
        fields = [
            "id",
            "name",
            "team",
            "description",
            "swimlanes",
            "version",
            "column_count",
            "card_count",
        ]


class MemberSerializer(serializers.ModelSerializer[Assignment]):
    """A current member of an initiative (needs ``person__user`` selected)."""

    person = PersonBriefSerializer()

    class Meta:
        model = Assignment
        fields = ["id", "person", "role", "allocation", "status"]


class CardInitiativeSerializer(serializers.ModelSerializer[Initiative]):
    """The initiative as a card shows it (needs ``owner__user``, ``team``
    selected and ``labels`` prefetched)."""

    owner = PersonBriefSerializer(allow_null=True)
    team = TeamBriefSerializer(allow_null=True)
    labels = LabelSerializer(many=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "key",
            "title",
            "owner",
            "team",
            "stage",
            "mission_criticality",
            "pathway",
            "pipeline_owner",
            "compute_complexity",
            "ml_complexity",
            "business_kpi",
            "kpi_target",
            "target_date",
            "labels",
        ]


class BoardCardSerializer(serializers.Serializer[Any]):
    """A card on the board page (a ``selectors_boards.BoardCard``)."""

    id = serializers.IntegerField(source="card.pk")
    version = serializers.IntegerField(source="card.version")
    rank = serializers.CharField(source="card.rank")
    lane = serializers.CharField()
    initiative = CardInitiativeSerializer(source="card.initiative")
    members = MemberSerializer(many=True)
    business_values = serializers.ListField(child=serializers.FloatField())
    model_metrics = serializers.ListField(child=serializers.FloatField())
    hardening = serializers.CharField(
        allow_null=True,
        help_text="Why it is a candidate for an engineering-hardened pipeline.",
    )


class BoardColumnSerializer(serializers.Serializer[Any]):
    """A column with its gates and cards (a ``selectors_boards.BoardColumn``)."""

    id = serializers.IntegerField(source="column.pk")
    name = serializers.CharField(source="column.name")
    stage = serializers.CharField(source="column.stage")
    position = serializers.IntegerField(source="column.position")
    wip_limit = serializers.IntegerField(source="column.wip_limit", allow_null=True)
    wip_hard = serializers.BooleanField(source="column.wip_hard")
    total = serializers.IntegerField(
        help_text="Cards in the column, filtered out or not (for the WIP limit)."
    )
    over_limit = serializers.BooleanField()
    gates = ColumnGateSerializer(many=True)
    cards = BoardCardSerializer(many=True)


class LaneSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    # (``label`` shadows Field.label in the DRF stubs only; at run time DRF
    # keeps declared fields apart.)
    label = serializers.CharField()  # type: ignore[assignment]


class BoardDetailSerializer(serializers.Serializer[Any]):
    """A board with its columns in order (a ``selectors_boards.BoardDetail``)."""

    id = serializers.IntegerField(source="board.pk")
    name = serializers.CharField(source="board.name")
    team = TeamBriefSerializer(source="board.team", allow_null=True)
    description = serializers.CharField(source="board.description")
    swimlanes = serializers.CharField(source="board.swimlanes")
    version = serializers.IntegerField(source="board.version")
    lanes = LaneSerializer(many=True)
    shown = serializers.IntegerField(help_text="Cards that pass the filters.")
    total = serializers.IntegerField(help_text="Cards on the board.")
    columns = BoardColumnSerializer(many=True)


class CardSerializer(serializers.Serializer[Any]):
    """A card in the cards list (needs ``column``, ``initiative`` selected)."""

    id = serializers.IntegerField(source="pk")
    board = serializers.IntegerField(source="board_id")
    column = serializers.IntegerField(source="column_id")
    column_name = serializers.CharField(source="column.name")
    rank = serializers.CharField()
    version = serializers.IntegerField()
    initiative = InitiativeBriefSerializer()


class CardEventSerializer(serializers.ModelSerializer[CardEvent]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CardEvent
        fields = ["id", "actor", "verb", "from_column", "to_column", "data", "at"]

    def get_actor(self, event: CardEvent) -> str | None:
        actor = event.actor
        if actor is None:
            return None
        return actor.get_full_name() or actor.get_username()


class CardDetailSerializer(CardSerializer):
    """A card with its initiative and history, newest first."""

    initiative = CardInitiativeSerializer()  # type: ignore[assignment]
    history = CardEventSerializer(many=True)

"""The boards API: boards, columns, gates and cards, and moving a card.

Every signed-in role reads; managers (and admins) change boards; a card moves
for managers and the data scientists working on its initiative (the policy is
the docstring of ``teamhub.initiatives.permissions``). Every write goes through
``services_boards`` / ``services_cards``; their errors become 400/403/409 JSON in
the core exception handler.
"""

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from teamhub.initiatives import selectors_boards, services_boards, services_cards
from teamhub.initiatives.board_serializers import (
    BoardDetailSerializer,
    BoardSerializer,
    BoardVersionSerializer,
    CardConflictSerializer,
    CardDetailSerializer,
    CardMoveResultSerializer,
    CardSerializer,
    ColumnGateSerializer,
    ColumnSerializer,
)
from teamhub.initiatives.models import (
    Board,
    Card,
    Column,
    ColumnGate,
    GateRule,
    Initiative,
    MissionCriticality,
    Pathway,
    Stage,
    Swimlanes,
)
from teamhub.initiatives.permissions import (
    ReadOnlyOrBoardEditor,
    can_work_on_initiative,
)
from teamhub.initiatives.selectors_boards import CardFilters
from teamhub.initiatives.swimlanes import lane_key
from teamhub.people.apis import RegistryViewSet, actor_of, validated_input
from teamhub.people.models import Team

ERRORS = {
    400: OpenApiResponse(description="Bad input: {field: [messages]}."),
    403: OpenApiResponse(description="Not allowed: {detail}."),
    404: OpenApiResponse(description="Not found."),
}
CRITICALITY_HELP = "; ".join(label for _, label in MissionCriticality.choices) + "."
CONFLICT = OpenApiResponse(description="Refused in the current state: {detail}.")


def card_place(card: Card) -> dict[str, Any]:
    """Return where ``card`` is now, with its swimlane (``card_state`` + lane)."""
    return {
        **services_cards.card_state(card),
        "lane": lane_key(card.board.swimlanes, card.initiative),
    }


def board_detail_or_404(
    board_id: int, filters: CardFilters | None = None
) -> selectors_boards.BoardDetail:
    try:
        return selectors_boards.board_detail(board_id=board_id, filters=filters)
    except Board.DoesNotExist:
        raise NotFound("There is no such board.") from None


# Boards ------------------------------------------------------------------------


class BoardFilter(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    portfolio = django_filters.BooleanFilter(
        field_name="team", lookup_expr="isnull", label="Portfolio boards (no team)"
    )

    class Meta:
        model = Board
        fields = ["team", "portfolio"]


class BoardCardFiltersSerializer(serializers.Serializer[Any]):
    """The board page's filters, as query parameters of the board's detail."""

    team = serializers.IntegerField(min_value=1, required=False)
    owner = serializers.IntegerField(
        min_value=1, required=False, help_text="Person id of the owner."
    )
    person = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Person id of a current (proposed or confirmed) member.",
    )
    # (``label`` shadows Field.label in the DRF stubs only; at run time DRF
    # keeps declared fields apart.)
    label = serializers.IntegerField(  # type: ignore[assignment]
        min_value=1, required=False
    )
    # Plain integers 1-4 (not an enum): OpenAPI would otherwise name the
    # mission criticality scale once per field name.
    criticality = serializers.IntegerField(
        min_value=1, max_value=4, required=False, help_text=CRITICALITY_HELP
    )
    pathway = serializers.ChoiceField(choices=Pathway.choices, required=False)
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="Key, title, KPI or summary."
    )


def card_filters(request: Request) -> CardFilters:
    """Return the board filters in the query string; bad ones raise 400."""
    data = BoardCardFiltersSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    return CardFilters(**values)


class BoardCreateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Empty for a portfolio board across teams.",
    )
    description = serializers.CharField(required=False, allow_blank=True)
    template = serializers.ChoiceField(
        choices=services_boards.BoardTemplate.choices,
        default=services_boards.BoardTemplate.ML_LIFECYCLE,
    )
    swimlanes = serializers.ChoiceField(
        choices=Swimlanes.choices, required=False, allow_blank=True
    )
    include_initiatives = serializers.BooleanField(
        default=True,
        help_text="Put the team's initiatives (all, on a portfolio board) on it.",
    )


class BoardUpdateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True)
    swimlanes = serializers.ChoiceField(
        choices=Swimlanes.choices, required=False, allow_blank=True
    )


@extend_schema_view(
    list=extend_schema(responses=BoardSerializer(many=True)),
    retrieve=extend_schema(
        parameters=[BoardCardFiltersSerializer],
        responses={200: BoardDetailSerializer, 400: ERRORS[400], 404: ERRORS[404]},
    ),
    create=extend_schema(
        request=BoardCreateInputSerializer,
        responses={201: BoardDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    ),
    partial_update=extend_schema(
        request=BoardUpdateInputSerializer,
        responses={200: BoardDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    ),
    destroy=extend_schema(
        responses={204: None, 403: ERRORS[403], 404: ERRORS[404], 409: CONFLICT}
    ),
)
class BoardViewSet(RegistryViewSet):
    """Boards; the detail holds the columns in order with their gates and cards,
    filtered by the query parameters of the board page."""

    permission_classes = [ReadOnlyOrBoardEditor]
    serializer_class = BoardSerializer
    filterset_class = BoardFilter

    def get_queryset(self) -> QuerySet[Board]:
        return selectors_boards.board_list().order_by("name", "pk")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return BoardSerializer
        return BoardDetailSerializer

    def detail_response(
        self, board_id: int, *, filters: CardFilters | None = None, code: int = 200
    ) -> Response:
        detail = board_detail_or_404(board_id, filters)
        return Response(BoardDetailSerializer(detail).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.detail_response(int(kwargs["pk"]), filters=card_filters(request))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(BoardCreateInputSerializer, request)
        board = services_boards.board_create(actor=actor_of(request), **data)
        return self.detail_response(board.pk, code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        board = get_object_or_404(Board, pk=kwargs["pk"])
        data = validated_input(BoardUpdateInputSerializer, request)
        services_boards.board_update(actor=actor_of(request), board=board, **data)
        return self.detail_response(board.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        board = get_object_or_404(Board, pk=kwargs["pk"])
        services_boards.board_delete(actor=actor_of(request), board=board)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Columns -----------------------------------------------------------------------


class ColumnAddApi(APIView):
    """Add a column to the board at ``position`` (0 = first; default: last)."""

    permission_classes = [ReadOnlyOrBoardEditor]

    class ColumnAddInputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=60)
        stage = serializers.ChoiceField(
            choices=Stage.choices,
            required=False,
            allow_blank=True,
            help_text="Entering the column sets the initiative's stage.",
        )
        position = serializers.IntegerField(
            min_value=0, required=False, allow_null=True
        )
        wip_limit = serializers.IntegerField(
            min_value=1, required=False, allow_null=True
        )
        wip_hard = serializers.BooleanField(
            required=False, help_text="Refuse moves past the limit (else warn)."
        )

    @extend_schema(
        request=ColumnAddInputSerializer, responses={201: ColumnSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        board = get_object_or_404(Board, pk=pk)
        data = validated_input(self.ColumnAddInputSerializer, request)
        column = services_boards.column_add(
            actor=actor_of(request), board=board, **data
        )
        column.refresh_from_db()
        return Response(ColumnSerializer(column).data, status=status.HTTP_201_CREATED)


class ColumnsReorderApi(APIView):
    """Put the board's columns in the given order (every column id once)."""

    permission_classes = [ReadOnlyOrBoardEditor]

    class ColumnsReorderInputSerializer(serializers.Serializer[Any]):
        order = serializers.ListField(
            child=serializers.IntegerField(), help_text="Column ids, first to last."
        )

    @extend_schema(
        request=ColumnsReorderInputSerializer,
        responses={200: ColumnSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        board = get_object_or_404(Board, pk=pk)
        data = validated_input(self.ColumnsReorderInputSerializer, request)
        columns = services_boards.columns_reorder(
            actor=actor_of(request), board=board, order=data["order"]
        )
        return Response(ColumnSerializer(columns, many=True).data)


class ColumnUpdateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=60, required=False)
    stage = serializers.ChoiceField(
        choices=Stage.choices, required=False, allow_blank=True
    )
    wip_limit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    wip_hard = serializers.BooleanField(required=False)


class ColumnRemoveQuerySerializer(serializers.Serializer[Any]):
    move_cards_to = serializers.PrimaryKeyRelatedField(
        queryset=Column.objects.all(),
        required=False,
        help_text="Column id the removed column's cards move to (needed if it "
        "holds cards).",
    )


class ColumnApi(APIView):
    """Change a column (name, stage, WIP limit) or remove it; a removed column's
    cards go to the bottom of ``move_cards_to``, so nothing is lost."""

    permission_classes = [ReadOnlyOrBoardEditor]

    @extend_schema(
        request=ColumnUpdateInputSerializer,
        responses={200: ColumnSerializer, **ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        column = get_object_or_404(Column.objects.select_related("board"), pk=pk)
        data = validated_input(ColumnUpdateInputSerializer, request)
        column = services_boards.column_update(
            actor=actor_of(request), column=column, **data
        )
        return Response(ColumnSerializer(column).data)

    @extend_schema(
        parameters=[ColumnRemoveQuerySerializer],
        responses={
            200: inline_serializer(
                "ColumnRemoved", {"cards_moved": serializers.IntegerField()}
            ),
            409: CONFLICT,
            **ERRORS,
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        column = get_object_or_404(Column.objects.select_related("board"), pk=pk)
        query = ColumnRemoveQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        moved = services_boards.column_remove(
            actor=actor_of(request),
            column=column,
            move_cards_to=query.validated_data.get("move_cards_to"),
        )
        return Response({"cards_moved": moved})


# Gates -------------------------------------------------------------------------


class ColumnGateSetApi(APIView):
    """Create or change the column's gate for ``rule`` (201 new, 200 changed)."""

    permission_classes = [ReadOnlyOrBoardEditor]

    class ColumnGateSetInputSerializer(serializers.Serializer[Any]):
        rule = serializers.ChoiceField(choices=GateRule.choices)
        active = serializers.BooleanField(default=True)
        min_criticality = serializers.IntegerField(
            min_value=1,
            max_value=4,
            default=MissionCriticality.SIGNIFICANT,
            help_text="For the hardening rule: the mission criticality it applies "
            "from. " + CRITICALITY_HELP,
        )

    @extend_schema(
        request=ColumnGateSetInputSerializer,
        responses={200: ColumnGateSerializer, 201: ColumnGateSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        column = get_object_or_404(Column.objects.select_related("board"), pk=pk)
        data = validated_input(self.ColumnGateSetInputSerializer, request)
        existed = ColumnGate.objects.filter(column=column, rule=data["rule"]).exists()
        gate = services_boards.column_gate_set(
            actor=actor_of(request),
            column=column,
            rule=data["rule"],
            active=data["active"],
            min_criticality=data["min_criticality"],
        )
        return Response(
            ColumnGateSerializer(gate).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class ColumnGateRemoveApi(APIView):
    permission_classes = [ReadOnlyOrBoardEditor]

    @extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404]})
    def delete(self, request: Request, pk: int) -> Response:
        gate = get_object_or_404(ColumnGate.objects.select_related("column"), pk=pk)
        services_boards.column_gate_remove(actor=actor_of(request), gate=gate)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Cards -------------------------------------------------------------------------


class CardFilter(django_filters.FilterSet):
    board = django_filters.ModelChoiceFilter(queryset=Board.objects.all())
    column = django_filters.ModelChoiceFilter(queryset=Column.objects.all())
    initiative = django_filters.ModelChoiceFilter(queryset=Initiative.objects.all())

    class Meta:
        model = Card
        fields = ["board", "column", "initiative"]


class CardAddInputSerializer(serializers.Serializer[Any]):
    board = serializers.PrimaryKeyRelatedField(queryset=Board.objects.all())
    initiative = serializers.PrimaryKeyRelatedField(queryset=Initiative.objects.all())
    column = serializers.PrimaryKeyRelatedField(
        queryset=Column.objects.all(),
        required=False,
        allow_null=True,
        help_text="Default: the column of the initiative's stage, else the first.",
    )


def card_detail_queryset() -> QuerySet[Card]:
    return Card.objects.select_related(
        "column", "initiative__owner__user", "initiative__team"
    ).prefetch_related("initiative__labels")


@extend_schema_view(
    list=extend_schema(responses=CardSerializer(many=True)),
    retrieve=extend_schema(responses={200: CardDetailSerializer, 404: ERRORS[404]}),
    create=extend_schema(
        request=CardAddInputSerializer,
        responses={201: CardDetailSerializer, 409: CONFLICT, **ERRORS},
    ),
    destroy=extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404]}),
)
class CardViewSet(RegistryViewSet):
    """Cards on boards: each is an initiative, in a column, ordered by rank.

    Take a card off a board with DELETE (the initiative stays); move it with
    ``move/``."""

    permission_classes = [ReadOnlyOrBoardEditor]
    serializer_class = CardSerializer
    filterset_class = CardFilter
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Card]:
        return Card.objects.select_related("column", "initiative").order_by(
            "board", "column__position", "rank", "id"
        )

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return CardSerializer
        return CardDetailSerializer

    def detail_response(self, card_id: int, *, code: int = 200) -> Response:
        card = get_object_or_404(card_detail_queryset(), pk=card_id)
        card.history = list(selectors_boards.card_history(card))  # type: ignore[attr-defined]
        return Response(CardDetailSerializer(card).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.detail_response(int(kwargs["pk"]))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(CardAddInputSerializer, request)
        card = services_cards.card_add(actor=actor_of(request), **data)
        return self.detail_response(card.pk, code=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        card = get_object_or_404(
            Card.objects.select_related("column", "initiative"), pk=kwargs["pk"]
        )
        services_cards.card_remove(actor=actor_of(request), card=card)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Moving a card ------------------------------------------------------------------


class CardMoveApi(APIView):
    """Move a card to a column, above ``before`` or below ``after`` (neither: to
    the bottom); ``lane`` moves it across swimlanes too (managers only).

    ``version`` is the card's version as the page last saw it: a stale one, a
    hard WIP limit or a refusing gate gets 409 with the card's current place.
    """

    permission_classes = [IsAuthenticated]

    class CardMoveInputSerializer(serializers.Serializer[Any]):
        column = serializers.IntegerField(min_value=1)
        before = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="Put the card just above this card of the target column.",
        )
        after = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="Put the card just below this card of the target column.",
        )
        version = serializers.IntegerField(
            min_value=1, help_text="The card's version as you last saw it."
        )
        lane = serializers.CharField(
            required=False,
            allow_blank=True,
            allow_null=True,
            help_text="The swimlane key to move the card into.",
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs.get("before") is not None and attrs.get("after") is not None:
                raise serializers.ValidationError(
                    {"before": ["Give either before or after, not both."]}
                )
            return attrs

    @extend_schema(
        request=CardMoveInputSerializer,
        responses={
            200: CardMoveResultSerializer,
            409: CardConflictSerializer,
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = actor_of(request)
        card = get_object_or_404(
            Card.objects.select_related("board", "initiative"), pk=pk
        )
        # Checked before the input, so a refused user learns nothing else.
        if not can_work_on_initiative(actor, card.initiative):
            raise PermissionDenied(
                "Only managers and the people working on an initiative can move "
                "its card."
            )
        data = validated_input(self.CardMoveInputSerializer, request)
        lane = data.get("lane")
        result = services_cards.card_move(
            actor=actor,
            card=card,
            column=data["column"],
            version=data["version"],
            before=data.get("before"),
            after=data.get("after"),
            lane=lane,
        )
        result.card.board = card.board
        return Response({"card": card_place(result.card), "warnings": result.warnings})


class BoardVersionApi(APIView):
    """The board's version: it changes with every change on the board (poll it)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: BoardVersionSerializer, 404: ERRORS[404]})
    def get(self, request: Request, pk: int) -> Response:
        version = selectors_boards.board_version(pk)
        if version is None:
            raise NotFound("There is no such board.")
        return Response({"version": version})


router = SimpleRouter(trailing_slash=True)
router.register("boards", BoardViewSet, basename="api-board")
router.register("cards", CardViewSet, basename="api-card")

urlpatterns: list[URLPattern | URLResolver] = [
    path("cards/<int:pk>/move/", CardMoveApi.as_view(), name="api-card-move"),
    path(
        "boards/<int:pk>/version/", BoardVersionApi.as_view(), name="api-board-version"
    ),
    path("boards/<int:pk>/columns/", ColumnAddApi.as_view(), name="api-column-add"),
    path(
        "boards/<int:pk>/columns/reorder/",
        ColumnsReorderApi.as_view(),
        name="api-columns-reorder",
    ),
    path("columns/<int:pk>/", ColumnApi.as_view(), name="api-column"),
    path(
        "columns/<int:pk>/gates/", ColumnGateSetApi.as_view(), name="api-column-gates"
    ),
    path("gates/<int:pk>/", ColumnGateRemoveApi.as_view(), name="api-gate"),
    *router.urls,
]

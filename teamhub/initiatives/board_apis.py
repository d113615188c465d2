"""The boards API: boards (CRUD, filtered detail) and the board version to poll.

Columns and gates are in ``column_apis``, cards and moves in ``card_apis``.

Every signed-in role reads; managers (and admins) change boards; a card moves
for managers and the data scientists working on its initiative (the policy is
the docstring of ``teamhub.initiatives.permissions``). Every write goes through
``services_boards`` / ``services_cards``; their errors become 400/403/409 JSON in
the core exception handler.
"""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
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
)
from teamhub.initiatives.models import (
    Board,
    Card,
    MissionCriticality,
    Pathway,
    Swimlanes,
)
from teamhub.initiatives.permissions import (
    ReadOnlyOrBoardEditor,
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

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "boards/<int:pk>/version/", BoardVersionApi.as_view(), name="api-board-version"
    ),
    *router.urls,
]

"""The boards API for cards: list, add, read (with history), take off, and move.

A card moves for managers and the data scientists working on its initiative;
a stale version, a hard WIP limit or a gate gets 409 ``{detail, card}``.
"""

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from teamhub.initiatives import selectors_boards, services_cards
from teamhub.initiatives.board_apis import CONFLICT, ERRORS, card_place
from teamhub.initiatives.board_serializers import (
    CardConflictSerializer,
    CardDetailSerializer,
    CardMoveResultSerializer,
    CardSerializer,
)
from teamhub.initiatives.models import (
    Board,
    Card,
    Column,
    Initiative,
)
from teamhub.initiatives.permissions import (
    ReadOnlyOrBoardEditor,
    can_work_on_initiative,
)
from teamhub.people.apis import RegistryViewSet, actor_of, validated_input

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


router = SimpleRouter(trailing_slash=True)
router.register("cards", CardViewSet, basename="api-card")

urlpatterns: list[URLPattern | URLResolver] = [
    path("cards/<int:pk>/move/", CardMoveApi.as_view(), name="api-card-move"),
    *router.urls,
]

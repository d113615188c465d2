"""The boards API for columns (add, change, reorder, remove) and their gates.

Managers (and admins) change them, through ``services_boards``.
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import (
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.initiatives import services_boards
from teamhub.initiatives.board_apis import CONFLICT, CRITICALITY_HELP, ERRORS
from teamhub.initiatives.board_serializers import (
    ColumnGateSerializer,
    ColumnSerializer,
)
from teamhub.initiatives.models import (
    Board,
    Column,
    ColumnGate,
    GateRule,
    MissionCriticality,
    Stage,
)
from teamhub.initiatives.permissions import (
    ReadOnlyOrBoardEditor,
)
from teamhub.people.apis import actor_of, validated_input

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


urlpatterns: list[URLPattern | URLResolver] = [
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
]

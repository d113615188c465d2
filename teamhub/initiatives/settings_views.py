"""The board settings page: name, team, swimlanes, columns, WIP limits and gates.

Managers (and admins) only; everyone else gets 403. Each action is a small POST
form that redirects back with a message, or re-renders the page (400, or 409 for
a refused action) with the service's error next to the field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.initiatives import services_boards
from teamhub.initiatives.forms import (
    BoardForm,
    ColumnAddForm,
    ColumnForm,
    ColumnGatesForm,
    ColumnRemoveForm,
    ConfirmForm,
)
from teamhub.initiatives.models import Board, Card, Column, ColumnGate, GateRule
from teamhub.initiatives.permissions import can_edit_boards

BOARD_IDS = "board_%s"
ADD_IDS = "add_%s"
DELETE_IDS = "delete_%s"


@dataclass
class ColumnRow:
    column: Column
    cards: int
    gates: list[ColumnGate]
    form: ColumnForm
    remove_form: ColumnRemoveForm
    gates_form: ColumnGatesForm
    first: bool
    last: bool


@dataclass
class Forms:
    """Bound forms that failed, to show again with their errors."""

    board: BoardForm | None = None
    add: ColumnAddForm | None = None
    delete: ConfirmForm | None = None
    column_id: int | None = None
    column: ColumnForm | None = None
    remove: ColumnRemoveForm | None = None
    gates: ColumnGatesForm | None = None


def _ids(column: Column, what: str) -> str:
    return f"col{column.pk}_{what}_%s"


def _board_for_edit(request: HttpRequest, pk: int) -> Board:
    """Return the board, or refuse early so that forbidden input is a 403."""
    if not can_edit_boards(request.user):  # type: ignore[arg-type]
        raise PermissionDenied("Only managers can change boards.")
    return get_object_or_404(Board.objects.select_related("team"), pk=pk)


def _columns(board: Board) -> list[Column]:
    return list(board.columns.order_by("position", "id"))


def _column(board: Board, column_id: int) -> Column:
    return get_object_or_404(
        Column.objects.select_related("board"), pk=column_id, board=board
    )


def _render(
    request: HttpRequest, board: Board, forms: Forms | None = None, status: int = 200
) -> HttpResponse:
    forms = forms or Forms()
    columns = _columns(board)
    counts = dict(
        Card.objects.filter(board=board)
        .values("column")
        .annotate(n=Count("id"))
        .values_list("column", "n")
    )
    gates: dict[int, list[ColumnGate]] = defaultdict(list)
    for gate in ColumnGate.objects.filter(column__board=board).order_by("rule"):
        gates[gate.column_id].append(gate)
    rows = []
    for index, column in enumerate(columns):
        mine = forms.column_id == column.pk
        others = [c for c in columns if c.pk != column.pk]
        rows.append(
            ColumnRow(
                column=column,
                cards=counts.get(column.pk, 0),
                gates=gates[column.pk],
                form=(forms.column if mine and forms.column else None)
                or ColumnForm(
                    initial=ColumnForm.initial_for(column),
                    auto_id=_ids(column, "edit"),
                ),
                remove_form=(forms.remove if mine and forms.remove else None)
                or ColumnRemoveForm(
                    column=column, others=others, auto_id=_ids(column, "remove")
                ),
                gates_form=(forms.gates if mine and forms.gates else None)
                or ColumnGatesForm(
                    initial=ColumnGatesForm.initial_for(gates[column.pk]),
                    auto_id=_ids(column, "gates"),
                ),
                first=index == 0,
                last=index == len(columns) - 1,
            )
        )
    total = sum(counts.values())
    context = {
        "board": board,
        "rows": rows,
        "total_cards": total,
        "board_form": forms.board
        or BoardForm(initial=BoardForm.initial_for(board), auto_id=BOARD_IDS),
        "add_form": forms.add or ColumnAddForm(columns=columns, auto_id=ADD_IDS),
        "delete_form": forms.delete
        or ConfirmForm(auto_id=DELETE_IDS, label=f"Yes, delete “{board.name}”"),
        "hardening_rule": GateRule.HARDENING_FOR_CRITICAL.value,
    }
    return render(request, "initiatives/board_settings.html", context, status=status)


def _invalid(
    request: HttpRequest, board: Board, forms: Forms, status: int = 400
) -> HttpResponse:
    messages.error(request, "Nothing was saved — please correct the errors below.")
    return _render(request, board, forms, status=status)


def _refused(
    request: HttpRequest, board: Board, exc: Conflict, forms: Forms | None = None
) -> HttpResponse:
    messages.error(request, exc.detail)
    return _render(request, board, forms, status=409)


def _back(board: Board, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("initiatives:board_settings", args=[board.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_GET
def board_settings(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _board_for_edit(request, pk))


@require_POST
def board_settings_update(request: HttpRequest, pk: int) -> HttpResponse:
    board = _board_for_edit(request, pk)
    form = BoardForm(request.POST, auto_id=BOARD_IDS)
    if not form.is_valid():
        return _invalid(request, board, Forms(board=form))
    try:
        board = services_boards.board_update(
            actor=_actor(request), board=board, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, board, Forms(board=form))
    messages.success(request, f"Saved the board “{board.name}”.")
    return _back(board, "board")


@require_POST
def column_add(request: HttpRequest, pk: int) -> HttpResponse:
    board = _board_for_edit(request, pk)
    form = ColumnAddForm(request.POST, columns=_columns(board), auto_id=ADD_IDS)
    if not form.is_valid():
        return _invalid(request, board, Forms(add=form))
    try:
        column = services_boards.column_add(
            actor=_actor(request), board=board, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, board, Forms(add=form))
    messages.success(request, f"Added the column “{column.name}”.")
    return _back(board, f"column-{column.pk}")


@require_POST
def column_update(request: HttpRequest, pk: int, column_id: int) -> HttpResponse:
    board = _board_for_edit(request, pk)
    column = _column(board, column_id)
    form = ColumnForm(request.POST, auto_id=_ids(column, "edit"))
    if not form.is_valid():
        return _invalid(request, board, Forms(column_id=column.pk, column=form))
    try:
        column = services_boards.column_update(
            actor=_actor(request), column=column, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, board, Forms(column_id=column.pk, column=form))
    messages.success(request, f"Saved the column “{column.name}”.")
    return _back(board, f"column-{column.pk}")


@require_POST
def column_move(request: HttpRequest, pk: int, column_id: int) -> HttpResponse:
    """Swap the column with its neighbour: ``direction`` is ``up`` or ``down``."""
    board = _board_for_edit(request, pk)
    column = _column(board, column_id)
    direction = request.POST.get("direction")
    order = [c.pk for c in _columns(board)]
    index = order.index(column.pk)
    other = {"up": index - 1, "down": index + 1}.get(direction or "")
    if other is None:
        messages.error(request, "Choose to move the column up or down.")
        return _render(request, board, status=400)
    if not 0 <= other < len(order):
        messages.error(
            request,
            f"“{column.name}” is already the {'first' if other < 0 else 'last'} "
            "column.",
        )
        return _render(request, board, status=400)
    order[index], order[other] = order[other], order[index]
    services_boards.columns_reorder(actor=_actor(request), board=board, order=order)
    messages.success(request, f"Moved “{column.name}” {direction}.")
    return _back(board, f"column-{column.pk}")


@require_POST
def column_remove(request: HttpRequest, pk: int, column_id: int) -> HttpResponse:
    board = _board_for_edit(request, pk)
    column = _column(board, column_id)
    others = [c for c in _columns(board) if c.pk != column.pk]
    form = ColumnRemoveForm(
        request.POST, column=column, others=others, auto_id=_ids(column, "remove")
    )
    forms = Forms(column_id=column.pk, remove=form)
    if not form.is_valid():
        return _invalid(request, board, forms)
    target = form.cleaned_data["move_cards_to"]
    try:
        moved = services_boards.column_remove(
            actor=_actor(request), column=column, move_cards_to=target
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, board, forms)
    except Conflict as exc:
        form.add_error(None, exc.detail)
        return _refused(request, board, exc, forms)
    moved_text = f"; its {moved} cards moved to “{target.name}”" if moved else ""
    messages.success(request, f"Removed the column “{column.name}”{moved_text}.")
    return _back(board, "columns")


@require_POST
def column_gates(request: HttpRequest, pk: int, column_id: int) -> HttpResponse:
    """Switch each gate rule of the column on (set) or off (remove)."""
    board = _board_for_edit(request, pk)
    column = _column(board, column_id)
    form = ColumnGatesForm(request.POST, auto_id=_ids(column, "gates"))
    if not form.is_valid():
        return _invalid(request, board, Forms(column_id=column.pk, gates=form))
    actor = _actor(request)
    existing = {gate.rule: gate for gate in column.gates.all()}
    minimum: int = form.cleaned_data["min_criticality"]
    changed = 0
    try:
        for rule in GateRule.values:
            gate = existing.get(rule)
            wanted = bool(form.cleaned_data[rule])
            if wanted:
                threshold = (
                    minimum
                    if rule == GateRule.HARDENING_FOR_CRITICAL
                    else (gate.min_criticality if gate else minimum)
                )
                if gate is None or not gate.active or gate.min_criticality != threshold:
                    services_boards.column_gate_set(
                        actor=actor,
                        column=column,
                        rule=rule,
                        active=True,
                        min_criticality=threshold,
                    )
                    changed += 1
            elif gate is not None:
                services_boards.column_gate_remove(actor=actor, gate=gate)
                changed += 1
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, board, Forms(column_id=column.pk, gates=form))
    if changed:
        messages.success(request, f"Saved the gates of “{column.name}”.")
    else:
        messages.info(request, f"The gates of “{column.name}” were already so.")
    return _back(board, f"column-{column.pk}")


@require_POST
def board_delete(request: HttpRequest, pk: int) -> HttpResponse:
    board = _board_for_edit(request, pk)
    form = ConfirmForm(request.POST, auto_id=DELETE_IDS)
    if not form.is_valid():
        return _invalid(request, board, Forms(delete=form))
    name = board.name
    try:
        services_boards.board_delete(actor=_actor(request), board=board)
    except Conflict as exc:
        form.add_error(None, exc.detail)
        return _refused(request, board, exc, Forms(delete=form))
    messages.success(request, f"Deleted the board “{name}”.")
    return redirect("initiatives:boards")


def _column_path(suffix: str) -> str:
    return f"<int:pk>/settings/columns/<int:column_id>/{suffix}"


urlpatterns: list[URLPattern] = [
    path("<int:pk>/settings/", board_settings, name="board_settings"),
    path(
        "<int:pk>/settings/board/",
        board_settings_update,
        name="board_settings_update",
    ),
    path("<int:pk>/settings/columns/", column_add, name="board_column_add"),
    path(_column_path(""), column_update, name="board_column_update"),
    path(_column_path("move/"), column_move, name="board_column_move"),
    path(_column_path("remove/"), column_remove, name="board_column_remove"),
    path(_column_path("gates/"), column_gates, name="board_column_gates"),
    path("<int:pk>/settings/delete/", board_delete, name="board_delete"),
]

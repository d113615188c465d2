"""Board pages: the list of boards (and creating one), a board with its columns,
filters and swimlanes, and the HTML fallbacks of drag and drop.

Everyone signed in reads every board. Managers (and admins) create boards and
add initiatives to them; whoever may move a card (``can_work_on_initiative``)
gets its drag handle and "Move to…" menu. The page's JavaScript moves cards
through ``POST /api/cards/{id}/move/`` and polls ``/api/boards/{id}/version/``;
without JavaScript the menu posts to ``card_move`` here, which calls the same
service and redirects back with its message.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.initiatives import services, services_boards, services_cards
from teamhub.initiatives.board_cards import render_cards
from teamhub.initiatives.board_forms import (
    BoardCreateForm,
    BoardFilterForm,
    CardAddForm,
    CardMoveForm,
    InitiativeCreateForm,
)
from teamhub.initiatives.forms import CRITICALITY_HELP
from teamhub.initiatives.models import (
    Assignment,
    Board,
    Card,
    GateRule,
    Initiative,
    Label,
)
from teamhub.initiatives.permissions import (
    can_edit_boards,
    can_edit_initiative,
    can_work_on_initiative,
)
from teamhub.initiatives.selectors_boards import (
    BoardDetail,
    board_detail,
    board_list,
)

FILTER_IDS = "filter_%s"
CREATE_IDS = "create_%s"
ADD_IDS = "add_%s"
NEW_IDS = "new_%s"
COLUMNS_TARGET = "board-columns"
FILTER_KEYS = ("q", "team", "owner", "person", "label", "criticality", "pathway")
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DEFAULT_LABEL_COLOR = "#6c757d"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# The list of boards ------------------------------------------------------------


def _render_list(
    request: HttpRequest, form: BoardCreateForm | None = None, status: int = 200
) -> HttpResponse:
    can_create = can_edit_boards(_actor(request))
    if form is None and can_create:
        form = BoardCreateForm(auto_id=CREATE_IDS)
    return render(
        request,
        "initiatives/board_list.html",
        {"boards": list(board_list()), "form": form, "can_create": can_create},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def boards(request: HttpRequest) -> HttpResponse:
    """List the boards; managers create one here (POST)."""
    if request.method != "POST":
        return _render_list(request)
    actor = _actor(request)
    if not can_edit_boards(actor):
        raise PermissionDenied("Only managers can create boards.")
    form = BoardCreateForm(request.POST, auto_id=CREATE_IDS)
    if form.is_valid():
        try:
            board = services_boards.board_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Created the board “{board.name}”.")
            return redirect(board.get_absolute_url())
    messages.error(request, "No board was created — please correct the errors below.")
    return _render_list(request, form, status=400)


# One board -----------------------------------------------------------------------


def _movable_initiatives(user: User) -> set[int]:
    """Return the initiatives whose cards a data scientist may move (one query)."""
    if not user_has_role(user, Role.DATA_SCIENTIST):
        return set()
    person = getattr(user, "person", None)
    if person is None:
        return set()
    working = Q(owner_id=person.pk) | Q(
        assignments__person_id=person.pk,
        assignments__status__in=[
            Assignment.Status.PROPOSED,
            Assignment.Status.CONFIRMED,
        ],
    )
    return set(
        Initiative.objects.filter(working).values_list("pk", flat=True).distinct()
    )


def _text_color(color: str) -> str:
    """Return black or white, whichever reads better on ``color`` (#rgb/#rrggbb)."""
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return "#000" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#fff"


def _decorate_labels(detail: BoardDetail) -> None:
    """Give every label of the board's cards a safe CSS colour (no queries)."""
    for column in detail.columns:
        for board_card in column.cards:
            label: Label
            for label in board_card.card.initiative.labels.all():
                color = label.color if HEX_COLOR.match(label.color or "") else None
                color = color or DEFAULT_LABEL_COLOR
                label.css_color = color  # type: ignore[attr-defined]
                label.css_text = _text_color(color)  # type: ignore[attr-defined]


def _filter_query(query: QueryDict) -> str:
    """Return the board's filters of ``query`` as a query string ("" without)."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = query.get(key, "")
        if value.strip():
            kept[key] = value
    return kept.urlencode()


def _board_url(board_id: int, query: str = "") -> str:
    url = reverse("initiatives:board", args=[board_id])
    return f"{url}?{query}" if query else url


def _gate_text(gate: Any) -> str:
    text = str(gate.get_rule_display())
    if gate.rule == GateRule.HARDENING_FOR_CRITICAL:
        text += f" (from mission criticality {gate.min_criticality})"
    return text


def _card_prefix() -> str:
    """Return the path the card pages share ("/boards/cards/"): the card partial
    appends the id, as a reverse() per card costs a tenth of a 300-card page."""
    url = reverse("initiatives:card", args=[0])
    return url[: -len("0/")]


def _column_options(detail: BoardDetail, selected: int | None = None) -> str:
    """Return the board's columns as <option>s for a "Move to…" menu."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (
                column.column.pk,
                mark_safe(" selected") if column.column.pk == selected else "",
                column.column.name,
            )
            for column in detail.columns
        ),
    )


def _columns_context(request: HttpRequest, detail: BoardDetail) -> dict[str, Any]:
    user = _actor(request)
    can_move_all = can_edit_boards(user)
    _decorate_labels(detail)
    back_url = _board_url(detail.board.pk, _filter_query(request.GET))
    gate_titles = {
        column.column.pk: "; ".join(
            _gate_text(gate) for gate in column.gates if gate.active
        )
        for column in detail.columns
    }
    context = {
        "detail": detail,
        "board": detail.board,
        "lane_rows": detail.lane_rows(),
        "gate_titles": gate_titles,
        "can_move_all": can_move_all,
        "movable_ids": set() if can_move_all else _movable_initiatives(user),
        "can_move_lanes": can_edit_initiative(user),
        "back_url": back_url,
        "move_prefix": back_url + ("&" if "?" in back_url else "?") + "move=",
        "column_options": _column_options(detail),
        "today": timezone.localdate(),
        "criticality_help": CRITICALITY_HELP,
        "card_prefix": _card_prefix(),
    }
    render_cards(detail, context)
    return context


def _detail(request: HttpRequest, pk: int) -> tuple[BoardFilterForm, BoardDetail]:
    """Return the filter form and the filtered board (Board.DoesNotExist if gone)."""
    form = BoardFilterForm(request.GET or None, board_id=pk, auto_id=FILTER_IDS)
    return form, board_detail(board_id=pk, filters=form.card_filters())


def _move_panel(
    request: HttpRequest, detail: BoardDetail, context: dict[str, Any]
) -> dict[str, Any] | None:
    """Return the "Move to…" form of the card named by ``?move=`` (the menu
    without JavaScript), if it is on the page and the user may move it."""
    wanted = request.GET.get("move", "")
    if not wanted.isdigit():
        return None
    for column in detail.columns:
        for board_card in column.cards:
            card = board_card.card
            if card.pk != int(wanted):
                continue
            if not (
                context["can_move_all"] or card.initiative_id in context["movable_ids"]
            ):
                return None
            return {
                "card": card,
                "options": _column_options(detail, selected=column.column.pk),
            }
    return None


def _missing(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "initiatives/board.html", {"missing": True, "pk": pk}, status=404
    )


def _render_board(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        filter_form, detail = _detail(request, pk)
    except Board.DoesNotExist:
        return _missing(request, pk)
    context = _columns_context(request, detail)
    if request.headers.get("HX-Target") == COLUMNS_TARGET:
        return render(request, "initiatives/_partials/board_columns.html", context)
    editor = can_edit_boards(_actor(request))
    context["move"] = _move_panel(request, detail, context)
    context.update(
        {
            "filter_form": filter_form,
            "filtered": detail.filters.active,
            "editor": editor,
        }
    )
    return render(request, "initiatives/board.html", context)


@require_GET
def board(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the board; an htmx request for the columns gets the columns only."""
    return _render_board(request, pk)


@require_GET
def board_columns(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the columns partial with the request's filters (the page polls it)."""
    try:
        _, detail = _detail(request, pk)
    except Board.DoesNotExist:
        return HttpResponse("This board has been deleted.", status=404)
    return render(
        request,
        "initiatives/_partials/board_columns.html",
        _columns_context(request, detail),
    )


def _board_for_edit(request: HttpRequest, pk: int) -> Board:
    if not can_edit_boards(_actor(request)):
        raise PermissionDenied("Only managers can add initiatives to a board.")
    return get_object_or_404(Board, pk=pk)


def _render_add(
    request: HttpRequest,
    board_: Board,
    *,
    add_form: CardAddForm | None = None,
    create_form: InitiativeCreateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The "Add initiative" page: an existing initiative, or a new one. Its own
    page, so the board does not carry every initiative and person in selects."""
    context = {
        "board": board_,
        "add_form": add_form or CardAddForm(board_id=board_.pk, auto_id=ADD_IDS),
        "create_form": create_form
        or InitiativeCreateForm(
            board_id=board_.pk, auto_id=NEW_IDS, initial={"team": board_.team_id}
        ),
    }
    return render(request, "initiatives/board_add.html", context, status=status)


@require_GET
def board_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_add(request, _board_for_edit(request, pk))


def _added(request: HttpRequest, card: Card) -> HttpResponseRedirect:
    messages.success(
        request,
        f"Added {card.initiative.key} to “{card.column.name}”.",
    )
    return redirect(f"{card.board.get_absolute_url()}#card-{card.pk}")


@require_POST
def board_card_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put an existing initiative on the board."""
    board_ = _board_for_edit(request, pk)
    form = CardAddForm(request.POST, board_id=pk, auto_id=ADD_IDS)
    status = 400
    if form.is_valid():
        try:
            card = services_cards.card_add(
                actor=_actor(request),
                board=board_,
                initiative=form.cleaned_data["initiative"],
                column=form.cleaned_data["column"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except Conflict as exc:
            form.add_error(None, exc.detail)
            status = 409
        else:
            return _added(request, card)
    messages.error(request, "Nothing was added — see the reason below.")
    return _render_add(request, board_, add_form=form, status=status)


@require_POST
def board_initiative_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Create an initiative and put it on the board, or neither."""
    board_ = _board_for_edit(request, pk)
    form = InitiativeCreateForm(request.POST, board_id=pk, auto_id=NEW_IDS)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        column = data.pop("column")
        actor = _actor(request)
        try:
            # One transaction: a card refused by the column leaves no initiative.
            with transaction.atomic():
                initiative = services.initiative_create(actor=actor, **data)
                card = services_cards.card_add(
                    actor=actor, board=board_, initiative=initiative, column=column
                )
        except ValidationError as exc:
            form.add_service_error(exc)
        except Conflict as exc:
            form.add_error(None, exc.detail)
            status = 409
        else:
            return _added(request, card)
    messages.error(request, "No initiative was created — see the reason below.")
    return _render_add(request, board_, create_form=form, status=status)


# Moving a card without JavaScript -----------------------------------------------


def _back_to(card: Card, wanted: str) -> str:
    """Return ``wanted`` if it is this card's board page (with filters), else the
    plain board page."""
    board_url = _board_url(card.board_id)
    if wanted == board_url or wanted.startswith(board_url + "?"):
        return wanted
    return board_url


@require_POST
def card_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a card from its "Move to…" menu and go back to the board with the
    result: done (and any WIP warning) or why not."""
    card = get_object_or_404(
        Card.objects.select_related("board", "initiative", "column"), pk=pk
    )
    actor = _actor(request)
    if not can_work_on_initiative(actor, card.initiative):
        raise PermissionDenied(
            "Only managers and the people working on an initiative can move its card."
        )
    form = CardMoveForm(request.POST)
    back = _back_to(card, request.POST.get("next", ""))
    key = card.initiative.key
    if not form.is_valid():
        problems = " ".join(
            str(message) for errors in form.errors.values() for message in errors
        )
        messages.error(request, f"{key} was not moved: {problems}")
        return redirect(f"{back}#card-{card.pk}")
    data = form.cleaned_data
    top = data["position"] == CardMoveForm.TOP
    before = None
    if top:
        before = (
            Card.objects.filter(column_id=data["column"], board_id=card.board_id)
            .exclude(pk=card.pk)
            .order_by("rank", "id")
            .values_list("pk", flat=True)
            .first()
        )
    try:
        result = services_cards.card_move(
            actor=actor,
            card=card,
            column=data["column"],
            version=data["version"],
            before=before,
        )
    except Conflict as exc:
        messages.error(request, f"{key} was not moved: {exc.detail}")
    except ValidationError as exc:
        messages.error(request, f"{key} was not moved: {' '.join(exc.messages)}")
    else:
        where = "top" if top else "bottom"
        messages.success(
            request, f"Moved {key} to the {where} of “{result.card.column.name}”."
        )
        for warning in result.warnings:
            messages.warning(request, warning)
    return redirect(f"{back}#card-{card.pk}")


urlpatterns: list[URLPattern] = [
    path("", boards, name="boards"),
    path("<int:pk>/", board, name="board"),
    path("<int:pk>/columns/", board_columns, name="board_columns"),
    path("<int:pk>/add/", board_add, name="board_add"),
    path("<int:pk>/cards/add/", board_card_add, name="board_card_add"),
    path(
        "<int:pk>/initiatives/new/",
        board_initiative_create,
        name="board_initiative_create",
    ),
    path("cards/<int:pk>/move/", card_move, name="card_move"),
]

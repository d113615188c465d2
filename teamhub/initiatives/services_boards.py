"""Writes to boards: create from the ML lifecycle template, columns, WIP, gates.

Only managers (and admins) change a board's structure. Every write locks the
board row, bumps its version (open pages reload) and is audited.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.core.updates import UNSET, Unset, apply_changes
from teamhub.initiatives.gates import column_gates, gate_refusals_of_many
from teamhub.initiatives.models import (
    Board,
    Card,
    CardEvent,
    Column,
    ColumnGate,
    GateRule,
    Initiative,
    Stage,
    Swimlanes,
)
from teamhub.initiatives.permissions import can_edit_boards
from teamhub.initiatives.ranking import rank_between, ranks_spaced
from teamhub.initiatives.services_cards import board_lock, board_touch
from teamhub.people.models import Team


class BoardTemplate:
    ML_LIFECYCLE = "ml_lifecycle"
    EMPTY = "empty"
    choices = [
        (ML_LIFECYCLE, "ML lifecycle (Idea → Retired)"),
        (EMPTY, "Empty board"),
    ]


# (stage, gates) of the ML lifecycle template, in order. The requirements gate
# starts inactive: a manager switches it on once requirement documents are used.
ML_LIFECYCLE: list[tuple[str, list[tuple[str, bool]]]] = [
    (Stage.IDEA, []),
    (Stage.SCOPING, []),
    (Stage.DATA_EDA, [(GateRule.OWNER_REQUIRED, True)]),
    (Stage.EXPERIMENTATION, [(GateRule.APPROVED_REQUIREMENTS, False)]),
    (
        Stage.DEPLOYMENT,
        [(GateRule.KPI_REQUIRED, True), (GateRule.HARDENING_FOR_CRITICAL, True)],
    ),
    (Stage.MONITORING, []),
    (Stage.ITERATION, []),
    (Stage.RETIRED, []),
]


def _require_editor(actor: User) -> None:
    if not can_edit_boards(actor):
        raise PermissionDenied("Only managers can change boards.")


def _check_wip(wip_limit: int | None) -> None:
    if wip_limit is not None and wip_limit < 1:
        raise ValidationError(
            {"wip_limit": ["A WIP limit is at least 1 (leave it empty for none)."]}
        )


def _check_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not name:
        raise ValidationError({field: ["Give it a name."]})
    return name


@transaction.atomic
def board_create(
    *,
    actor: User,
    name: str,
    team: Team | None = None,
    description: str = "",
    template: str = BoardTemplate.ML_LIFECYCLE,
    swimlanes: str = Swimlanes.NONE,
    include_initiatives: bool = True,
    initiatives: Iterable[Initiative] | None = None,
) -> Board:
    """Create a board from ``template``; with ``include_initiatives`` the team's
    initiatives (all of them on a portfolio board), or the given ``initiatives``,
    become cards in the column of their stage, in key order."""
    _require_editor(actor)
    if template not in {value for value, _ in BoardTemplate.choices}:
        raise ValidationError({"template": [f"There is no template “{template}”."]})
    if swimlanes not in Swimlanes.values:
        raise ValidationError({"swimlanes": [f"“{swimlanes}” is not a swimlane."]})
    board = Board(
        name=_check_name(name),
        team=team,
        description=description,
        swimlanes=swimlanes,
        created_by=actor,
    )
    board.full_clean()
    board.save()
    columns: dict[str, Column] = {}
    if template == BoardTemplate.ML_LIFECYCLE:
        for position, (stage, gates) in enumerate(ML_LIFECYCLE):
            column = Column.objects.create(
                board=board, name=Stage(stage).label, stage=stage, position=position
            )
            columns[stage] = column
            ColumnGate.objects.bulk_create(
                ColumnGate(column=column, rule=rule, active=active)
                for rule, active in gates
            )
    cards = 0
    if include_initiatives and columns:
        if initiatives is None:
            chosen = Initiative.objects.order_by("key")
            if team is not None:
                chosen = chosen.filter(team=team)
            initiatives = chosen
        first = next(iter(columns.values()))
        by_column: dict[int, list[Initiative]] = {}
        for initiative in sorted(initiatives, key=lambda i: i.key):
            column = columns.get(initiative.stage, first)
            by_column.setdefault(column.pk, []).append(initiative)
        new_cards = []
        for column_id, members in by_column.items():
            for initiative, rank in zip(
                members, ranks_spaced(len(members)), strict=True
            ):
                new_cards.append(
                    Card(
                        board=board,
                        column_id=column_id,
                        initiative=initiative,
                        rank=rank,
                    )
                )
        Card.objects.bulk_create(new_cards)
        names = {column.pk: column.name for column in columns.values()}
        CardEvent.objects.bulk_create(
            CardEvent.of(
                card,
                actor=actor,
                verb=CardEvent.Verb.CREATED,
                to_column=names[card.column_id],
            )
            for card in Card.objects.filter(board=board)
        )
        cards = len(new_cards)
    audit_record(
        actor=actor,
        verb="board.created",
        target=board,
        data={"name": board.name, "template": template, "cards": cards},
    )
    return board


@transaction.atomic
def board_update(
    *,
    actor: User,
    board: Board,
    name: str | Unset = UNSET,
    team: Team | Unset | None = UNSET,
    description: str | Unset = UNSET,
    swimlanes: str | Unset = UNSET,
) -> Board:
    _require_editor(actor)
    board = board_lock(board.pk)
    if not isinstance(swimlanes, Unset) and swimlanes not in Swimlanes.values:
        raise ValidationError({"swimlanes": [f"“{swimlanes}” is not a swimlane."]})
    changed = apply_changes(
        board,
        {
            "name": name if isinstance(name, Unset) else _check_name(name),
            "team": team,
            "description": description,
            "swimlanes": swimlanes,
        },
    )
    if changed:
        board.full_clean()
        board.version += 1
        board.save()
        audit_record(actor=actor, verb="board.updated", target=board, data=changed)
    return board


@transaction.atomic
def board_delete(*, actor: User, board: Board) -> None:
    """Delete an empty board; one with cards is refused (nothing is lost)."""
    _require_editor(actor)
    board = board_lock(board.pk)
    held = board.cards.count()
    if held:
        raise Conflict(
            f"“{board.name}” still holds {held} cards: take them off or move them "
            "to another board first.",
            cards=held,
        )
    audit_record(
        actor=actor, verb="board.deleted", target=board, data={"name": board.name}
    )
    board.delete()


@transaction.atomic
def column_add(
    *,
    actor: User,
    board: Board,
    name: str,
    stage: str = "",
    position: int | None = None,
    wip_limit: int | None = None,
    wip_hard: bool = False,
) -> Column:
    """Add a column at ``position`` (0 = first; default: last)."""
    _require_editor(actor)
    board = board_lock(board.pk)
    _check_wip(wip_limit)
    if stage and stage not in Stage.values:
        raise ValidationError({"stage": [f"“{stage}” is not a lifecycle stage."]})
    columns = list(board.columns.all())
    if position is None or position > len(columns):
        position = len(columns)
    if position < 0:
        raise ValidationError({"position": ["The position is 0 or more."]})
    column = Column(
        board=board,
        name=_check_name(name),
        stage=stage,
        position=position,
        wip_limit=wip_limit,
        wip_hard=wip_hard,
    )
    column.full_clean()
    columns.insert(position, column)
    column.save()
    _renumber(columns)
    board_touch(board.pk)
    audit_record(
        actor=actor,
        verb="column.created",
        target=column,
        data={"board": board.pk, "name": column.name, "position": position},
    )
    return column


def _renumber(columns: list[Column]) -> None:
    for index, column in enumerate(columns):
        column.position = index
    Column.objects.bulk_update(columns, ["position"])


@transaction.atomic
def column_update(
    *,
    actor: User,
    column: Column,
    name: str | Unset = UNSET,
    stage: str | Unset = UNSET,
    wip_limit: int | Unset | None = UNSET,
    wip_hard: bool | Unset = UNSET,
) -> Column:
    """Rename a column, change its stage or its WIP limit."""
    _require_editor(actor)
    board_lock(column.board_id)
    column = Column.objects.get(pk=column.pk)
    if not isinstance(wip_limit, Unset):
        _check_wip(wip_limit)
    if not isinstance(stage, Unset) and stage and stage not in Stage.values:
        raise ValidationError({"stage": [f"“{stage}” is not a lifecycle stage."]})
    changed = apply_changes(
        column,
        {
            "name": name if isinstance(name, Unset) else _check_name(name),
            "stage": stage,
            "wip_limit": wip_limit,
            "wip_hard": wip_hard,
        },
    )
    if changed:
        column.full_clean()
        column.save()
        board_touch(column.board_id)
        audit_record(actor=actor, verb="column.updated", target=column, data=changed)
    return column


@transaction.atomic
def columns_reorder(*, actor: User, board: Board, order: list[int]) -> list[Column]:
    """Put the board's columns in ``order`` (every column id exactly once)."""
    _require_editor(actor)
    board = board_lock(board.pk)
    columns = {column.pk: column for column in board.columns.all()}
    if sorted(order) != sorted(columns):
        raise ValidationError(
            {"order": ["List every column of this board exactly once."]}
        )
    ordered = [columns[pk] for pk in order]
    _renumber(ordered)
    board_touch(board.pk)
    audit_record(
        actor=actor, verb="columns.reordered", target=board, data={"order": order}
    )
    return ordered


@transaction.atomic
def _cards_may_enter(cards: list[Card], column: Column) -> list[str]:
    """Check that ``cards`` may all enter ``column`` as if each were moved there:
    a hard WIP limit or a gate refusing any of them is a Conflict (nothing
    moves); return the warning of a soft WIP limit they go over."""
    held = Card.objects.filter(column=column).count()
    if column.wip_limit is not None and held + len(cards) > column.wip_limit:
        message = (
            f"“{column.name}” would hold {held + len(cards)} cards, over its WIP "
            f"limit of {column.wip_limit}."
        )
        if column.wip_hard:
            raise Conflict(
                message + " Choose another column, or move cards out of it first."
            )
        warnings = [message]
    else:
        warnings = []
    initiatives = Initiative.objects.filter(
        pk__in=[card.initiative_id for card in cards]
    ).order_by("key")
    reasons = gate_refusals_of_many(column_gates(column), initiatives)
    if reasons:
        raise Conflict(
            f"Not every card may enter “{column.name}”: " + " ".join(reasons),
            reasons=reasons,
        )
    return warnings


def column_remove(
    *, actor: User, column: Column, move_cards_to: Column | None = None
) -> int:
    """Remove ``column``; its cards go to the bottom of ``move_cards_to`` in their
    order. Return how many cards moved. Refuses to lose cards or the last column."""
    _require_editor(actor)
    board = board_lock(column.board_id)
    column = Column.objects.get(pk=column.pk)
    cards = list(Card.objects.filter(column=column).order_by("rank", "id"))
    if board.columns.count() == 1:
        raise Conflict("A board keeps at least one column.")
    if move_cards_to is not None and (
        move_cards_to.board_id != board.pk or move_cards_to.pk == column.pk
    ):
        raise ValidationError(
            {"move_cards_to": ["Choose another column of the same board."]}
        )
    if cards and move_cards_to is None:
        raise ValidationError(
            {
                "move_cards_to": [
                    f"“{column.name}” holds {len(cards)} cards: choose the column "
                    "they move to."
                ]
            }
        )
    warnings: list[str] = []
    if cards and move_cards_to is not None:
        move_cards_to = Column.objects.get(pk=move_cards_to.pk)  # as of the lock
        warnings = _cards_may_enter(cards, move_cards_to)
        last = (
            Card.objects.filter(column=move_cards_to)
            .aggregate(last=Max("rank"))
            .get("last")
        )
        for card in cards:
            last = rank_between(last, None)
            card.column = move_cards_to
            card.rank = last
            card.version += 1
        Card.objects.bulk_update(cards, ["column", "rank", "version"])
        CardEvent.objects.bulk_create(
            CardEvent.of(
                card,
                actor=actor,
                verb=CardEvent.Verb.MOVED,
                from_column=column.name,
                to_column=move_cards_to.name,
                data={"reason": "column removed", "warnings": warnings},
            )
            for card in cards
        )
        if move_cards_to.stage:
            Initiative.objects.filter(
                pk__in=[card.initiative_id for card in cards]
            ).update(stage=move_cards_to.stage)
    audit_record(
        actor=actor,
        verb="column.removed",
        target=column,
        data={
            "board": board.pk,
            "name": column.name,
            "cards_moved": len(cards),
            "moved_to": move_cards_to.name if move_cards_to else None,
            "warnings": warnings,
        },
    )
    column.delete()
    _renumber(list(board.columns.all()))
    board_touch(board.pk)
    return len(cards)


@transaction.atomic
def column_gate_set(
    *,
    actor: User,
    column: Column,
    rule: str,
    active: bool = True,
    min_criticality: int = 3,
) -> ColumnGate:
    """Create or change the column's gate for ``rule``."""
    _require_editor(actor)
    board_lock(column.board_id)
    if rule not in GateRule.values:
        raise ValidationError({"rule": [f"“{rule}” is not a gate rule."]})
    if not 1 <= min_criticality <= 4:
        raise ValidationError(
            {"min_criticality": ["Mission criticality runs from 1 to 4."]}
        )
    gate, created = ColumnGate.objects.update_or_create(
        column=column,
        rule=rule,
        defaults={"active": active, "min_criticality": min_criticality},
    )
    board_touch(column.board_id)
    audit_record(
        actor=actor,
        verb="gate.created" if created else "gate.updated",
        target=gate,
        data={"rule": rule, "active": active, "min_criticality": min_criticality},
    )
    return gate


@transaction.atomic
def column_gate_remove(*, actor: User, gate: ColumnGate) -> None:
    _require_editor(actor)
    board_lock(gate.column.board_id)
    audit_record(
        actor=actor,
        verb="gate.removed",
        target=gate,
        data={"column": gate.column_id, "rule": gate.rule},
    )
    board_touch(gate.column.board_id)
    gate.delete()

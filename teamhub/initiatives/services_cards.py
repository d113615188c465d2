"""Writes to cards: add an initiative to a board, move a card, take it off.

A move locks the initiative row, then the board row (by bumping its version:
serialising every write on one board is what keeps ranks, WIP counts and the
board version consistent), then the card, and checks, in order: the card's
version, the target column, the neighbour card, the swimlane, the WIP limit and
the column's gates. Only then does it write the card (one row, unless the column
needs re-spacing), the card's history and the audit trail. A refused move rolls
everything back, the board's version too.

Lock order, everywhere: initiative, board, card. ``initiative_update`` holds the
initiative when it asks ``card_events_for_initiative_edit`` to touch the cards,
so taking the initiative first in a move keeps the two from deadlocking.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.initiatives.gates import column_gates, gate_refusals
from teamhub.initiatives.models import Board, Card, CardEvent, Column, Initiative
from teamhub.initiatives.permissions import (
    can_edit_boards,
    can_edit_initiative,
    can_work_on_initiative,
)
from teamhub.initiatives.ranking import rank_between, rank_too_long, ranks_spaced
from teamhub.initiatives.swimlanes import lane_changes


@dataclass
class MoveResult:
    card: Card
    warnings: list[str] = field(default_factory=list)
    respaced: bool = False


def card_state(card: Card) -> dict[str, Any]:
    """Return the card's current place and version (sent with a 409)."""
    return {
        "id": card.pk,
        "board": card.board_id,
        "column": card.column_id,
        "column_name": card.column.name,
        "rank": card.rank,
        "version": card.version,
        "initiative": {
            "id": card.initiative_id,
            "key": card.initiative.key,
            "title": card.initiative.title,
        },
    }


def board_touch(board_id: int) -> None:
    """Bump the board's version so open pages reload what changed."""
    Board.objects.filter(pk=board_id).update(version=F("version") + 1)


def board_lock(board_id: int) -> Board:
    """Lock the board row: every write on one board goes through it, in turn."""
    return Board.objects.select_for_update().get(pk=board_id)


def _lock_initiative(initiative_id: int) -> Initiative:
    return Initiative.objects.select_for_update().get(pk=initiative_id)


def _gate_reasons(column: Column, initiative: Initiative) -> list[str]:
    return gate_refusals(column_gates(column), initiative)


def _last_rank(column: Column, exclude: int | None = None) -> str | None:
    ranks = Card.objects.filter(column=column)
    if exclude is not None:
        ranks = ranks.exclude(pk=exclude)
    return ranks.order_by("-rank", "-id").values_list("rank", flat=True).first()


def _respace(column: Column, ordered_ids: list[int]) -> dict[int, str]:
    """Give the column's cards, in ``ordered_ids`` order, short even keys."""
    ranks = dict(zip(ordered_ids, ranks_spaced(len(ordered_ids)), strict=True))
    cards = list(Card.objects.filter(pk__in=ordered_ids))
    for card in cards:
        card.rank = ranks[card.pk]
    Card.objects.bulk_update(cards, ["rank"])
    return ranks


def card_rank_at_end(column: Column) -> str:
    return rank_between(_last_rank(column), None)


@transaction.atomic
def card_add(
    *,
    actor: User,
    board: Board,
    initiative: Initiative,
    column: Column | None = None,
) -> Card:
    """Put ``initiative`` on ``board``: in ``column``, else the column of its stage,
    else the first column."""
    if not can_edit_boards(actor):
        raise PermissionDenied("Only managers can add cards to a board.")
    initiative = _lock_initiative(initiative.pk)
    board = board_lock(board.pk)
    if Card.objects.filter(board=board, initiative=initiative).exists():
        raise Conflict(f"{initiative.key} is already on the board “{board.name}”.")
    columns = list(board.columns.all())
    if not columns:
        raise ValidationError({"column": ["The board has no columns yet."]})
    chosen = column is not None
    if column is None:
        column = next((c for c in columns if c.stage == initiative.stage), columns[0])
    else:
        column = next((c for c in columns if c.pk == column.pk), None)
        if column is None:
            raise ValidationError({"column": ["This column is on another board."]})
    if column.wip_hard and column.wip_limit is not None:
        held = Card.objects.filter(column=column).count()
        if held >= column.wip_limit:
            raise Conflict(
                f"“{column.name}” is at its WIP limit of {column.wip_limit}. "
                "Finish or move a card out first."
            )
    if chosen and column.stage != initiative.stage:
        # Put in a column other than its stage's: that is a move, gates apply.
        reasons = _gate_reasons(column, initiative)
        if reasons:
            raise Conflict(" ".join(reasons), reasons=reasons)
    card = Card(
        board=board,
        column=column,
        initiative=initiative,
        rank=card_rank_at_end(column),
    )
    card.save()
    # A chosen column sets the stage; the fallback first column does not (the
    # board may simply have no column for the initiative's stage).
    if chosen and column.stage and initiative.stage != column.stage:
        initiative.stage = column.stage
        initiative.save(update_fields=["stage", "updated"])
    CardEvent.of(
        card, actor=actor, verb=CardEvent.Verb.CREATED, to_column=column.name
    ).save()
    board_touch(board.pk)
    audit_record(
        actor=actor,
        verb="card.created",
        target=card,
        data={"board": board.pk, "initiative": initiative.key, "column": column.name},
    )
    return card


def _neighbour(
    card_id: int | Card | None, column: Column, moving: Card, name: str
) -> Card | None:
    if card_id is None:
        return None
    pk = card_id.pk if isinstance(card_id, Card) else card_id
    if pk == moving.pk:
        raise ValidationError({name: ["A card cannot be placed next to itself."]})
    neighbour = Card.objects.filter(pk=pk, column=column).first()
    if neighbour is None:
        raise ValidationError(
            {name: [f"Card {pk} is not in the column “{column.name}”."]}
        )
    return neighbour


def _new_rank(
    *, column: Column, moving: Card, before: Card | None, after: Card | None
) -> str:
    others = Card.objects.filter(column=column).exclude(pk=moving.pk)
    if before is not None:
        previous = (
            others.filter(rank__lt=before.rank)
            .order_by("-rank", "-id")
            .values_list("rank", flat=True)
            .first()
        )
        return rank_between(previous, before.rank)
    if after is not None:
        following = (
            others.filter(rank__gt=after.rank)
            .order_by("rank", "id")
            .values_list("rank", flat=True)
            .first()
        )
        return rank_between(after.rank, following)
    return rank_between(_last_rank(column, exclude=moving.pk), None)


@transaction.atomic
def card_move(
    *,
    actor: User,
    card: Card,
    column: Column | int,
    version: int,
    before: Card | int | None = None,
    after: Card | int | None = None,
    lane: str | None = None,
) -> MoveResult:
    """Move ``card`` into ``column`` just above ``before`` or below ``after``
    (neither: to the bottom); ``lane`` moves it across swimlanes too."""
    if before is not None and after is not None:
        raise ValidationError({"before": ["Give either before or after, not both."]})
    # ``None`` and ``bool`` are refused too: a caller must name what it saw.
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValidationError({"version": ["The version is a positive number."]})
    initiative = _lock_initiative(card.initiative_id)
    # Lock the board by bumping its version: one statement instead of a locking
    # read now and an update at the end. A refused move rolls it back.
    board_touch(card.board_id)
    locked = (
        Card.objects.select_for_update(of=("self",))
        .select_related("column", "board")
        .get(pk=card.pk)
    )
    locked.initiative = initiative
    board = locked.board
    if not can_work_on_initiative(actor, initiative):
        raise PermissionDenied(
            "Only managers and the people working on an initiative can move its card."
        )
    if locked.version != version:
        raise Conflict(
            f"{initiative.key} was changed by someone else since you loaded the "
            f"board; it is now in “{locked.column.name}”.",
            card=card_state(locked),
        )
    column_id = column.pk if isinstance(column, Column) else column
    target = Column.objects.filter(pk=column_id).first()
    if target is None or target.board_id != board.pk:
        raise ValidationError({"column": ["That column is not on this card's board."]})
    before_card = _neighbour(before, target, locked, "before")
    after_card = _neighbour(after, target, locked, "after")

    changes = (
        lane_changes(board.swimlanes, initiative, lane) if lane is not None else {}
    )
    if changes and not can_edit_initiative(actor):
        raise PermissionDenied(
            "Only managers can move a card across swimlanes (it changes the "
            "initiative)."
        )
    for name, value in changes.items():
        setattr(initiative, name, value)

    warnings: list[str] = []
    entering = target.pk != locked.column_id
    if entering:
        if target.wip_limit is not None:
            held = Card.objects.filter(column=target).count()
            if held >= target.wip_limit:
                message = f"“{target.name}” is at its WIP limit of {target.wip_limit}."
                if target.wip_hard:
                    raise Conflict(
                        message + " Finish or move a card out first.",
                        card=card_state(locked),
                    )
                warnings.append(
                    f"“{target.name}” now holds {held + 1} cards, over its WIP "
                    f"limit of {target.wip_limit}."
                )
        reasons = _gate_reasons(target, initiative)
        if reasons:
            raise Conflict(" ".join(reasons), reasons=reasons, card=card_state(locked))

    rank = _new_rank(column=target, moving=locked, before=before_card, after=after_card)
    source = locked.column
    locked.column = target
    locked.rank = rank
    locked.version += 1
    respaced = False
    if rank_too_long(rank):
        ordered = list(
            Card.objects.filter(column=target)
            .exclude(pk=locked.pk)
            .order_by("rank", "id")
            .values_list("rank", "pk")
        )
        ids = [pk for existing, pk in ordered if existing < rank]
        ids.append(locked.pk)
        ids += [pk for existing, pk in ordered if existing > rank]
        locked.rank = _respace(target, ids)[locked.pk]
        respaced = True
    locked.save(update_fields=["column", "rank", "version", "updated"])

    initiative_fields = dict(changes)
    if entering and target.stage and initiative.stage != target.stage:
        initiative.stage = target.stage
        initiative_fields["stage"] = target.stage
    if initiative_fields:
        initiative.save(update_fields=[*initiative_fields, "updated"])

    CardEvent.of(
        locked,
        actor=actor,
        verb=CardEvent.Verb.MOVED,
        from_column=source.name,
        to_column=target.name,
        data={
            "changes": {
                name: getattr(value, "pk", value)
                for name, value in initiative_fields.items()
            },
            "warnings": warnings,
        },
    ).save()
    audit_record(
        actor=actor,
        verb="card.moved",
        target=locked,
        data={
            "from": source.name,
            "to": target.name,
            "rank": locked.rank,
            "version": locked.version,
        },
    )
    return MoveResult(card=locked, warnings=warnings, respaced=respaced)


@transaction.atomic
def card_remove(*, actor: User, card: Card) -> None:
    """Take the card off its board. The initiative, its audit trail and the
    card's history stay: a "removed" entry closes the history, which goes on if
    the initiative comes back to the board."""
    if not can_edit_boards(actor):
        raise PermissionDenied("Only managers can take cards off a board.")
    board_lock(card.board_id)
    # As it is now, under the lock (the caller's copy may predate a move).
    card = Card.objects.select_related("column", "initiative").get(pk=card.pk)
    key = card.initiative.key
    CardEvent.of(
        card, actor=actor, verb=CardEvent.Verb.REMOVED, from_column=card.column.name
    ).save()
    audit_record(
        actor=actor,
        verb="card.removed",
        target=card,
        data={"board": card.board_id, "initiative": key, "column": card.column.name},
    )
    board_touch(card.board_id)
    card.delete()


def card_events_for_initiative_edit(
    *, actor: User, initiative: Initiative, changed: dict[str, Any]
) -> None:
    """Write an "edited" entry in the history of every card of ``initiative`` and
    tell their boards; called by ``initiative_update``."""
    cards = list(
        Card.objects.filter(initiative=initiative).only(
            "pk", "board_id", "initiative_id"
        )
    )
    # Boards before cards, in a fixed order: the lock order of ``card_move``.
    list(
        Board.objects.select_for_update()
        .filter(pk__in={card.board_id for card in cards})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    CardEvent.objects.bulk_create(
        CardEvent.of(card, actor=actor, verb=CardEvent.Verb.EDITED, data=changed)
        for card in cards
    )
    if cards:
        Card.objects.filter(pk__in=[c.pk for c in cards]).update(
            version=F("version") + 1
        )
        Board.objects.filter(pk__in={c.board_id for c in cards}).update(
            version=F("version") + 1
        )

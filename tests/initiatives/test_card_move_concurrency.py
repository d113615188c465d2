"""Concurrent moves on PostgreSQL: one winner per version, no lost update, no
broken order."""

from typing import Any

import pytest

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.initiatives.models import Board, Card, CardEvent, Column, Initiative
from teamhub.initiatives.services import initiative_update
from teamhub.initiatives.services_boards import BoardTemplate, board_create, column_add
from teamhub.initiatives.services_cards import card_add, card_move
from tests.threads import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def build_board(
    actor: User, cards: int, stages: tuple[str, str] = ("", "")
) -> tuple[Board, list[Column], list[Card]]:
    board = board_create(
        actor=actor,
        name="Race",
        template=BoardTemplate.EMPTY,
        include_initiatives=False,
    )
    columns = [
        column_add(actor=actor, board=board, name=name, stage=stage)
        for name, stage in zip(("A", "B"), stages, strict=True)
    ]
    placed = [
        card_add(
            actor=actor,
            board=board,
            initiative=Initiative.objects.create(key=f"R-{i}", title=f"Card {i}"),
            column=columns[0],
        )
        for i in range(cards)
    ]
    board.refresh_from_db()
    return board, columns, placed


def test_two_moves_of_one_card_with_one_version_one_wins_the_other_gets_409(
    make_user,
):
    manager = make_user("manager")
    board, (first, second), cards = build_board(manager, 3)
    card = cards[0]
    targets = [second, first]  # one moves it across, the other to the bottom

    def move(index: int) -> Any:
        return card_move(
            actor=manager,
            card=Card.objects.get(pk=card.pk),
            column=targets[index].pk,
            version=card.version,
        )

    results = run_threads(2, move)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], Conflict)
    assert losers[0].extra["card"]["version"] == card.version + 1
    card.refresh_from_db()
    # No lost update: one version step, and the card is where the winner put it.
    assert card.version == 2
    assert card.column_id == winners[0].card.column_id
    assert card.rank == winners[0].card.rank
    assert CardEvent.objects.filter(card=card, verb=CardEvent.Verb.MOVED).count() == 1
    assert Board.objects.get(pk=board.pk).version == board.version + 1


def test_fifty_concurrent_moves_in_one_column_leave_a_consistent_order(make_user):
    manager = make_user("manager")
    board, (column, _), cards = build_board(manager, 10)
    ids = [card.pk for card in cards]
    threads, moves_each = 5, 10

    def mover(index: int) -> int:
        """Move random cards within the column; retry on a stale version."""
        done = conflicts = 0
        step = 0
        while done < moves_each:
            step += 1
            card = Card.objects.get(pk=ids[(index * 7 + step * 3) % len(ids)])
            neighbour = ids[(index + step * 5) % len(ids)]
            before = neighbour if neighbour != card.pk else None
            try:
                card_move(
                    actor=manager,
                    card=card,
                    column=column.pk,
                    version=card.version,
                    before=before,
                )
            except Conflict:
                conflicts += 1
                assert conflicts < 500
                continue
            done += 1
        return done

    results = run_threads(threads, mover)

    assert results == [moves_each] * threads, results
    rows = list(
        Card.objects.filter(board=board)
        .order_by("rank", "id")
        .values_list("pk", "column_id", "rank", "version")
    )
    assert sorted(pk for pk, *_ in rows) == sorted(ids)  # every card, once
    assert {column_id for _, column_id, *_ in rows} == {column.pk}
    assert len({rank for _, _, rank, _ in rows}) == len(rows)  # distinct ranks
    successful = threads * moves_each
    assert sum(version - 1 for *_, version in rows) == successful
    assert Board.objects.get(pk=board.pk).version == board.version + successful
    assert CardEvent.objects.filter(verb=CardEvent.Verb.MOVED).count() == successful


def test_an_edit_and_a_move_of_one_initiative_at_once_never_deadlock(make_user):
    """The edit holds the initiative and touches its cards and boards; the move
    takes the initiative first too, so one waits for the other."""
    manager = make_user("manager")
    # Columns with stages: a move writes the initiative's stage as well.
    _, (first, second), cards = build_board(manager, 1, ("scoping", "data_eda"))
    card = cards[0]
    for round_ in range(10):
        card.refresh_from_db()
        target = second if card.column_id == first.pk else first
        seen = card.version

        def work(
            index: int, seen: int = seen, target: Column = target, round_: int = round_
        ) -> Any:
            if index == 0:
                return initiative_update(
                    actor=manager,
                    initiative=Initiative.objects.get(pk=card.initiative_id),
                    title=f"Round {round_}",
                )
            return card_move(
                actor=manager,
                card=Card.objects.get(pk=card.pk),
                column=target.pk,
                version=seen,
            )

        edited, moved = run_threads(2, work)

        assert isinstance(edited, Initiative), edited
        card.refresh_from_db()
        if isinstance(moved, Conflict):  # the edit came first: the move was stale
            assert card.version == seen + 1
        else:
            assert not isinstance(moved, Exception), moved
            assert card.version == seen + 2
            assert card.column_id == target.pk


def test_an_edit_and_a_move_on_one_board_at_once_never_deadlock(make_user):
    """The edit of one initiative bumps the board while a move of another card
    on the same board holds it."""
    manager = make_user("manager")
    board, (first, second), cards = build_board(manager, 2, ("scoping", "data_eda"))
    edited_card, moved_card = cards
    for round_ in range(10):
        moved_card.refresh_from_db()
        target = second if moved_card.column_id == first.pk else first

        def work(
            index: int,
            target: Column = target,
            version: int = moved_card.version,
            round_: int = round_,
        ) -> Any:
            if index == 0:
                return initiative_update(
                    actor=manager,
                    initiative=Initiative.objects.get(pk=edited_card.initiative_id),
                    title=f"Round {round_}",
                )
            return card_move(
                actor=manager,
                card=Card.objects.get(pk=moved_card.pk),
                column=target.pk,
                version=version,
            )

        edited, moved = run_threads(2, work)

        assert isinstance(edited, Initiative), edited
        assert not isinstance(moved, Exception), moved
    assert Board.objects.get(pk=board.pk).version == board.version + 20

"""Property: random moves and inserts keep every column in the order of a list model.

A Hypothesis state machine drives ``card_add`` / ``card_move`` on a real board and,
after every single operation, compares the database order of each column
(ORDER BY rank, id) with a plain Python list per column. Two rules pile cards into
the same gap (just above / below a fixed anchor card), so keys grow until the
column is re-spaced.
"""

from collections.abc import Callable
from itertools import count

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from teamhub.core.models import User
from teamhub.initiatives.models import RANK_MAX_LENGTH, Card, Column, Initiative
from teamhub.initiatives.ranking import RESPACE_AT
from teamhub.initiatives.services_boards import BoardTemplate, board_create, column_add
from teamhub.initiatives.services_cards import card_add, card_move

pytestmark = pytest.mark.django_db

EXAMPLES = 3
STEPS = 120  # each step is one operation, or up to 12 piled into one gap
MAX_CARDS = 30
COLUMNS = 3
KEYS = count(1)


class Totals:
    operations = 0
    respaced = 0
    examples = 0


def make_machine(actor: User) -> type[RuleBasedStateMachine]:
    class BoardOrder(RuleBasedStateMachine):
        """The board is the system; ``self.model`` is column id -> card ids."""

        def __init__(self) -> None:
            super().__init__()
            # The test database is not reset between examples: a fresh board each.
            Totals.examples += 1
            self.board = board_create(
                actor=actor,
                name=f"Property board {Totals.examples}",
                template=BoardTemplate.EMPTY,
                include_initiatives=False,
            )
            self.columns = [
                column_add(actor=actor, board=self.board, name=f"C{i}").pk
                for i in range(COLUMNS)
            ]
            self.model: dict[int, list[int]] = {pk: [] for pk in self.columns}
            self.versions: dict[int, int] = {}
            # Two fixed anchors that the random moves never touch: gap moves land
            # right above the first and right below the second.
            self.anchor_above = self._add(self.columns[0])
            self.anchor_below = self._add(self.columns[1])

        # --- operations ------------------------------------------------------

        def _add(self, column_id: int) -> int:
            initiative = Initiative.objects.create(
                key=f"P-{next(KEYS)}", title="Property card"
            )
            card = card_add(
                actor=actor,
                board=self.board,
                initiative=initiative,
                column=Column.objects.get(pk=column_id),
            )
            self.model[column_id].append(card.pk)
            self.versions[card.pk] = card.version
            Totals.operations += 1
            return card.pk

        def _move(
            self,
            card_id: int,
            column_id: int,
            *,
            before: int | None = None,
            after: int | None = None,
        ) -> None:
            result = card_move(
                actor=actor,
                card=Card.objects.get(pk=card_id),
                column=column_id,
                version=self.versions[card_id],
                before=before,
                after=after,
            )
            for cards in self.model.values():
                if card_id in cards:
                    cards.remove(card_id)
            target = self.model[column_id]
            if before is not None:
                target.insert(target.index(before), card_id)
            elif after is not None:
                target.insert(target.index(after) + 1, card_id)
            else:
                target.append(card_id)
            assert result.card.version == self.versions[card_id] + 1
            self.versions[card_id] = result.card.version
            Totals.operations += 1
            Totals.respaced += result.respaced

        def _movable(self) -> list[int]:
            anchors = {self.anchor_above, self.anchor_below}
            return sorted(pk for pk in self.versions if pk not in anchors)

        # --- rules -----------------------------------------------------------

        @precondition(lambda self: len(self.versions) < MAX_CARDS)
        @rule(column=st.integers(0, COLUMNS - 1))
        def add(self, column: int) -> None:
            self._add(self.columns[column])

        @precondition(lambda self: len(self.versions) > 2)
        @rule(
            card=st.integers(0, 10**6),
            column=st.integers(0, COLUMNS - 1),
            place=st.sampled_from(["before", "after", "bottom"]),
            neighbour=st.integers(0, 10**6),
        )
        def move(self, card: int, column: int, place: str, neighbour: int) -> None:
            movable = self._movable()
            card_id = movable[card % len(movable)]
            column_id = self.columns[column]
            others = [pk for pk in self.model[column_id] if pk != card_id]
            if place == "bottom" or not others:
                self._move(card_id, column_id)
                return
            other = others[neighbour % len(others)]
            if place == "before":
                self._move(card_id, column_id, before=other)
            else:
                self._move(card_id, column_id, after=other)

        @precondition(lambda self: len(self.versions) > 2)
        @rule(card=st.integers(0, 10**6), times=st.integers(1, 12))
        def pile_above_anchor(self, card: int, times: int) -> None:
            """Move cards, one after another, just above the same anchor."""
            movable = self._movable()
            for step in range(times):
                card_id = movable[(card + step) % len(movable)]
                self._move(card_id, self.columns[0], before=self.anchor_above)
                self.check()  # after each move, not only after the rule

        @precondition(lambda self: len(self.versions) > 2)
        @rule(card=st.integers(0, 10**6), times=st.integers(1, 12))
        def pile_below_anchor(self, card: int, times: int) -> None:
            """Move cards, one after another, just below the same anchor."""
            movable = self._movable()
            for step in range(times):
                card_id = movable[(card + step) % len(movable)]
                self._move(card_id, self.columns[1], after=self.anchor_below)
                self.check()

        # --- the property ----------------------------------------------------

        @invariant()
        def check(self) -> None:
            rows = list(
                Card.objects.filter(board=self.board)
                .order_by("column_id", "rank", "id")
                .values_list("column_id", "pk", "rank", "version")
            )
            stored: dict[int, list[int]] = {pk: [] for pk in self.columns}
            for column_id, pk, rank, version in rows:
                stored[column_id].append(pk)
                assert len(rank) <= RESPACE_AT <= RANK_MAX_LENGTH
                assert version == self.versions[pk]
            assert stored == self.model
            for column_id in self.columns:
                ranks = [rank for c, _, rank, _ in rows if c == column_id]
                assert len(set(ranks)) == len(ranks), "ranks are distinct"

    return BoardOrder


def test_random_moves_and_inserts_keep_the_list_order(
    make_user: Callable[..., User],
) -> None:
    actor = make_user("manager")
    Totals.operations = Totals.respaced = Totals.examples = 0
    run_state_machine_as_test(
        make_machine(actor),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    print(f"{Totals.operations} operations, {Totals.respaced} re-spacings")
    assert Totals.operations >= 1_000
    # Piling into one gap lengthened keys past RESPACE_AT: the column was re-spaced.
    assert Totals.respaced >= 1

"""Fractional rank keys: ordering, re-spacing, and how long keys may grow."""

import pytest

from teamhub.initiatives.models import RANK_MAX_LENGTH
from teamhub.initiatives.ranking import (
    RESPACE_AT,
    rank_between,
    rank_too_long,
    ranks_spaced,
)


def test_rank_between_sorts_between_its_neighbours():
    low, high = "a0", "a1"
    middle = rank_between(low, high)
    assert low < middle < high
    assert rank_between(None, low) < low
    assert rank_between(high, None) > high
    assert rank_between(None, None)


def test_ranks_spaced_are_short_distinct_and_ascending():
    assert ranks_spaced(0) == []
    keys = ranks_spaced(500)
    assert keys == sorted(keys)
    assert len(set(keys)) == 500
    assert max(len(key) for key in keys) <= 4


def test_repeated_inserts_into_one_gap_grow_keys_until_respacing_is_due():
    low, high = "a0", "a1"
    inserts = 0
    while not rank_too_long(high):
        high = rank_between(low, high)
        inserts += 1
        assert low < high
    # Dozens of moves into one gap before a column needs re-spacing, and a key
    # just past the threshold still fits the column.
    assert inserts > 50
    assert len(high) == RESPACE_AT + 1 <= RANK_MAX_LENGTH


def test_rank_between_refuses_keys_out_of_order():
    with pytest.raises(Exception, match="a1 >= a0"):
        rank_between("a1", "a0")

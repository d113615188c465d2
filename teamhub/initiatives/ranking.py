"""Fractional rank keys: a card's place in its column as a lexicographic string.

Uses the ``fractional_indexing`` port of David Greenspan's algorithm (as in Figma
and Linear): a key between any two keys always exists, so a move writes one row.
Repeated inserts into one gap lengthen keys; past ``RESPACE_AT`` characters the
column is re-spaced with short, evenly spread keys.
"""

from fractional_indexing import generate_key_between, generate_n_keys_between

from teamhub.initiatives.models import RANK_MAX_LENGTH

RESPACE_AT = 24
assert RESPACE_AT < RANK_MAX_LENGTH


def rank_between(before: str | None, after: str | None) -> str:
    """Return a key that sorts after ``before`` and before ``after`` (None = open)."""
    return str(generate_key_between(before, after))


def ranks_spaced(count: int) -> list[str]:
    """Return ``count`` short ascending keys for re-spacing a column."""
    if count == 0:
        return []
    return [str(key) for key in generate_n_keys_between(None, None, count)]


def rank_too_long(rank: str) -> bool:
    return len(rank) > RESPACE_AT

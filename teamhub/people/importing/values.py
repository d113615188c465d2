"""Parse the values in a spreadsheet's cells: levels, interest, dates."""

from __future__ import annotations

import datetime as dt
import re

from teamhub.people.importing.cells import shorten
from teamhub.people.models import Interest, Level

LEVEL_WORDS = {str(label).casefold(): int(value) for value, label in Level.choices}
INTEREST_WORDS = {
    str(label).casefold(): int(value) for value, label in Interest.choices
}
_WHOLE_NUMBER = re.compile(r"\d+(\.0+)?")


def parse_level(text: str) -> int:
    """Return the level written in ``text`` (1-5 or its name), else ValueError."""
    if _WHOLE_NUMBER.fullmatch(text) and 1 <= int(float(text)) <= 5:
        return int(float(text))
    if text.casefold() in LEVEL_WORDS:
        return LEVEL_WORDS[text.casefold()]
    raise ValueError(
        f"Invalid level '{shorten(text)}': use a whole number from 1 to 5 "
        "(1 aware, 2 novice, 3 practitioner, 4 expert, 5 authority)."
    )


def parse_interest(text: str) -> int:
    if _WHOLE_NUMBER.fullmatch(text) and 0 <= int(float(text)) <= 3:
        return int(float(text))
    if text.casefold() in INTEREST_WORDS:
        return INTEREST_WORDS[text.casefold()]
    raise ValueError(
        f"Invalid interest '{shorten(text)}': use a whole number from 0 to 3."
    )


def parse_date(text: str) -> dt.date:
    """Return the date in ``text`` (YYYY-MM-DD, a midnight time is allowed)."""
    try:
        if len(text) > 10 and text[10] in " T":
            return dt.datetime.fromisoformat(text).date()
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"Invalid date '{shorten(text)}': write it as YYYY-MM-DD."
        ) from None

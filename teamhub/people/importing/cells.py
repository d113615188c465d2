"""Spreadsheet cell text: formula-injection guards shared by import and export."""

from __future__ import annotations

import datetime as dt
from typing import Any

# OWASP "CSV injection": a spreadsheet treats a cell starting with any of these as a
# formula (tab and carriage return are the less known DDE triggers).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell.

    Text starting with a formula trigger gets a leading apostrophe, which
    spreadsheets show as plain text; numbers and dates pass through unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape(text: str) -> str:
    """Undo :func:`neutralise` on text read back from a file."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def looks_like_formula(text: str) -> bool:
    """Return True for text a spreadsheet would evaluate (refused on import)."""
    return text.startswith("=")


def cell_text(value: Any) -> str:
    """Return the text of one cell value read from CSV or XLSX, stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def shorten(text: str, limit: int = 40) -> str:
    """Return ``text`` cut to ``limit`` characters for an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

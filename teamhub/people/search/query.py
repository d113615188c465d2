"""Parse a skill query such as ``pytorch:4 nlp:3`` into terms (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MIN_LEVEL = 1
MAX_LEVEL = 5
MAX_TERMS = 10
MAX_TERM_LENGTH = 100

EMPTY_QUERY_MESSAGE = "Enter at least one skill, e.g. pytorch:4 nlp:3."

# One token of a query: a quoted name, a comma, a level suffix (":4", ">=4", "=4")
# or a bare word. A ">" not followed by "=" stays part of a word.
_TOKEN = re.compile(
    r"""
    \s*(?:
        "(?P<quoted>[^"]*)("|$)
      | (?P<comma>,)
      | (?P<op>>=|:|=)(?:[ \t]*(?=\d))?(?P<level>[^\s,"]*)
      | (?P<word>(?:[^\s,":=>]|>(?!=))+)
    )
    """,
    re.VERBOSE,
)
_CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


class QueryError(ValueError):
    """The query cannot be parsed; ``messages`` says why, one line per problem."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Term:
    """One requested skill as typed, with the minimum level asked for."""

    text: str
    min_level: int = MIN_LEVEL
    # Index of the form row the term came from on the search page; None for ``q``.
    row: int | None = None
    # Unquoted words typed without commas ("sql pytorch", "time series
    # forecasting"): one name or several, which only the skill catalog can tell.
    phrase: bool = False

    def words(self) -> list[str]:
        return self.text.split()


def level_message(name: str, raw: str) -> str:
    shown = f' (got "{raw}")' if raw else ""
    return (
        f'Level for "{name}" must be a whole number from {MIN_LEVEL} to '
        f"{MAX_LEVEL}{shown}."
    )


def level_parse(*, name: str, raw: str) -> int:
    """Return the level in ``raw`` or raise QueryError naming the skill."""
    raw = raw.strip()
    if raw.isdigit() and MIN_LEVEL <= int(raw) <= MAX_LEVEL:
        return int(raw)
    raise QueryError([level_message(name, raw)])


def query_parse(q: str) -> list[Term]:
    """Split ``q`` into terms.

    A level follows a name after ``:``, ``>=`` or ``=`` (``pytorch:4 nlp>=3``); a
    term without one means level 1 or more. Quoted names are taken whole
    (``"natural language processing":3``). When the query holds a comma, commas
    separate the terms and names need no quotes
    (``natural language processing:3, pytorch``). Otherwise unquoted words before a
    level form a *phrase* (``time series forecasting:3``, ``sql pytorch:4``): the
    resolver splits it into known skill names, the level going to the last one.
    """
    text = (q or "").translate(_CURLY_QUOTES).strip()
    if not text:
        raise QueryError([EMPTY_QUERY_MESSAGE])
    comma_mode = "," in re.sub(r'"[^"]*("|$)', "", text)

    terms: list[Term] = []
    errors: list[str] = []
    words: list[str] = []
    quoted = False

    def flush(level: int = MIN_LEVEL) -> None:
        nonlocal quoted
        name = " ".join(words).strip()
        phrase = not comma_mode and not quoted and len(words) > 1
        words.clear()
        quoted = False
        if name:
            terms.append(Term(text=name, min_level=level, phrase=phrase))

    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:  # only trailing whitespace is left
            break
        pos = match.end()
        if match["comma"] is not None:
            flush()
        elif match["quoted"] is not None:
            flush()
            if match["quoted"].strip():
                words.append(" ".join(match["quoted"].split()))
                quoted = True
            else:
                errors.append('Empty quotes "" hold no skill name.')
        elif match["op"] is not None:
            name = " ".join(words).strip()
            if not name:
                errors.append(
                    f'"{match["op"]}{match["level"]}" needs a skill name before it.'
                )
                continue
            try:
                flush(level_parse(name=name, raw=match["level"]))
            except QueryError as exc:
                errors.extend(exc.messages)
                words.clear()
                quoted = False
        else:
            if quoted:
                flush()
            words.append(match["word"])
    flush()
    errors.extend(_limits_check(terms))
    if errors:
        raise QueryError(errors)
    if not terms:
        raise QueryError([EMPTY_QUERY_MESSAGE])
    return terms


def terms_from_rows(
    *, skills: Sequence[str], levels: Sequence[str]
) -> tuple[list[Term], dict[int, str]]:
    """Return the terms of the page's form rows and an error message per bad row.

    Row ``i`` pairs ``skills[i]`` with ``levels[i]``; rows without a skill are
    skipped and a missing level means level 1.
    """
    terms: list[Term] = []
    errors: dict[int, str] = {}
    for index, raw_name in enumerate(skills):
        name = " ".join(raw_name.split())
        if not name:
            continue
        raw_level = levels[index].strip() if index < len(levels) else ""
        if len(name) > MAX_TERM_LENGTH:
            errors[index] = _too_long_message(name)
            continue
        try:
            level = level_parse(name=name, raw=raw_level) if raw_level else MIN_LEVEL
        except QueryError as exc:
            errors[index] = exc.messages[0]
            continue
        terms.append(Term(text=name, min_level=level, row=index))
    return terms, errors


def terms_limit_check(terms: Sequence[Term]) -> list[str]:
    """Return messages for a term list that is too long to search."""
    if len(terms) > MAX_TERMS:
        return [f"Search for at most {MAX_TERMS} skills at once."]
    return []


def _limits_check(terms: Sequence[Term]) -> list[str]:
    errors = [_too_long_message(t.text) for t in terms if len(t.text) > MAX_TERM_LENGTH]
    return errors + terms_limit_check(terms)


def _too_long_message(name: str) -> str:
    return f'"{name[:20]}…" is too long for a skill name.'

"""Resolve typed skill names to skills: exact name, alias, then typo tolerance."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import connection
from rapidfuzz import fuzz, process, utils

from teamhub.people.models import Skill
from teamhub.people.search.query import Term, terms_limit_check

How = Literal["name", "alias", "fuzzy"]

# A fuzzy guess must score at least this (0-100) to be taken; below it the term is
# unknown. "pytorh" scores 92 against "PyTorch", "pandsa" 83 against "pandas".
FUZZY_CUTOFF = 80.0
# Names scoring this much are offered as "did you mean" suggestions.
SUGGEST_CUTOFF = 55.0
# Two different skills scoring within this of each other make a guess ambiguous.
AMBIGUITY_MARGIN = 1.0
# WRatio rewards partial matches (handy for "language processing"), which turns
# very short words into false hits ("py" in anything), so those use plain ratio.
SHORT_QUERY = 4


@dataclass(frozen=True)
class SkillEntry:
    id: int
    name: str
    aliases: tuple[str, ...]


@dataclass
class SkillCatalog:
    """Every skill with its aliases, loaded once, indexed for resolution."""

    skills: list[SkillEntry]
    by_name: dict[str, SkillEntry] = field(init=False)
    by_alias: dict[str, SkillEntry] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {}
        self.by_alias = {}
        for skill in self.skills:
            self.by_name.setdefault(_normalise(skill.name), skill)
            for alias in skill.aliases:
                self.by_alias.setdefault(_normalise(alias), skill)

    @property
    def names(self) -> list[str]:
        return [skill.name for skill in self.skills]

    @cached_property
    def choices(self) -> list[str]:
        """Every name and alias, processed for fuzzy matching; built on first use.

        Most searches name skills exactly and never need it.
        """
        return [
            utils.default_process(text)
            for skill in self.skills
            for text in (skill.name, *skill.aliases)
        ]

    @cached_property
    def owners(self) -> list[SkillEntry]:
        """The skill of each of ``choices``."""
        return [
            skill for skill in self.skills for _text in (skill.name, *skill.aliases)
        ]


@dataclass(frozen=True)
class Resolution:
    """How one term was understood: the skill it names and how it was found."""

    term: Term
    skill: SkillEntry
    how: How
    # Similarity 0-100 for fuzzy guesses; None for exact names and aliases.
    score: float | None = None


@dataclass(frozen=True)
class UnresolvedTerm:
    term: Term
    suggestions: tuple[str, ...]
    ambiguous: bool = False

    @property
    def message(self) -> str:
        guesses = _or_list([f'"{name}"' for name in self.suggestions])
        if self.ambiguous:
            return (
                f'"{self.term.text}" could be several skills — did you mean '
                f"{guesses}? Type the full name."
            )
        if guesses:
            return f'Unknown skill "{self.term.text}" — did you mean {guesses}?'
        return (
            f'Unknown skill "{self.term.text}" — no skill has a similar name or '
            "alias; check the spelling or browse the skill list."
        )


class UnknownSkillError(ValidationError):
    """Some terms name no skill; raised as ``{"q": [messages]}`` for the API."""

    def __init__(self, unresolved: Sequence[UnresolvedTerm]) -> None:
        self.unresolved = list(unresolved)
        super().__init__({"q": [u.message for u in self.unresolved]})


@dataclass(frozen=True)
class SkillRequirement:
    """A skill asked for, with the highest minimum level any term gave it."""

    skill_id: int
    skill_name: str
    min_level: int


def skill_catalog_load() -> SkillCatalog:
    """Load every skill's id, name and aliases in one query.

    Every search starts here, so it reads through a bare cursor: the ORM's
    per-row converters cost several times the query.
    """
    # The table name is the model's, never input.
    table = connection.ops.quote_name(Skill._meta.db_table)
    sql = f"SELECT id, name, aliases FROM {table} ORDER BY name"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return SkillCatalog(
        skills=[
            SkillEntry(id=pk, name=name, aliases=_alias_tuple(aliases))
            for pk, name, aliases in rows
        ]
    )


def skills_resolve(
    terms: Sequence[Term], *, catalog: SkillCatalog | None = None
) -> list[Resolution]:
    """Resolve each term to a skill, or raise UnknownSkillError for all that fail.

    Order of trust: exact name (ignoring case, spaces, ``-`` and ``_``) → "name";
    an alias the same way → "alias"; otherwise the closest name or alias by
    rapidfuzz's WRatio when it scores at least FUZZY_CUTOFF and no other skill
    scores as well → "fuzzy" with the score. Loads the catalog (one query) unless
    one is given.
    """
    catalog = catalog if catalog is not None else skill_catalog_load()
    resolved: list[Resolution] = []
    unresolved: list[UnresolvedTerm] = []
    for term in (t for phrase in terms for t in phrase_split(phrase, catalog=catalog)):
        outcome = term_resolve(term, catalog=catalog)
        if isinstance(outcome, Resolution):
            resolved.append(outcome)
        else:
            unresolved.append(outcome)
    if unresolved:
        raise UnknownSkillError(unresolved)
    limits = terms_limit_check([r.term for r in resolved])
    if limits:
        raise ValidationError({"q": limits})
    return resolved


def phrase_split(term: Term, *, catalog: SkillCatalog) -> list[Term]:
    """Return the terms an unquoted phrase like ``sql time series forecasting:3`` holds.

    A phrase naming one skill (exactly, or close to a whole name or alias, as
    "time seris forecasting") stays one term. Otherwise it is cut, longest known
    name first, into ``sql`` and ``time series forecasting``; words that are no
    known name become terms of their own. The level goes to the last term, the
    others mean level 1.
    """
    if not term.phrase:
        return [term]
    whole = Term(text=term.text, min_level=term.min_level, row=term.row)
    key = _normalise(term.text)
    if key in catalog.by_name or key in catalog.by_alias:
        return [whole]
    segments = _segments(term.words(), catalog=catalog)
    known = all(exact for _text, exact in segments)
    if not known and _close_to_one_name(term.text, catalog=catalog):
        return [whole]
    last = len(segments) - 1
    return [
        Term(text=text, min_level=term.min_level if i == last else 1, row=term.row)
        for i, (text, _exact) in enumerate(segments)
    ]


def term_resolve(term: Term, *, catalog: SkillCatalog) -> Resolution | UnresolvedTerm:
    key = _normalise(term.text)
    if key in catalog.by_name:
        return Resolution(term=term, skill=catalog.by_name[key], how="name")
    if key in catalog.by_alias:
        return Resolution(term=term, skill=catalog.by_alias[key], how="alias")
    ranked = _fuzzy_ranked(term.text, catalog=catalog)
    if ranked and ranked[0][1] >= FUZZY_CUTOFF:
        best, score = ranked[0]
        rivals = [s for s, sc in ranked[1:] if sc >= score - AMBIGUITY_MARGIN]
        if not rivals:
            return Resolution(term=term, skill=best, how="fuzzy", score=round(score))
        return UnresolvedTerm(
            term=term,
            suggestions=tuple(s.name for s in [best, *rivals][:4]),
            ambiguous=True,
        )
    suggestions = tuple(s.name for s, sc in ranked[:3] if sc >= SUGGEST_CUTOFF)
    return UnresolvedTerm(term=term, suggestions=suggestions)


def skill_requirements(resolutions: Sequence[Resolution]) -> list[SkillRequirement]:
    """Merge resolutions into one requirement per skill, in the order asked.

    Two terms naming the same skill (``pytorch:2 torch:4``) keep the higher level.
    """
    merged: dict[int, SkillRequirement] = {}
    for r in resolutions:
        previous = merged.get(r.skill.id)
        level = max(r.term.min_level, previous.min_level if previous else 0)
        merged[r.skill.id] = SkillRequirement(
            skill_id=r.skill.id, skill_name=r.skill.name, min_level=level
        )
    return list(merged.values())


def _segments(words: Sequence[str], *, catalog: SkillCatalog) -> list[tuple[str, bool]]:
    """Cut words into known names or aliases, longest first: (text, known) pairs."""
    segments: list[tuple[str, bool]] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            text = " ".join(words[start:end])
            key = _normalise(text)
            if key in catalog.by_name or key in catalog.by_alias:
                segments.append((text, True))
                start = end
                break
        else:
            segments.append((words[start], False))
            start += 1
    return segments


def _close_to_one_name(text: str, *, catalog: SkillCatalog) -> bool:
    """Whether the whole phrase is a typo of one name (plain ratio, no partials)."""
    query = utils.default_process(text)
    best = process.extractOne(
        query,
        catalog.choices,
        scorer=fuzz.ratio,
        processor=None,
        score_cutoff=FUZZY_CUTOFF,
    )
    return best is not None


def _fuzzy_ranked(
    text: str, *, catalog: SkillCatalog
) -> list[tuple[SkillEntry, float]]:
    """Return skills by their best name-or-alias score, best first."""
    query = utils.default_process(text)
    if not query or not catalog.choices:
        return []
    scorer = fuzz.WRatio if len(query) >= SHORT_QUERY else fuzz.ratio
    # extract (not extractOne): the runner-up tells an ambiguous guess from a
    # confident one, and the next few are the "did you mean" suggestions.
    hits = process.extract(
        query,
        catalog.choices,
        scorer=scorer,
        processor=None,
        limit=12,
        score_cutoff=SUGGEST_CUTOFF,
    )
    best: dict[int, tuple[SkillEntry, float]] = {}
    for _choice, score, index in hits:
        skill = catalog.owners[index]
        if skill.id not in best or score > best[skill.id][1]:
            best[skill.id] = (skill, float(score))
    return sorted(best.values(), key=lambda pair: (-pair[1], pair[0].name))


def _normalise(text: str) -> str:
    """Fold case and treat runs of spaces, ``-`` and ``_`` as one space."""
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


def _alias_tuple(aliases: object) -> tuple[str, ...]:
    """Return the aliases of a JSON list, as fetched (text) or decoded."""
    if isinstance(aliases, str | bytes):
        aliases = json.loads(aliases)
    if not isinstance(aliases, list):
        return ()
    return tuple(str(a) for a in aliases if str(a).strip())


def _or_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"

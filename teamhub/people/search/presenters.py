"""Turn a search into the plain data both the API and the page render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.urls import reverse

from teamhub.people.search.query import Term
from teamhub.people.search.resolve import (
    Resolution,
    SkillCatalog,
    skill_requirements,
    skills_resolve,
)
from teamhub.people.search.selectors import (
    Mode,
    PersonMatch,
    SearchResult,
    SkillHit,
    people_matching_skills,
)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


@dataclass
class SearchPage:
    """One page of a search: the resolved terms, the ranked page and the facets."""

    resolutions: list[Resolution]
    result: SearchResult
    page: Page[PersonMatch]
    rows: list[dict[str, Any]]


def skill_search(
    *,
    terms: Sequence[Term],
    mode: Mode = "all",
    team_id: int | None = None,
    team_only: bool = False,
    available_from: dt.date | None = None,
    available_to: dt.date | None = None,
    min_free: float | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    catalog: SkillCatalog | None = None,
    strict_page: bool = False,
) -> SearchPage:
    """Resolve ``terms``, rank the people and load the details of one page.

    Three queries at most whatever the data size: skills (unless ``catalog`` is
    given), the search, and the page's people (see people_matching_skills). Raises
    UnknownSkillError for terms naming no skill, ValidationError for a bad window,
    and EmptyPage for a page past the end when ``strict_page`` (else the nearest
    page is shown).
    """
    resolutions = skills_resolve(terms, catalog=catalog)
    result = people_matching_skills(
        requirements=skill_requirements(resolutions),
        mode=mode,
        team_id=team_id,
        team_only=team_only,
        available_from=available_from,
        available_to=available_to,
        min_free=min_free,
    )
    paginator = Paginator(result.matches, page_size, allow_empty_first_page=True)
    current = paginator.page(page) if strict_page else paginator.get_page(page)
    matches: list[PersonMatch] = list(current.object_list)
    profile_url = profile_url_maker()
    rows = [match_row(m, url=profile_url(m.person_id)) for m in matches]
    return SearchPage(resolutions=resolutions, result=result, page=current, rows=rows)


def profile_url_maker() -> Callable[[int], str]:
    """Return a function giving a person's profile URL, reversing the route once.

    reverse() per row of a page costs more than the rest of building the row.
    """
    marker = 9876543210
    head, _marker, tail = reverse("people:profile", args=[marker]).rpartition(
        str(marker)
    )
    return lambda person_id: f"{head}{person_id}{tail}"


def match_row(match: PersonMatch, *, url: str) -> dict[str, Any]:
    """Return one result as plain data (the API's ``results`` item).

    ``url`` is the person's profile page.
    """
    hits = match.hits
    team = (
        {"id": match.team_id, "name": match.team_name}
        if match.team_id is not None
        else None
    )
    return {
        "person": {
            "id": match.person_id,
            "name": match.name,
            "email": match.email,
            "title": match.title,
            "team": team,
            "url": url,
        },
        "match": "full" if match.full else "partial",
        "score": match.coverage,
        "terms_met": match.terms_met,
        "excess": match.excess,
        "last_used": match.last_used,
        "free_fraction": match.free_fraction,
        "matched": [hit_data(h) for h in hits if h.met],
        "missing": [hit_data(h) for h in hits if not h.met],
    }


def hit_data(hit: SkillHit) -> dict[str, Any]:
    return {
        "skill": {"id": hit.skill_id, "name": hit.skill_name},
        "level": hit.level,
        "min_level": hit.min_level,
    }


def resolution_data(r: Resolution) -> dict[str, Any]:
    return {
        "query": r.term.text,
        "min_level": r.term.min_level,
        "skill": {"id": r.skill.id, "name": r.skill.name},
        "how": r.how,
        "score": r.score,
    }


def facets_data(result: SearchResult) -> dict[str, Any]:
    return {
        "teams": [
            {"id": f.team_id, "name": f.team_name, "count": f.count}
            for f in result.team_facets
        ],
        "levels": [
            {
                "skill": {"id": f.skill_id, "name": f.skill_name},
                "counts": [{"level": lv, "count": n} for lv, n in f.counts],
            }
            for f in result.level_facets
        ],
        "match": {"full": result.full_count, "partial": result.partial_count},
    }

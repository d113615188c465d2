"""Render the cards of a board page, each through a fragment cache.

A 300-card board spends most of its time in the card template, and the live
board re-renders every card whenever any one of them changes. Each card's HTML
is cached under a fingerprint of everything the template shows (the card, its
initiative's shown fields, members, labels, check-in trends, the viewer's right
to move it, today's date, the page's links) plus a digest of the template
source, so a change to any of them is a new key and stale HTML is never served.
"""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from teamhub.initiatives.selectors_boards import BoardCard, BoardDetail

CARD_TEMPLATE = "initiatives/_partials/card.html"
CACHE_SECONDS = 60 * 60


def _template_digest() -> str:
    source = Path(settings.BASE_DIR, "templates", CARD_TEMPLATE).read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


TEMPLATE_DIGEST = _template_digest()


def card_fingerprint(board_card: BoardCard, page: dict[str, Any]) -> str:
    """Return the cache key of the card's HTML for this page context."""
    card = board_card.card
    initiative = card.initiative
    owner = initiative.owner
    can_move = page["can_move_all"] or initiative.pk in page["movable_ids"]
    shown = (
        card.pk,
        card.version,
        initiative.key,
        initiative.title,
        initiative.stage,
        initiative.mission_criticality,
        initiative.pathway,
        initiative.pipeline_owner,
        initiative.business_kpi,
        initiative.kpi_target,
        initiative.target_date,
        initiative.compute_complexity,
        initiative.ml_complexity,
        initiative.model_metric_name,
        owner.name if owner is not None else None,
        [(a.pk, a.person.name, a.role, a.allocation) for a in board_card.members],
        [
            (label.name, label.css_color, label.css_text)  # type: ignore[attr-defined]
            for label in initiative.labels.all()
        ],
        board_card.business_values,
        board_card.model_metrics,
        board_card.hardening,
        board_card.signoff,
        board_card.activity,
        can_move,
        page["today"],
        page["card_prefix"],
        page["move_prefix"],
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()
    return f"board-card:{TEMPLATE_DIGEST}:{digest}"


def render_cards(detail: BoardDetail, page: dict[str, Any]) -> None:
    """Set ``html`` on every card of ``detail``: from the cache where it has the
    card as it is now, else rendered (and cached) with ``page`` as context."""
    board_cards = [bc for column in detail.columns for bc in column.cards]
    keys = {id(bc): card_fingerprint(bc, page) for bc in board_cards}
    cached = cache.get_many(list(keys.values()))
    template = get_template(CARD_TEMPLATE)
    fresh: dict[str, str] = {}
    for bc in board_cards:
        key = keys[id(bc)]
        html = cached.get(key)
        if html is None:
            html = template.render({**page, "bc": bc})
            fresh[key] = html
        bc.html = mark_safe(html)  # noqa: S308 (rendered by our own template)
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)

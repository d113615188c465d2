"""Compute a request's suggestions and store them: the ``Suggestion`` rows the
pages read and the request's ``team`` (the cache, until something changes).

Reading the facts and scoring happen outside any transaction; the result is
written in one short transaction, so readers see the old suggestions or the
new ones, never a mix.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from teamhub.core.gc import gc_paused
from teamhub.staffing import suggest
from teamhub.staffing.facts import candidate_facts, prior_success, role_specs
from teamhub.staffing.models import StaffingRequest, Suggestion
from teamhub.staffing.records import RequestSuggestion, ScoredCandidate, ScoringContext

logger = logging.getLogger("teamhub.staffing")


def request_compute(*, request: StaffingRequest) -> RequestSuggestion:
    """Compute the request's suggestions as of today and store them.

    Accepted and locked suggestions are kept in the team (``fixed``), rejected
    people are never suggested again for their role (``excluded``); the other
    open suggestions are updated in place, added or deleted. ``stale_since`` is
    cleared only if nothing changed while computing (a change during the
    computation keeps the request stale, so the debounced recompute runs again).
    """
    marked = (
        StaffingRequest.objects.filter(pk=request.pk)
        .values_list("stale_since", flat=True)
        .get()
    )
    today = timezone.localdate()
    fixed: dict[int, list[int]] = defaultdict(list)
    excluded: dict[int, set[int]] = defaultdict(set)
    decided = (
        Suggestion.objects.filter(role__request_id=request.pk)
        .filter(
            Q(status__in=[Suggestion.Status.ACCEPTED, Suggestion.Status.REJECTED])
            | Q(locked=True)
        )
        # Accepted first, then locked, each by rank: the team lists them so.
        .order_by("role_id", "status", "rank", "id")
        .values_list("role_id", "person_id", "status")
    )
    for role_id, person_id, status in decided:
        if status == Suggestion.Status.REJECTED:
            excluded[role_id].add(person_id)
        else:
            fixed[role_id].append(person_id)
    with gc_paused():
        result = _suggest(request=request, as_of=today, fixed=fixed, excluded=excluded)
    _store(request=request, result=result, marked=marked)
    logger.info(
        "Staffing request %s computed: %s roles, %s candidates",
        request.pk,
        len(result.rankings),
        sum(r.match_total + r.alternative_total for r in result.rankings.values()),
    )
    return result


def _suggest(
    *,
    request: StaffingRequest,
    as_of: dt.date,
    fixed: dict[int, list[int]],
    excluded: dict[int, set[int]],
) -> RequestSuggestion:
    """Read the facts and score them. A function of its own so that the
    thousands of candidate records are freed when it returns, before the paused
    collector runs again (it would otherwise walk every one of them)."""
    roles = role_specs(request)
    candidates = candidate_facts(
        roles=roles,
        as_of=as_of,
        alternatives=suggest.KEEP_ALTERNATIVES,
        include={pid for people in fixed.values() for pid in people},
        excluded=excluded,
    )
    context = ScoringContext(as_of=as_of, prior_success=prior_success(before=as_of))
    return suggest.request_suggest(
        roles=roles,
        candidates=candidates,
        context=context,
        fixed=dict(fixed),
        excluded=dict(excluded),
    )


def _rows(
    result: RequestSuggestion,
) -> dict[tuple[int, int], dict[str, Any]]:
    """Return the fields of each suggestion by (role id, person id)."""
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for role_id, ranking in result.rankings.items():
        members = set(result.team.members.get(role_id, ()))
        ranked: list[tuple[str, ScoredCandidate]] = [
            *((Suggestion.Kind.MATCH, c) for c in ranking.matches),
            *((Suggestion.Kind.ALTERNATIVE, c) for c in ranking.alternatives),
        ]
        for rank, (kind, scored) in enumerate(ranked, start=1):
            rows[(role_id, scored.person_id)] = {
                "rank": rank,
                "kind": kind,
                "score": scored.score,
                "terms": scored.as_json(),
                "in_team": scored.person_id in members,
            }
    return rows


@transaction.atomic
def _store(
    *, request: StaffingRequest, result: RequestSuggestion, marked: dt.datetime | None
) -> None:
    locked = StaffingRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != StaffingRequest.Status.OPEN:
        logger.info("Staffing request %s closed while computing: kept", request.pk)
        return
    role_ids = list(result.rankings)
    rows = _rows(result)
    members = {
        (role_id, person_id)
        for role_id, people in result.team.members.items()
        for person_id in people
    }
    # Open, unlocked rows are replaced: deleted, and the new ones inserted
    # under the id the same (role, person) had, so a page showing a suggestion
    # still reaches it (two statements, rather than an UPDATE of every row
    # with a CASE per field). Decided and locked rows stay, refreshed in place.
    now = timezone.now()
    open_ids: dict[tuple[int, int], int] = {}
    refreshed = []  # decided or locked, still ranked: every field refreshed
    unranked = []  # decided or locked, no longer a candidate: membership only
    # Their terms are not read (each is a few kilobytes of JSON).
    current = Suggestion.objects.filter(role__request_id=request.pk).defer("terms")
    for suggestion in current:
        key = (suggestion.role_id, suggestion.person_id)
        fields = rows.pop(key, None)
        if suggestion.status == Suggestion.Status.REJECTED:
            continue
        if suggestion.status == Suggestion.Status.OPEN and not suggestion.locked:
            open_ids[key] = suggestion.pk
            if fields is not None:
                rows[key] = fields
            continue
        suggestion.updated = now
        if fields is not None:
            for name, value in fields.items():
                setattr(suggestion, name, value)
            refreshed.append(suggestion)
        else:
            suggestion.in_team = key in members
            unranked.append(suggestion)
    if open_ids:
        Suggestion.objects.filter(pk__in=list(open_ids.values())).delete()
    if refreshed:
        Suggestion.objects.bulk_update(
            refreshed, ["rank", "kind", "score", "terms", "in_team", "updated"]
        )
    if unranked:
        Suggestion.objects.bulk_update(unranked, ["in_team", "updated"])
    Suggestion.objects.bulk_create(
        Suggestion(
            pk=open_ids.get((role_id, person_id)),
            role_id=role_id,
            person_id=person_id,
            **fields,
        )
        for (role_id, person_id), fields in rows.items()
        if role_id in role_ids
    )
    team = result.team.as_json()
    team["totals"] = {
        str(role_id): {
            "matches": ranking.match_total,
            "alternatives": ranking.alternative_total,
        }
        for role_id, ranking in result.rankings.items()
    }
    StaffingRequest.objects.filter(pk=request.pk).update(
        team=team, computed_at=now, updated=now
    )
    # Conditional: a change marked while computing keeps the request stale.
    StaffingRequest.objects.filter(pk=request.pk, stale_since=marked).update(
        stale_since=None
    )
    request.team = team
    request.computed_at = now
    request.refresh_from_db(fields=["stale_since"])


def stale_requests_compute() -> int:
    """Recompute every open request marked stale; return how many."""
    pks = list(
        StaffingRequest.objects.filter(
            status=StaffingRequest.Status.OPEN, stale_since__isnull=False
        )
        .order_by("stale_since", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in pks:
        request = StaffingRequest.objects.get(pk=pk)
        try:
            request_compute(request=request)
        except Exception:  # one broken request must not block the others
            logger.exception("Staffing request %s: recompute failed", pk)
            continue
        done += 1
    return done

"""Reads of staffing for the pages and the API: requests with their counts, a
request with its roles and skills, and each role's stored suggestions.

Every selector runs a constant number of queries (a whole request page: one
for the request, one for its roles and skills, one for all suggestions).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)


def _per_request(rows: QuerySet[Any, Any], group: str, aggregate: Any) -> Coalesce:
    """A correlated subquery aggregating ``rows`` per request (0 if none):
    separate subqueries keep the role and suggestion joins from multiplying."""
    return Coalesce(
        Subquery(rows.order_by().values(group).annotate(n=aggregate).values("n")),
        Value(0),
        output_field=IntegerField(),
    )


def staffing_requests(
    *, status: str | None = None, initiative_id: int | None = None
) -> QuerySet[StaffingRequest]:
    """Return requests, newest first, annotated with ``role_count``,
    ``headcount`` (people asked for) and ``accepted`` (suggestions accepted)."""
    roles = RoleRequirement.objects.filter(request_id=OuterRef("pk"))
    accepted = Suggestion.objects.filter(
        role__request_id=OuterRef("pk"), status=Suggestion.Status.ACCEPTED
    )
    requests = StaffingRequest.objects.select_related(
        "initiative", "created_by"
    ).annotate(
        role_count=_per_request(roles, "request_id", Count("id")),
        headcount=_per_request(roles, "request_id", Sum("headcount")),
        accepted=_per_request(accepted, "role__request_id", Count("id")),
    )
    if status:
        requests = requests.filter(status=status)
    if initiative_id is not None:
        requests = requests.filter(initiative_id=initiative_id)
    return requests


def staffing_request_detail(*, pk: int) -> StaffingRequest:
    """Return the request with its initiative, roles, their skills and skill
    names (three queries); raise ``StaffingRequest.DoesNotExist`` if missing."""
    skills = RequiredSkill.objects.select_related("skill").order_by(
        "role_id", "importance", "skill__name"
    )
    roles = RoleRequirement.objects.order_by("position", "id").prefetch_related(
        Prefetch("skills", queryset=skills)
    )
    return (
        StaffingRequest.objects.select_related(
            "initiative", "initiative__team", "created_by"
        )
        .prefetch_related(Prefetch("roles", queryset=roles))
        .get(pk=pk)
    )


@dataclass
class RoleSuggestions:
    """What the pages show for one role: the ranked matches, the alternatives
    (gaps shown), the rejected and accepted ones and the proposed team."""

    role: RoleRequirement
    matches: list[Suggestion] = field(default_factory=list)
    alternatives: list[Suggestion] = field(default_factory=list)
    rejected: list[Suggestion] = field(default_factory=list)
    accepted: list[Suggestion] = field(default_factory=list)
    team: list[Suggestion] = field(default_factory=list)
    match_total: int = 0
    alternative_total: int = 0
    computed_at: dt.datetime | None = None
    stale: bool = False

    @property
    def computed(self) -> bool:
        return self.computed_at is not None


def _suggestions() -> QuerySet[Suggestion]:
    return Suggestion.objects.select_related(
        "person", "person__user", "person__team", "decided_by"
    ).order_by("role_id", "rank", "id")


def _role_suggestions(
    role: RoleRequirement, request: StaffingRequest, rows: Iterable[Suggestion]
) -> RoleSuggestions:
    found = RoleSuggestions(
        role=role,
        computed_at=request.computed_at,
        stale=request.stale_since is not None,
    )
    for suggestion in rows:
        if suggestion.status == Suggestion.Status.REJECTED:
            found.rejected.append(suggestion)
            continue
        if suggestion.kind == Suggestion.Kind.MATCH:
            found.matches.append(suggestion)
        else:
            found.alternatives.append(suggestion)
        if suggestion.status == Suggestion.Status.ACCEPTED:
            found.accepted.append(suggestion)
        if suggestion.in_team:
            found.team.append(suggestion)
    totals = (request.team or {}).get("totals", {}).get(str(role.pk), {})
    found.match_total = max(int(totals.get("matches", 0)), len(found.matches))
    found.alternative_total = max(
        int(totals.get("alternatives", 0)), len(found.alternatives)
    )
    return found


def role_suggestions(*, role: RoleRequirement) -> RoleSuggestions:
    """Return the stored suggestions of one role (two queries)."""
    request = StaffingRequest.objects.get(pk=role.request_id)
    role.request = request
    return _role_suggestions(role, request, _suggestions().filter(role=role))


def request_suggestions(*, request: StaffingRequest) -> dict[int, RoleSuggestions]:
    """Return every role's suggestions by role id, in the roles' order (two
    queries: the roles, unless prefetched, and all the suggestions)."""
    cache = getattr(request, "_prefetched_objects_cache", {})
    roles = (
        list(cache["roles"])
        if "roles" in cache
        else list(request.roles.order_by("position", "id"))
    )
    by_role: dict[int, list[Suggestion]] = defaultdict(list)
    for suggestion in _suggestions().filter(role__request_id=request.pk):
        by_role[suggestion.role_id].append(suggestion)
    return {
        role.pk: _role_suggestions(role, request, by_role.get(role.pk, ()))
        for role in roles
    }

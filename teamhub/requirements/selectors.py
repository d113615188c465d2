"""Reads of requirement documents and their sign-off state."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery

from teamhub.core.models import User
from teamhub.initiatives.models import Initiative
from teamhub.requirements.models import (
    RequirementDoc,
    SignOff,
    SignOffRequest,
    SignOffRule,
)
from teamhub.requirements.rules import (
    doc_criticality,
    teams_of,
    unmet_rules,
)
from teamhub.requirements.state import (
    DocState,
    StakeholderStanding,
    Standing,
    request_state,
    standings,
)


@dataclass(frozen=True)
class RequestStatus:
    request: SignOffRequest
    people: list[StakeholderStanding]
    unmet_rules: list[str]
    state: str


def statuses_of(requests: Sequence[SignOffRequest]) -> dict[int, RequestStatus]:
    """Return each request's stakeholders' standings and computed state, by id,
    in a fixed number of queries whatever the number of requests. The requests
    come with their version and ``doc__initiative`` loaded (the criticality
    rules need them); each standing's decision comes with its version."""
    if not requests:
        return {}
    request_ids = [request.pk for request in requests]
    through = SignOffRequest.stakeholders.through
    stakeholders: dict[int, list[int]] = {}
    for request_id, user_id in (
        through.objects.filter(signoffrequest_id__in=request_ids)
        .order_by("user_id")
        .values_list("signoffrequest_id", "user_id")
    ):
        stakeholders.setdefault(request_id, []).append(user_id)
    decisions: dict[int, list[SignOff]] = {}
    for signoff in (
        SignOff.objects.filter(request_id__in=request_ids)
        .select_related("version")
        .defer("version__body_markdown")
        .order_by("signed_at", "id")
    ):
        decisions.setdefault(signoff.request_id, []).append(signoff)
    people = {
        request.pk: standings(
            request=request,
            stakeholder_ids=stakeholders.get(request.pk, []),
            signoffs=decisions.get(request.pk, []),
        )
        for request in requests
    }
    approvers = {
        request.pk: [
            p.stakeholder_id
            for p in people[request.pk]
            if p.standing == Standing.APPROVED
        ]
        for request in requests
    }
    rules = list(
        SignOffRule.objects.filter(active=True)
        .select_related("team")
        .order_by("min_criticality", "id")
    )
    everyone = {user_id for ids in approvers.values() for user_id in ids}
    teams = teams_of(everyone) if rules and everyone else {}
    result: dict[int, RequestStatus] = {}
    for request in requests:
        criticality = doc_criticality(request.doc, request.version.fields)
        needed = [rule for rule in rules if rule.min_criticality <= criticality]
        unmet = unmet_rules(needed, approvers[request.pk], teams)
        result[request.pk] = RequestStatus(
            request=request,
            people=people[request.pk],
            unmet_rules=[str(rule) for rule in unmet],
            state=request_state(
                request=request, people=people[request.pk], rules_met=not unmet
            ),
        )
    return result


def request_status(request: SignOffRequest) -> RequestStatus:
    """Return the request's stakeholders' standings and its computed state."""
    return statuses_of([request])[request.pk]


def doc_state(doc: RequirementDoc) -> str:
    """Return draft without a sign-off request, else its latest request's state."""
    request = (
        doc.signoff_requests.select_related("version", "doc__initiative")
        .order_by("-created", "-id")
        .first()
    )
    if request is None:
        return DocState.DRAFT
    return request_status(request).state


def initiative_requirements_approved(initiative: Initiative) -> bool:
    """Return whether some requirement document of the initiative is approved
    (an approved document speaks for the initiative first)."""
    return signoff_states([initiative.pk]).get(initiative.pk) == DocState.APPROVED


# The order in which one initiative's documents speak for it on a board card.
_PRECEDENCE: list[str] = [
    DocState.APPROVED,
    DocState.CHANGES_REQUESTED,
    DocState.IN_REVIEW,
    DocState.DRAFT,
]


def request_statuses(docs: Sequence[RequirementDoc]) -> dict[int, RequestStatus]:
    """Return the status of each document's latest sign-off request, keyed by
    document id (documents without a request are left out), in a fixed number
    of queries whatever the number of documents. ``docs`` come with their
    initiative (its mission criticality counts for the rules)."""
    if not docs:
        return {}
    by_id = {doc.pk: doc for doc in docs}
    latest: dict[int, SignOffRequest] = {}
    requests = (
        SignOffRequest.objects.filter(doc_id__in=list(by_id))
        .select_related("version")
        # A body may be up to 1 MB; the state needs only the version's fields.
        .defer("version__body_markdown")
        .order_by("created", "id")
    )
    for request in requests:
        request.doc = by_id[request.doc_id]
        latest[request.doc_id] = request
    statuses = statuses_of(list(latest.values()))
    return {doc_id: statuses[request.pk] for doc_id, request in latest.items()}


def _states_of(docs: Sequence[RequirementDoc]) -> dict[int, str]:
    statuses = request_statuses(docs)
    return {
        doc.pk: statuses[doc.pk].state if doc.pk in statuses else DocState.DRAFT
        for doc in docs
    }


def doc_states(doc_ids: Iterable[int]) -> dict[int, str]:
    """Return the state of each document (draft without a sign-off request, else
    its latest request's state), in a fixed number of queries."""
    docs = list(
        RequirementDoc.objects.filter(pk__in=list(doc_ids))
        .select_related("initiative")
        .only("pk", "initiative_id", "initiative__mission_criticality")
    )
    return _states_of(docs)


def signoff_states(initiative_ids: list[int]) -> dict[int, str]:
    """Return the sign-off state of each initiative that has documents (approved
    if one document is, else changes requested, in review or draft), in a fixed
    number of queries whatever the number of initiatives."""
    docs = list(
        RequirementDoc.objects.filter(initiative_id__in=initiative_ids)
        .select_related("initiative")
        .only("pk", "initiative_id", "initiative__mission_criticality")
    )
    states = _states_of(docs)
    result: dict[int, str] = {}
    for doc in docs:
        state = states[doc.pk]
        current = result.get(doc.initiative_id)
        if current is None or _PRECEDENCE.index(state) < _PRECEDENCE.index(current):
            result[doc.initiative_id] = state
    return result


@dataclass(frozen=True)
class InboxItem:
    request: SignOffRequest
    standing: str  # waiting, or stale (approved an earlier version)
    signed_version: int | None  # the version a stale approval was given on


def signoff_inbox(*, user: User, limit: int = 200) -> list[InboxItem]:
    """Return the requests waiting for ``user``'s decision, soonest due first:
    two queries whatever their number."""
    requests = list(
        SignOffRequest.objects.filter(stakeholders=user)
        .select_related("version", "doc__initiative")
        .order_by(F("due").asc(nulls_last=True), "created", "id")[:limit]
    )
    mine: dict[int, list[SignOff]] = {}
    for signoff in (
        SignOff.objects.filter(request__in=requests, stakeholder=user)
        .select_related("version")
        .order_by("signed_at", "id")
    ):
        mine.setdefault(signoff.request_id, []).append(signoff)
    items = []
    for request in requests:
        (standing,) = standings(
            request=request,
            stakeholder_ids=[user.pk],
            signoffs=mine.get(request.pk, []),
        )
        if standing.standing in (Standing.WAITING, Standing.STALE):
            signed = (
                standing.decision.version.number
                if standing.standing == Standing.STALE and standing.decision
                else None
            )
            items.append(InboxItem(request, standing.standing, signed))
    return items


def latest_decision_annotations(
    *, request: Any, stakeholder: Any
) -> dict[str, Subquery]:
    """Annotations ``my_decision`` and ``my_version``: the stakeholder's latest
    decision on the request and the version it was on (``request`` and
    ``stakeholder`` are expressions, e.g. ``OuterRef("pk")`` or a user)."""
    latest = SignOff.objects.filter(request=request, stakeholder=stakeholder).order_by(
        "-signed_at", "-id"
    )
    return {
        "my_decision": Subquery(latest.values("decision")[:1]),
        "my_version": Subquery(latest.values("version_id")[:1]),
    }


def still_to_decide(*, version_field: str) -> Q:
    """Rows annotated by ``latest_decision_annotations`` whose stakeholder has no
    standing decision, or approved an earlier version than ``version_field``
    (the same rule as ``state.standings``: waiting or stale)."""
    return (
        Q(my_decision__isnull=True)
        | Q(my_decision=SignOff.Decision.REVOKED)
        | (Q(my_decision=SignOff.Decision.APPROVED) & ~Q(my_version=F(version_field)))
    )


def signoff_inbox_count(*, user: User) -> int:
    """Return how many requests wait for ``user``'s decision (the same ones as
    ``signoff_inbox``: no standing decision, or an approval of an earlier
    version), in one query."""
    return (
        SignOffRequest.objects.filter(stakeholders=user)
        .annotate(
            **latest_decision_annotations(request=OuterRef("pk"), stakeholder=user)
        )
        .filter(still_to_decide(version_field="version_id"))
        .count()
    )

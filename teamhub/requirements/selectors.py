"""Reads of requirement documents and their sign-off state."""

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, Subquery

from teamhub.core.models import User
from teamhub.initiatives.models import Initiative
from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffRequest,
    SignOffRule,
)
from teamhub.requirements.rules import (
    applicable_rules,
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


def request_status(request: SignOffRequest) -> RequestStatus:
    """Return the request's stakeholders' standings and its computed state."""
    stakeholder_ids = list(
        request.stakeholders.order_by("pk").values_list("pk", flat=True)
    )
    signoffs = list(request.signoffs.order_by("signed_at", "id"))
    people = standings(
        request=request, stakeholder_ids=stakeholder_ids, signoffs=signoffs
    )
    approvers = [p.stakeholder_id for p in people if p.standing == Standing.APPROVED]
    version: DocVersion = request.version
    rules = applicable_rules(doc_criticality(request.doc, version.fields))
    unmet = unmet_rules(rules, approvers)
    return RequestStatus(
        request=request,
        people=people,
        unmet_rules=[str(rule) for rule in unmet],
        state=request_state(request=request, people=people, rules_met=not unmet),
    )


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
    """Return whether some requirement document of the initiative is approved."""
    docs = RequirementDoc.objects.filter(initiative=initiative).select_related(
        "initiative"
    )
    return any(doc_state(doc) == DocState.APPROVED for doc in docs)


# The order in which one initiative's documents speak for it on a board card.
_PRECEDENCE: list[str] = [
    DocState.APPROVED,
    DocState.CHANGES_REQUESTED,
    DocState.IN_REVIEW,
    DocState.DRAFT,
]


def signoff_states(initiative_ids: list[int]) -> dict[int, str]:
    """Return the sign-off state of each initiative that has documents (approved
    if one document is, else changes requested, in review or draft), in a fixed
    number of queries whatever the number of initiatives."""
    docs = list(
        RequirementDoc.objects.filter(initiative_id__in=initiative_ids)
        .select_related("initiative")
        .only("pk", "initiative_id", "initiative__mission_criticality")
    )
    if not docs:
        return {}
    latest: dict[int, SignOffRequest] = {}
    requests = (
        SignOffRequest.objects.filter(doc__in=docs)
        .select_related("version")
        .order_by("created", "id")
    )
    for request in requests:
        latest[request.doc_id] = request
    through = SignOffRequest.stakeholders.through
    stakeholders: dict[int, list[int]] = {}
    for request_id, user_id in (
        through.objects.filter(signoffrequest_id__in=[r.pk for r in latest.values()])
        .order_by("user_id")
        .values_list("signoffrequest_id", "user_id")
    ):
        stakeholders.setdefault(request_id, []).append(user_id)
    decisions: dict[int, list[SignOff]] = {}
    for signoff in SignOff.objects.filter(request__in=list(latest.values())).order_by(
        "signed_at", "id"
    ):
        decisions.setdefault(signoff.request_id, []).append(signoff)
    rules = list(
        SignOffRule.objects.filter(active=True).order_by("min_criticality", "id")
    )
    approvers: set[int] = set()
    people_by_request: dict[int, list[StakeholderStanding]] = {}
    for request in latest.values():
        people = standings(
            request=request,
            stakeholder_ids=stakeholders.get(request.pk, []),
            signoffs=decisions.get(request.pk, []),
        )
        people_by_request[request.pk] = people
        approvers |= {
            p.stakeholder_id for p in people if p.standing == Standing.APPROVED
        }
    teams = teams_of(approvers)
    result: dict[int, str] = {}
    for doc in docs:
        open_request = latest.get(doc.pk)
        state: str
        if open_request is None:
            state = DocState.DRAFT
        else:
            people = people_by_request[open_request.pk]
            criticality = doc_criticality(doc, open_request.version.fields)
            needed = [rule for rule in rules if rule.min_criticality <= criticality]
            approved_by = [
                p.stakeholder_id for p in people if p.standing == Standing.APPROVED
            ]
            met = not unmet_rules(needed, approved_by, teams)
            state = request_state(request=open_request, people=people, rules_met=met)
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
        .order_by("due", "created", "id")[:limit]
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


def signoff_inbox_count(*, user: User) -> int:
    """Return how many requests wait for ``user``'s decision (the same ones as
    ``signoff_inbox``: no standing decision, or an approval of an earlier
    version), in one query."""
    latest = SignOff.objects.filter(request=OuterRef("pk"), stakeholder=user).order_by(
        "-signed_at", "-id"
    )
    return (
        SignOffRequest.objects.filter(stakeholders=user)
        .annotate(
            my_decision=Subquery(latest.values("decision")[:1]),
            my_version=Subquery(latest.values("version_id")[:1]),
        )
        .filter(
            Q(my_decision__isnull=True)
            | Q(my_decision=SignOff.Decision.REVOKED)
            | (Q(my_decision=SignOff.Decision.APPROVED) & ~Q(my_version=F("version_id")))
        )
        .count()
    )

"""Reads of requirement documents and their sign-off state."""

from dataclasses import dataclass

from teamhub.initiatives.models import Initiative
from teamhub.requirements.models import DocVersion, RequirementDoc, SignOffRequest
from teamhub.requirements.rules import applicable_rules, doc_criticality, unmet_rules
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

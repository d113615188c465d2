"""The sign-off state, computed from the recorded decisions (never stored).

A stakeholder's standing is their latest decision on the request: an approval of
the version under review counts; one of an earlier version is *stale*; a
rejection stays in force on later versions until they withdraw it (revoke) or
approve; a revocation puts them back to waiting.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models

from teamhub.requirements.models import SignOff, SignOffRequest


class DocState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Standing(models.TextChoices):
    WAITING = "waiting", "Waiting"
    APPROVED = "approved", "Approved"
    STALE = "stale", "Approved an earlier version"
    REJECTED = "rejected", "Rejected"


@dataclass(frozen=True)
class StakeholderStanding:
    stakeholder_id: int
    standing: str
    decision: SignOff | None  # the latest decision, if any


def standings(
    *,
    request: SignOffRequest,
    stakeholder_ids: Iterable[int],
    signoffs: Sequence[SignOff],
) -> list[StakeholderStanding]:
    """Return each stakeholder's standing; ``signoffs`` oldest first."""
    latest: dict[int, SignOff] = {}
    for signoff in signoffs:
        latest[signoff.stakeholder_id] = signoff
    result = []
    for stakeholder_id in stakeholder_ids:
        decision = latest.get(stakeholder_id)
        if decision is None or decision.decision == SignOff.Decision.REVOKED:
            standing = Standing.WAITING
        elif decision.decision == SignOff.Decision.REJECTED:
            standing = Standing.REJECTED
        elif decision.version_id == request.version_id:
            standing = Standing.APPROVED
        else:
            standing = Standing.STALE
        result.append(StakeholderStanding(stakeholder_id, standing, decision))
    return result


def approvals_needed(request: SignOffRequest, asked: int) -> int:
    """How many approvals the request's policy needs: every one of the ``asked``
    stakeholders, or the quorum."""
    if request.policy == SignOffRequest.Policy.QUORUM and request.quorum:
        return request.quorum
    return asked


def request_state(
    *,
    request: SignOffRequest,
    people: Sequence[StakeholderStanding],
    rules_met: bool = True,
) -> str:
    """Return the request's state: changes requested while any rejection stands;
    approved when the policy's approvals (all, or the quorum) are in on the
    version under review and every criticality rule has its approver."""
    if any(person.standing == Standing.REJECTED for person in people):
        return DocState.CHANGES_REQUESTED
    approvals = sum(person.standing == Standing.APPROVED for person in people)
    if people and approvals >= approvals_needed(request, len(people)) and rules_met:
        return DocState.APPROVED
    return DocState.IN_REVIEW

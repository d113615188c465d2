"""Writes of the sign-off workflow: request, decide, revoke.

Decisions are signed: the stakeholder re-enters their password, the statement
they sign names the version and the initiative, and the row keeps the version's
hash. Every write locks the request row, so two stakeholders deciding at the
same moment are both recorded, one after the other.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffRequest,
)
from teamhub.requirements.rules import applicable_rules, doc_criticality, unmet_rules
from teamhub.requirements.tasks import (
    signoff_decided_notify_task,
    signoff_moved_notify_task,
    signoff_requested_notify_task,
)


def _latest_version(doc: RequirementDoc) -> DocVersion:
    version = doc.versions.order_by("-number").first()
    assert version is not None  # every document has version 1
    return version


@transaction.atomic
def signoff_request_create(
    *,
    actor: User,
    doc: RequirementDoc,
    stakeholders: list[User],
    policy: str = SignOffRequest.Policy.ALL,
    quorum: int | None = None,
    due: dt.date | None = None,
) -> SignOffRequest:
    """Ask ``stakeholders`` to sign the document's latest version."""
    doc = RequirementDoc.objects.select_for_update().get(pk=doc.pk)
    if not can_work_on_initiative(actor, doc.initiative):
        raise PermissionDenied(
            "Only managers and the people working on the initiative request sign-off."
        )
    version = _latest_version(doc)
    people = {user.pk: user for user in stakeholders}
    if not people:
        raise ValidationError({"stakeholders": ["Name at least one stakeholder."]})
    if version.author_id in people:
        raise ValidationError(
            {"stakeholders": ["The author of a version cannot sign it."]}
        )
    if policy not in SignOffRequest.Policy.values:
        raise ValidationError({"policy": [f"“{policy}” is not a policy."]})
    if policy == SignOffRequest.Policy.QUORUM:
        if quorum is None or not 1 <= quorum <= len(people):
            raise ValidationError(
                {"quorum": [f"A quorum is from 1 to {len(people)} stakeholders."]}
            )
    else:
        quorum = None
    missing = unmet_rules(
        applicable_rules(doc_criticality(doc, version.fields)), list(people)
    )
    if missing:
        raise ValidationError(
            {
                "stakeholders": [
                    f"{rule}: add a stakeholder from {rule.team}." for rule in missing
                ]
            }
        )
    if doc.signoff_requests.filter(version=version).exists():
        raise Conflict(
            f"Sign-off of version {version.number} has been requested already."
        )
    request = SignOffRequest(
        doc=doc,
        version=version,
        requested_by=actor,
        due=due,
        policy=policy,
        quorum=quorum,
    )
    request.full_clean()
    request.save()
    request.stakeholders.set(list(people.values()))
    audit_record(
        actor=actor,
        verb="signoff.requested",
        target=request,
        data={
            "version": version.number,
            "content_sha256": version.content_sha256,
            "stakeholders": sorted(people),
            "policy": policy,
            "quorum": quorum,
            "due": due.isoformat() if due else None,
        },
    )
    # E-mails go out once the request is committed, from a worker: robust, so a
    # broker hiccup is logged and never turns a recorded request into an error.
    transaction.on_commit(
        lambda: signoff_requested_notify_task.delay(request.pk), robust=True
    )
    return request


def signoff_meaning(*, request: SignOffRequest, decision: str) -> str:
    """Return the statement a stakeholder signs for ``decision``."""
    version = request.version
    initiative = request.doc.initiative
    verb = "approve" if decision == SignOff.Decision.APPROVED else "reject"
    return (
        f"I {verb} version {version.number} of “{request.doc.title}” as the "
        f"requirements for {initiative.key} {initiative.title} "
        f"(SHA-256 {version.content_sha256})."
    )


@transaction.atomic
def signoff_decide(
    *,
    request: SignOffRequest,
    stakeholder: User,
    decision: str,
    password: str,
    version_number: int,
    comment: str = "",
) -> SignOff:
    """Record a stakeholder's signed decision on the version under review."""
    locked = (
        SignOffRequest.objects.select_for_update()
        .select_related("version", "doc__initiative")
        .get(pk=request.pk)
    )
    if not locked.stakeholders.filter(pk=stakeholder.pk).exists():
        raise PermissionDenied("You were not asked to sign this document.")
    if decision not in (SignOff.Decision.APPROVED, SignOff.Decision.REJECTED):
        raise ValidationError({"decision": ["Decide approved or rejected."]})
    version = locked.version
    if version_number != version.number:
        raise Conflict(
            f"The document moved on to version {version.number} since you read "
            f"version {version_number}: read the changes, then decide.",
            version=version.number,
        )
    if decision == SignOff.Decision.APPROVED and stakeholder.pk in {
        version.author_id,
        locked.doc.created_by_id,
    }:
        raise PermissionDenied("The author or last editor cannot approve it.")
    comment = comment.strip()
    if decision == SignOff.Decision.REJECTED and not comment:
        raise ValidationError({"comment": ["Say what needs to change."]})
    if not stakeholder.check_password(password):
        raise ValidationError({"password": ["That password is not right."]})
    signoff = SignOff(
        request=locked,
        stakeholder=stakeholder,
        version=version,
        decision=decision,
        meaning=signoff_meaning(request=locked, decision=decision),
        comment=comment,
        content_sha256=version.content_sha256,
    )
    signoff.full_clean()
    signoff.save()
    audit_record(
        actor=stakeholder,
        verb=f"signoff.{decision}",
        target=signoff,
        data={
            "request": locked.pk,
            "version": version.number,
            "content_sha256": version.content_sha256,
            "meaning": signoff.meaning,
        },
    )
    transaction.on_commit(
        lambda: signoff_decided_notify_task.delay(signoff.pk), robust=True
    )
    return signoff


@transaction.atomic
def signoff_revoke(
    *, request: SignOffRequest, stakeholder: User, reason: str
) -> SignOff:
    """Withdraw the stakeholder's standing decision (a new row; nothing deleted)."""
    locked = (
        SignOffRequest.objects.select_for_update()
        .select_related("version", "doc__initiative")
        .get(pk=request.pk)
    )
    latest = (
        locked.signoffs.filter(stakeholder=stakeholder).order_by("-signed_at", "-id")
    ).first()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Give a reason for revoking."]})
    if latest is None or latest.decision == SignOff.Decision.REVOKED:
        raise Conflict("You have no decision on this request to revoke.")
    revocation = SignOff(
        request=locked,
        stakeholder=stakeholder,
        version=locked.version,
        decision=SignOff.Decision.REVOKED,
        meaning=f"I revoke my decision of {latest.signed_at:%Y-%m-%d %H:%M} UTC "
        f"({latest.decision} of version {latest.version.number}).",
        comment=reason,
        content_sha256=locked.version.content_sha256,
    )
    revocation.full_clean()
    revocation.save()
    audit_record(
        actor=stakeholder,
        verb="signoff.revoked",
        target=revocation,
        data={"request": locked.pk, "revoked": latest.pk, "reason": reason},
    )
    transaction.on_commit(
        lambda: signoff_decided_notify_task.delay(revocation.pk), robust=True
    )
    return revocation


def signoff_requests_follow(
    *, actor: User, doc: RequirementDoc, version: DocVersion
) -> None:
    """Move the document's sign-off requests to its new ``version`` (earlier
    approvals become stale; rejections stay in force)."""
    moved = list(doc.signoff_requests.exclude(version=version))
    for request in moved:
        previous = request.version.number
        SignOffRequest.objects.filter(pk=request.pk).update(version=version)
        audit_record(
            actor=actor,
            verb="signoff.request_moved",
            target=request,
            data={"from": previous, "to": version.number},
        )
        _queue_moved_notice(request.pk, previous, version.number)


def _queue_moved_notice(request_id: int, from_number: int, to_number: int) -> None:
    transaction.on_commit(
        lambda: signoff_moved_notify_task.delay(request_id, from_number, to_number),
        robust=True,
    )

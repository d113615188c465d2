"""Writes that every app shares: the audit log and role membership."""

import hashlib
import json
from typing import Any

from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from teamhub.core.models import AuditEvent, User
from teamhub.core.roles import Role


def audit_digest(*, prev: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev}|{canonical}".encode()).hexdigest()


def audit_event_fields(event: AuditEvent) -> dict[str, Any]:
    """Return the fields of ``event`` that its hash covers."""
    return {
        "actor": event.actor_id,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
        "at": event.at.isoformat(),
    }


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    verb: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the hash-chained audit log."""
    last = AuditEvent.objects.select_for_update().order_by("-id").first()
    event = AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        data=data or {},
        at=timezone.now(),
        prev_sha256=last.sha256 if last else "",
    )
    event.sha256 = audit_digest(
        prev=event.prev_sha256, fields=audit_event_fields(event)
    )
    event.save()
    return event


def roles_ensure() -> dict[str, Group]:
    """Create the four role groups if missing and return them by name."""
    return {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}

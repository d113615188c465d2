"""Check the hash chain of the audit log: altered, removed or reordered rows."""

from collections.abc import Iterator

from teamhub.core.models import AuditEvent
from teamhub.core.services import audit_digest, audit_event_fields


def audit_chain_problems() -> Iterator[str]:
    """Yield a sentence for each audit row whose hash or link does not hold."""
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_sha256 != previous:
            yield (
                f"AuditEvent #{event.pk} ({event.verb}): does not follow the row "
                "before it — a row was removed, inserted or changed there."
            )
        expected = audit_digest(
            prev=event.prev_sha256, fields=audit_event_fields(event)
        )
        if expected != event.sha256:
            yield (
                f"AuditEvent #{event.pk} ({event.verb}): altered — its content "
                "does not match its hash."
            )
        previous = event.sha256

"""The audit log is append-only and hash-chained."""

import pytest

from teamhub.core.models import AuditEvent
from teamhub.core.services import audit_digest as digest
from teamhub.core.services import audit_event_fields, audit_record
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_each_event_chains_to_the_previous_one(manager):
    team = TeamFactory(name="Fraud")
    first = audit_record(actor=manager, verb="team.created", target=team)
    second = audit_record(
        actor=manager, verb="team.renamed", target=team, data={"to": "Fraud ML"}
    )
    assert first.prev_sha256 == ""
    assert second.prev_sha256 == first.sha256
    for event in AuditEvent.objects.all():
        assert event.sha256 == digest(
            prev=event.prev_sha256, fields=audit_event_fields(event)
        )
    assert second.target_repr == "Fraud"
    assert second.target_type == "people.team"


def test_an_altered_row_no_longer_matches_its_hash(manager):
    team = TeamFactory(name="NLP")
    event = audit_record(actor=manager, verb="team.created", target=team)
    AuditEvent.objects.filter(pk=event.pk).update(verb="team.deleted")
    altered = AuditEvent.objects.get(pk=event.pk)
    assert altered.sha256 != digest(
        prev=altered.prev_sha256, fields=audit_event_fields(altered)
    )


def test_saving_an_existing_event_is_refused(manager):
    event = audit_record(actor=manager, verb="x", target=TeamFactory())
    event.verb = "y"
    with pytest.raises(ValueError, match="append-only"):
        event.save()

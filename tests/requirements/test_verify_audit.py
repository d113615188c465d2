"""``verify_audit`` finds every altered audit row and document version."""

import pytest
from django.core.management import CommandError, call_command

from teamhub.core.models import AuditEvent
from teamhub.requirements.models import DocVersion
from teamhub.requirements.services import doc_create, doc_version_create
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doc(manager):
    doc = doc_create(actor=manager, initiative=InitiativeFactory(), title="Spec")
    first = doc.versions.get()
    doc_version_create(
        actor=manager, doc=doc, body_markdown="v2", fields=first.fields, based_on=1
    )
    return doc


def test_an_untouched_history_verifies(doc, capsys):
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out


def test_an_edited_version_row_is_reported(doc, capsys):
    version = doc.versions.get(number=1)
    # Behind the application's back, as someone with database access could.
    DocVersion.objects.filter(pk=version.pk).update(body_markdown="rewritten")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_audit")
    assert f"DocVersion #{version.pk}" in capsys.readouterr().err


def test_an_edited_audit_row_is_reported(doc, capsys):
    event = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=event.pk).update(data={"forged": True})
    with pytest.raises(CommandError):
        call_command("verify_audit")
    err = capsys.readouterr().err
    assert f"AuditEvent #{event.pk}" in err and "altered" in err


def test_a_removed_audit_row_breaks_the_chain(doc, capsys):
    events = list(AuditEvent.objects.order_by("id"))
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"AuditEvent #{events[2].pk}" in capsys.readouterr().err

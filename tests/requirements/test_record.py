"""The printable sign-off record of one version: decisions with their meanings
and hashes, the document's audit timeline, INTERIM until approved."""

import datetime as dt
import html as htmllib
import re

import pytest
from django.test import Client
from django.urls import reverse

from teamhub.core.models import AuditEvent
from teamhub.requirements.models import SignOff, SignOffRule
from teamhub.requirements.services import doc_create
from teamhub.requirements.services_signoff import (
    signoff_request_create,
    signoff_revoke,
)
from tests.factories import InitiativeFactory, TeamFactory, UserFactory
from tests.requirements.builders import decide, new_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative():
    return InitiativeFactory(key="FRAUD-2", title="Fraud", mission_criticality=1)


@pytest.fixture
def doc(manager, initiative):
    return doc_create(actor=manager, initiative=initiative, title="Fraud scoring")


def record_html(user, doc, number) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("requirements:record", args=[doc.pk, number]))
    assert response.status_code == 200
    return response.content.decode()


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_approved_version_has_a_full_record_and_no_interim_mark(manager, doc):
    signers = [UserFactory(roles=["stakeholder"]) for _ in range(2)]
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers)
    first = decide(request, signers[0], comment="Looks right.")
    decide(request, signers[1])
    page = record_html(signers[0], doc, 1)
    version = doc.versions.get()

    assert 'data-approved="true"' in page and 'data-testid="record-approved"' in page
    assert "INTERIM" not in page
    assert version.content_sha256 in page and "Fraud scoring" in page
    assert "FRAUD-2 Fraud" in page
    meanings = re.findall(r'data-testid="record-meaning">(.*?)</div>', page)
    assert [htmllib.unescape(m) for m in meanings] == [
        s.meaning for s in SignOff.objects.order_by("signed_at", "id")
    ]
    assert utc_iso(first.signed_at) in page and "Looks right." in page
    assert page.count('data-testid="hash-matches"') == 2
    verbs = re.findall(r'<tr data-verb="([\w.]+)"', page)
    assert verbs == [
        "requirements.doc_created",
        "requirements.version_created",
        "signoff.requested",
        "signoff.approved",
        "signoff.approved",
    ]
    for event in AuditEvent.objects.filter(verb__startswith="signoff."):
        assert f'title="{event.sha256}">{event.sha256[:12]}…' in page


def test_a_version_in_review_is_interim(manager, doc):
    signer = UserFactory(roles=["stakeholder"])
    signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])
    page = record_html(manager, doc, 1)
    assert 'data-approved="false"' in page
    assert "INTERIM — not approved" in page and "still in review" in page
    assert 'class="record-watermark"' in page
    assert 'data-testid="record-no-decisions"' in page


def test_a_replaced_version_keeps_its_decisions_and_is_interim(manager, doc):
    signer = UserFactory(roles=["stakeholder"])
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])
    decide(request, signer)
    new_version(manager, doc, "## Changed\n")
    page = record_html(manager, doc, 1)
    assert "INTERIM — not approved" in page and "Version 2 has replaced it" in page
    assert re.findall(r'<tr data-decision="(\w+)"', page) == ["approved"]
    verbs = re.findall(r'<tr data-verb="([\w.]+)"', page)
    assert verbs[-2:] == ["requirements.version_created", "signoff.request_moved"]
    # On version 2 the approval is stale: nothing decided on it yet.
    assert 'data-testid="record-no-decisions"' in record_html(manager, doc, 2)


def test_rejections_and_revocations_are_on_the_record(manager, doc):
    signer = UserFactory(roles=["stakeholder"])
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])
    decide(request, signer, "rejected", "No fallback.")
    signoff_revoke(request=request, stakeholder=signer, reason="Fallback agreed.")
    page = record_html(manager, doc, 1)
    assert re.findall(r'<tr data-decision="(\w+)"', page) == ["rejected", "revoked"]
    assert "No fallback." in page and "Fallback agreed." in page
    assert "revoked their decision: Fallback agreed." in page


def test_a_hash_that_does_not_match_the_version_is_flagged(manager, doc):
    signer = UserFactory(roles=["stakeholder"])
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])
    signed = decide(request, signer)
    # Tampering below the model (which refuses changes).
    SignOff.objects.filter(pk=signed.pk).update(content_sha256="0" * 64)
    page = record_html(manager, doc, 1)
    assert 'data-testid="hash-differs"' in page and "0" * 64 in page


def test_the_timeline_shows_only_this_documents_events(manager, doc, initiative):
    other = doc_create(actor=manager, initiative=initiative, title="Other doc")
    signoff_request_create(
        actor=manager, doc=other, stakeholders=[UserFactory(roles=["stakeholder"])]
    )
    page = record_html(manager, doc, 1)
    assert "Other doc" not in page
    assert re.findall(r'<tr data-verb="([\w.]+)"', page) == [
        "requirements.doc_created",
        "requirements.version_created",
    ]
    assert "Other doc" in record_html(manager, other, 1)


def test_a_missing_version_is_404(manager, doc):
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("requirements:record", args=[doc.pk, 9]))
    assert response.status_code == 404


def test_the_record_hides_navigation_and_buttons_when_printed(manager, doc):
    page = record_html(manager, doc, 1)
    assert 'class="d-flex flex-wrap gap-2 justify-content-between' in page
    assert "d-print-none" in page and "window.print()" in page


@pytest.mark.parametrize("count", [2, 40])
def test_the_record_takes_a_constant_number_of_queries(
    count, manager, doc, django_assert_max_num_queries
):
    signers = [UserFactory(roles=["stakeholder"]) for _ in range(count)]
    # A rule that does not apply here still makes the page look up teams.
    SignOffRule.objects.create(min_criticality=4, team=TeamFactory(name="Eng"))
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers)
    for signer in signers:
        decide(request, signer)
    new_version(manager, doc, "v2")
    for signer in signers[: count // 2]:
        decide(request, signer)
    client = Client()
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("requirements:record", args=[doc.pk, 2]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="hash-matches"') == count // 2
    assert len(re.findall(r'<tr data-verb="', page)) == 3 + count + 2 + count // 2

"""E-mails of the sign-off workflow: who gets which, with which links; nothing
when the action fails or is rolled back."""

import datetime as dt
import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from rest_framework.test import APIClient

from teamhub.requirements.models import SignOffRequest
from teamhub.requirements.services_signoff import signoff_revoke
from tests.requirements.builders import (
    PASSWORD,
    ask,
    decide,
    named_signers,
    new_version,
)

pytestmark = pytest.mark.django_db
BASE = "https://teamhub.example.com"


class RefusingBackend(BaseEmailBackend):
    """A mail server that cannot be reached."""

    def open(self) -> bool:
        raise ConnectionRefusedError("mail server down")

    def send_messages(self, email_messages):  # pragma: no cover - never reached
        raise AssertionError("no connection")


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.TEAMHUB_BASE_URL = BASE + "/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit hooks (the notification tasks, eager in tests) of the
    writes inside the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def signers():
    return named_signers()


def by_recipient(outbox):
    mails = {}
    for message in outbox:
        (address,) = message.to
        assert address not in mails, f"two mails to {address}"
        mails[address] = message
    return mails


def sign_url(request):
    return f"{BASE}/requirements/signoffs/{request.pk}/"


# -- a sign-off is requested ---------------------------------------------------------


def test_a_request_emails_each_stakeholder_what_to_sign_by_when_and_where(
    manager, doc, signers, committed, mailoutbox
):
    manager.first_name, manager.last_name = "Morgan", "Reyes"
    manager.save()
    with committed():
        request = ask(manager, doc, signers, due=dt.date(2030, 3, 4))

    mails = by_recipient(mailoutbox)
    assert set(mails) == {user.email for user in signers}
    message = mails[signers[0].email]
    assert message.subject == "Sign-off requested: CHURN-1 “Churn model” version 1"
    assert message.from_email == "teamhub@localhost"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    body = message.body
    assert body.startswith("Hello Ann Signer,")
    assert "Morgan Reyes asks you to sign off version 1 of “Churn model”" in body
    assert "the requirements for CHURN-1 Churn" in body
    assert "Due: Monday 04 March 2030" in body
    assert "all 3 stakeholders must approve" in body
    assert sign_url(request) in body
    assert f"{BASE}/requirements/{doc.pk}/" in body
    assert f"{BASE}/requirements/inbox/" in body
    assert doc.versions.get().content_sha256 in body


def test_a_quorum_request_without_a_due_date_says_so(
    manager, doc, signers, committed, mailoutbox
):
    with committed():
        ask(manager, doc, signers, policy="quorum", quorum=2)
    body = mailoutbox[0].body
    assert "Due: no due date" in body
    assert "2 of the 3 stakeholders must approve" in body


def test_stakeholders_without_an_email_address_are_skipped(
    manager, doc, signers, committed, mailoutbox, caplog
):
    signers[1].email = ""
    signers[1].save()
    with caplog.at_level(logging.INFO, logger="teamhub.requirements"), committed():
        ask(manager, doc, signers)
    assert {message.to[0] for message in mailoutbox} == {
        signers[0].email,
        signers[2].email,
    }
    assert f"user {signers[1].pk} has no address" in caplog.text


def test_every_send_is_logged_by_user_id_without_addresses(
    manager, doc, signers, committed, caplog
):
    with caplog.at_level(logging.INFO, logger="teamhub.requirements"), committed():
        ask(manager, doc, signers)
    for user in signers:
        assert f"E-mail signoff.requested sent to user {user.pk}" in caplog.text
        assert user.email not in caplog.text
    assert PASSWORD not in caplog.text


# -- a new version moves the request -------------------------------------------------


def test_a_new_version_tells_each_stakeholder_what_it_means_for_them(
    manager, doc, signers, committed, mailoutbox
):
    ann, ben, cat = signers
    request = ask(manager, doc, signers)
    decide(request, ann)  # approved version 1
    decide(request, ben, "rejected", comment="What is the fallback?")
    new_version(manager, doc, "version 2 body")
    decide(request, cat)  # approved version 2
    with committed():
        new_version(
            manager, doc, "version 3 body\nwith a fallback", fallback="Rules engine"
        )

    mails = by_recipient(mailoutbox)
    assert set(mails) == {ann.email, ben.email, cat.email}
    for message in mails.values():
        assert message.subject == (
            "Sign-off: version 3 of CHURN-1 “Churn model” replaces version 2"
        )
        assert sign_url(request) in message.body
        assert "replaces version 2 under review" in message.body
    diff = f"{BASE}/requirements/{doc.pk}/diff/"

    ann_body = mails[ann.email].body  # stale since version 1
    assert "Your approval of version 1 no longer counts" in ann_body
    assert "What changed since version 1:" in ann_body
    assert f"{diff}?from=1&to=3" in ann_body
    assert "- Fields changed: Fallback" in ann_body

    ben_body = mails[ben.email].body  # his rejection of version 1 stands
    assert "Your rejection of version 1 still stands:\n  What is the fallback?" in (
        ben_body
    )
    assert "Check whether version 3 addresses your comment" in ben_body
    assert f"{diff}?from=1&to=3" in ben_body

    cat_body = mails[cat.email].body  # approved version 2, now stale
    assert "Your approval of version 2 no longer counts" in cat_body
    assert f"{diff}?from=2&to=3" in cat_body
    assert "- Body lines: 1 changed, 1 added" in cat_body


def test_stakeholders_still_waiting_are_told_their_decision_is_still_needed(
    manager, doc, signers, committed, mailoutbox
):
    request = ask(manager, doc, signers[:1], due=dt.date(2030, 1, 2))
    with committed():
        new_version(manager, doc, "changed")
    (message,) = mailoutbox
    assert "Your decision is still needed, now on version 2 instead of version 1" in (
        message.body
    )
    assert f"/requirements/{doc.pk}/diff/?from=1&to=2" in message.body
    assert "Due: Wednesday 02 January 2030" in message.body
    assert sign_url(request) in message.body


def test_the_stakeholder_who_saved_the_new_version_is_not_told_about_it(
    manager, make_user, doc, signers, committed, mailoutbox
):
    editor = make_user("manager")
    ask(manager, doc, [editor, signers[0]])
    with committed():
        new_version(editor, doc, "edited by a stakeholder")
    assert [message.to for message in mailoutbox] == [[signers[0].email]]
    assert "saved version 2" in mailoutbox[0].body


# -- decisions ---------------------------------------------------------------------


def test_each_decision_is_emailed_to_the_requester_with_the_state_it_leads_to(
    manager, doc, signers, committed, mailoutbox
):
    ann, ben, _ = signers
    request = ask(manager, doc, signers[:2])
    with committed():
        decide(request, ann, comment="Looks right.")
    (approved,) = mailoutbox
    assert approved.to == [manager.email]
    assert approved.subject == "Ann Signer approved version 1 of CHURN-1 “Churn model”"
    assert "Ann Signer approved version 1 of “Churn model” (CHURN-1 Churn)" in (
        approved.body
    )
    assert "They signed: I approve version 1 of “Churn model”" in approved.body
    assert "Comment:\n  Looks right." in approved.body
    assert "Still in review: 1 of 2 stakeholders approve version 1" in approved.body
    assert sign_url(request) in approved.body

    with committed():
        decide(request, ben, "rejected", comment="Add a fallback.")
    rejected = mailoutbox[-1]
    assert rejected.subject == "Ben Signer rejected version 1 of CHURN-1 “Churn model”"
    assert "Comment:\n  Add a fallback." in rejected.body
    assert "CHANGES ARE REQUESTED" in rejected.body

    with committed():
        signoff_revoke(request=request, stakeholder=ben, reason="Fallback agreed.")
    revoked = mailoutbox[-1]
    assert (
        revoked.subject == "Ben Signer revoked their decision on CHURN-1 “Churn model”"
    )
    assert "Reason:\n  Fallback agreed." in revoked.body
    assert "Still in review" in revoked.body

    with committed():
        decide(request, ben)
    assert "The request is now APPROVED" in mailoutbox[-1].body
    assert len(mailoutbox) == 4
    assert {message.to[0] for message in mailoutbox} == {manager.email}


def test_the_requester_deciding_is_not_emailed_about_their_own_decision(
    manager, make_user, doc, signers, committed, mailoutbox
):
    requester = make_user("manager")
    request = ask(requester, doc, [requester, signers[0]])
    with committed():
        decide(request, requester)
    assert mailoutbox == []
    with committed():
        decide(request, signers[0])
    assert [message.to for message in mailoutbox] == [[requester.email]]


# -- nothing is sent when the action fails -----------------------------------------


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_refused_actions_send_nothing(manager, doc, signers, committed, mailoutbox):
    request = ask(manager, doc, signers[:2])
    new_version(manager, doc, "version 2")  # not committed: no mail either way
    decide_url = f"/api/signoff-requests/{request.pk}/decide/"
    sign = {"decision": "approved", "password": PASSWORD, "version": 2}
    attempts = [
        (signers[0], decide_url, {**sign, "password": "nope"}, 400),
        (signers[0], decide_url, {**sign, "decision": "rejected"}, 400),
        (signers[0], decide_url, {**sign, "version": 1}, 409),  # read version 1
        (signers[2], decide_url, sign, 403),  # not asked
        (
            signers[0],
            f"/api/signoff-requests/{request.pk}/revoke/",
            {"reason": "Nothing to revoke."},
            409,
        ),
        (manager, "/api/signoff-requests/", {"doc": doc.pk, "stakeholders": []}, 400),
        (
            manager,
            f"/api/requirements/{doc.pk}/versions/",
            {"body_markdown": "x", "fields": {}, "based_on": 1},
            409,
        ),
    ]
    for user, url, payload, status in attempts:
        with committed():
            response = api_for(user).post(url, payload, format="json")
        assert response.status_code == status, (url, payload, response.json())
    assert mailoutbox == []
    assert not request.signoffs.exists()
    assert SignOffRequest.objects.count() == 1
    assert doc.versions.count() == 2


def test_a_rolled_back_request_sends_nothing(manager, doc, signers, committed):
    from django.core import mail

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        ask(manager, doc, signers)
        raise RuntimeError("a later step of the same action failed")
    assert mail.outbox == []
    assert not SignOffRequest.objects.exists()


def test_a_mail_server_that_is_down_does_not_undo_the_action(
    manager, doc, signers, committed, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with committed():
        request = ask(manager, doc, signers)
    assert SignOffRequest.objects.filter(pk=request.pk).exists()
    assert "cannot reach the mail server" in caplog.text

"""The e-mail telling a person they were proposed for a role."""

from __future__ import annotations

import pytest
from django.core import mail

from teamhub.staffing import services
from teamhub.staffing.notifications import (
    suggestion_accepted_mails,
    suggestion_accepted_notify,
)
from teamhub.staffing.tasks import suggestion_accepted_notify_task
from tests.staffing.builders import WINDOW_START, suggestion_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(manager, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    services.suggestion_accept(actor=manager, suggestion=suggestion)
    suggestion.refresh_from_db()
    return suggestion


def test_the_mail_says_who_proposed_what_when_and_that_it_is_not_confirmed(
    accepted, manager, settings
):
    settings.TEAMHUB_BASE_URL = "https://teamhub.example.com"
    (sent,) = suggestion_accepted_mails(suggestion=accepted)
    assert sent.to == accepted.person.user
    assert sent.subject == "Proposed for ML engineer on CHURN-1 Churn model"
    assert manager.get_full_name() in sent.body
    assert "50% of your week" in sent.body
    assert f"{WINDOW_START:%d %B %Y}" in sent.body
    assert "not a confirmed one" in sent.body
    profile = f"https://teamhub.example.com/people/{accepted.person_id}/"
    assert profile in sent.body


def test_the_task_sends_it(accepted):
    assert suggestion_accepted_notify_task.delay(accepted.pk).get() == 1
    (sent,) = mail.outbox
    assert sent.to == [accepted.person.user.email]
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"


def test_nothing_is_sent_without_an_address(accepted):
    user = accepted.person.user
    user.email = ""
    user.save()
    assert suggestion_accepted_notify(suggestion=accepted) == 0
    assert mail.outbox == []


def test_nothing_is_sent_for_an_open_or_rejected_suggestion(ml_role, candidates):
    open_one = suggestion_build(ml_role, candidates["ben"])
    rejected = suggestion_build(ml_role, candidates["cleo"], status="rejected")
    assert suggestion_accepted_mails(suggestion=open_one) == []
    assert suggestion_accepted_notify(suggestion=rejected) == 0
    assert mail.outbox == []

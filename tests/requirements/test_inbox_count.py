"""The one-query inbox count agrees with the inbox, and the top bar shows it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from teamhub.requirements.selectors import signoff_inbox, signoff_inbox_count
from teamhub.requirements.services import doc_create
from teamhub.requirements.services_signoff import (
    signoff_request_create,
    signoff_revoke,
)
from tests.factories import InitiativeFactory, UserFactory
from tests.requirements.builders import decide, new_version

pytestmark = pytest.mark.django_db


def ask(manager, me, *, title, then=None):
    """Ask ``me`` (and someone else) to sign a new document; ``then`` is what
    happens next: approved, stale, rejected, revoked, rejected_then_new_version."""
    doc = doc_create(actor=manager, initiative=InitiativeFactory(), title=title)
    other = UserFactory(roles=["stakeholder"])
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=[me, other])
    if then in ("approved", "stale"):
        decide(request, me)
    if then == "stale":
        new_version(manager, doc)
    if then in ("rejected", "revoked", "rejected_then_new_version"):
        decide(request, me, "rejected", comment="Not yet.")
    if then == "revoked":
        signoff_revoke(request=request, stakeholder=me, reason="Agreed after all.")
    if then == "rejected_then_new_version":
        new_version(manager, doc)
    # Someone else's decision never changes my inbox.
    decide(request, other)


SCENARIOS = {
    "nothing asked": ([], 0),
    "no decision": ([None], 1),
    "approved the current version": (["approved"], 0),
    "approved an earlier version (stale)": (["stale"], 1),
    "rejected": (["rejected"], 0),
    "rejection carried to a new version": (["rejected_then_new_version"], 0),
    "revoked": (["revoked"], 1),
    "several requests": (
        [None, "approved", "stale", "rejected", "revoked", None, "stale"],
        5,
    ),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_count_equals_the_inbox_and_shows_in_the_top_bar(manager, scenario):
    steps, expected = SCENARIOS[scenario]
    me = UserFactory(username="me", roles=["stakeholder"])
    for index, then in enumerate(steps):
        ask(manager, me, title=f"Doc {index}", then=then)

    assert signoff_inbox_count(user=me) == len(signoff_inbox(user=me)) == expected
    client = Client()
    client.force_login(me)
    html = client.get(reverse("requirements:inbox")).content.decode()
    badge = re.search(r'data-testid="inbox-count">(\d+)</span>', html)
    assert badge and int(badge.group(1)) == expected
    assert html.count("Review and sign") == expected


def test_requests_to_other_people_do_not_count(manager):
    me = UserFactory(username="me", roles=["stakeholder"])
    someone = UserFactory(roles=["stakeholder"])
    doc = doc_create(actor=manager, initiative=InitiativeFactory(), title="Theirs")
    signoff_request_create(actor=manager, doc=doc, stakeholders=[someone])
    assert signoff_inbox_count(user=me) == len(signoff_inbox(user=me)) == 0
    assert signoff_inbox_count(user=someone) == 1

"""The card page's "Requirement sign-off" section: the initiative's documents."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.initiatives.models import Card
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add
from teamhub.requirements.services import doc_create, doc_version_create
from teamhub.requirements.services_signoff import (
    signoff_decide,
    signoff_request_create,
)
from tests.conftest import ROLES
from tests.factories import AssignmentFactory, InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"  # UserFactory's


@pytest.fixture
def card(manager) -> Card:
    board = board_create(actor=manager, name="Vision", include_initiatives=False)
    initiative = InitiativeFactory(key="CHURN-42", title="Churn model")
    return card_add(actor=manager, board=board, initiative=initiative)


def page_of(user, card: Card) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("initiatives:card", args=[card.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-testid="signoff-section"')
    return html[start : html.index("</section>", start)]


def approve(request, user) -> None:
    request.refresh_from_db()
    signoff_decide(
        request=request,
        stakeholder=user,
        decision="approved",
        password=PASSWORD,
        version_number=request.version.number,
    )


def test_the_section_lists_each_document_with_its_state_and_version(manager, card):
    signer = UserFactory(roles=["stakeholder"])
    approved = doc_create(actor=manager, initiative=card.initiative, title="Model")
    latest = approved.versions.get()
    doc_version_create(
        actor=manager,
        doc=approved,
        body_markdown="v2",
        fields=latest.fields,
        based_on=1,
    )
    request = signoff_request_create(actor=manager, doc=approved, stakeholders=[signer])
    approve(request, signer)
    draft = doc_create(actor=manager, initiative=card.initiative, title="Serving")
    doc_create(actor=manager, initiative=InitiativeFactory(), title="Elsewhere")
    section = page_of(manager, card)
    assert "Elsewhere" not in section
    rows = re.findall(r'<li class="list-group-item" data-doc="(\d+)">', section)
    assert rows == [str(approved.pk), str(draft.pk)]  # by title
    model = section[section.index(f'data-doc="{approved.pk}"') :]
    assert reverse("requirements:doc", args=[approved.pk]) in model
    assert 'data-state="approved"' in model.split("</li>")[0]
    assert "Version 2" in model.split("</li>")[0]
    assert "1 of 1 approved" in model.split("</li>")[0]
    serving = section[section.index(f'data-doc="{draft.pk}"') :].split("</li>")[0]
    assert 'data-state="draft"' in serving and "Version 1" in serving


@pytest.mark.parametrize("role", [*ROLES, "data_scientist_on"])
def test_new_document_link_is_for_those_who_may_write(make_user, card, role):
    if role == "data_scientist_on":
        user = make_user("data_scientist")
        AssignmentFactory(person=user.person, initiative=card.initiative)
    else:
        user = make_user(role)
    section = page_of(user, card)
    link = f"{reverse('requirements:doc_new')}?initiative={card.initiative.pk}"
    writes = role in {"manager", "admin", "data_scientist_on"}
    assert (link in section) is writes
    assert ('data-testid="new-requirement-doc"' in section) is writes


def test_without_documents_the_section_says_what_to_do(manager, card, make_user):
    section = page_of(manager, card)
    assert 'data-testid="no-requirement-docs"' in section
    assert "New requirement document" in section
    reader = page_of(make_user("stakeholder"), card)
    assert "The people working on CHURN-42 write it" in reader
    assert "New requirement document" not in reader


def test_the_section_does_not_add_queries_per_document(
    manager, card, django_assert_max_num_queries
):
    signer = UserFactory(roles=["stakeholder"])
    client = Client()
    client.force_login(manager)
    address = reverse("initiatives:card", args=[card.pk])

    def add_docs(count: int) -> None:
        for index in range(count):
            doc = doc_create(
                actor=manager, initiative=card.initiative, title=f"Spec {index}"
            )
            request = signoff_request_create(
                actor=manager, doc=doc, stakeholders=[signer]
            )
            if index % 2:
                approve(request, signer)

    add_docs(2)  # one approved: the approvers' teams are looked up
    with CaptureQueriesContext(connection) as small:
        assert client.get(address).status_code == 200
    add_docs(7)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(address)
    assert response.content.decode().count('<li class="list-group-item" data-doc=') == 9

"""The identity review page: managers and admins only, unlinked identities
first with hints and counts, link by e-mail, unlink, errors next to the field,
and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    SkillEvidence,
    SkillEvidenceRule,
)
from tests.conftest import ROLES
from tests.factories import PersonFactory, SkillFactory, UserFactory
from tests.integrations.test_identities import make_event, make_identity

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:identities")
ALLOWED = {"manager", "admin"}


def link_url(identity: ExternalIdentity) -> str:
    return reverse("integrations:identity_link", args=[identity.pk])


def unlink_url(identity: ExternalIdentity) -> str:
    return reverse("integrations:identity_unlink", args=[identity.pk])


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("action", ["page", "link", "unlink"])
def test_permission_matrix(client_as, role, action):
    person = PersonFactory(user=UserFactory(email="dev@example.com"))
    unlinked = make_identity(email="dev@gmail.com")
    linked = make_identity(email="other@gmail.com", person=person)
    client = client_as(role)

    if action == "page":
        response = client.get(PAGE)
    elif action == "link":
        response = client.post(link_url(unlinked), {"person": "dev@example.com"})
    else:
        response = client.post(unlink_url(linked))

    if role is None:
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif role in ALLOWED:
        assert response.status_code == (200 if action == "page" else 302)
    else:
        assert response.status_code == 403
    unlinked.refresh_from_db()
    linked.refresh_from_db()
    changed = role in ALLOWED and action != "page"
    if action == "link":
        assert (unlinked.person_id == person.pk) is changed
    if action == "unlink":
        assert (linked.person_id is None) is changed


def test_page_lists_unlinked_identities_first_with_hint_and_counts(client_as):
    waiting = make_identity(
        email="12345+octocat@users.noreply.github.com", display_name="The Octocat"
    )
    for _ in range(3):
        make_event(identity=waiting)
    make_identity(email="known@gmail.com", person=PersonFactory())

    response = client_as("manager").get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('data-testid="unlinked"') < html.index('data-testid="linked"')
    unlinked = html[
        html.index('data-testid="unlinked"') : html.index('data-testid="linked"')
    ]
    assert "The Octocat" in unlinked
    assert "GitHub user @octocat" in unlinked
    assert '<span class="badge text-bg-light border">3</span>' in unlinked
    assert "known@gmail.com" not in unlinked
    assert 'list="people-options"' in unlinked
    assert "known@gmail.com" in html[html.index('data-testid="linked"') :]


def test_page_suggests_the_person_with_the_same_name_or_github_login(client_as):
    ada = PersonFactory(
        user=UserFactory(first_name="Ada", last_name="Lovelace", email="ada@corp.com")
    )
    PersonFactory(user=UserFactory(username="octocat", email="octo@corp.com"))
    make_identity(email="ada@home.net", display_name="Ada Lovelace")
    make_identity(email="7+octocat@users.noreply.github.com", display_name="")

    html = client_as("manager").get(PAGE).content.decode()

    assert 'value="ada@corp.com"' in html
    assert f"Suggested: {ada.name}" in html
    assert 'value="octo@corp.com"' in html


def test_empty_states_say_what_happens_next(client_as):
    html = client_as("admin").get(PAGE).content.decode()
    assert 'data-testid="no-unlinked"' in html
    assert 'data-testid="no-linked"' in html


def test_linking_by_email_attributes_past_events_and_evidence(client_as):
    skill = SkillFactory(name="PyTorch")
    SkillEvidenceRule.objects.create(kind="import", pattern="torch", skill=skill)
    person = PersonFactory(user=UserFactory(email="Dev@Example.com"))
    identity = make_identity(email="dev@gmail.com")
    event = make_event(identity=identity, data={"imports": ["torch"]})
    client = client_as("manager")

    response = client.post(link_url(identity), {"person": " dev@EXAMPLE.com "})

    assert response.status_code == 302
    assert response["Location"] == PAGE
    event.refresh_from_db()
    assert event.person == person
    assert SkillEvidence.objects.filter(person=person, skill=skill).count() == 1
    page = client.get(PAGE).content.decode()
    assert "Linked" in page and person.name in page


@pytest.mark.parametrize(
    "value, message",
    [("", "Choose a person to link."), ("nobody@nowhere.org", "No active person")],
)
def test_linking_to_no_one_is_400_with_the_error_next_to_the_field(
    client_as, value, message
):
    identity = make_identity()
    make_event(identity=identity)

    response = client_as("manager").post(link_url(identity), {"person": value})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-person"' in html
    assert message in html
    assert f'aria-describedby="person-{identity.pk}-error"' in html
    identity.refresh_from_db()
    assert identity.person is None
    assert ActivityEvent.objects.get().person is None


def test_unlink_returns_the_identity_to_review(client_as):
    person = PersonFactory()
    identity = make_identity(person=person)
    make_event(identity=identity)
    client = client_as("manager")

    response = client.post(unlink_url(identity))

    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.person is None
    assert ActivityEvent.objects.get().person is None


def test_link_of_a_missing_identity_is_404(client_as):
    response = client_as("manager").post(
        reverse("integrations:identity_link", args=[999999]), {"person": "x@y.z"}
    )
    assert response.status_code == 404


def test_page_is_get_only_and_actions_are_post_only(client_as):
    identity = make_identity()
    client = client_as("manager")
    assert client.post(PAGE).status_code == 405
    assert client.get(link_url(identity)).status_code == 405
    assert client.get(unlink_url(identity)).status_code == 405


@pytest.mark.parametrize("n", [5, 100])
def test_page_uses_a_fixed_number_of_queries(
    client_as, django_assert_max_num_queries, n
):
    people = [PersonFactory() for _ in range(5)]
    for i in range(n):
        identity = make_identity(
            email=f"dev{i}@gmail.com", person=people[i % 5] if i % 2 else None
        )
        make_event(identity=identity)
    client = client_as("manager")

    # session, user, roles, people, two counts, two pages, messages
    with django_assert_max_num_queries(10):
        response = client.get(PAGE)

    assert response.status_code == 200

"""GET /api/activity/: every signed-in role reads; filters; 400 on bad filter
values; a count; a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from teamhub.integrations.models import ActivityEvent
from tests.conftest import ROLES
from tests.factories import InitiativeFactory, PersonFactory
from tests.integrations.test_identities import make_event

pytestmark = pytest.mark.django_db

URL = reverse("api-activity-list")


@pytest.mark.parametrize("role", [*ROLES, None])
def test_permission_matrix(api_as, role):
    make_event(person=PersonFactory())

    response = api_as(role).get(URL)

    if role is None:
        assert response.status_code == 401
    else:
        assert response.status_code == 200
        assert response.json()["count"] == 1


def test_lists_events_newest_first_with_their_person_and_initiative(api_as):
    person = PersonFactory()
    initiative = InitiativeFactory(key="ML-9", title="Churn")
    now = timezone.now()
    old = make_event(person=person, occurred_at=now - dt.timedelta(days=3))
    new = make_event(
        person=person,
        initiative=initiative,
        occurred_at=now,
        title="Fix leakage",
        orphaned=True,
    )

    body = api_as("stakeholder").get(URL).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [new.pk, old.pk]
    row = body["results"][0]
    assert row == {
        "id": new.pk,
        "source": "git",
        "kind": "commit",
        "occurred_at": row["occurred_at"],
        "person": {"id": person.pk, "name": person.name},
        "initiative": {"id": initiative.pk, "key": "ML-9", "title": "Churn"},
        "title": "Fix leakage",
        "url": new.url,
        "orphaned": True,
    }
    assert body["results"][1]["initiative"] is None


def test_filters_by_source_kind_person_initiative_and_since(api_as):
    ada, bob = PersonFactory(), PersonFactory()
    churn = InitiativeFactory()
    now = timezone.now()
    commit = make_event(person=ada, initiative=churn, occurred_at=now)
    issue = make_event(
        person=bob, source="jira", kind=ActivityEvent.Kind.ISSUE_CREATED,
        occurred_at=now - dt.timedelta(days=1),
    )  # fmt: skip
    old = make_event(person=ada, occurred_at=now - dt.timedelta(days=10))
    client = api_as("data_scientist")

    def ids(**params: str | int) -> set[int]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(source="jira") == {issue.pk}
    assert ids(kind="commit") == {commit.pk, old.pk}
    assert ids(person=ada.pk) == {commit.pk, old.pk}
    assert ids(initiative=churn.pk) == {commit.pk}
    since = (now - dt.timedelta(days=2)).isoformat()
    assert ids(since=since) == {commit.pk, issue.pk}
    assert ids(since=(now - dt.timedelta(days=2)).date().isoformat()) == {
        commit.pk,
        issue.pk,
    }
    assert ids(person=ada.pk, since=since, source="git") == {commit.pk}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"source": "svn"}, "source"),
        ({"kind": "deploy"}, "kind"),
        ({"person": "abc"}, "person"),
        ({"person": "999999"}, "person"),
        ({"initiative": "x"}, "initiative"),
        ({"since": "last tuesday"}, "since"),
    ],
)
def test_bad_filter_values_are_400_naming_the_field(api_as, params, field):
    make_event()

    response = api_as("manager").get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field] and all(isinstance(m, str) for m in body[field])


def test_paginates_with_a_count(api_as):
    person = PersonFactory()
    for _ in range(7):
        make_event(person=person)

    body = api_as("manager").get(URL, {"page_size": 3, "page": 3}).json()

    assert body["count"] == 7
    assert len(body["results"]) == 1
    assert body["next"] is None and body["previous"]


@pytest.mark.parametrize("n", [5, 100])
def test_list_uses_a_fixed_number_of_queries(api_as, django_assert_max_num_queries, n):
    initiatives = [InitiativeFactory() for _ in range(3)]
    people = [PersonFactory() for _ in range(4)]
    for i in range(n):
        make_event(person=people[i % 4], initiative=initiatives[i % 3])
    client = api_as("manager")

    # token, user, roles, count, page (+ the filter's person lookup)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"page_size": 100, "person": people[0].pk})

    assert response.status_code == 200
    assert len(response.json()["results"]) == len(range(0, n, 4))

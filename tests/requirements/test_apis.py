"""The requirements API end to end, its bad input and its permission matrix."""

import pytest

from teamhub.core.models import AuditEvent
from teamhub.requirements.models import DocVersion, RequirementDoc, SignOff
from teamhub.requirements.services import doc_create
from tests.conftest import ROLES
from tests.factories import InitiativeFactory, UserFactory
from tests.requirements.builders import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_document_goes_from_draft_to_approved_through_the_api(
    api_as, initiative, make_user
):
    author = api_as("manager")
    created = author.post(
        "/api/requirements/",
        {"initiative": initiative.pk, "title": "Churn model"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    doc = created.json()
    assert doc["state"] == "draft" and doc["latest"]["number"] == 1
    fields = dict(doc["latest"]["fields"], ml_metric="AUC")
    saved = author.post(
        f"/api/requirements/{doc['id']}/versions/",
        {"body_markdown": "# New", "fields": fields, "based_on": 1},
        format="json",
    )
    assert saved.status_code == 201 and saved.json()["number"] == 2
    diff = author.get(f"/api/requirements/{doc['id']}/diff/?from=1&to=2").json()
    assert diff["fields"] == [
        {"key": "ml_metric", "label": "ML metric", "old": "", "new": "AUC"}
    ]
    signer = UserFactory(roles=["stakeholder"])
    asked = author.post(
        "/api/signoff-requests/",
        {"doc": doc["id"], "stakeholders": [signer.pk]},
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    request_id = asked.json()["id"]

    from rest_framework.test import APIClient

    stakeholder = APIClient()
    stakeholder.force_authenticate(signer)
    inbox = stakeholder.get("/api/signoff-requests/?waiting_for=me").json()
    assert [item["id"] for item in inbox] == [request_id]
    wrong = stakeholder.post(
        f"/api/signoff-requests/{request_id}/decide/",
        {"decision": "approved", "password": "nope", "version": 2},
        format="json",
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    assert not SignOff.objects.exists()
    signed = stakeholder.post(
        f"/api/signoff-requests/{request_id}/decide/",
        {"decision": "approved", "password": PASSWORD, "version": 2},
        format="json",
    )
    assert signed.status_code == 201, signed.json()
    assert signed.json()["meaning"].startswith("I approve version 2 of")
    assert stakeholder.get("/api/signoff-requests/?waiting_for=me").json() == []
    detail = author.get(f"/api/requirements/{doc['id']}/").json()
    assert detail["state"] == "approved"


def test_saving_from_a_stale_version_gets_409(api_as, manager, initiative):
    doc = doc_create(actor=manager, initiative=initiative, title="Spec")
    fields = doc.versions.get().fields
    api = api_as("manager")
    url = f"/api/requirements/{doc.pk}/versions/"
    first = api.post(
        url, {"body_markdown": "a", "fields": fields, "based_on": 1}, format="json"
    )
    assert first.status_code == 201
    stale = api.post(
        url, {"body_markdown": "b", "fields": fields, "based_on": 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["latest"] == 2
    assert DocVersion.objects.filter(doc=doc).count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body_markdown": "x", "fields": {"nope": 1}, "based_on": 1}, "fields"),
        ({"body_markdown": "x", "fields": "text", "based_on": 1}, "fields"),
        ({"body_markdown": "x", "fields": {}, "based_on": 0}, "based_on"),
        ({"body_markdown": "x" * 1_000_001, "fields": {}, "based_on": 1}, None),
    ],
)
def test_bad_versions_get_400_and_write_nothing(
    api_as, manager, initiative, body, field
):
    doc = doc_create(actor=manager, initiative=initiative, title="Spec")
    response = api_as("manager").post(
        f"/api/requirements/{doc.pk}/versions/", body, format="json"
    )
    assert response.status_code == 400
    if field:
        assert field in response.json()
    assert DocVersion.objects.filter(doc=doc).count() == 1


def test_a_decision_by_someone_not_asked_is_403(api_as, manager, initiative):
    doc = doc_create(actor=manager, initiative=initiative, title="Spec")
    signer = UserFactory(roles=["stakeholder"])
    request_id = (
        api_as("manager")
        .post(
            "/api/signoff-requests/",
            {"doc": doc.pk, "stakeholders": [signer.pk]},
            format="json",
        )
        .json()["id"]
    )
    response = api_as("stakeholder").post(
        f"/api/signoff-requests/{request_id}/decide/",
        {"decision": "approved", "password": PASSWORD, "version": 1},
        format="json",
    )
    assert response.status_code == 403
    assert not SignOff.objects.exists()


@pytest.mark.parametrize("role", [*ROLES, None])
def test_permission_matrix(api_as, manager, initiative, role):
    """Everyone signed in reads; managers (and people on the initiative) write;
    anonymous callers get 401."""
    doc = doc_create(actor=manager, initiative=initiative, title="Spec")
    api = api_as(role)
    reads = [
        "/api/requirements/",
        f"/api/requirements/{doc.pk}/",
        f"/api/requirements/{doc.pk}/diff/?from=1&to=1",
    ]
    for url in reads:
        expected = 401 if role is None else 200
        assert api.get(url).status_code == expected, url
    events = AuditEvent.objects.count()
    created = api.post(
        "/api/requirements/",
        {"initiative": initiative.pk, "title": "Another"},
        format="json",
    )
    expected = {None: 401, "manager": 201, "admin": 201}.get(role, 403)
    assert created.status_code == expected
    if expected != 201:
        assert RequirementDoc.objects.count() == 1
        assert AuditEvent.objects.count() == events


def test_the_inbox_lists_waiting_and_stale_requests_in_fixed_queries(
    manager, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    from teamhub.requirements.services import doc_version_create
    from teamhub.requirements.services_signoff import (
        signoff_decide,
        signoff_request_create,
    )

    signer = UserFactory(roles=["stakeholder"])
    client = APIClient()
    client.force_authenticate(signer)

    def inbox() -> list[dict]:
        return client.get("/api/signoff-requests/?waiting_for=me").json()

    docs = []
    for count in (1, 8):
        while len(docs) < count:
            doc = doc_create(actor=manager, initiative=InitiativeFactory(), title="S")
            signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])
            docs.append(doc)
        with django_assert_max_num_queries(4):
            assert len(inbox()) == count
    request = docs[0].signoff_requests.get()
    signoff_decide(
        request=request,
        stakeholder=signer,
        decision="approved",
        password=PASSWORD,
        version_number=1,
    )
    assert request.pk not in [item["id"] for item in inbox()]
    version = docs[0].versions.get()
    doc_version_create(
        actor=manager,
        doc=docs[0],
        body_markdown="changed",
        fields=version.fields,
        based_on=1,
    )
    item = next(item for item in inbox() if item["id"] == request.pk)
    assert item["standing"] == "stale" and item["signed_version"] == 1
    assert item["version"] == 2

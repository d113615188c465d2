"""GET/POST /api/initiatives/{id}/checkins/: who may, bad input, the schema."""

import datetime as dt

import pytest
from django.utils import timezone

from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import CardEvent, ValueCheckIn
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add
from teamhub.initiatives.services_checkins import checkin_record
from tests.conftest import ROLES
from tests.factories import AssignmentFactory, InitiativeFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = None
TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def initiative():
    return InitiativeFactory(key="ML-1")


def path(initiative) -> str:
    return f"/api/initiatives/{initiative.pk}/checkins/"


def body(**overrides):
    return {
        "at": YESTERDAY.isoformat(),
        "business_value": 12.5,
        "model_metric": 0.8,
        "note": "relaunch",
        **overrides,
    }


READ = dict.fromkeys(ROLES, 200)
WRITE = {"manager": 201, "admin": 201, "data_scientist": 403, "stakeholder": 403}


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_permission_matrix(api_as, initiative, method, role):
    client = api_as(role)
    events = AuditEvent.objects.count()
    response = getattr(client, method)(path(initiative), body(), format="json")
    if role is ANONYMOUS:
        assert response.status_code == 401
    else:
        assert response.status_code == (READ if method == "get" else WRITE)[role]
    assert response.json()
    written = int(response.status_code == 201)
    assert ValueCheckIn.objects.count() == written
    assert AuditEvent.objects.count() - events == written


def test_owner_and_member_may_post(api_as, initiative):
    owner = api_as("data_scientist")
    initiative.owner = owner.user.person
    initiative.save()
    assert owner.post(path(initiative), body(), format="json").status_code == 201
    member = api_as("data_scientist")
    AssignmentFactory(person=member.user.person, initiative=initiative)
    assert member.post(path(initiative), body(), format="json").status_code == 201


def test_post_returns_the_checkin_and_writes_card_history(api_as, manager, initiative):
    board = board_create(actor=manager, name="Vision", include_initiatives=False)
    card = card_add(actor=manager, board=board, initiative=initiative)
    client = api_as("manager")
    response = client.post(path(initiative), body(), format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["business_value"] == 12.5
    assert data["model_metric"] == 0.8
    assert data["at"] == YESTERDAY.isoformat()
    assert data["by"]["username"] == client.user.username
    assert card.events.filter(verb=CardEvent.Verb.CHECKED_IN).count() == 1


def test_get_lists_oldest_first_paginated(api_as, manager, initiative):
    for days, value in [(3, 2.0), (10, 1.0), (1, 3.0)]:
        checkin_record(
            actor=manager,
            initiative=initiative,
            at=TODAY - dt.timedelta(days=days),
            business_value=value,
        )
    data = api_as("stakeholder").get(path(initiative)).json()
    assert data["count"] == 3
    assert [row["business_value"] for row in data["results"]] == [1.0, 2.0, 3.0]
    assert data["results"][0]["by"]["username"] == manager.username


def test_unknown_initiative_is_404(api_as):
    client = api_as("manager")
    assert client.get("/api/initiatives/999999/checkins/").status_code == 404
    assert (
        client.post("/api/initiatives/999999/checkins/", body(), format="json")
    ).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"at": (TODAY + dt.timedelta(days=1)).isoformat()}, "at"),
        ({"at": "yesterday"}, "at"),
        ({"at": None}, "at"),
        ({"business_value": None}, "business_value"),
        ({"business_value": "lots"}, "business_value"),
        ({"business_value": "inf"}, "business_value"),
        ({"business_value": "NaN"}, "business_value"),
        ({"model_metric": "-Infinity"}, "model_metric"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_writes_nothing(
    api_as, initiative, overrides, field
):
    response = api_as("manager").post(
        path(initiative), body(**overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ValueCheckIn.objects.exists()
    assert not AuditEvent.objects.filter(verb="checkin.recorded").exists()


def test_missing_fields_are_named(api_as, initiative):
    response = api_as("manager").post(path(initiative), {}, format="json")
    assert response.status_code == 400
    assert {"at", "business_value"} <= set(response.json())


def test_refused_caller_gets_403_even_with_bad_input(api_as, initiative):
    response = api_as("stakeholder").post(path(initiative), {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_endpoint_is_in_the_openapi_schema(api_as):
    schema = api_as("stakeholder").get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/initiatives/{id}/checkins/"]
    assert {"get", "post"} <= set(operations)
    request = operations["post"]["requestBody"]["content"]["application/json"]
    assert request["schema"]["$ref"].endswith("CheckInCreateInputRequest")
    assert "201" in operations["post"]["responses"]

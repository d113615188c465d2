"""The initiatives API: lists with filters, writes, JSON errors, query counts."""

import datetime as dt

import pytest

from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import Assignment, Initiative, Label, Outcome, Stage
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as):
    return api_as("manager")


def keys(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["key"] for row in response.json()["results"]]


# Initiatives -------------------------------------------------------------------


def test_initiative_list_shows_team_and_owner(api_as):
    owner = PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    team = TeamFactory(name="Vision")
    InitiativeFactory(key="ML-1", title="Churn", team=team, owner=owner)
    response = api_as("stakeholder").get("/api/initiatives/")
    row = response.json()["results"][0]
    assert row["key"] == "ML-1"
    assert row["team"] == {"id": team.pk, "name": "Vision"}
    assert row["owner"] == {"id": owner.pk, "name": "Ada Lovelace"}
    assert row["url"].endswith(f"/api/initiatives/{row['id']}/")


def test_initiative_list_filters(api):
    vision = TeamFactory(name="Vision")
    InitiativeFactory(
        key="ML-1",
        team=vision,
        stage=Stage.DEPLOYMENT,
        mission_criticality=4,
        pathway="production",
        pipeline_owner="engineering",
        outcome=Outcome.SUCCESS,
    )
    InitiativeFactory(key="ML-2", stage=Stage.IDEA, title="Forecast demand")
    InitiativeFactory(key="ML-3", stage=Stage.SCOPING, team=vision)
    assert keys(api.get("/api/initiatives/", {"team": vision.pk})) == ["ML-1", "ML-3"]
    assert keys(api.get("/api/initiatives/", {"stage": "idea"})) == ["ML-2"]
    assert keys(api.get("/api/initiatives/?stage=idea&stage=scoping")) == [
        "ML-2",
        "ML-3",
    ]
    assert keys(api.get("/api/initiatives/", {"mission_criticality": 4})) == ["ML-1"]
    assert keys(api.get("/api/initiatives/", {"pathway": "production"})) == ["ML-1"]
    assert keys(api.get("/api/initiatives/", {"pipeline_owner": "engineering"})) == [
        "ML-1"
    ]
    assert keys(api.get("/api/initiatives/", {"outcome": "success"})) == ["ML-1"]
    assert keys(api.get("/api/initiatives/", {"outcome": "none"})) == ["ML-2", "ML-3"]
    assert keys(api.get("/api/initiatives/", {"search": "demand"})) == ["ML-2"]
    assert keys(api.get("/api/initiatives/", {"ordering": "-key"})) == [
        "ML-3",
        "ML-2",
        "ML-1",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"stage": "nope"}, "stage"), ({"mission_criticality": 9}, "mission_criticality")],
)
def test_initiative_list_bad_filter_is_400(api, params, field):
    response = api.get("/api/initiatives/", params)
    assert response.status_code == 400
    assert response.json()[field]


@pytest.mark.parametrize("count", [10, 200])
def test_initiative_list_takes_a_constant_number_of_queries(
    api, count, django_assert_max_num_queries
):
    for _ in range(count):
        InitiativeFactory(owner=PersonFactory())
    with django_assert_max_num_queries(5):
        response = api.get("/api/initiatives/", {"page_size": 500})
    assert len(response.json()["results"]) == count


def test_manager_creates_an_initiative(api):
    team = TeamFactory(name="Vision")
    response = api.post(
        "/api/initiatives/",
        {
            "key": "ML-42",
            "title": "Churn model",
            "team": team.pk,
            "stage": "scoping",
            "mission_criticality": 3,
            "start": "2026-01-01",
            "target_date": "2026-06-30",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["key"], body["stage"], body["mission_criticality"]) == (
        "ML-42",
        "scoping",
        3,
    )
    assert body["team"]["name"] == "Vision"
    assert AuditEvent.objects.filter(verb="initiative.created").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No key"}, "key"),
        ({"key": "ML-9"}, "title"),
        ({"key": "ML-1", "title": "Taken"}, "key"),
        ({"key": "ML-9", "title": "T", "stage": "launch"}, "stage"),
        (
            {"key": "ML-9", "title": "T", "mission_criticality": 5},
            "mission_criticality",
        ),
        ({"key": "ML-9", "title": "T", "compute_complexity": 4}, "compute_complexity"),
        (
            {
                "key": "ML-9",
                "title": "T",
                "start": "2026-02-01",
                "target_date": "2026-01-01",
            },
            "target_date",
        ),
        ({"key": "ML-9", "title": "T", "team": 999999}, "team"),
    ],
)
def test_initiative_create_with_bad_input_is_400_and_writes_nothing(api, body, field):
    InitiativeFactory(key="ML-1")
    response = api.post("/api/initiatives/", body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()[field], list)
    assert Initiative.objects.count() == 1


def test_manager_updates_an_initiative(api):
    initiative = InitiativeFactory(key="ML-1", stage=Stage.IDEA)
    response = api.patch(
        f"/api/initiatives/{initiative.pk}/",
        {"stage": "experimentation", "pathway": "production"},
        format="json",
    )
    assert response.status_code == 200
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.pathway) == ("experimentation", "production")


def test_unknown_initiative_is_404(api):
    assert api.get("/api/initiatives/999999/").status_code == 404
    response = api.patch("/api/initiatives/999999/", {}, format="json")
    assert response.status_code == 404


def test_initiative_takes_labels_metric_name_and_hardening_plan(api):
    nlp = Label.objects.create(name="NLP", color="#0d6efd")
    risk = Label.objects.create(name="Regulatory", color="#dc3545")
    response = api.post(
        "/api/initiatives/",
        {
            "key": "ML-7",
            "title": "Claims triage",
            "labels": [nlp.pk, risk.pk],
            "model_metric_name": "AUC",
            "hardening_plan": "Engineering ports the pipeline to Airflow.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["labels"] == [
        {"id": nlp.pk, "name": "NLP", "color": "#0d6efd"},
        {"id": risk.pk, "name": "Regulatory", "color": "#dc3545"},
    ]
    assert body["model_metric_name"] == "AUC"
    assert body["hardening_plan"] == "Engineering ports the pipeline to Airflow."
    initiative = Initiative.objects.get(key="ML-7")
    response = api.patch(
        f"/api/initiatives/{initiative.pk}/",
        {"labels": [risk.pk], "model_metric_name": "MAPE", "hardening_plan": ""},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [label["name"] for label in response.json()["labels"]] == ["Regulatory"]
    initiative.refresh_from_db()
    assert list(initiative.labels.all()) == [risk]
    assert (initiative.model_metric_name, initiative.hardening_plan) == ("MAPE", "")
    listed = api.get("/api/initiatives/").json()["results"][0]
    assert listed["labels"] == [
        {"id": risk.pk, "name": "Regulatory", "color": "#dc3545"}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"labels": [999999]}, "labels"),
        ({"labels": "NLP"}, "labels"),
        ({"model_metric_name": "x" * 41}, "model_metric_name"),
    ],
)
def test_initiative_update_with_bad_labels_or_metric_is_400_and_changes_nothing(
    api, body, field
):
    label = Label.objects.create(name="NLP")
    initiative = InitiativeFactory(model_metric_name="AUC")
    initiative.labels.add(label)
    response = api.patch(f"/api/initiatives/{initiative.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    initiative.refresh_from_db()
    assert list(initiative.labels.all()) == [label]
    assert initiative.model_metric_name == "AUC"


def test_initiative_list_with_labels_takes_a_constant_number_of_queries(
    api, django_assert_max_num_queries
):
    labels = [Label.objects.create(name=f"L{n}") for n in range(3)]
    for _ in range(30):
        InitiativeFactory(owner=PersonFactory()).labels.set(labels)
    with django_assert_max_num_queries(6):
        response = api.get("/api/initiatives/", {"page_size": 500})
    assert all(len(row["labels"]) == 3 for row in response.json()["results"])


# Labels ------------------------------------------------------------------------


def test_labels_are_listed_by_name(api_as):
    Label.objects.create(name="Vision", color="#198754")
    Label.objects.create(name="NLP", color="#0d6efd")
    response = api_as("stakeholder").get("/api/labels/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["NLP", "Vision"]
    assert response.json()["results"][0]["color"] == "#0d6efd"
    nlp = Label.objects.get(name="NLP")
    response = api_as("data_scientist").get(f"/api/labels/{nlp.pk}/")
    assert response.json() == {"id": nlp.pk, "name": "NLP", "color": "#0d6efd"}


def test_manager_creates_a_label(api):
    response = api.post(
        "/api/labels/", {"name": "Forecasting", "color": "#6f42c1"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Forecasting"
    assert Label.objects.get(name="Forecasting").color == "#6f42c1"
    assert AuditEvent.objects.filter(verb="label.created").exists()
    response = api.post("/api/labels/", {"name": "Plain"}, format="json")
    assert response.json()["color"] == "#6c757d"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "nlp"}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"name": "New", "color": "red"}, "color"),
        ({"name": "New", "color": "#12345"}, "color"),
    ],
)
def test_label_create_with_bad_input_is_400_and_writes_nothing(api, body, field):
    Label.objects.create(name="NLP")
    response = api.post("/api/labels/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Label.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "list_status", "create_status"),
    [
        ("manager", 200, 201),
        ("admin", 200, 201),
        ("data_scientist", 200, 403),
        ("stakeholder", 200, 403),
        (None, 401, 401),
    ],
)
def test_label_permissions(api_as, role, list_status, create_status):
    client = api_as(role)
    assert client.get("/api/labels/").status_code == list_status
    response = client.post("/api/labels/", {"name": "New"}, format="json")
    assert response.status_code == create_status
    assert Label.objects.filter(name="New").exists() == (create_status == 201)


# Assignments -------------------------------------------------------------------


def test_assignment_list_shows_person_and_initiative(api_as):
    person = PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    initiative = InitiativeFactory(key="ML-1", title="Churn")
    AssignmentFactory(person=person, initiative=initiative, allocation=60)
    row = api_as("data_scientist").get("/api/assignments/").json()["results"][0]
    assert row["person"] == {"id": person.pk, "name": "Ada Lovelace"}
    assert row["initiative"] == {"id": initiative.pk, "key": "ML-1", "title": "Churn"}
    assert (row["allocation"], row["status"], row["outcome"]) == (60, "confirmed", None)


def test_assignment_list_filters(api):
    ada = PersonFactory()
    ml1 = InitiativeFactory(key="ML-1")
    running = AssignmentFactory(
        person=ada, initiative=ml1, start=dt.date(2026, 1, 1), end=None
    )
    past = AssignmentFactory(
        person=ada,
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 6, 30),
        status=Assignment.Status.FINISHED,
        outcome=Outcome.SUCCESS,
    )
    other = AssignmentFactory(initiative=ml1, status=Assignment.Status.PROPOSED)

    def ids(params):
        response = api.get("/api/assignments/", params)
        assert response.status_code == 200, response.json()
        return sorted(row["id"] for row in response.json()["results"])

    assert ids({"person": ada.pk}) == sorted([running.pk, past.pk])
    assert ids({"initiative": ml1.pk}) == sorted([running.pk, other.pk])
    assert ids({"status": "finished"}) == [past.pk]
    assert ids({"outcome": "success"}) == [past.pk]
    assert ids({"person": ada.pk, "active_on": "2025-03-01"}) == [past.pk]
    assert ids({"person": ada.pk, "active_on": "2026-03-01"}) == [running.pk]
    assert ids({"person": ada.pk, "active_on": "2025-12-01"}) == []


def test_assignment_list_bad_date_is_400(api):
    response = api.get("/api/assignments/", {"active_on": "soon"})
    assert response.status_code == 400
    assert response.json()["active_on"]


@pytest.mark.parametrize("count", [10, 200])
def test_assignment_list_takes_a_constant_number_of_queries(
    api, count, django_assert_max_num_queries
):
    AssignmentFactory.create_batch(count)
    with django_assert_max_num_queries(5):
        response = api.get("/api/assignments/", {"page_size": 500})
    assert len(response.json()["results"]) == count


def test_manager_assigns_a_person(api):
    person = PersonFactory()
    initiative = InitiativeFactory()
    response = api.post(
        "/api/assignments/",
        {
            "person": person.pk,
            "initiative": initiative.pk,
            "role": "Data scientist",
            "allocation": 40,
            "start": "2026-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "proposed"
    assert Assignment.objects.get(pk=response.json()["id"]).allocation == 40


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allocation": 0}, "allocation"),
        ({"allocation": 101}, "allocation"),
        ({"allocation": None}, "allocation"),
        ({"end": "2026-02-01"}, "end"),
        ({"outcome": "success"}, "outcome"),
        ({"status": "done"}, "status"),
        ({"start": "March"}, "start"),
        ({"person": 999999}, "person"),
    ],
)
def test_assignment_create_with_bad_input_is_400_and_writes_nothing(
    api, changes, field
):
    body = {
        "person": PersonFactory().pk,
        "initiative": InitiativeFactory().pk,
        "role": "DS",
        "allocation": 50,
        "start": "2026-03-01",
        **changes,
    }
    response = api.post("/api/assignments/", body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()[field], list)
    assert not Assignment.objects.exists()


def test_manager_changes_an_assignment(api):
    assignment = AssignmentFactory(allocation=50, status=Assignment.Status.PROPOSED)
    response = api.patch(
        f"/api/assignments/{assignment.pk}/",
        {"allocation": 70, "status": "confirmed"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["allocation"], response.json()["status"]) == (
        70,
        "confirmed",
    )


def test_patching_status_to_finished_is_400_pointing_at_finish(api):
    assignment = AssignmentFactory()
    response = api.patch(
        f"/api/assignments/{assignment.pk}/", {"status": "finished"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["status"]


def test_manager_finishes_an_assignment_and_a_second_finish_is_409(api):
    assignment = AssignmentFactory(start=dt.date(2026, 1, 1))
    response = api.post(
        f"/api/assignments/{assignment.pk}/finish/",
        {"outcome": "success", "end": "2026-02-01"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["outcome"], body["end"]) == (
        "finished",
        "success",
        "2026-02-01",
    )
    response = api.post(
        f"/api/assignments/{assignment.pk}/finish/",
        {"outcome": "failed"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["detail"]
    assignment.refresh_from_db()
    assert assignment.outcome == "success"


def test_finish_with_bad_input_is_400_and_unknown_is_404(api):
    assignment = AssignmentFactory(start=dt.date(2026, 1, 1))
    response = api.post(
        f"/api/assignments/{assignment.pk}/finish/",
        {"outcome": "great", "end": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["outcome"]
    response = api.post(
        f"/api/assignments/{assignment.pk}/finish/",
        {"end": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["end"]
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFIRMED
    assert api.post("/api/assignments/999999/finish/", {}).status_code == 404

"""GET /api/people/search/: permissions, response, bad input and query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teamhub.initiatives.models import Assignment
from tests.conftest import ROLES
from tests.factories import (
    AssignmentFactory,
    SkillFactory,
    TeamFactory,
)
from tests.people.search_data import FROM, TO, WINDOW, member

pytestmark = pytest.mark.django_db

URL = "/api/people/search/"


@pytest.fixture
def api(api_as):
    return api_as("manager")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("manager", 200),
        ("admin", 200),
        ("data_scientist", 403),
        ("stakeholder", 403),
        (None, 401),  # token auth comes first, so DRF asks for credentials
    ],
)
def test_permission_matrix(api_as, skills, role, expected):
    assert {*ROLES} == {"manager", "admin", "data_scientist", "stakeholder"}
    response = api_as(role).get(URL, {"q": "pytorch"})
    assert response.status_code == expected
    if expected != 200:
        assert "detail" in response.json()


def test_search_returns_resolved_terms_ranked_results_and_facets(api, skills):
    team = TeamFactory(name="NLP Lab")
    ada = member(
        "Ada",
        "Lovelace",
        (skills["pytorch"], 4),
        (skills["nlp"], 3),
        (skills["sql"], 2),
        team=team,
    )
    AssignmentFactory(person=ada, allocation=40, start=FROM, end=TO)
    member("Bob", "Partial", (skills["pytorch"], 5), team=team)
    member("Cy", "Novice", (skills["pytorch"], 2), (skills["nlp"], 2), team=team)

    response = api.get(URL, {"q": "pytorh:4 NLP:3", **WINDOW})
    assert response.status_code == 200
    body = response.json()

    assert body["count"] == 2
    assert body["mode"] == "all"
    assert body["window"] == WINDOW
    assert body["resolved"] == [
        {
            "query": "pytorh",
            "min_level": 4,
            "skill": {"id": skills["pytorch"].pk, "name": "PyTorch"},
            "how": "fuzzy",
            "score": 92.0,
        },
        {
            "query": "NLP",
            "min_level": 3,
            "skill": {"id": skills["nlp"].pk, "name": "Natural language processing"},
            "how": "alias",
            "score": None,
        },
    ]
    first, second = body["results"]
    assert first["person"] == {
        "id": ada.pk,
        "name": "Ada Lovelace",
        "email": ada.user.email,
        "title": "ML Engineer",
        "team": {"id": team.pk, "name": "NLP Lab"},
        "url": f"http://testserver/people/{ada.pk}/",
    }
    assert first["match"] == "full"
    assert first["score"] == 1.0
    assert first["free_fraction"] == 0.6
    assert [
        (h["skill"]["name"], h["level"], h["min_level"]) for h in first["matched"]
    ] == [
        ("PyTorch", 4, 4),
        ("Natural language processing", 3, 3),
    ]
    assert first["missing"] == []

    assert second["person"]["name"] == "Bob Partial"
    assert second["match"] == "partial"
    assert second["score"] == 0.5
    assert second["missing"] == [
        {
            "skill": {"id": skills["nlp"].pk, "name": "Natural language processing"},
            "level": None,
            "min_level": 3,
        }
    ]
    assert body["facets"]["teams"] == [{"id": team.pk, "name": "NLP Lab", "count": 2}]
    assert body["facets"]["match"] == {"full": 1, "partial": 1}
    pytorch_levels = body["facets"]["levels"][0]
    assert pytorch_levels["skill"]["name"] == "PyTorch"
    # Cy meets nothing (PyTorch 2 < 4, NLP 2 < 3), so is neither listed nor counted.
    assert [c["count"] for c in pytorch_levels["counts"]] == [0, 0, 0, 1, 1]


def test_quoted_and_comma_separated_multi_word_terms(api, skills):
    member("Ada", "Lovelace", (skills["nlp"], 3))
    for q in (
        '"natural language processing":3',
        "natural language processing:3, sql",
        "nlp>=3",
    ):
        body = api.get(URL, {"q": q, "mode": "any"}).json()
        assert body["resolved"][0]["skill"]["name"] == "Natural language processing"
        assert [r["person"]["name"] for r in body["results"]] == ["Ada Lovelace"]


def test_unquoted_multi_word_names_are_split_by_the_skill_catalog(api, skills):
    forecasting = SkillFactory(name="Time series forecasting")
    member("Ada", "Lovelace", (forecasting, 3), (skills["sql"], 1))
    body = api.get(URL, {"q": "sql time series forecasting:3"}).json()
    assert [
        (r["query"], r["skill"]["name"], r["min_level"]) for r in body["resolved"]
    ] == [
        ("sql", "SQL", 1),
        ("time series forecasting", "Time series forecasting", 3),
    ]
    assert body["results"][0]["match"] == "full"


def test_mode_any_and_team_filter(api, skills):
    lab, ops = TeamFactory(name="Lab"), TeamFactory(name="Ops")
    member("Ann", "Lab", (skills["sql"], 3), team=lab)
    member("Oli", "Ops", (skills["sql"], 3), (skills["pytorch"], 3), team=ops)
    body = api.get(URL, {"q": "pytorch sql", "mode": "any"}).json()
    assert [(r["person"]["name"], r["match"]) for r in body["results"]] == [
        ("Oli Ops", "full"),
        ("Ann Lab", "full"),
    ]
    body = api.get(URL, {"q": "pytorch sql", "mode": "any", "team": lab.pk}).json()
    assert [r["person"]["name"] for r in body["results"]] == ["Ann Lab"]
    assert {f["name"]: f["count"] for f in body["facets"]["teams"]} == {
        "Lab": 1,
        "Ops": 1,
    }


def test_availability_window_and_min_free(api, skills):
    busy = member("Busy", "Bee", (skills["pytorch"], 3))
    AssignmentFactory(person=busy, allocation=80, start=FROM, end=TO)
    later = member("Later", "On", (skills["pytorch"], 3))
    AssignmentFactory(person=later, allocation=80, start=TO + dt.timedelta(days=1))
    maybe = member("Maybe", "Soon", (skills["pytorch"], 3))
    AssignmentFactory(
        person=maybe, allocation=80, start=FROM, status=Assignment.Status.PROPOSED
    )
    body = api.get(URL, {"q": "pytorch", **WINDOW}).json()
    free = {r["person"]["name"]: r["free_fraction"] for r in body["results"]}
    assert free == {"Busy Bee": 0.2, "Later On": 1.0, "Maybe Soon": 1.0}

    body = api.get(URL, {"q": "pytorch", "min_free": "0.5", **WINDOW}).json()
    assert body["count"] == 2
    assert "Busy Bee" not in [r["person"]["name"] for r in body["results"]]


def test_pagination(api, skills):
    for i in range(5):
        member(f"P{i}", "Person", (skills["pytorch"], 3))
    body = api.get(URL, {"q": "pytorch", "page_size": 2, "page": 2}).json()
    assert body["count"] == 5
    assert body["page"] == 2
    assert [r["person"]["name"] for r in body["results"]] == ["P2 Person", "P3 Person"]
    assert "page=3" in body["next"]
    assert "page=1" in body["previous"]
    response = api.get(URL, {"q": "pytorch", "page_size": 2, "page": 4})
    assert response.status_code == 404


def test_unknown_term_is_400_with_a_suggestion(api, skills):
    response = api.get(URL, {"q": "pytorch:4 pyt xyz"})
    assert response.status_code == 400
    assert response.json() == {
        "q": [
            'Unknown skill "pyt" — did you mean "PyTorch"?',
            'Unknown skill "xyz" — no skill has a similar name or alias; check the '
            "spelling or browse the skill list.",
        ]
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "q", "Enter at least one skill"),
        ({"q": "  "}, "q", "Enter at least one skill"),
        ({"q": "pytorch:9"}, "q", 'Level for "pytorch" must be a whole number'),
        ({"q": "pytorch", "mode": "some"}, "mode", "not a valid choice"),
        ({"q": "pytorch", "team": "x"}, "team", "valid integer"),
        ({"q": "pytorch", "available_from": "2026-13-01"}, "available_from", "format"),
        ({"q": "pytorch", "available_to": "soon"}, "available_to", "format"),
        (
            {
                "q": "pytorch",
                "available_from": "2026-04-01",
                "available_to": "2026-03-01",
            },
            "available_to",
            "on or after its start",
        ),
        ({"q": "pytorch", "min_free": "1.5"}, "min_free", "less than or equal to 1"),
        ({"q": "pytorch", "min_free": "-0.1"}, "min_free", "greater than or equal"),
        ({"q": "pytorch", "min_free": "nan"}, "min_free", "valid number"),
        ({"q": "pytorch", "page_size": "1000"}, "page_size", "less than or equal"),
        ({"q": "pytorch", "page": "0"}, "page", "greater than or equal"),
    ],
)
def test_bad_input_is_400_with_field_messages(api, skills, params, field, message):
    response = api.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert message in " ".join(body[field])


def test_response_has_exactly_the_documented_fields(api, skills):
    from teamhub.people.search_apis import (
        PeopleSearchOutputSerializer,
        SearchPersonSerializer,
        SearchResultSerializer,
        SkillHitSerializer,
    )

    member("Ada", "Lovelace", (skills["pytorch"], 4))
    body = api.get(URL, {"q": "pytorch:3 sql"}).json()
    result = body["results"][0]
    assert set(body) == set(PeopleSearchOutputSerializer().fields)
    assert set(result) == set(SearchResultSerializer().fields)
    assert set(result["person"]) == set(SearchPersonSerializer().fields)
    assert set(result["missing"][0]) == set(SkillHitSerializer().fields)
    assert set(body["facets"]) == {"teams", "levels", "match"}


def test_schema_documents_the_search(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/people/search/"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"q", "mode", "team", "available_from", "available_to", "min_free"} <= params
    assert "200" in operation["responses"]


def build_people(count, skills, teams):
    for i in range(count):
        p = member(
            f"P{i:03d}",
            "Person",
            (skills["pytorch"], 1 + i % 5),
            (skills["nlp"], 1 + (i * 3) % 5),
            team=teams[i % len(teams)],
        )
        AssignmentFactory(person=p, allocation=10 + i % 50, start=FROM)


def measure(api):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(URL, {"q": "pytorh:3 nlp:2", "mode": "any", **WINDOW})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_query_count_is_the_same_for_10_and_200_people(api, skills):
    teams = [TeamFactory(name=f"Team {i}") for i in range(4)]
    build_people(10, skills, teams)
    small, found_small = measure(api)
    build_people(190, skills, teams)
    large, found_large = measure(api)
    assert found_large > 25 > found_small > 0  # a full page of people to load
    assert large == small

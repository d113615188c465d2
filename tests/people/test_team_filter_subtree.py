"""A team filter keeps the team's people and those of every team below it.

The directory page, GET /api/people/, the skill search page and GET
/api/people/search/ all read ``?team=`` so: a department's people are in its
teams, and the dashboard's click-through from a department row finds them.
With ``team_only``, only the team's own members (a dashboard row of a parent's
own members, a search facet of an exact team).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.people.models import Person
from tests.factories import TeamFactory
from tests.people.search_data import member

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("people:directory")
SEARCH = reverse("people:search")
PEOPLE_API = "/api/people/"
SEARCH_API = "/api/people/search/"


@pytest.fixture
def org(skills):
    """Data & AI > Fraud > (Payments > Cards, Identity); Data & AI > NLP; and
    Ops, a top team of its own. One PyTorch holder in each team."""
    top = TeamFactory(name="Data & AI")
    fraud = TeamFactory(name="Fraud", parent=top)
    payments = TeamFactory(name="Payments", parent=fraud)
    cards = TeamFactory(name="Cards", parent=payments)
    identity = TeamFactory(name="Identity", parent=fraud)
    nlp = TeamFactory(name="NLP", parent=top)
    ops = TeamFactory(name="Ops")
    teams = {
        "top": top,
        "fraud": fraud,
        "payments": payments,
        "cards": cards,
        "identity": identity,
        "nlp": nlp,
        "ops": ops,
    }
    for key, team in teams.items():
        member(key.title(), "Member", (skills["pytorch"], 3), team=team)
    return teams


def names(*keys):
    return sorted(f"{key.title()} Member" for key in keys)


FRAUD_AND_BELOW = ("fraud", "payments", "cards", "identity")


def directory_names(response):
    """The names of the people in the directory's table rows."""
    html = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'<tr data-person="(\d+)"', html)]
    people = Person.objects.filter(pk__in=ids).select_related("user")
    return sorted(person.user.get_full_name() for person in people)


@pytest.fixture
def page(client_as):
    return client_as("manager")


@pytest.fixture
def api(api_as):
    return api_as("manager")


def api_names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def search_api_names(response):
    assert response.status_code == 200, response.content
    return sorted(row["person"]["name"] for row in response.json()["results"])


def search_page_names(response):
    html = response.content.decode()
    pattern = r'<a href="/people/\d+/" class="fw-semibold">([^<]+)</a>'
    return sorted(re.findall(pattern, html))


# Directory page ------------------------------------------------------------------


def test_directory_page_team_filter_includes_sub_teams(page, org):
    response = page.get(DIRECTORY, {"team": org["fraud"].pk})
    assert response.status_code == 200
    assert directory_names(response) == names(*FRAUD_AND_BELOW)
    response = page.get(DIRECTORY, {"team": org["top"].pk})
    assert directory_names(response) == names(
        "top", "nlp", *FRAUD_AND_BELOW
    )  # not Ops, nor the manager's own team


def test_directory_page_leaf_team_keeps_only_its_members(page, org):
    response = page.get(DIRECTORY, {"team": org["identity"].pk})
    assert directory_names(response) == names("identity")
    response = page.get(DIRECTORY, {"team": org["ops"].pk})
    assert directory_names(response) == names("ops")


def test_directory_page_unknown_team_shows_an_error_and_everyone(page, org):
    response = page.get(DIRECTORY, {"team": 10**9})
    assert response.status_code == 200
    assert 'id="id_team_error"' in response.content.decode()
    assert set(names(*org)) <= set(directory_names(response))


# GET /api/people/ ------------------------------------------------------------------


def test_people_api_team_filter_includes_sub_teams(api, org):
    response = api.get(PEOPLE_API, {"team": org["fraud"].pk})
    assert api_names(response) == names(*FRAUD_AND_BELOW)
    response = api.get(PEOPLE_API, {"team": org["payments"].pk})
    assert api_names(response) == names("payments", "cards")


def test_people_api_leaf_team_and_unknown_team_behave_as_before(api, org):
    response = api.get(PEOPLE_API, {"team": org["cards"].pk})
    assert api_names(response) == names("cards")
    response = api.get(PEOPLE_API, {"team": 10**9})
    assert response.status_code == 400
    assert isinstance(response.json()["team"], list)


def test_people_api_department_costs_the_same_queries_as_a_leaf_team(api, org):
    counts = []
    for key in ("top", "cards"):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(PEOPLE_API, {"team": org[key].pk}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Skill search: API and page ----------------------------------------------------------


def test_search_api_team_filter_includes_sub_teams_and_facets_stay_exact(api, org):
    body_params = {"q": "pytorch:3", "team": org["fraud"].pk}
    response = api.get(SEARCH_API, body_params)
    assert search_api_names(response) == names(*FRAUD_AND_BELOW)
    # Facets count people by their exact team, ignoring the team filter.
    facets = {f["name"]: f["count"] for f in response.json()["facets"]["teams"]}
    assert {key: facets[org[key].name] for key in org} == dict.fromkeys(org, 1)


def test_search_api_leaf_team_and_unknown_team_behave_as_before(api, org):
    response = api.get(SEARCH_API, {"q": "pytorch:3", "team": org["identity"].pk})
    assert search_api_names(response) == names("identity")
    response = api.get(SEARCH_API, {"q": "pytorch:3", "team": 10**9})
    assert search_api_names(response) == []  # 200, nobody


def test_search_page_team_filter_includes_sub_teams(page, org):
    response = page.get(SEARCH, {"q": "pytorch:3", "team": org["fraud"].pk})
    assert response.status_code == 200
    assert search_page_names(response) == names(*FRAUD_AND_BELOW)
    response = page.get(SEARCH, {"q": "pytorch:3", "team": org["nlp"].pk})
    assert search_page_names(response) == names("nlp")


def test_search_page_unknown_team_is_a_field_error(page, org):
    response = page.get(SEARCH, {"q": "pytorch:3", "team": 10**9})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="team-errors"' in html
    assert search_page_names(response) == []


# team_only: the team's own members, not the teams below it ---------------------------


def test_team_only_keeps_the_teams_own_members_everywhere(page, api, org):
    fraud = {"team": org["fraud"].pk, "team_only": "1"}
    searched = {"q": "pytorch:3", **fraud}
    assert directory_names(page.get(DIRECTORY, fraud)) == names("fraud")
    assert api_names(api.get(PEOPLE_API, {**fraud, "team_only": "true"})) == names(
        "fraud"
    )
    assert search_page_names(page.get(SEARCH, searched)) == names("fraud")
    assert search_api_names(api.get(SEARCH_API, searched)) == names("fraud")


def test_team_only_is_shown_checked_and_ignored_without_a_team(page, api, org):
    html = page.get(DIRECTORY, {"team": org["fraud"].pk, "team_only": "on"})
    assert re.search(r'<input[^>]+name="team_only"[^>]+checked', html.content.decode())
    html = page.get(SEARCH, {"q": "pytorch:3", "team": org["top"].pk, "team_only": 1})
    assert 'name="team_only" value="1" id="id_team_only" checked' in (
        html.content.decode()
    )
    everyone = set(names(*org))
    assert everyone <= set(directory_names(page.get(DIRECTORY, {"team_only": "on"})))
    response = api.get(SEARCH_API, {"q": "pytorch:3", "team_only": "true"})
    assert set(search_api_names(response)) == everyone


def test_a_bad_team_only_is_a_400_in_the_apis(api, org):
    for url, params in ((PEOPLE_API, {}), (SEARCH_API, {"q": "pytorch:3"})):
        response = api.get(url, {**params, "team": org["fraud"].pk, "team_only": "x"})
        assert response.status_code == 400, url
        assert "team_only" in response.json(), url


def test_an_empty_own_members_search_offers_the_teams_below(page, org, skills):
    response = page.get(
        SEARCH, {"q": "pytorch:5", "team": org["top"].pk, "team_only": "1"}
    )
    html = response.content.decode()
    assert search_page_names(response) == []
    assert "including the teams below this one</a>" in html
    response = page.get(SEARCH, {"q": "pytorch:5", "team": org["top"].pk})
    assert "including the teams below" not in response.content.decode()

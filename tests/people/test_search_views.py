"""The skill search page: permissions, form rows, results, messages, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import ROLES
from tests.factories import (
    AssignmentFactory,
    TeamFactory,
)
from tests.people.search_data import FROM, TO, WINDOW, member

pytestmark = pytest.mark.django_db

URL = reverse("people:search")


@pytest.fixture
def page(client_as):
    return client_as("manager")


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def result_names(response):
    html = response.content.decode()
    return re.findall(r'<a href="/people/\d+/" class="fw-semibold">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("manager", 200),
        ("admin", 200),
        ("data_scientist", 403),
        ("stakeholder", 403),
        (None, 302),
    ],
)
def test_permission_matrix(client_as, skills, role, expected):
    assert {*ROLES} == {"manager", "admin", "data_scientist", "stakeholder"}
    response = client_as(role).get(URL, {"q": "pytorch"})
    assert response.status_code == expected
    if role is None:
        assert response.url.startswith(reverse("login"))


def test_first_visit_shows_the_form_and_how_to_search(page, skills):
    response = page.get(URL)
    assert response.status_code == 200
    body = text(response)
    assert 'data-testid="search-intro"' in body
    assert 'name="q"' in body
    assert '<option value="PyTorch">' in body  # skill names offered in the rows
    assert "is-invalid" not in body


def test_query_shows_resolved_terms_and_ranked_results(page, skills):
    team = TeamFactory(name="NLP Lab")
    ada = member(
        "Ada", "Lovelace", (skills["pytorch"], 5), (skills["nlp"], 3), team=team
    )
    AssignmentFactory(person=ada, allocation=25, start=FROM, end=TO)
    member("Bob", "Partial", (skills["pytorch"], 4), (skills["nlp"], 2), team=team)

    response = page.get(URL, {"q": "pytorh:4 NLP:3", **WINDOW})
    assert response.status_code == 200
    body = text(response)
    assert "<mark" in body
    assert "pytorh → <strong>PyTorch</strong> (typo, 92%)" in body
    assert "NLP → <strong>Natural language processing</strong>" in body
    assert "(alias)" in body
    assert result_names(response) == ["Ada Lovelace", "Bob Partial"]
    assert f'href="/people/{ada.pk}/"' in body
    assert '<span class="badge text-bg-success">Full</span>' in body
    assert '<span class="badge text-bg-warning">Partial</span>' in body
    # Bob misses NLP: shown in red as held/needed.
    assert re.search(
        r'text-bg-danger[^>]*data-testid="missing"[^>]*> Natural language processing '
        r"2/3",
        body,
    )
    assert 'aria-valuenow="75"' in body  # Ada is 25 % booked
    assert "75% free" in body
    assert '<span class="level-bar" aria-hidden="true">' in body


def test_form_rows_search_without_a_query(page, skills):
    member("Ada", "Lovelace", (skills["pytorch"], 4), (skills["sql"], 3))
    member("Bob", "Low", (skills["pytorch"], 2), (skills["sql"], 3))
    response = page.get(URL, {"skill": ["torch", "SQL"], "level": ["4", "1"]})
    body = text(response)
    assert result_names(response) == ["Ada Lovelace", "Bob Low"]
    assert "torch → <strong>PyTorch</strong>" in body
    assert body.count('data-testid="skill-row"') == 2
    assert 'value="torch"' in body


def test_add_row_button_works_without_javascript(page, skills):
    response = page.get(URL, {"skill": ["PyTorch"], "level": ["3"], "rows": "2"})
    body = text(response)
    assert body.count('data-testid="skill-row"') == 2
    assert 'name="rows" value="3"' in body
    assert 'data-testid="q-errors"' not in body

    response = page.get(URL, {"q": "", "skill": [""], "level": ["1"], "rows": "2"})
    body = text(response)
    assert body.count('data-testid="skill-row"') == 2
    assert 'data-testid="q-errors"' not in body  # adding a row is not an error


def test_unknown_term_message_appears_next_to_the_query_field(page, skills):
    response = page.get(URL, {"q": "pytorch:4 pyt"})
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(
        r'<div class="invalid-feedback d-block" id="q-errors".*?</div>\s*</div>',
        html,
        re.S,
    )
    assert errors is not None
    assert (
        "Unknown skill &quot;pyt&quot; — did you mean &quot;PyTorch&quot;?" in errors[0]
    )
    assert 'aria-describedby="q-help q-errors"' in html
    assert 'data-testid="search-results"' not in html


def test_unknown_skill_in_a_row_is_shown_under_that_row(page, skills):
    response = page.get(URL, {"skill": ["PyTorch", "xyz"], "level": ["1", "1"]})
    html = response.content.decode()
    assert 'id="row-error-1"' in html
    assert "Unknown skill &quot;xyz&quot;" in html
    assert 'id="row-error-0"' not in html


@pytest.mark.parametrize(
    ("params", "error_id", "message"),
    [
        ({"q": ""}, "q-errors", "Enter at least one skill"),
        ({"q": "pytorch:9"}, "q-errors", "must be a whole number from 1 to 5"),
        ({"q": "pytorch", "available_from": "2026-13-40"}, "from-errors", "valid date"),
        (
            {
                "q": "pytorch",
                "available_from": "2026-04-01",
                "available_to": "2026-03-01",
            },
            "to-errors",
            "on or after its start",
        ),
        ({"q": "pytorch", "min_free": "2"}, "min-free-errors", "less than or equal"),
        ({"q": "pytorch", "team": "999999"}, "team-errors", "valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_its_field(page, skills, params, error_id, message):
    response = page.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(rf'id="{error_id}"[^>]*>(.*?)</div>\s*(</div>)?', html, re.S)
    assert match is not None, html
    assert message in match[1]
    assert 'data-testid="search-results"' not in html


def test_no_results_says_what_to_try(page, skills):
    member("Bob", "Low", (skills["pytorch"], 2))
    response = page.get(URL, {"q": "pytorch:5"})
    body = text(response)
    assert 'data-testid="no-results"' in body
    assert "Nobody matches this search." in body
    assert "mode=any" in body  # a link that relaxes the search


def test_team_facets_link_to_a_refined_search_kept_in_the_url(page, skills):
    lab, ops = TeamFactory(name="Lab"), TeamFactory(name="Ops")
    member("Ann", "Lab", (skills["pytorch"], 3), team=lab)
    member("Oli", "Ops", (skills["pytorch"], 3), team=ops)
    member("Ola", "Ops", (skills["pytorch"], 3), team=ops)
    response = page.get(URL, {"q": "pytorch:3"})
    html = response.content.decode()
    facets = re.search(r'data-testid="team-facets".*?</section>', html, re.S)[0]
    # A facet counts the team's own members, and its link lists exactly those.
    only = "&amp;team_only=1"
    assert re.search(
        rf'href="\?q=pytorch%3A3&amp;team={ops.pk}{only}"[^>]*>Ops <span[^>]*>2<',
        facets,
    )
    assert re.search(
        rf'href="\?q=pytorch%3A3&amp;team={lab.pk}{only}"[^>]*>Lab <span[^>]*>1<',
        facets,
    )

    response = page.get(URL, {"q": "pytorch:3", "team": ops.pk})
    assert result_names(response) == ["Ola Ops", "Oli Ops"]
    html = response.content.decode()
    assert "All teams</a>" in html
    assert f'<option value="{ops.pk}" selected>Ops</option>' in html


def test_level_facets_are_shown_per_skill(page, skills):
    member("Ann", "One", (skills["pytorch"], 3))
    member("Ben", "Two", (skills["pytorch"], 5))
    response = page.get(URL, {"q": "pytorch:3"})
    html = response.content.decode()
    facet = re.search(
        r'id="facet-skill-\d+">PyTorch by level</h2>.*?</table>', html, re.S
    )[0]
    counts = re.findall(r"Level</span> (\d)</th>\s*<td[^>]*>(\d+)</td>", facet)
    assert counts == [("1", "0"), ("2", "0"), ("3", "1"), ("4", "0"), ("5", "1")]


def test_results_are_paginated_with_the_search_kept(page, skills):
    for i in range(30):
        member(f"P{i:02d}", "Person", (skills["pytorch"], 3))
    response = page.get(URL, {"q": "pytorch"})
    assert len(result_names(response)) == 25
    html = response.content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?q=pytorch&amp;page=2"' in html
    response = page.get(URL, {"q": "pytorch", "page": "2"})
    assert result_names(response) == [f"P{i:02d} Person" for i in range(25, 30)]
    response = page.get(URL, {"q": "pytorch", "page": "99"})
    assert len(result_names(response)) == 5  # past the end shows the last page


def test_search_parameters_are_kept_in_the_form(page, skills):
    team = TeamFactory(name="Lab")
    response = page.get(
        URL,
        {"q": "pytorch:2", "mode": "any", "team": team.pk, "min_free": "0.5", **WINDOW},
    )
    html = response.content.decode()
    assert 'value="pytorch:2"' in html
    assert 'id="mode-any" value="any" checked' in html
    assert '<option value="0.5" selected>50%</option>' in html
    assert f'value="{FROM.isoformat()}"' in html
    assert f'value="{TO.isoformat()}"' in html


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


def measure(page):
    with CaptureQueriesContext(connection) as ctx:
        response = page.get(URL, {"q": "pytorh:3 nlp:2", "mode": "any", **WINDOW})
    assert response.status_code == 200
    return len(ctx.captured_queries), len(result_names(response))


def test_query_count_is_the_same_for_10_and_200_people(page, skills):
    teams = [TeamFactory(name=f"Team {i}") for i in range(4)]
    build_people(10, skills, teams)
    small, shown_small = measure(page)
    build_people(190, skills, teams)
    large, shown_large = measure(page)
    assert shown_large == 25 > shown_small > 0
    assert large == small

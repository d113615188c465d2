"""The card detail page: the full initiative, check-ins, history and its forms."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import (
    Card,
    CardEvent,
    Initiative,
    Label,
    ValueCheckIn,
)
from teamhub.initiatives.selectors_boards import board_detail
from teamhub.initiatives.services import initiative_update
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add, card_move
from teamhub.initiatives.services_checkins import checkin_record
from tests.conftest import ROLES
from tests.factories import AssignmentFactory, InitiativeFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ANONYMOUS = None


@pytest.fixture
def card(manager) -> Card:
    board = board_create(actor=manager, name="Vision", include_initiatives=False)
    initiative = InitiativeFactory(
        key="ML-42",
        title="Churn model",
        summary="Predict churn a month ahead.",
        business_kpi="Retained revenue (k€)",
        kpi_target="+5 %",
        model_metric_name="AUC",
        mission_criticality=2,
        compute_complexity=2,
        ml_complexity=3,
        target_date=dt.date(2026, 12, 31),
    )
    initiative.labels.set([Label.objects.create(name="NLP", color="#0d6efd")])
    return card_add(actor=manager, board=board, initiative=initiative)


def url(name: str, card: Card) -> str:
    return reverse(f"initiatives:{name}", args=[card.pk])


def checkins(card: Card, manager, values: list[float]) -> None:
    start = TODAY - dt.timedelta(days=7 * len(values))
    for index, value in enumerate(values):
        checkin_record(
            actor=manager,
            initiative=card.initiative,
            at=start + dt.timedelta(days=7 * index),
            business_value=value,
            model_metric=0.7 + index / 100,
        )


# Reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
def test_card_page_is_for_every_signed_in_role(client_as, card, role):
    response = client_as(role).get(url("card", card))
    if role is ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200
        assert "Churn model" in response.content.decode()


def test_card_page_shows_the_full_initiative(client_as, card):
    person = PersonFactory(user__first_name="Grace", user__last_name="Hopper")
    AssignmentFactory(
        person=person, initiative=card.initiative, role="ML engineer", allocation=60
    )
    finished = PersonFactory(user__first_name="Old", user__last_name="Timer")
    AssignmentFactory(
        person=finished,
        initiative=card.initiative,
        status="finished",
        end=dt.date(2026, 2, 1),
    )
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    for text in [
        "ML-42",
        "Predict churn a month ahead.",
        "Retained revenue (k€)",
        "+5 %",
        "AUC",
        "NLP",
        "predictions go stale, minor loss",  # the meaning of criticality 2
        "Experimental",
        "Data science",
        "Compute complexity: 2 of 3",
        "ML complexity: 3 of 3",
        "31 Dec 2026",
        "Grace Hopper",
        "ML engineer",
        'aria-valuenow="60"',
        "Requirement sign-off",
        "requirement documents",
        "Activity",
        "Jira and Git sync",
    ]:
        assert text in html, text
    assert "Old Timer" not in html  # finished assignments are not members


def test_stakeholders_get_no_forms(client_as, card):
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    assert 'data-testid="checkin-form"' not in html
    assert 'data-testid="edit-form"' not in html
    assert 'data-testid="take-off-form"' not in html


def test_managers_get_every_form(client_as, card):
    html = client_as("manager").get(url("card", card)).content.decode()
    for form in ["checkin-form", "edit-form", "take-off-form"]:
        assert f'data-testid="{form}"' in html
    # The criticality choice explains the scale.
    assert "predictions harm customer relationships and the brand" in html
    assert "engineering hardens a production pipeline" in html


def test_an_assigned_data_scientist_may_check_in_but_not_edit(client, card, scientist):
    AssignmentFactory(person=scientist.person, initiative=card.initiative)
    client.force_login(scientist)
    html = client.get(url("card", card)).content.decode()
    assert 'data-testid="checkin-form"' in html
    assert 'data-testid="edit-form"' not in html


def test_hardening_callout_for_critical_experimental_work(client_as, card, manager):
    initiative_update(actor=manager, initiative=card.initiative, mission_criticality=3)
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    assert "Candidate for an engineering-hardened production pipeline" in html
    assert "Mission criticality 3 on the experimental pathway" in html


def test_hardening_callout_when_value_keeps_rising(client_as, card, manager):
    checkins(card, manager, [1, 2, 3, 4])
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    assert 'data-testid="hardening-callout"' in html
    assert "rose at each of the last 3 check-ins" in html


def test_no_hardening_callout_on_the_production_pathway(client_as, card, manager):
    initiative_update(
        actor=manager,
        initiative=card.initiative,
        mission_criticality=4,
        pathway="production",
    )
    checkins(card, manager, [1, 2, 3, 4])
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    assert 'data-testid="hardening-callout"' not in html


def test_chart_figure_and_table_of_checkins(client_as, card, manager):
    checkins(card, manager, [10, 12.5, 11])
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    assert "plotly/plotly.min.js" in html
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert assets and all(
        a.startswith("/") and not a.startswith("//") for a in assets
    ), assets
    match = re.search(
        r'<script id="checkin-figure" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    assert match
    figure = json.loads(match.group(1))
    business, metric = figure["data"]
    assert business["y"] == [10, 12.5, 11]
    assert business["name"] == "Retained revenue (k€)"
    assert metric["name"] == "AUC" and metric["yaxis"] == "y2"
    assert figure["layout"]["yaxis2"]["overlaying"] == "y"
    rows = re.findall(r'<tr data-checkin="\d+">', html)
    assert len(rows) == 3


def test_no_chart_without_checkins(client_as, card):
    html = client_as("manager").get(url("card", card)).content.decode()
    assert 'data-testid="no-checkins"' in html
    assert "plotly.min.js" not in html


def test_history_lists_moves_edits_and_checkins_with_who(client_as, card, manager):
    board_columns = list(card.board.columns.all())
    card_move(actor=manager, card=card, column=board_columns[1], version=card.version)
    card.refresh_from_db()
    initiative_update(
        actor=manager,
        initiative=card.initiative,
        title="Churn v2",
        owner=manager.person,
    )
    checkins(card, manager, [5])
    html = client_as("stakeholder").get(url("card", card)).content.decode()
    history = html[html.index('data-testid="history"') :]
    name = manager.get_full_name()
    assert history.count(name) >= 4
    assert "added to the board" in history
    assert 'Idea</span> <span aria-label="to">→</span>' in history
    assert "Scoping" in history
    assert "Title</span> → Churn v2" in history
    assert f"Owner</span> → {manager.person.name}" in history
    assert "recorded a value check-in" in history
    assert "business value 5, model metric 0.7 for " in history
    assert 'title="' in history  # exact time on hover
    assert "today" in history


# Query counts -------------------------------------------------------------------------


def test_card_page_queries_do_not_grow_with_history_or_checkins(
    client_as, card, manager, django_assert_max_num_queries
):
    client = client_as("manager")
    AssignmentFactory(initiative=card.initiative)
    initiative_update(actor=manager, initiative=card.initiative, owner=manager.person)
    checkins(card, manager, [1, 2])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("card", card)).status_code == 200
    for index in range(30):
        initiative_update(
            actor=manager, initiative=card.initiative, title=f"Churn {index}"
        )
        AssignmentFactory(initiative=card.initiative)
    checkins(card, manager, [float(v) for v in range(40)])
    assert card.events.count() > 70
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("card", card))
    assert response.status_code == 200
    assert response.content.decode().count('data-verb="edited"') == 31


# Check-ins ------------------------------------------------------------------------


def checkin_data(**overrides):
    return {
        "at": (TODAY - dt.timedelta(days=1)).isoformat(),
        "business_value": "12.5",
        "model_metric": "0.81",
        "note": "after the relaunch",
        **overrides,
    }


CHECKIN_STATUS = {
    "manager": 302,
    "admin": 302,
    "data_scientist": 403,  # not working on this initiative
    "stakeholder": 403,
}


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
def test_checkin_permission_matrix(client_as, card, role):
    events = AuditEvent.objects.count()
    response = client_as(role).post(url("card_checkin", card), checkin_data())
    if role is ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == CHECKIN_STATUS[role]
    written = ValueCheckIn.objects.count()
    assert written == (1 if response.status_code == 302 and role else 0)
    assert AuditEvent.objects.count() - events == written


def test_owner_records_a_checkin_that_shows_on_page_and_board(client, card, scientist):
    initiative = card.initiative
    initiative.owner = scientist.person
    initiative.save()
    client.force_login(scientist)
    version = card.board.version
    response = client.post(url("card_checkin", card), checkin_data())
    assert response.status_code == 302
    assert response["Location"].endswith("#checkins")
    checkin = ValueCheckIn.objects.get()
    assert (checkin.business_value, checkin.model_metric, checkin.by) == (
        12.5,
        0.81,
        scientist,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Recorded the check-in" in page
    assert "after the relaunch" in page
    assert 'data-testid="checkin-chart"' in page
    card.board.refresh_from_db()
    assert card.board.version > version
    detail = board_detail(board_id=card.board_id)
    (board_card,) = [c for column in detail.columns for c in column.cards]
    assert board_card.business_values == [12.5]
    assert board_card.model_metrics == [0.81]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"at": (TODAY + dt.timedelta(days=1)).isoformat()}, "at"),
        ({"at": "someday"}, "at"),
        ({"business_value": ""}, "business_value"),
        ({"business_value": "lots"}, "business_value"),
        ({"business_value": "inf"}, "business_value"),
        ({"business_value": "NaN"}, "business_value"),
        ({"model_metric": "-inf"}, "model_metric"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_checkin_shows_the_error_and_writes_nothing(
    client_as, card, overrides, field
):
    events = CardEvent.objects.count()
    response = client_as("manager").post(
        url("card_checkin", card), checkin_data(**overrides)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert "Nothing was saved" in html
    assert not ValueCheckIn.objects.exists()
    assert CardEvent.objects.count() == events


# Editing ------------------------------------------------------------------------------


def edit_data(card: Card, **overrides):
    initiative = card.initiative
    data = {
        "key": initiative.key,
        "title": initiative.title,
        "summary": initiative.summary,
        "team": initiative.team_id or "",
        "owner": "",
        "mission_criticality": "3",
        "pathway": "experimental",
        "pipeline_owner": "data_science",
        "compute_complexity": "2",
        "ml_complexity": "3",
        "business_kpi": initiative.business_kpi,
        "kpi_target": initiative.kpi_target,
        "model_metric_name": "AUC",
        "start": "2026-01-01",
        "target_date": "2026-12-31",
        "labels": [label.pk for label in initiative.labels.all()],
        "hardening_plan": "Engineering rebuilds the feature pipeline in Spark.",
    }
    data.update(overrides)
    return data


EDIT_STATUS = {"manager": 302, "admin": 302, "data_scientist": 403, "stakeholder": 403}


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
def test_edit_permission_matrix(client_as, card, role):
    response = client_as(role).post(url("card_edit", card), edit_data(card))
    card.initiative.refresh_from_db()
    if role is ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == EDIT_STATUS[role]
    changed = card.initiative.mission_criticality == 3
    assert changed == (role in {"manager", "admin"})


def test_manager_edits_labels_and_hardening_plan(client_as, card):
    label = Label.objects.create(name="regulatory")
    client = client_as("manager")
    response = client.post(
        url("card_edit", card),
        edit_data(card, labels=[label.pk], title="Churn model v2"),
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(pk=card.initiative_id)
    assert initiative.title == "Churn model v2"
    assert [label.name for label in initiative.labels.all()] == ["regulatory"]
    assert initiative.hardening_plan.startswith("Engineering rebuilds")
    edit = card.events.get(verb=CardEvent.Verb.EDITED)
    assert edit.data["labels"] == ["regulatory"]
    html = client.get(response["Location"]).content.decode()
    assert "Labels</span> → regulatory" in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"mission_criticality": "5"}, "mission_criticality"),
        ({"compute_complexity": "9"}, "compute_complexity"),
        ({"target_date": "2025-01-01"}, "target_date"),  # before the start
        ({"key": "TAKEN-1"}, "key"),
        ({"labels": ["999999"]}, "labels"),
    ],
)
def test_bad_edit_shows_the_error_and_changes_nothing(
    client_as, card, overrides, field
):
    InitiativeFactory(key="TAKEN-1")
    response = client_as("manager").post(
        url("card_edit", card), edit_data(card, **overrides)
    )
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    initiative = Initiative.objects.get(pk=card.initiative_id)
    assert (initiative.title, initiative.mission_criticality) == ("Churn model", 2)
    assert not card.events.filter(verb=CardEvent.Verb.EDITED).exists()


# Taking a card off its board ----------------------------------------------------------


TAKE_OFF_STATUS = {
    "manager": 302,
    "admin": 302,
    "data_scientist": 403,
    "stakeholder": 403,
}


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
def test_take_off_permission_matrix(client_as, card, role):
    response = client_as(role).post(url("card_take_off", card), {"confirm": "on"})
    if role is ANONYMOUS:
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == TAKE_OFF_STATUS[role]
    gone = not Card.objects.filter(pk=card.pk).exists()
    assert gone == (role in {"manager", "admin"})


def test_take_off_needs_the_confirmation(client_as, card):
    response = client_as("manager").post(url("card_take_off", card), {})
    assert response.status_code == 400
    assert 'data-testid="error-confirm"' in response.content.decode()
    assert Card.objects.filter(pk=card.pk).exists()


def test_take_off_keeps_the_initiative_and_its_checkins(client_as, card, manager):
    checkins(card, manager, [1, 2])
    response = client_as("manager").post(url("card_take_off", card), {"confirm": "on"})
    assert response["Location"] == card.board.get_absolute_url()
    assert not Card.objects.exists()
    assert Initiative.objects.filter(pk=card.initiative_id).exists()
    assert ValueCheckIn.objects.count() == 2
    assert AuditEvent.objects.filter(verb="card.removed").exists()


def test_unknown_card_is_404(client_as):
    assert client_as("manager").get("/boards/cards/999999/").status_code == 404


def test_an_inactive_owner_stays_selected_in_the_edit_form(client_as, card):
    former = PersonFactory(
        active=False, user__first_name="Former", user__last_name="Owner"
    )
    Initiative.objects.filter(pk=card.initiative_id).update(owner=former)
    client = client_as("manager")
    html = client.get(url("card", card)).content.decode()
    assert f'<option value="{former.pk}" selected>' in html
    response = client.post(
        url("card_edit", card), edit_data(card, owner=former.pk, title="Kept")
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(pk=card.initiative_id)
    assert (initiative.title, initiative.owner) == ("Kept", former)

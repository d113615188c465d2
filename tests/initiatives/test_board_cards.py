"""The board page's card fragment cache never shows a card as it used to be."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from teamhub.initiatives.models import Assignment, Board, Card, Stage, ValueCheckIn
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add
from tests.factories import AssignmentFactory, InitiativeFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(manager) -> Card:
    board = board_create(actor=manager, name="Cache board", include_initiatives=False)
    initiative = InitiativeFactory(key="CACHE-1", stage=Stage.IDEA)
    return card_add(actor=manager, board=board, initiative=initiative)


def board_page(client, board: Board) -> str:
    response = client.get(reverse("initiatives:board", args=[board.pk]))
    assert response.status_code == 200
    return response.content.decode()


def card_html(page: str, card: Card) -> str:
    start = page.index(f'id="card-{card.pk}"')
    return page[start : page.index("</li>", page.index("board-card-foot", start))]


def test_a_changed_allocation_shows_although_the_card_version_did_not_move(
    client_as, card
):
    member = AssignmentFactory(
        initiative=card.initiative,
        person=PersonFactory(),
        allocation=30,
        status=Assignment.Status.CONFIRMED,
    )
    client = client_as("manager")
    assert "30%" in card_html(board_page(client, card.board), card)
    Assignment.objects.filter(pk=member.pk).update(allocation=70)
    shown = card_html(board_page(client, card.board), card)
    assert "70%" in shown and "30%" not in shown


def test_a_new_check_in_redraws_the_sparkline(client_as, card):
    client = client_as("manager")
    today = timezone.localdate()
    for days, value in [(60, 1.0), (30, 2.0)]:
        ValueCheckIn.objects.create(
            initiative=card.initiative,
            at=today - dt.timedelta(days=days),
            business_value=value,
        )
    before = card_html(board_page(client, card.board), card)
    assert "over 2 check-ins" in before
    ValueCheckIn.objects.create(initiative=card.initiative, at=today, business_value=9)
    after = card_html(board_page(client, card.board), card)
    assert "over 3 check-ins" in after and "last 9" in after


def test_each_viewer_gets_the_card_as_they_may_use_it(client_as, card):
    manager_view = card_html(board_page(client_as("manager"), card.board), card)
    stakeholder_view = card_html(board_page(client_as("stakeholder"), card.board), card)
    assert "drag-handle" in manager_view and "Move to…" in manager_view
    assert "drag-handle" not in stakeholder_view
    assert "Move to…" not in stakeholder_view


def test_an_edit_through_the_database_shows_on_the_next_render(client_as, card):
    client = client_as("manager")
    assert "CACHE-1" in card_html(board_page(client, card.board), card)
    type(card.initiative).objects.filter(pk=card.initiative_id).update(
        title="Renamed without a card event"
    )
    assert "Renamed without a card event" in card_html(
        board_page(client, card.board), card
    )

"""A manager opens a card: the check-in chart draws, a check-in is recorded, and a
gate is switched on in the board's settings."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from teamhub.core.models import User
from teamhub.initiatives.models import Card, ColumnGate, GateRule, Label
from teamhub.initiatives.services import initiative_update
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add, card_move
from teamhub.initiatives.services_checkins import checkin_record
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

PASSWORD = "secret-pass-123"  # UserFactory's


@pytest.fixture
def card(transactional_db: Any) -> Card:
    manager: User = UserFactory(
        username="boss", first_name="Maria", last_name="Manager", roles=["manager"]
    )
    team = TeamFactory(name="Retention")
    PersonFactory(user=manager, team=team)
    board = board_create(actor=manager, name="Retention", team=team)
    owner = PersonFactory(team=team, user__first_name="Ada", user__last_name="Lovelace")
    initiative = InitiativeFactory(
        key="RET-7",
        title="Churn early warning",
        summary="Flag customers likely to cancel within 30 days so that account "
        "managers can call them first.",
        team=team,
        owner=owner,
        business_kpi="Retained revenue (k€ / month)",
        kpi_target="120",
        model_metric_name="AUC",
        mission_criticality=3,
        compute_complexity=2,
        ml_complexity=2,
        start=dt.date(2026, 1, 5),
        target_date=dt.date(2027, 3, 31),
    )
    initiative.labels.set(
        [
            Label.objects.create(name="churn", color="#6f42c1"),
            Label.objects.create(name="tabular", color="#198754"),
        ]
    )
    AssignmentFactory(
        person=owner, initiative=initiative, role="Lead DS", allocation=80
    )
    AssignmentFactory(
        person=PersonFactory(team=team, user__first_name="Lin", user__last_name="Wu"),
        initiative=initiative,
        role="ML engineer",
        allocation=30,
        status="proposed",
    )
    card = card_add(actor=manager, board=board, initiative=initiative)
    columns = list(board.columns.all())
    for column in columns[1:3]:
        card = card_move(
            actor=manager, card=card, column=column, version=card.version
        ).card
    initiative_update(actor=manager, initiative=initiative, kpi_target="130")
    today = timezone.localdate()
    for week in range(12):
        checkin_record(
            actor=manager,
            initiative=initiative,
            at=today - dt.timedelta(weeks=12 - week),
            business_value=80 + week * 3 + (week % 3),
            model_metric=round(0.71 + week * 0.008, 3),
            note="baseline" if week == 0 else "",
        )
    return card


def test_manager_reads_a_card_records_a_checkin_and_sets_a_gate(
    page: Any, card: Card
) -> None:
    login(page, "boss", PASSWORD)
    page.goto(f"/boards/cards/{card.pk}/")
    assert "Churn early warning" in page.get_by_role("heading", level=1).inner_text()
    page.wait_for_selector("#checkin-chart svg.main-svg")
    assert page.locator("#checkin-chart svg.main-svg").first.is_visible()
    callout = page.get_by_test_id("hardening-callout")
    assert "Candidate for an engineering-hardened production pipeline" in (
        callout.inner_text()
    )
    assert page.get_by_test_id("checkin-table").locator("tbody tr").count() == 12

    page.locator("#checkin_business_value").fill("119.5")
    page.locator("#checkin_model_metric").fill("0.82")
    page.locator("#checkin_note").fill("after the win-back campaign")
    page.get_by_role("button", name="Record check-in").click()
    page.wait_for_load_state("networkidle")
    assert "Recorded the check-in" in page.get_by_role("alert").first.inner_text()
    page.wait_for_selector("#checkin-chart svg.main-svg")
    rows = page.get_by_test_id("checkin-table").locator("tbody tr")
    assert rows.count() == 13
    assert "after the win-back campaign" in rows.first.inner_text()
    history = page.get_by_test_id("history")
    assert "recorded a value check-in" in history.inner_text()
    assert "moved" in history.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "card.png"), full_page=True)

    page.goto(f"/boards/{card.board_id}/settings/")
    scoping = page.locator("article[data-testid=column-settings]").nth(1)
    assert "Scoping" in scoping.inner_text()
    scoping.get_by_label("The initiative has an owner").check()
    scoping.get_by_role("button", name="Save gates").click()
    page.wait_for_load_state("networkidle")
    assert (
        "Saved the gates of “Scoping”" in page.get_by_role("alert").first.inner_text()
    )
    assert ColumnGate.objects.filter(
        column__board=card.board_id,
        column__name="Scoping",
        rule=GateRule.OWNER_REQUIRED,
        active=True,
    ).exists()
    page.screenshot(path=str(SCREENSHOTS / "board_settings.png"), full_page=True)

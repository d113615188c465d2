"""A manager drags cards on a board; another manager's open board follows live;
a refused move says why; the "Move to…" menu works from the keyboard."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from teamhub.initiatives.models import (
    Board,
    Card,
    Column,
    Label,
    Pathway,
    PipelineOwner,
    Stage,
    ValueCheckIn,
)
from teamhub.initiatives.services_boards import board_create, column_update
from teamhub.initiatives.services_cards import card_add
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

PASSWORD = "secret-pass-123"  # UserFactory's
LIVE = 5_000  # ms: someone else's move must show within 5 seconds


# A refused move is an HTTP 409 the page expects; Chromium still logs it.
def _card(board: Board, stage: str, **fields: Any) -> Card:
    owner = fields.pop("owner")
    initiative = InitiativeFactory(owner=owner, **fields)
    return card_add(
        actor=board.created_by,  # type: ignore[arg-type]
        board=board,
        initiative=initiative,
        column=board.columns.get(stage=stage),
    )


@pytest.fixture
def board(transactional_db: Any) -> Board:
    """A portfolio board with a few believable initiatives in several columns."""
    manager = UserFactory(
        username="manager", first_name="Maria", last_name="Manager", roles=["manager"]
    )
    PersonFactory(user=manager)
    PersonFactory(
        user=UserFactory(username="manager2", first_name="Max", roles=["manager"])
    )
    vision, fraud = TeamFactory(name="Vision"), TeamFactory(name="Fraud")
    ada = PersonFactory(
        user=UserFactory(first_name="Ada", last_name="Lovelace"), team=vision
    )
    alan = PersonFactory(
        user=UserFactory(first_name="Alan", last_name="Turing"), team=fraud
    )
    nlp = Label.objects.create(name="NLP", color="#6f42c1")
    regulatory = Label.objects.create(name="regulatory", color="#ffc107")
    board = board_create(actor=manager, name="ML portfolio", include_initiatives=False)
    today = timezone.localdate()
    common = {"business_kpi": "Retained revenue (k€)", "kpi_target": "+5 %"}
    churn = _card(
        board,
        Stage.IDEA,
        key="CHURN-1",
        title="Churn prediction for subscriptions",
        owner=ada,
        team=vision,
        mission_criticality=2,
        model_metric_name="AUC",
        target_date=today + dt.timedelta(days=75),
        **common,
    )
    churn.initiative.labels.set([nlp])
    AssignmentFactory(initiative=churn.initiative, person=alan, allocation=40)
    AssignmentFactory(initiative=churn.initiative, person=ada, allocation=80)
    for week in range(8):
        ValueCheckIn.objects.create(
            initiative=churn.initiative,
            at=today - dt.timedelta(days=7 * (8 - week)),
            business_value=100 + week * 7 + (week % 3),
            model_metric=0.71 + week / 100,
        )
    fraud_card = _card(
        board,
        Stage.EXPERIMENTATION,
        key="FRAUD-7",
        title="Card fraud scoring in real time",
        owner=alan,
        team=fraud,
        mission_criticality=4,
        pathway=Pathway.EXPERIMENTAL,
        pipeline_owner=PipelineOwner.DATA_SCIENCE,
        model_metric_name="Recall",
        target_date=today - dt.timedelta(days=10),
        **common,
    )
    fraud_card.initiative.labels.set([regulatory])
    _card(
        board,
        Stage.IDEA,
        key="DOCS-2",
        title="Contract clause extraction",
        owner=ada,
        team=vision,
        **common,
    )
    _card(
        board,
        Stage.MONITORING,
        key="RECO-3",
        title="Product recommendations",
        owner=alan,
        team=fraud,
        pathway=Pathway.PRODUCTION,
        pipeline_owner=PipelineOwner.ENGINEERING,
        **common,
    )
    column_update(
        actor=manager,
        column=board.columns.get(stage=Stage.MONITORING),
        wip_limit=1,
        wip_hard=True,
    )
    column_update(
        actor=manager,
        column=board.columns.get(stage=Stage.SCOPING),
        wip_limit=3,
    )
    return board


def column_of(board: Board, stage: str) -> Column:
    return board.columns.get(stage=stage)


def cards_in(page: Any, column: Column) -> Any:
    return page.locator(f'ol.board-cards[data-column="{column.pk}"] .board-card')


def drag(page: Any, card: Card, column: Column) -> Any:
    """Drag ``card`` by its handle to the bottom of ``column``; return the move
    API's response."""
    handle = page.locator(f"#card-{card.pk} .drag-handle")
    target = page.locator(f'ol.board-cards[data-column="{column.pk}"]')
    target.scroll_into_view_if_needed()
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    box = target.bounding_box()
    with page.expect_response(re.compile(r"/api/cards/\d+/move/$")) as response:
        page.mouse.move(
            start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        )
        page.mouse.down()
        page.mouse.move(start["x"] + 20, start["y"] + 20, steps=5)
        page.mouse.move(
            box["x"] + box["width"] / 2, box["y"] + box["height"] - 8, steps=20
        )
        # SortableJS's fallback drag checks the pointer on a timer: drop once
        # the card sits in the target column.
        page.wait_for_function(
            "([column, card]) => document.querySelector("
            "`ol[data-column='${column}'] > [data-card='${card}']"
            ":not(.sortable-fallback)`) !== null",
            arg=[column.pk, card.pk],
        )
        page.mouse.up()
    return response.value


def test_manager_drags_a_card_and_another_manager_sees_it_live(
    open_page: Callable[[], Any], board: Board
) -> None:
    churn = Card.objects.get(initiative__key="CHURN-1")
    scoping = column_of(board, Stage.SCOPING)
    watcher = open_page()
    login(watcher, "manager2", PASSWORD)
    watcher.goto(board.get_absolute_url())
    assert cards_in(watcher, scoping).count() == 0

    page = open_page()
    login(page, "manager", PASSWORD)
    page.goto(board.get_absolute_url())
    assert page.get_by_role("heading", name="ML portfolio").is_visible()
    response = drag(page, churn, scoping)
    assert response.status == 200
    page.locator(f'ol[data-column="{scoping.pk}"] #card-{churn.pk}').wait_for()

    churn.refresh_from_db()
    assert churn.column == scoping
    assert churn.initiative.stage == Stage.SCOPING

    # The other manager's page follows without a reload.
    watcher.locator(f'ol[data-column="{scoping.pk}"] #card-{churn.pk}').wait_for(
        timeout=LIVE
    )

    page.reload()
    assert cards_in(page, scoping).first.get_attribute("data-key") == "CHURN-1"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board.png"), full_page=True)


def test_refused_moves_say_why_and_change_nothing(
    open_page: Callable[[], Any], board: Board
) -> None:
    fraud = Card.objects.get(initiative__key="FRAUD-7")
    docs = Card.objects.get(initiative__key="DOCS-2")
    page = open_page()
    login(page, "manager", PASSWORD)
    page.goto(board.get_absolute_url())

    # A gate: criticality 4 on the data science pipeline, no hardening plan.
    deployment = column_of(board, Stage.DEPLOYMENT)
    assert drag(page, fraud, deployment).status == 409
    alert = page.get_by_role("alert").filter(has_text="FRAUD-7 was not moved")
    alert.wait_for()
    assert "hardening plan" in alert.inner_text()
    # The columns were reloaded from the server: the card is back.
    experimentation = column_of(board, Stage.EXPERIMENTATION)
    page.locator(f'ol[data-column="{experimentation.pk}"] #card-{fraud.pk}').wait_for()

    # A hard WIP limit: Monitoring holds one card, its limit.
    monitoring = column_of(board, Stage.MONITORING)
    result = drag(page, docs, monitoring)
    assert result.status == 409
    page.get_by_role("alert").filter(has_text="is at its WIP limit of 1").wait_for()
    idea = column_of(board, Stage.IDEA)
    page.locator(f'ol[data-column="{idea.pk}"] #card-{docs.pk}').wait_for()
    assert cards_in(page, monitoring).count() == 1

    fraud.refresh_from_db()
    docs.refresh_from_db()
    assert fraud.column == experimentation
    assert docs.column.stage == Stage.IDEA


def test_keyboard_user_moves_a_card_with_the_move_menu(
    open_page: Callable[[], Any], board: Board
) -> None:
    docs = Card.objects.get(initiative__key="DOCS-2")
    scoping = column_of(board, Stage.SCOPING)
    page = open_page()
    login(page, "manager", PASSWORD)
    page.goto(board.get_absolute_url())

    link = page.get_by_role("link", name="Move DOCS-2 to…")
    link.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("form", name="Move DOCS-2")
    column = menu.get_by_label("Column")
    assert column.evaluate("el => el === document.activeElement")
    column.select_option(str(scoping.pk))
    menu.get_by_label("Position").select_option("top")
    with page.expect_response(re.compile(r"/api/cards/\d+/move/$")) as response:
        menu.get_by_role("button", name="Move").press("Enter")
    assert response.value.status == 200
    page.locator(f'ol[data-column="{scoping.pk}"] #card-{docs.pk}').wait_for()
    # Focus comes back to the moved card's menu link.
    page.wait_for_function(
        f"document.activeElement && "
        f"document.activeElement.closest('#card-{docs.pk}') !== null"
    )
    docs.refresh_from_db()
    assert docs.column == scoping


def test_stakeholder_sees_a_read_only_board(
    open_page: Callable[[], Any], board: Board
) -> None:
    UserFactory(username="viewer", roles=["stakeholder"])
    page = open_page()
    login(page, "viewer", PASSWORD)
    page.goto(board.get_absolute_url())
    assert page.locator(".board-card").count() == 4
    assert page.locator(".drag-handle").count() == 0
    assert page.get_by_role("link", name=re.compile("Move .* to…")).count() == 0


def test_filters_swap_the_columns_without_a_reload(
    open_page: Callable[[], Any], board: Board
) -> None:
    page = open_page()
    login(page, "manager", PASSWORD)
    page.goto(board.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Text").fill("fraud")
    # htmx swaps the columns and pushes the filter into the URL.
    page.wait_for_function("document.querySelectorAll('.board-card').length === 1")
    page.wait_for_function("location.search.includes('q=fraud')")
    assert page.locator(".board-card").get_attribute("data-key") == "FRAUD-7"
    assert (
        page.get_by_test_id("card-count")
        .inner_text()
        .startswith("1 of 4 cards match the filters")
    )
    assert page.evaluate("window.stillTheSamePage") is True
    # A reload keeps the filter: it lives in the URL.
    page.reload()
    assert page.get_by_label("Text").input_value() == "fraud"
    assert page.locator(".board-card").count() == 1


def test_an_open_board_says_when_it_is_deleted(
    open_page: Callable[..., Any], board: Board
) -> None:
    empty = board_create(
        actor=board.created_by,  # type: ignore[arg-type]
        name="Short-lived",
        include_initiatives=False,
    )
    # Polling a deleted board answers 404, which Chromium logs.
    page = open_page(re.compile(r"status of (404|409)"))
    login(page, "manager", PASSWORD)
    page.goto(empty.get_absolute_url())
    Board.objects.filter(pk=empty.pk).delete()
    page.get_by_role("alert").filter(has_text="This board has been deleted.").wait_for(
        timeout=LIVE
    )

"""The sign-off journey: an author edits a requirement document and asks a
stakeholder to sign it; the stakeholder finds it in their inbox, reads the
diff, approves with their password; the board card then shows it approved and
the gate that waited for it lets the card through."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from teamhub.core.models import User
from teamhub.initiatives.models import Card, ColumnGate, GateRule
from teamhub.initiatives.services_boards import board_create
from teamhub.requirements.models import RequirementDoc, SignOff
from teamhub.requirements.services import doc_create
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory, UserFactory

PASSWORD = "secret-pass-123"  # UserFactory's


@pytest.fixture
def journey(transactional_db: Any) -> dict[str, Any]:
    author: User = UserFactory(
        username="maria", first_name="Maria", last_name="Manager", roles=["manager"]
    )
    team = TeamFactory(name="Retention")
    PersonFactory(user=author, team=team)
    stakeholder: User = UserFactory(
        username="sam", first_name="Sam", last_name="Sponsor", roles=["stakeholder"]
    )
    PersonFactory(user=stakeholder, team=TeamFactory(name="Customer Care"))
    initiative = InitiativeFactory(
        key="RET-7",
        title="Churn early warning",
        team=team,
        owner=author.person,
        business_kpi="Retained revenue (k€ / month)",
        kpi_target="120",
        mission_criticality=2,
    )
    board = board_create(actor=author, name="Retention", team=team)
    card = Card.objects.select_related("column").get(board=board, initiative=initiative)
    # The next column waits for an approved requirement document.
    next_column = board.columns.filter(position__gt=card.column.position).earliest(
        "position"
    )
    ColumnGate.objects.update_or_create(
        column=next_column,
        rule=GateRule.APPROVED_REQUIREMENTS,
        defaults={"active": True, "min_criticality": 1},
    )
    doc = doc_create(actor=author, initiative=initiative, title="Churn warning spec")
    return {
        "doc": doc,
        "board": board,
        "card": card,
        "next_column": next_column,
        "stakeholder": stakeholder,
    }


def move_card(page: Any, column_id: int) -> int:
    """Move RET-7 with its keyboard "Move to…" menu; return the API's status."""
    page.get_by_role("link", name="Move RET-7 to…").click()
    menu = page.get_by_role("form", name="Move RET-7")
    menu.get_by_label("Column").select_option(str(column_id))
    with page.expect_response(re.compile(r"/api/cards/\d+/move/$")) as response:
        menu.get_by_role("button", name="Move").click()
    return int(response.value.status)


def test_author_requests_and_stakeholder_approves(
    journey: dict[str, Any], open_page: Callable[..., Any]
) -> None:
    doc: RequirementDoc = journey["doc"]
    card: Card = journey["card"]
    page = open_page(width=1400)

    # The author writes version 2 and asks Sam to sign it.
    login(page, "maria", PASSWORD)
    page.goto(f"/requirements/{doc.pk}/")
    expect(page.get_by_test_id("state-badge").first).to_have_text("Draft")
    page.get_by_test_id("edit").click()
    page.get_by_label("Acceptance criteria").fill(
        "Recall of 0.6 at a 10 % call list, four weeks running."
    )
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("version-line")).to_contain_text("Version 2 of 2")
    page.get_by_test_id("request-signoff").click()
    page.get_by_label(re.compile("Sam Sponsor")).check()
    page.get_by_label("Due date").fill(
        (dt.date.today() + dt.timedelta(days=7)).isoformat()
    )
    page.get_by_role("button", name="Ask to sign version 2").click()
    expect(page.get_by_test_id("signoff-panel")).to_contain_text("Sam Sponsor")
    expect(page.get_by_test_id("state-badge").first).to_have_text("In review")

    # The card cannot pass the gate yet.
    page.goto(f"/boards/{journey['board'].pk}/")
    face = page.locator(f"#card-{card.pk}")
    expect(face.get_by_test_id("signoff-slot")).to_contain_text("In review")
    assert move_card(page, journey["next_column"].pk) == 409
    page.get_by_role("alert").filter(has_text="RET-7 was not moved").wait_for()

    # Sam finds it in the inbox, reads what changed, and approves.
    sam = open_page(width=1400)
    login(sam, "sam", PASSWORD)
    expect(sam.get_by_test_id("inbox-count")).to_have_text("1")
    sam.get_by_test_id("inbox-link").click()
    inbox = sam.get_by_test_id("inbox")
    expect(inbox).to_contain_text("Churn warning spec")
    inbox.get_by_role("link", name="Review and sign").click()
    expect(sam.get_by_test_id("meaning-approved")).to_contain_text(
        "I approve version 2 of “Churn warning spec” as the requirements for RET-7"
    )
    sam.get_by_test_id("read-in-full").click()
    sam.get_by_role("link", name="Compare versions").click()
    diff = sam.get_by_test_id("diff-fields")
    expect(
        diff.locator("tr[data-field='acceptance_criteria'] .diff-new")
    ).to_contain_text("Recall of 0.6")
    sam.go_back()
    sam.go_back()
    sam.locator("input[name=decision][value=approved]").check()
    sam.get_by_label("Your password").fill(PASSWORD)
    sam.screenshot(path=str(SCREENSHOTS / "signoff.png"), full_page=True)
    sam.get_by_role("button", name="Sign").click()
    expect(sam.get_by_test_id("state-badge").first).to_have_text("Approved")
    expect(sam.get_by_test_id("inbox-count")).to_have_text("0")
    signoff = SignOff.objects.get()
    assert signoff.decision == SignOff.Decision.APPROVED
    assert signoff.version.number == 2
    assert signoff.content_sha256 == signoff.version.content_sha256

    # Back on the board the card shows it approved, and the gate lets it through.
    page.reload()
    face = page.locator(f"#card-{card.pk}")
    expect(face.get_by_test_id("signoff-slot")).to_contain_text("Approved")
    assert move_card(page, journey["next_column"].pk) == 200
    page.locator(
        f'ol[data-column="{journey["next_column"].pk}"] #card-{card.pk}'
    ).wait_for()
    page.goto(f"/requirements/{doc.pk}/")
    page.screenshot(path=str(SCREENSHOTS / "requirement-doc.png"), full_page=True)

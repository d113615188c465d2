"""The staffing journey: on the demo data a manager opens Staffing, asks for an
ML engineer (two must-have skills and a nice one) on an upcoming initiative,
reads the explanations, accepts the proposed team and finds the new proposed
assignment on a member's profile."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from teamhub.initiatives.models import Assignment, Initiative
from teamhub.staffing.models import StaffingRequest, Suggestion
from tests.e2e.conftest import SCREENSHOTS, login


def _upcoming_initiative() -> Initiative:
    """An initiative that starts later and sits on a board (so it has a card)."""
    found = (
        Initiative.objects.filter(start__gt=timezone.localdate(), cards__isnull=False)
        .order_by("start", "key")
        .first()
    )
    assert found is not None, "the demo data has no upcoming initiative on a board"
    return found


def test_manager_requests_people_reads_why_and_accepts_the_team(
    page: Any, demo_data: None
) -> None:
    initiative = _upcoming_initiative()
    login(page, "manager")

    page.get_by_role("link", name="Staffing", exact=True).click()
    expect(page.get_by_role("heading", name="Staffing requests")).to_be_visible()
    page.get_by_test_id("new-request").click()

    # One role; the third skill goes in a row added with "+ Add skill".
    page.get_by_role("combobox", name=re.compile("^Initiative")).select_option(
        str(initiative.pk)
    )
    page.get_by_label("Note").fill("Second iteration: online evaluation.")
    role = page.get_by_test_id("role-block").first
    role.get_by_role("textbox", name=re.compile("^Role")).fill("ML engineer")
    role.get_by_role("spinbutton", name=re.compile("^People")).fill("1")
    role.get_by_role("spinbutton", name=re.compile("^Allocation")).fill("40")
    start = initiative.start
    end = initiative.target_date or start + dt.timedelta(days=120)
    role.get_by_role("textbox", name=re.compile("^Start")).fill(start.isoformat())
    role.get_by_role("textbox", name=re.compile("^End")).fill(end.isoformat())
    rows = role.get_by_test_id("skill-row")
    rows.nth(0).get_by_label("Skill").fill("Python")
    rows.nth(1).get_by_label("Skill").fill("Machine learning")
    rows.nth(1).get_by_label("Minimum level").select_option("3")
    role.get_by_role("button", name="+ Add skill").click()
    expect(rows).to_have_count(5)
    added = rows.nth(4)
    expect(added.get_by_label("Skill")).to_be_focused()
    added.get_by_label("Skill").fill("SQL")
    added.get_by_label("Importance").select_option("nice")
    page.get_by_test_id("create-request").click()

    # The request page: suggestions are computed on commit (Celery runs eager).
    page.wait_for_url(re.compile(r"/staffing/\d+/$"))
    expect(
        page.get_by_role("alert").filter(has_text="Created the staffing request")
    ).to_be_visible()
    staffing = StaffingRequest.objects.get(
        initiative=initiative, note__startswith="Second"
    )
    assert staffing.computed_at is not None
    expect(page.get_by_test_id("note")).to_have_text(
        "Second iteration: online evaluation."
    )
    team = page.get_by_test_id("team")
    expect(team.get_by_test_id("member")).to_have_count(1)
    expect(team.get_by_test_id("team-feasible")).to_be_visible()
    expect(team.get_by_test_id("coverage-row")).to_have_count(2)
    expect(team.get_by_test_id("method")).not_to_be_empty()

    best = page.get_by_test_id("candidate").first
    expect(best.locator("[data-testid=score] .progress-bar")).to_be_visible()
    width = best.locator("[data-testid=score] .progress-bar").evaluate(
        "el => el.getBoundingClientRect().width"
    )
    assert width > 0
    expect(best.get_by_test_id("term")).to_have_count(6)
    expect(best.locator("[data-term=skill_fit]")).to_contain_text("Skill fit")
    expect(best.get_by_test_id("check-met").first).to_contain_text(re.compile(r"≥ 3"))
    expect(best.get_by_test_id("strip")).to_be_visible()
    cells = best.locator(".staffing-strip-cell")
    assert cells.count() >= 4
    assert re.match(
        r"week of \d+ \w{3}: \d+% booked", cells.first.get_attribute("title") or ""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staffing-request.png"), full_page=True)

    # Every candidate and the alternatives with their gaps, on the role page.
    page.get_by_test_id("all-candidates").click()
    page.wait_for_url(re.compile(r"/staffing/roles/\d+/$"))
    expect(
        page.get_by_role(
            "heading", name=re.compile("Alternatives — missing a must-have")
        )
    ).to_be_visible()
    alternative = page.get_by_test_id("alternatives").get_by_test_id("candidate").first
    expect(alternative.get_by_test_id("check-missing").first).to_be_visible()
    expect(alternative.get_by_test_id("badge-alternative")).to_be_visible()
    # The picture: the last matches, then the alternatives with their gaps.
    top = page.get_by_test_id("alternatives").evaluate(
        "el => el.getBoundingClientRect().top + window.scrollY"
    )
    page.screenshot(
        path=str(SCREENSHOTS / "staffing-role.png"),
        full_page=True,
        clip={"x": 0, "y": max(0, top - 500), "width": 1400, "height": 1700},
    )
    page.go_back()

    # Accept the proposed team: the member shows accepted, with a proposed assignment.
    member = page.get_by_test_id("team").get_by_test_id("member").first
    name = member.get_by_role("link").inner_text().strip()
    page.get_by_test_id("team-accept").click()
    expect(
        page.get_by_role("alert").filter(has_text="Accepted the proposed team")
    ).to_be_visible()
    member = page.get_by_test_id("team").get_by_test_id("member").first
    expect(member.get_by_test_id("badge-accepted")).to_be_visible()
    expect(page.get_by_test_id("team-filled").first).to_have_text("1 of 1 accepted")
    accepted = Suggestion.objects.get(
        role__request=staffing, status=Suggestion.Status.ACCEPTED
    )
    assert accepted.person.name == name
    assignment = Assignment.objects.get(person=accepted.person, initiative=initiative)
    assert assignment.status == Assignment.Status.PROPOSED
    assert assignment.allocation == 40

    member.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    item = page.locator(f'[data-assignment="{assignment.pk}"]')
    expect(item).to_contain_text(initiative.key)
    expect(item).to_contain_text("Proposed")

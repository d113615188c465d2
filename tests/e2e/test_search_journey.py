"""A manager logs in, searches `pytorh:4` and opens a profile from the results."""

import re
from typing import Any

from tests.e2e.conftest import SCREENSHOTS, login


def test_manager_searches_with_a_typo_and_opens_a_profile(
    page: Any, demo_data: None
) -> None:
    login(page, "manager")
    assert page.get_by_test_id("current-user").is_visible()

    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_role("searchbox", name="Skills").fill("pytorh:4")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state("networkidle")

    resolved = page.get_by_test_id("resolved")
    assert "PyTorch" in resolved.inner_text()
    results = page.get_by_test_id("result")
    assert results.count() > 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)

    link = results.first.get_by_role("link").first
    name = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert name in page.get_by_role("heading", level=1).inner_text()
    assert "PyTorch" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "profile.png"), full_page=True)

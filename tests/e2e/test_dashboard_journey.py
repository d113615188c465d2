"""The dashboard journey: on the demo data a manager opens the dashboard, every
chart is drawn by plotly.js with no JavaScript error, and a click on a cell of
the skill coverage heatmap opens the skill search prefilled for that cell."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

import teamhub.dashboard.builders  # noqa: F401  (the real charts, registered first)
from teamhub.dashboard.charts import CHARTS
from tests.e2e.conftest import SCREENSHOTS, login

# The cell clicked: the first team row with people, its first skill with people.
CELL_JS = """
(gd) => {
  const trace = gd._fullData.findIndex(
    (t) => t.type === "heatmap" && t.customdata && t.y.length > 1);
  if (trace < 0) { return null; }
  const data = gd._fullData[trace];
  for (let row = 0; row < data.y.length; row++) {
    for (let col = 0; col < data.x.length; col++) {
      if (data.z[row][col] > 0) {
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {
          x: box.left + xa._offset + xa.d2p(data.x[col]),
          y: box.top + ya._offset + ya.d2p(data.y[row]),
          url: data.customdata[row][col],
        };
      }
    }
  }
  return null;
}
"""


Y_TICKS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
  (gd) => Array.from(gd.querySelectorAll('.ytick text')).map((t) => t.textContent))"""


def assert_each_tick_label_once(page: Any) -> None:
    """Count axes label each whole number once (no "0, 0, 1, 1")."""
    for ticks in page.evaluate(Y_TICKS_JS):
        assert len(ticks) == len(set(ticks)), ticks


def test_manager_opens_the_dashboard_and_clicks_through_to_the_search(
    page: Any, demo_data: None
) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    login(page, "manager")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()

    cards = page.get_by_test_id("chart")
    assert CHARTS, "teamhub.dashboard.builders registers no chart"
    expect(cards.first).to_be_visible()
    figures = page.locator("[data-figure]")
    total = figures.count()
    assert total >= 1, "no chart has data on the demo organisation"
    # Every figure drawn: plotly.js made its SVG in each.
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot').length === n", arg=total
    )
    for index in range(total):
        expect(figures.nth(index).locator(".main-svg").first).to_be_attached()
        expect(figures.nth(index).locator(".modebar")).to_be_attached()
        expect(figures.nth(index).locator(".modebar-btn--logo")).to_have_count(0)
    for card in cards.all():
        expect(card.get_by_test_id("caption")).not_to_be_empty()
        expect(card.get_by_role("link", name="Download CSV")).to_be_visible()

    assert_each_tick_label_once(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # A cell of the skill coverage heatmap opens the skill search prefilled.
    if "skill_coverage" not in CHARTS:
        pytest.skip("the skill coverage chart is not registered yet")
    heatmap = page.locator('[data-chart="skill_coverage"] .js-plotly-plot')
    heatmap.scroll_into_view_if_needed()
    cell = heatmap.evaluate(CELL_JS)
    assert cell is not None, "the heatmap has no team cell with people"
    assert cell["url"].startswith("/people/search/?")
    page.mouse.move(cell["x"], cell["y"])
    page.mouse.click(cell["x"], cell["y"])
    page.wait_for_url(re.compile(r"/people/search/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == parse_qs(urlsplit(cell["url"]).query)
    expect(page.locator('input[name="q"]')).to_have_value(query["q"][0])


@pytest.mark.parametrize(
    ("login_name", "keys", "screenshot"),
    [
        (
            "scientist",
            ["signoffs", "my_allocations", "my_goals", "my_signoffs"],
            "dashboard-scientist.png",
        ),
        ("stakeholder", ["signoffs"], None),
    ],
)
def test_each_role_sees_its_own_dashboard(
    page: Any, demo_data: None, login_name: str, keys: list[str], screenshot: str | None
) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    login(page, login_name)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    cards = page.get_by_test_id("chart")
    expect(cards.first).to_be_visible()
    shown = [card.get_attribute("data-chart") for card in cards.all()]
    assert shown == [key for key in keys if key in CHARTS]
    total = page.locator("[data-figure]").count()
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=total,
    )
    assert_each_tick_label_once(page)
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)

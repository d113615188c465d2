"""Headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import services

# The live server runs in a thread of the test process; Playwright's sync API runs
# an event loop, which Django would otherwise refuse to do ORM work beside.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The refused actions a journey provokes on purpose (e.g. a gated move's 409).
EXPECTED_ERRORS = re.compile(r"status of 409")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = services.chromium_path()
    if executable is None:
        services.missing("Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=services.CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Callable[[], Any]]:
    """Return a factory of fresh browser pages (own contexts); JavaScript errors
    fail the test, except the responses it expects (a refused move's 409)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(
        expected: re.Pattern[str] = EXPECTED_ERRORS,
        width: int = 2200,
        height: int = 1100,
    ) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and not expected.search(msg.text)
                else None
            ),
        )
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the browser: {errors}"


# A pattern no console message matches: every JavaScript error fails the test.
NO_EXPECTED_ERRORS = re.compile(r"(?!)")


@pytest.fixture
def page(open_page: Callable[..., Any]) -> Any:
    """A fresh browser page; any JavaScript error on it fails the test."""
    return open_page(NO_EXPECTED_ERRORS, width=1400, height=900)


@pytest.fixture
def demo_data(transactional_db: Any, settings: Any, tmp_path: Path) -> None:
    """Seed a small demo organisation with the demo logins (its Git repository
    and mirror in a temporary folder, not the developer's var/)."""
    from django.core.management import call_command

    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path / "var"
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "var" / "git"
    call_command("seed_demo", people=60, seed=7, verbosity=0)


def login(page: Any, username: str, password: str = "teamhub-demo") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")

"""Charts missing from the cache are built side by side in threads, each with
its own database connection; the page is the same as when built one by one."""

from __future__ import annotations

import threading
from dataclasses import replace
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

import teamhub.dashboard.builders  # noqa: F401  (the real charts)
from teamhub.core.models import User
from teamhub.dashboard.building import built_charts
from teamhub.dashboard.charts import CHARTS, DashboardFilters, charts_for

# Real commits: the builder threads' connections see only committed data.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings: Any) -> User:
    settings.DEMO_MODE = True
    call_command("seed_demo", "--people=30", "--seed=3", stdout=StringIO())
    return User.objects.get(username="admin")  # sees every chart


def _page(viewer: User) -> list[tuple[Any, ...]]:
    today = timezone.localdate()
    filters = DashboardFilters(None, today.replace(day=1).replace(month=1), today)
    return [
        (built.key, built.figure, built.rows, built.lists)
        for built in built_charts(charts_for(viewer), filters, viewer)
    ]


@pytest.fixture
def clock_stopped() -> Any:
    """Both builds see the same "now": open stays' ages (in hundredths of a day)
    would otherwise differ between two builds a second apart, now and then."""
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        yield


def test_charts_built_in_threads_equal_those_built_one_by_one(
    demo: User, settings: Any, clock_stopped: None
) -> None:
    settings.TEAMHUB_DASHBOARD_BUILD_THREADS = 1
    one_by_one = _page(demo)
    assert [key for key, *_ in one_by_one] == [s.key for s in charts_for(demo)]
    assert sum(bool(rows) for _, _, rows, _ in one_by_one) >= len(one_by_one) // 2

    cache.clear()
    settings.TEAMHUB_DASHBOARD_BUILD_THREADS = 4
    threads: set[str] = set()
    real = {key: spec.build for key, spec in CHARTS.items()}

    def recording(key: str) -> Any:
        def build(**kwargs: Any) -> Any:
            threads.add(threading.current_thread().name)
            return real[key](**kwargs)

        return build

    patched = {key: replace(spec, build=recording(key)) for key, spec in CHARTS.items()}
    with mock.patch.dict(CHARTS, patched):
        assert _page(demo) == one_by_one
    assert threads and all(name.startswith("dashboard") for name in threads)
    assert len(threads) > 1


def test_a_cached_page_builds_nothing(demo: User, settings: Any) -> None:
    settings.TEAMHUB_DASHBOARD_BUILD_THREADS = 4
    first = _page(demo)
    with mock.patch("teamhub.dashboard.building._build") as build:
        assert _page(demo) == first
    build.assert_not_called()


def test_charts_are_shared_by_viewers_with_the_same_roles_unless_personal(
    demo: User, settings: Any, make_user: Any
) -> None:
    settings.TEAMHUB_DASHBOARD_BUILD_THREADS = 1
    first, second = make_user("manager"), make_user("manager")
    _page(first)
    built: list[str] = []
    real = {key: spec.build for key, spec in CHARTS.items()}

    def recording(key: str) -> Any:
        def build(**kwargs: Any) -> Any:
            built.append(key)
            return real[key](**kwargs)

        return build

    patched = {key: replace(spec, build=recording(key)) for key, spec in CHARTS.items()}
    with mock.patch.dict(CHARTS, patched):
        _page(second)
    # Only the charts showing the viewer's own data are built again.
    assert built == [s.key for s in charts_for(second) if s.per_viewer]
    assert built == ["signoffs"]

"""The dashboard's cache on Redis, as production runs it: a chart is kept until
the data it depends on changes, and a change made by any process (the Celery
worker's sync runs) is seen by every web process through the shared versions."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

import teamhub.dashboard.builders  # noqa: F401  (the real charts)
from teamhub.dashboard.freshness import KEY, versions
from tests.factories import PersonFactory

ROOT = Path(__file__).resolve().parents[2]
URL = "/dashboard/skill_coverage.csv"


@pytest.fixture
def cache_url(redis_url: str) -> str:
    """A Redis database of its own (the broker's stays untouched by clear())."""
    return redis_url.rsplit("/", 1)[0] + "/7"


@pytest.fixture
def redis_cache(cache_url: str) -> Iterator[None]:
    settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_url,
        }
    }
    with override_settings(CACHES=settings):
        cache.clear()
        yield
        cache.clear()


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_a_chart_cached_in_redis_is_rebuilt_after_a_change(
    redis_cache: None, client_as: Callable[..., Client]
) -> None:
    client = client_as("manager")
    building = _queries(client)
    cached = _queries(client)
    assert cached < building
    PersonFactory()  # committed at once: people changed
    assert _queries(client) == building
    assert _queries(client) == cached


@pytest.mark.django_db(transaction=True)
def test_a_version_bumped_by_another_process_reaches_this_one(
    redis_cache: None, cache_url: str
) -> None:
    before = versions(["people"])["people"]
    # Another process (as the Celery worker would) changes people's data.
    code = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'teamhub.settings');"
        "django.setup();"
        "from teamhub.dashboard.freshness import data_changed;"
        "data_changed(['people'])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": cache_url,  # the production settings' cache
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "freshness-test",
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    after = versions(["people"])["people"]
    assert after != before
    assert cache.get(KEY.format(label="people")) == after

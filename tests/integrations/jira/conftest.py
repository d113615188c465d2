"""Fixtures: a fake Jira on 127.0.0.1, a connection to it, and runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from teamhub.integrations.jira.client import JiraClient
from teamhub.integrations.models import JiraConnection, SyncRun
from tests.integrations.jira.fake import FakeJira

TOKEN = "ATATT3xFfGF0-secret-token-value"


@pytest.fixture
def fake_jira(httpserver: HTTPServer) -> FakeJira:
    return FakeJira(server=httpserver)


@pytest.fixture
def waits() -> list[float]:
    """The waits a client asked for (recorded instead of slept)."""
    return []


@pytest.fixture
def make_client(fake_jira: FakeJira, waits: list[float]) -> Callable[..., JiraClient]:
    def make(**options: Any) -> JiraClient:
        settings: dict[str, Any] = {
            "base_url": fake_jira.base_url,
            "deployment": fake_jira.deployment,
            "email": "bot@example.com",
            "token": TOKEN,
            "timeout": 5,
            "max_retries": 3,
            "sleep": waits.append,
        }
        settings.update(options)
        return JiraClient(**settings)

    return make


@pytest.fixture
def connection(db: Any, fake_jira: FakeJira) -> JiraConnection:
    jira = JiraConnection(
        name="Example Jira",
        base_url=fake_jira.base_url,
        deployment=fake_jira.deployment,
        email="bot@example.com",
        jql="project = ML ORDER BY rank",
    )
    jira.token_set(TOKEN)
    jira.save()
    return jira


@pytest.fixture
def make_run(connection: JiraConnection) -> Callable[..., SyncRun]:
    """Return a factory: make_run(since=...) -> a running run (earlier ones closed)."""

    def make(since: dt.datetime | None = None) -> SyncRun:
        SyncRun.objects.filter(
            jira=connection, status__in=["queued", "running"]
        ).update(status="failed")
        return SyncRun.objects.create(
            jira=connection,
            status=SyncRun.Status.RUNNING,
            started_at=timezone.now(),
            since=since,
        )

    return make

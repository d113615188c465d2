"""Shared fixtures: users per role, clients, and the optional PostgreSQL run."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.result import _set_task_join_will_block
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from rest_framework.test import APIClient

from teamhub.celery import app as celery_app
from teamhub.core.models import User
from tests import services
from tests.factories import PersonFactory, UserFactory

ROLES = ["manager", "data_scientist", "stakeholder", "admin"]
# Roles that are also people in the registry (stakeholders and admins need not be).
ROLES_WITH_PERSON = {"manager", "data_scientist"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        action="store_true",
        help="run the database tests on a throwaway PostgreSQL instead of SQLite",
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Tests marked ``postgres`` need row locks: they run in the --postgres pass."""
    if config.getoption("--postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL row locks: run with --postgres")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request: pytest.FixtureRequest) -> Iterator[None]:
    """With --postgres, point the default database at a throwaway PostgreSQL.

    Each xdist worker starts its own server, so test database names need no suffix.
    """
    if not request.config.getoption("--postgres"):
        request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")
        yield
        return
    from django.conf import settings

    bindir = services.postgres_bindir()
    if bindir is None:
        services.missing("PostgreSQL (initdb/pg_ctl)")
        return
    with services.postgres_server(bindir) as pg:
        db = settings.DATABASES["default"]
        db.update(
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "postgres",
                "USER": pg.user,
                "PASSWORD": pg.password,
                "HOST": pg.host,
                "PORT": str(pg.port),
                "OPTIONS": {},
                "CONN_MAX_AGE": 0,
            }
        )
        db["TEST"]["NAME"] = "teamhub_test"
        # django.setup() already opened a SQLite connection: drop it so the next use
        # builds one from the updated settings.
        from django.db import connections

        connections["default"].close()
        del connections["default"]
        yield


@pytest.fixture(autouse=True, scope="session")
def _celery_eager() -> Iterator[None]:
    """Tasks run inline in ordinary tests; tests marked celery_worker use a real one."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _dashboard_built_in_this_thread(settings: Any) -> None:
    """Dashboard charts are built in the test's own thread: other threads have
    their own connections, which cannot see the test's uncommitted data.
    tests/dashboard/test_building.py covers the threaded build."""
    settings.TEAMHUB_DASHBOARD_BUILD_THREADS = 1


@pytest.fixture(autouse=True)
def _celery_results_joinable() -> None:
    """Let a test wait for an eager task's result: Celery marks the process as
    one where joining would block when a worker starts in it, and an eager task
    applied on another thread (the live server's) can leave the mark behind."""
    _set_task_join_will_block(False)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """Return a factory: make_user("manager") -> user with that role (and a Person)."""

    def make(
        role: str | None = None, *, username: str | None = None, **kw: Any
    ) -> User:
        roles = [role] if role else []
        extra = {"username": username} if username else {}
        user = UserFactory(roles=roles, **extra, **kw)
        if role in ROLES_WITH_PERSON:
            PersonFactory(user=user)
        return user

    return make


@pytest.fixture
def client_as(make_user: Callable[..., User]) -> Callable[[str | None], Client]:
    """Return a factory: client_as("manager") -> a Django client logged in as one."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(make_user(role))
        return client

    return make


@pytest.fixture
def api_as(make_user: Callable[..., User]) -> Callable[[str | None], APIClient]:
    """Return a factory: api_as("manager") -> an API client authenticated by token."""
    from rest_framework.authtoken.models import Token

    def make(role: str | None) -> APIClient:
        client = APIClient()
        if role is not None:
            user = make_user(role)
            token = Token.objects.create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            client.user = user  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("manager", username="boss")


@pytest.fixture
def scientist(make_user: Callable[..., User]) -> User:
    return make_user("data_scientist", username="ada")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 for this test session."""
    with services.redis_server() as url:
        yield url


@pytest.fixture
def celery_worker(redis_url: str, transactional_db: Any) -> Iterator[Any]:
    """A real Celery worker (in a thread of this process) consuming from real Redis.

    Tasks are sent through the broker exactly as in production; the worker shares the
    test database with the test.
    """
    with _sqlite_reads_take_no_table_locks():
        yield from _running_worker(redis_url)


@contextlib.contextmanager
def _sqlite_reads_take_no_table_locks() -> Iterator[None]:
    """Let the test and the worker thread share SQLite's in-memory test database.

    That database runs in shared-cache mode, where a connection reading a table holds a
    table lock that makes another connection's write fail at once with "database table
    is locked" (busy_timeout does not apply). In read-uncommitted mode a reader takes no
    table locks, so the test polling a row never fails the worker's write, nor the
    other way round. PostgreSQL needs none of this.
    """

    def read_uncommitted(db: Any, on: bool = True) -> None:
        if db.vendor == "sqlite":
            with db.cursor() as cursor:
                cursor.execute(f"PRAGMA read_uncommitted = {int(on)}")

    def on_connection_created(connection: Any, **kwargs: Any) -> None:
        read_uncommitted(connection)

    connection_created.connect(on_connection_created, weak=False)
    read_uncommitted(connection)
    try:
        yield
    finally:
        connection_created.disconnect(on_connection_created)
        read_uncommitted(connection, on=False)


def _running_worker(redis_url: str) -> Iterator[Any]:
    from celery.contrib.testing.worker import start_worker

    previous = {
        key: celery_app.conf[key]
        for key in ("broker_url", "result_backend", "task_always_eager")
    }
    celery_app.conf.update(
        broker_url=redis_url, result_backend=redis_url, task_always_eager=False
    )
    _drop_broker_connections()
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker
    celery_app.conf.update(previous)
    _drop_broker_connections()


def _drop_broker_connections() -> None:
    """Forget pooled connections and producers bound to an earlier broker URL."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None

"""When cached dashboard charts go stale: any write to the data they read.

Every database connection runs its statements through ``watch_writes``: an
``INSERT``, ``UPDATE`` or ``DELETE`` on a TeamHub table marks the table's app and
model as changed once the transaction commits. Watching the statements rather
than model signals also sees ``bulk_create``, ``QuerySet.update`` and raw SQL,
which send no signals -- the Jira and Git syncs write activity that way.

A change gives each label a new random version token in the cache (the one the
charts live in: local memory by default, Redis in production, so every process
of a deployment sees it). A chart's cache key holds the tokens of the labels it
``depends_on``, so a change to any of them makes the old entry unreachable. A
token that has fallen out of the cache is replaced by a fresh one, never by an
old value, so an evicted token cannot bring back a stale chart.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache as memoize
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db.backends.base.base import BaseDatabaseWrapper

# The label every change bumps: charts that name no dependencies depend on it.
EVERYTHING = "*"
KEY = "dashboard:version:{label}"
WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+[`"]?(\w+)',
    re.IGNORECASE,
)


@memoize
def _labels_by_table() -> Mapping[str, tuple[str, ...]]:
    """Return, per TeamHub table, the labels a write to it changes."""
    tables: dict[str, tuple[str, ...]] = {}
    for model in apps.get_models(include_auto_created=True):
        config = apps.get_app_config(model._meta.app_label)
        if not config.name.startswith("teamhub."):
            continue
        label = model._meta.app_label
        tables[model._meta.db_table] = (
            label,
            f"{label}.{model._meta.object_name}",
            EVERYTHING,
        )
    return tables


def changed_labels(sql: str) -> tuple[str, ...]:
    """Return the labels a statement changes: none for reads and for tables
    outside TeamHub (sessions, Celery results)."""
    match = WRITE.match(sql)
    if match is None:
        return ()
    return _labels_by_table().get(match.group(1), ())


def data_changed(labels: Iterable[str]) -> None:
    """Give each label a new version: charts depending on it are rebuilt."""
    cache.set_many(
        {KEY.format(label=label): uuid.uuid4().hex for label in labels}, None
    )


class PendingChanges:
    """The labels one transaction changed, bumped when it commits."""

    def __init__(self) -> None:
        self.labels: set[str] = set()

    def __call__(self) -> None:
        data_changed(self.labels)


def _mark(connection: BaseDatabaseWrapper, labels: tuple[str, ...]) -> None:
    if not connection.in_atomic_block:
        data_changed(labels)
        return
    # One callback per transaction; a rolled-back savepoint drops its
    # callbacks, so look for ours among those still registered.
    pending = getattr(connection, "_dashboard_pending", None)
    if pending is None or not any(
        entry[1] is pending for entry in connection.run_on_commit
    ):
        pending = PendingChanges()
        connection._dashboard_pending = pending  # type: ignore[attr-defined]
        connection.on_commit(pending)
    pending.labels.update(labels)


def watch_writes(
    execute: Callable[..., Any],
    sql: str,
    params: Any,
    many: bool,
    context: dict[str, Any],
) -> Any:
    """Database execute wrapper: run the statement, then note what it changed."""
    result = execute(sql, params, many, context)
    labels = changed_labels(sql)
    if labels:
        _mark(context["connection"], labels)
    return result


def install(connection: BaseDatabaseWrapper, **_kwargs: Any) -> None:
    """``connection_created`` receiver: watch this connection's writes."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def versions(labels: Sequence[str]) -> dict[str, str]:
    """Return each label's current version token, in one cache round trip
    (two when some are missing: they get fresh tokens)."""
    keys = {label: KEY.format(label=label) for label in labels}
    found = cache.get_many(list(keys.values()))
    missing = [label for label, key in keys.items() if key not in found]
    if missing:
        fresh = {keys[label]: uuid.uuid4().hex for label in missing}
        for key, token in fresh.items():
            cache.add(key, token, None)  # another process may have won
        found.update(cache.get_many(list(fresh)))
    return {label: found.get(key, "") for label, key in keys.items()}

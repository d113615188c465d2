"""Bulk writes for the demo: ``bulk_create`` in batches, and plain executemany
inserts for the high-volume tables."""

import itertools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 2_000  # rows per bulk_create call; SQLite splits further by its own limits
FLUSH_EVERY = 5_000  # rows per executemany call


def bulk(model: type[models.Model], rows: Iterable[Any]) -> list[Any]:
    return model._default_manager.bulk_create(list(rows), batch_size=BATCH)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT plain value tuples with one executemany per chunk; return the count.

    bulk_create spends over 100 µs a row building SQL in the ORM, which makes
    half a million person skills take minutes; executemany takes a few µs a row.
    Values must already be adapted for the database (see ``Adapt``); no pks come
    back and auto_now fields must be passed explicitly.
    """
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(_column(model, c)) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    # Only quoted identifiers from the model's _meta are interpolated; values are
    # parameters.
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    count = 0
    with connection.cursor() as cursor:
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, FLUSH_EVERY)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


class Adapt:
    """Adapt dates and datetimes for raw inserts, as the ORM would."""

    def __init__(self) -> None:
        self.ops = connection.ops
        self.now = self.datetime(timezone.now())

    def date(self, value: date | None) -> Any:
        return self.ops.adapt_datefield_value(value)

    def datetime(self, value: datetime | None) -> Any:
        return self.ops.adapt_datetimefield_value(value)

    def json(self, value: Any) -> Any:
        return self.ops.adapt_json_value(value, None)

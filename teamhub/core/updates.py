"""Partial updates: services change only the fields a caller gave."""

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models


class Unset(enum.Enum):
    """Marks an update argument the caller did not give (``None`` may be a value)."""

    UNSET = enum.auto()


UNSET = Unset.UNSET

M = TypeVar("M", bound=models.Model)


def jsonable(value: Any) -> Any:
    """Return ``value`` as audit data can store it (JSON)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def apply_changes(instance: M, changes: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields on ``instance``; return ``{field: new}`` for real changes.

    Arguments left ``UNSET`` are skipped, so update services only touch what the
    caller gave.
    """
    changed: dict[str, Any] = {}
    for field, value in changes.items():
        if value is UNSET:
            continue
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed[field] = jsonable(value)
    return changed

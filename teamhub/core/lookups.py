"""``field__any_of=ids``: a long list of ids in one parameter.

A filter like ``person_id__in=ids`` with a few thousand ids costs more to build
than to run: Django prepares every value through the field, and psycopg then
splits a query of thousands of placeholders. ``any_of`` takes plain ints as
they are; on PostgreSQL it is ``column = ANY(%s)`` with the list as one array
parameter, elsewhere the usual ``IN (%s, ...)``. An empty list matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import ForeignObject, IntegerField, Lookup
from django.db.models.sql.compiler import SQLCompiler


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        if isinstance(self.rhs, str | bytes) or not isinstance(self.rhs, Iterable):
            raise TypeError("any_of takes a list of ids.")
        return [int(value) for value in self.rhs]

    def _lhs(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return lhs, list(lhs_params)

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, params = self._lhs(compiler, connection)
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", [*params, *self.rhs]

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, params = self._lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def register() -> None:
    """Make ``any_of`` available on integer columns and foreign keys."""
    IntegerField.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)

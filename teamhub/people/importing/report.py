"""The report of an import: what it would do or did, and every error by cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

# Errors kept in a report; the total is still counted beyond this.
MAX_ERRORS = 500


@dataclass
class ImportReport:
    """What an import would do (a dry run) or did, in JSON-friendly pieces."""

    file_name: str
    format: str = ""
    layout: str = ""
    rows_read: int = 0
    people_matched: int = 0
    creates: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    header_guesses: list[dict[str, Any]] = field(default_factory=list)
    unknown_headers: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def change_count(self) -> int:
        return len(self.creates) + len(self.changes)

    def add_error(
        self, *, row: int, column: str, message: str, index: int | None = None
    ) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            cell = f"{get_column_letter(index + 1)}{row}" if index is not None else ""
            self.errors.append(
                {"row": row, "column": column, "cell": cell, "message": message}
            )

    def error_messages(self) -> list[str]:
        """Return each error as one readable line naming row and column."""
        lines = []
        for error in self.errors:
            where = f"Row {error['row']}, column '{error['column']}'"
            if error["cell"]:
                where += f" ({error['cell']})"
            lines.append(f"{where}: {error['message']}")
        if self.error_count > len(self.errors):
            lines.append(f"… and {self.error_count - len(self.errors)} more errors.")
        return lines

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["change_count"] = self.change_count
        return data

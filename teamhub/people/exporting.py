"""Export the skills registry as CSV or XLSX in the layouts the importer reads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.utils import timezone
from openpyxl import Workbook

from teamhub.people.importing.cells import neutralise
from teamhub.people.models import Person, PersonSkill, Skill

Layout = Literal["wide", "long"]
Format = Literal["csv", "xlsx"]
LAYOUTS: tuple[Layout, ...] = ("wide", "long")
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
WIDE_FIXED = ["email", "name", "team"]
# "source" is for reading only: the importer ignores it (imports are validated).
LONG_HEADER = [
    "email",
    "name",
    "team",
    "skill",
    "level",
    "interest",
    "last_used",
    "source",
]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def _people() -> list[Person]:
    # People without an email cannot be matched on import, so they are left out.
    return list(Person.objects.select_related("user", "team").exclude(user__email=""))


def _wide_rows(*, blank: bool) -> Iterator[list[Any]]:
    skills = list(Skill.objects.order_by("name").values_list("id", "name"))
    yield [*WIDE_FIXED, *(name for _, name in skills)]
    levels: dict[tuple[int, int], int] = {}
    if not blank:
        levels = {
            (person_id, skill_id): level
            for person_id, skill_id, level in PersonSkill.objects.values_list(
                "person_id", "skill_id", "level"
            )
        }
    for person in _people():
        yield [
            person.email,
            person.name,
            person.team.name if person.team else "",
            *(levels.get((person.pk, skill_id)) for skill_id, _ in skills),
        ]


def _long_rows(*, blank: bool) -> Iterator[list[Any]]:
    yield list(LONG_HEADER)
    if blank:
        return
    people = {person.pk: person for person in _people()}
    # All rows in one query; no IN (...) list, which SQLite caps at 999 values.
    person_skills = [
        row
        for row in PersonSkill.objects.values_list(
            "person_id", "skill__name", "level", "interest", "last_used", "source"
        )
        if row[0] in people
    ]
    order = {pk: position for position, pk in enumerate(people)}
    for person_id, skill, level, interest, last_used, source in sorted(
        person_skills, key=lambda row: (order[row[0]], row[1].casefold())
    ):
        person = people[person_id]
        yield [
            person.email,
            person.name,
            person.team.name if person.team else "",
            skill,
            level,
            interest,
            last_used,
            source,
        ]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def _csv(rows: Iterator[list[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    # A byte-order mark makes Excel read the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: Iterator[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Skills")
    sheet.freeze_panes = "A2"
    for row in rows:
        # neutralise(): openpyxl would store text starting with "=" as a formula.
        sheet.append([neutralise(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def registry_export(*, layout: Layout, fmt: Format, blank: bool = False) -> bytes:
    """Return the registry as a file the importer reads back without changes.

    ``blank`` gives a template: wide has everyone's row with empty skill cells,
    long has only the header.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; use wide or long.")
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}; use csv or xlsx.")
    rows = _wide_rows(blank=blank) if layout == "wide" else _long_rows(blank=blank)
    return _csv(rows) if fmt == "csv" else _xlsx(rows)


def registry_export_file(
    *, layout: Layout, fmt: Format, blank: bool = False
) -> ExportFile:
    """Return the export with the content type and a dated download name."""
    kind = "template" if blank else "skills"
    return ExportFile(
        content=registry_export(layout=layout, fmt=fmt, blank=blank),
        content_type=CONTENT_TYPES[fmt],
        filename=f"teamhub-{kind}-{layout}-{timezone.localdate():%Y-%m-%d}.{fmt}",
    )

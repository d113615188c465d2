"""Turn a read table into a plan: the person skills to create and change, or errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone
from openpyxl.utils import get_column_letter

from teamhub.core.models import User
from teamhub.people.importing.cells import looks_like_formula, shorten, unescape
from teamhub.people.importing.columns import Columns, classify_columns
from teamhub.people.importing.parsing import Table
from teamhub.people.importing.report import ImportReport
from teamhub.people.importing.resolving import SkillResolver, normalise
from teamhub.people.importing.values import parse_date, parse_interest, parse_level
from teamhub.people.models import Person, PersonSkill, Skill

# Ids per IN (...) query: well below SQLite's 999 bound parameters.
CHUNK = 500


@dataclass
class Plan:
    report: ImportReport
    to_create: list[PersonSkill] = field(default_factory=list)
    to_update: list[PersonSkill] = field(default_factory=list)


@dataclass
class _Entry:
    """One cell (wide) or row (long) that names a person, a skill and values."""

    row: int
    person: Person
    skill: Skill
    level: int | None
    level_index: int
    interest: int | None = None
    last_used: dt.date | None = None


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _people_by_email(emails: set[str]) -> dict[str, list[Person]]:
    """Return people keyed by lower-cased email, in one query per 500 emails."""
    found: dict[str, list[Person]] = {}
    for chunk in _chunks(sorted(emails)):
        people = (
            Person.objects.select_related("user")
            .annotate(email_lower=Lower("user__email"))
            .filter(email_lower__in=chunk)
        )
        for person in people:
            found.setdefault(person.email_lower, []).append(person)
    return found


def _existing(
    people: list[Person], skills: set[int], *, lock: bool
) -> dict[tuple[int, int], PersonSkill]:
    found: dict[tuple[int, int], PersonSkill] = {}
    if not people or not skills:
        return found
    for chunk in _chunks(sorted(p.pk for p in people)):
        query = PersonSkill.objects.filter(person_id__in=chunk, skill_id__in=skills)
        if lock:
            query = query.select_for_update()
        for person_skill in query:
            found[(person_skill.person_id, person_skill.skill_id)] = person_skill
    return found


def import_plan(
    *, table: Table, file_name: str, actor: User, lock: bool = False
) -> Plan:
    """Work out what importing ``table`` would create and change, without writing.

    With ``lock`` the existing rows are read ``SELECT … FOR UPDATE`` (for apply).
    """
    report = ImportReport(file_name=file_name, format=table.format)
    plan = Plan(report=report)
    resolver = SkillResolver(Skill.objects.only("id", "name", "aliases"))
    width = max([len(table.header)] + [len(cells) for _, cells in table.rows])
    header = _clean_header(table, width, report)
    columns = classify_columns(table, header, resolver, report)
    if columns is None:
        return plan

    rows = [
        (n, _clean_row(n, cells, width, header, columns, report))
        for n, cells in table.rows
    ]
    report.rows_read = len(rows)
    people = _match_people(rows, header, columns, report)
    entries = _entries(rows, header, columns, people, resolver, report)
    matched = {p.pk: p for p in people.values()}
    report.people_matched = len(matched)
    skill_ids = {entry.skill.pk for entry in entries}
    existing = _existing(list(matched.values()), skill_ids, lock=lock)
    _compare(entries, existing, header, columns, actor, plan)
    report.errors.sort(key=_error_order)
    if not report.ok:
        plan.to_create, plan.to_update = [], []
    return plan


def _error_order(error: dict[str, Any]) -> tuple[int, int, str]:
    """Sort errors by row, then column (as a spreadsheet orders cells)."""
    letters = error["cell"].rstrip("0123456789")
    return (error["row"], len(letters), letters)


def _clean_header(table: Table, width: int, report: ImportReport) -> list[str]:
    header = table.header + [""] * (width - len(table.header))
    cleaned = []
    for i, text in enumerate(header):
        if looks_like_formula(text):
            report.add_error(
                row=table.header_row,
                column=get_column_letter(i + 1),
                index=i,
                message=(
                    f"Header '{shorten(text)}' is a formula; formulas are not "
                    "accepted. Type the column name itself."
                ),
            )
            cleaned.append("")
        else:
            cleaned.append(unescape(text))
    return cleaned


def _clean_row(
    number: int,
    cells: list[str],
    width: int,
    header: list[str],
    columns: Columns,
    report: ImportReport,
) -> list[str | None]:
    """Return the row's texts; a refused formula cell becomes None."""
    padded = cells + [""] * (width - len(cells))
    cleaned: list[str | None] = []
    for i, text in enumerate(padded):
        if not looks_like_formula(text):
            cleaned.append(unescape(text))
            continue
        if i in columns.level_columns:
            message = (
                f"Invalid level '{shorten(text)}': formulas are not accepted; "
                "type a whole number from 1 to 5."
            )
        else:
            message = (
                f"The cell starts with '=' ('{shorten(text)}'); formulas are not "
                "accepted. Type the value itself."
            )
        report.add_error(
            row=number,
            column=header[i] or get_column_letter(i + 1),
            index=i,
            message=message,
        )
        cleaned.append(None)
    return cleaned


def _match_people(
    rows: list[tuple[int, list[str | None]]],
    header: list[str],
    columns: Columns,
    report: ImportReport,
) -> dict[int, Person]:
    """Return the person of each row number; report missing and unknown emails."""
    column = header[columns.email]
    emails = {
        cells[columns.email].casefold()  # type: ignore[union-attr]
        for _, cells in rows
        if cells[columns.email]
    }
    found = _people_by_email(emails)
    people: dict[int, Person] = {}
    for number, cells in rows:
        email = cells[columns.email]
        if email is None:
            continue  # a formula, already reported
        if not email:
            report.add_error(
                row=number,
                column=column,
                index=columns.email,
                message="Email is missing; every row needs the person's email.",
            )
            continue
        matches = found.get(email.casefold(), [])
        if not matches:
            report.add_error(
                row=number,
                column=column,
                index=columns.email,
                message=f"No person with email '{shorten(email, 80)}'.",
            )
        elif len(matches) > 1:
            report.add_error(
                row=number,
                column=column,
                index=columns.email,
                message=(
                    f"{len(matches)} people share the email '{shorten(email, 80)}'; "
                    "fix the accounts first."
                ),
            )
        else:
            people[number] = matches[0]
    return people


def _entries(
    rows: list[tuple[int, list[str | None]]],
    header: list[str],
    columns: Columns,
    people: dict[int, Person],
    resolver: SkillResolver,
    report: ImportReport,
) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: dict[tuple[int, int], int] = {}  # (person, skill) -> first row
    guessed: set[str] = set()
    wide_rows: dict[int, int] = {}  # person -> first row (wide)

    def error(number: int, index: int, message: str) -> None:
        column = header[index] or get_column_letter(index + 1)
        report.add_error(row=number, column=column, index=index, message=message)

    def add(entry: _Entry, index: int) -> None:
        key = (entry.person.pk, entry.skill.pk)
        if key in seen:
            error(
                entry.row,
                index,
                f"{entry.skill.name} for {entry.person.email} is already given on "
                f"row {seen[key]}.",
            )
            return
        seen[key] = entry.row
        entries.append(entry)

    for number, cells in rows:
        person = people.get(number)
        if report.layout == "wide":
            if person is not None:
                first = wide_rows.setdefault(person.pk, number)
                if first != number:
                    error(
                        number,
                        columns.email,
                        f"{person.email} is already on row {first}; "
                        "give each person one row.",
                    )
                    continue
            for index, skill in columns.skills.items():
                text = cells[index]
                if not text:
                    continue  # blank: no change (None: a refused formula)
                try:
                    level = parse_level(text)
                except ValueError as exc:
                    error(number, index, str(exc))
                    continue
                if person is not None:
                    add(_Entry(number, person, skill, level, index), index)
            continue

        # long layout: one person skill per row
        assert columns.skill is not None and columns.level is not None
        skill_text = cells[columns.skill]
        values: dict[str, Any] = {}
        parsers: list[tuple[str, int | None, Callable[[str], Any]]] = [
            ("level", columns.level, parse_level),
            ("interest", columns.interest, parse_interest),
            ("last_used", columns.last_used, parse_date),
        ]
        values_ok = True
        for name, position, parse in parsers:
            text = cells[position] if position is not None else ""
            if position is None or not text:
                values_ok = values_ok and text is not None  # None: a formula
                continue
            try:
                values[name] = parse(text)
            except ValueError as exc:
                error(number, position, str(exc))
                values_ok = False
        if skill_text is None:
            continue
        if not skill_text:
            error(number, columns.skill, "Skill is missing.")
            continue
        resolution = resolver.resolve(skill_text)
        if resolution is None:
            error(
                number,
                columns.skill,
                f"Unknown skill '{shorten(skill_text)}': no skill, alias or close "
                "match.",
            )
            continue
        if normalise(skill_text) not in guessed:
            guessed.add(normalise(skill_text))
            report.header_guesses.append(
                {**resolution.as_dict(), "column": get_column_letter(columns.skill + 1)}
            )
        if person is not None and values_ok:
            add(
                _Entry(
                    number,
                    person,
                    resolution.skill,
                    values.get("level"),
                    columns.level,
                    values.get("interest"),
                    values.get("last_used"),
                ),
                columns.skill,
            )
    return entries


def _compare(
    entries: list[_Entry],
    existing: dict[tuple[int, int], PersonSkill],
    header: list[str],
    columns: Columns,
    actor: User,
    plan: Plan,
) -> None:
    """Sort entries into creates, changes and unchanged, building the rows to write."""
    report = plan.report
    now = timezone.now()

    def validate(person_skill: PersonSkill, person: Person) -> None:
        # A manager's spreadsheet validates levels, except the manager's own.
        if person.user_id == actor.pk:
            person_skill.source = PersonSkill.Source.SELF
            person_skill.validated_by = None
            person_skill.validated_at = None
        else:
            person_skill.source = PersonSkill.Source.MANAGER
            person_skill.validated_by = actor
            person_skill.validated_at = now

    for entry in entries:
        base = {
            "row": entry.row,
            "email": entry.person.email,
            "person": entry.person.name,
            "skill": entry.skill.name,
        }
        current = existing.get((entry.person.pk, entry.skill.pk))
        if current is None:
            if entry.level is None:
                report.add_error(
                    row=entry.row,
                    column=header[entry.level_index],
                    index=entry.level_index,
                    message=(
                        f"Level is missing; {entry.person.email} has no "
                        f"{entry.skill.name} level yet, so one is needed."
                    ),
                )
                continue
            person_skill = PersonSkill(
                person=entry.person,
                skill=entry.skill,
                level=entry.level,
                last_used=entry.last_used,
            )
            if entry.interest is not None:
                person_skill.interest = entry.interest
            validate(person_skill, entry.person)
            plan.to_create.append(person_skill)
            report.creates.append(
                {
                    **base,
                    "level": entry.level,
                    "interest": person_skill.interest,
                    "last_used": _iso(entry.last_used),
                }
            )
            continue

        fields = []
        level_from = current.level
        if entry.level is not None and entry.level != current.level:
            current.level = entry.level
            validate(current, entry.person)
        if entry.interest is not None and entry.interest != current.interest:
            fields.append(
                {"field": "interest", "from": current.interest, "to": entry.interest}
            )
            current.interest = entry.interest
        if entry.last_used is not None and entry.last_used != current.last_used:
            fields.append(
                {
                    "field": "last_used",
                    "from": _iso(current.last_used),
                    "to": _iso(entry.last_used),
                }
            )
            current.last_used = entry.last_used
        if current.level == level_from and not fields:
            report.unchanged += 1
            continue
        current.updated = now
        plan.to_update.append(current)
        report.changes.append(
            {**base, "from": level_from, "to": current.level, "fields": fields}
        )


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None

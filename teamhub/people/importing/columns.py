"""Read the header row: which layout, which column is what, which skill each means."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from teamhub.people.importing.cells import shorten
from teamhub.people.importing.parsing import Table
from teamhub.people.importing.report import ImportReport
from teamhub.people.importing.resolving import SkillResolver, normalise
from teamhub.people.models import Skill

EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address", "mail"}
NAME_HEADERS = {"name", "full name", "person"}
TEAM_HEADERS = {"team"}
SKILL_HEADERS = {"skill", "skill name"}
LEVEL_HEADERS = {"level"}
INTEREST_HEADERS = {"interest"}
LAST_USED_HEADERS = {"last used", "lastused", "last_used"}
SOURCE_HEADERS = {"source"}


def _header_key(text: str) -> str:
    return normalise(text.replace("_", " "))


@dataclass
class Columns:
    email: int
    name: int | None = None
    team: int | None = None
    skill: int | None = None
    level: int | None = None
    interest: int | None = None
    last_used: int | None = None
    source: int | None = None
    # wide layout: column index -> skill
    skills: dict[int, Skill] = field(default_factory=dict)
    # columns whose cells are level values (for the formula message)
    level_columns: set[int] = field(default_factory=set)


def _find(
    header: list[str], names: set[str], report: ImportReport, row: int
) -> int | None:
    found = [i for i, text in enumerate(header) if _header_key(text) in names]
    for extra in found[1:]:
        report.add_error(
            row=row,
            column=header[extra],
            index=extra,
            message=f"Column '{header[extra]}' appears more than once; keep one.",
        )
    return found[0] if found else None


def _column_has_values(table: Table, index: int) -> bool:
    return any(index < len(cells) and cells[index] for _, cells in table.rows)


def classify_columns(
    table: Table, header: list[str], resolver: SkillResolver, report: ImportReport
) -> Columns | None:
    row = table.header_row
    email = _find(header, EMAIL_HEADERS, report, row)
    if email is None:
        report.add_error(
            row=row,
            column="email",
            message="No email column: the first row must name an 'email' column.",
        )
        return None
    skill = _find(header, SKILL_HEADERS, report, row)
    level = _find(header, LEVEL_HEADERS, report, row)
    columns = Columns(
        email=email,
        name=_find(header, NAME_HEADERS, report, row),
        team=_find(header, TEAM_HEADERS, report, row),
    )
    if skill is not None and level is not None:
        report.layout = "long"
        columns.skill, columns.level = skill, level
        columns.interest = _find(header, INTEREST_HEADERS, report, row)
        columns.last_used = _find(header, LAST_USED_HEADERS, report, row)
        columns.source = _find(header, SOURCE_HEADERS, report, row)
        columns.level_columns = {level}
        optional = (columns.interest, columns.last_used, columns.source)
        known = {email, skill, level, columns.name, columns.team, *optional}
        for i in (columns.name, columns.team, columns.source):
            if i is not None:
                report.ignored_columns.append(header[i])
        for i, text in enumerate(header):
            if i not in known:
                _unknown_column(table, report, i, text, layout="long")
        return columns

    report.layout = "wide"
    for i in (columns.name, columns.team):
        if i is not None:
            report.ignored_columns.append(header[i])
    taken: dict[int, int] = {}  # skill id -> column index
    reserved = {email, columns.name, columns.team}
    for i, text in enumerate(header):
        if i in reserved:
            continue
        if not text:
            _unknown_column(table, report, i, text, layout="wide")
            continue
        resolution = resolver.resolve(text)
        if resolution is None:
            _unknown_column(table, report, i, text, layout="wide")
            continue
        report.header_guesses.append(
            {**resolution.as_dict(), "column": get_column_letter(i + 1)}
        )
        first = taken.get(resolution.skill.pk)
        if first is not None:
            report.add_error(
                row=row,
                column=text,
                index=i,
                message=(
                    f"Columns '{header[first]}' and '{text}' both mean "
                    f"{resolution.skill.name}; keep one."
                ),
            )
            continue
        taken[resolution.skill.pk] = i
        columns.skills[i] = resolution.skill
        columns.level_columns.add(i)
    return columns


def _unknown_column(
    table: Table, report: ImportReport, index: int, text: str, *, layout: str
) -> None:
    """Note a column nothing understands; an error only if it holds values."""
    letter = get_column_letter(index + 1)
    has_values = _column_has_values(table, index)
    if not text and not has_values:
        return  # an empty column at the edge of the sheet
    report.unknown_headers.append({"header": text, "column": letter})
    if not has_values:
        return
    if not text:
        message = "This column has values but no header; name the skill in row 1."
    elif layout == "wide":
        message = (
            f"Unknown skill '{shorten(text)}': no skill, alias or close match. "
            "Add it to the taxonomy or rename the column."
        )
    else:
        message = (
            f"Unknown column '{shorten(text)}' in the long layout; expected email, "
            "skill, level and optionally name, team, interest, last_used, source."
        )
    report.add_error(
        row=table.header_row, column=text or letter, index=index, message=message
    )

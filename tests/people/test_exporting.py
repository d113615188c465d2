"""Exporting the registry as CSV and XLSX: layouts, neutralised cells, round trips."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from teamhub.people.exporting import registry_export, registry_export_file
from teamhub.people.importing import import_skills_apply, import_skills_preview
from teamhub.people.models import PersonSkill
from tests.factories import (
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def registry():
    team = TeamFactory(name="Vision")
    pytorch = SkillFactory(name="PyTorch", aliases=["torch"])
    sql = SkillFactory(name="SQL")
    SkillFactory(name="Rust")  # nobody has it: an empty column
    ada = PersonFactory(
        team=team,
        user=UserFactory(
            username="ada", email="ada@example.com", first_name="Ada", last_name="L"
        ),
    )
    alan = PersonFactory(
        team=None,
        user=UserFactory(
            username="alan", email="alan@example.com", first_name="Alan", last_name="T"
        ),
    )
    PersonFactory(user=UserFactory(username="ghost", email=""))  # cannot be matched
    PersonSkillFactory(
        person=ada, skill=pytorch, level=4, interest=3, last_used=dt.date(2026, 1, 15)
    )
    PersonSkillFactory(person=ada, skill=sql, level=2, interest=0)
    PersonSkillFactory(
        person=alan, skill=sql, level=5, source=PersonSkill.Source.MANAGER
    )
    return {"ada": ada, "alan": alan}


def test_wide_csv_has_a_row_per_person_and_a_column_per_skill(registry):
    rows = read_csv(registry_export(layout="wide", fmt="csv"))

    assert rows == [
        ["email", "name", "team", "PyTorch", "Rust", "SQL"],
        ["ada@example.com", "Ada L", "Vision", "4", "", "2"],
        ["alan@example.com", "Alan T", "", "", "", "5"],
    ]


def test_long_csv_has_a_row_per_person_skill(registry):
    rows = read_csv(registry_export(layout="long", fmt="csv"))

    assert rows == [
        [
            "email",
            "name",
            "team",
            "skill",
            "level",
            "interest",
            "last_used",
            "source",
        ],
        [
            "ada@example.com",
            "Ada L",
            "Vision",
            "PyTorch",
            "4",
            "3",
            "2026-01-15",
            "self",
        ],
        ["ada@example.com", "Ada L", "Vision", "SQL", "2", "0", "", "self"],
        ["alan@example.com", "Alan T", "", "SQL", "5", "1", "", "manager"],
    ]


def test_xlsx_export_holds_the_same_cells(registry):
    rows = read_xlsx(registry_export(layout="wide", fmt="xlsx"))

    assert rows[0] == ["email", "name", "team", "PyTorch", "Rust", "SQL"]
    assert rows[1] == ["ada@example.com", "Ada L", "Vision", 4, None, 2]
    long_rows = read_xlsx(registry_export(layout="long", fmt="xlsx"))
    assert long_rows[1][6] == dt.datetime(2026, 1, 15)  # a real date cell


def test_blank_template_has_people_but_no_levels(registry):
    wide = read_csv(registry_export(layout="wide", fmt="csv", blank=True))
    long = read_csv(registry_export(layout="long", fmt="csv", blank=True))

    assert wide[1] == ["ada@example.com", "Ada L", "Vision", "", "", ""]
    assert len(long) == 1


def test_export_file_names_type_and_date(registry):
    exported = registry_export_file(layout="long", fmt="xlsx")

    assert exported.filename.startswith("teamhub-skills-long-")
    assert exported.filename.endswith(".xlsx")
    assert exported.content_type.endswith("spreadsheetml.sheet")


def test_unknown_layout_or_format_is_refused():
    with pytest.raises(ValueError):
        registry_export(layout="tall", fmt="csv")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        registry_export(layout="wide", fmt="ods")  # type: ignore[arg-type]


# --- formula neutralisation ----------------------------------------------------------

DANGEROUS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]
TEAM = '\t=HYPERLINK("http://evil.example")'


def _dangerous_registry() -> None:
    team = TeamFactory(name=TEAM)
    for n, text in enumerate(DANGEROUS):
        PersonFactory(
            team=team,
            user=UserFactory(
                username=f"evil{n}",
                email=f"evil{n}@example.com",
                first_name=text,
                last_name="Doe",
            ),
        )


def test_csv_export_prefixes_formula_cells_with_an_apostrophe():
    _dangerous_registry()
    rows = read_csv(registry_export(layout="wide", fmt="csv"))

    assert {row[1] for row in rows[1:]} == {f"'{text} Doe" for text in DANGEROUS}
    assert {row[2] for row in rows[1:]} == {"'" + TEAM}


def test_xlsx_export_stores_formula_text_as_plain_text_cells():
    _dangerous_registry()
    content = registry_export(layout="wide", fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]

    names = [row[1] for row in sheet.iter_rows(min_row=2)]
    teams = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in names + teams)  # never "f"
    assert {cell.value for cell in names} == {f"'{text} Doe" for text in DANGEROUS}
    assert {cell.value for cell in teams} == {"'" + TEAM}


# --- round trip ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_importing_an_export_changes_nothing(registry, manager, layout, fmt):
    # Odd but legal names must survive too: a skill and a team starting with "=".
    odd = SkillFactory(name="=Weird skill")
    PersonSkillFactory(person=registry["alan"], skill=odd, level=1)
    before = list(
        PersonSkill.objects.order_by("pk").values_list(
            "person_id", "skill_id", "level", "interest", "last_used", "source"
        )
    )
    content = registry_export(layout=layout, fmt=fmt)
    name = f"export.{fmt}"

    report = import_skills_preview(file_name=name, content=content, actor=manager)

    assert report.ok, report.errors
    assert (len(report.creates), len(report.changes)) == (0, 0)
    assert report.unchanged == len(before)
    assert all(g["how"] == "name" for g in report.header_guesses)

    import_skills_apply(file_name=name, content=content, actor=manager)
    after = list(
        PersonSkill.objects.order_by("pk").values_list(
            "person_id", "skill_id", "level", "interest", "last_used", "source"
        )
    )
    assert after == before

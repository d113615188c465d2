"""Importing the skills registry from CSV and XLSX: layouts, guesses, errors, writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from teamhub.core.models import AuditEvent
from teamhub.people.importing import (
    ImportInvalid,
    import_skills_apply,
    import_skills_preview,
)
from teamhub.people.models import PersonSkill, SkillImport
from tests.factories import PersonFactory, PersonSkillFactory, SkillFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- helpers other test modules import ---------------------------------------------


def csv_bytes(
    rows: list[list[Any]], *, delimiter: str = ",", encoding="utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def spreadsheet(fmt: str, rows: list[list[Any]]) -> tuple[str, bytes]:
    """Return (file name, content) of ``rows`` as a CSV or XLSX file."""
    if fmt == "csv":
        return "skills.csv", csv_bytes(rows)
    return "skills.xlsx", xlsx_bytes(rows)


def make_registry() -> dict[str, Any]:
    """Three skills and two people (ada, alan) with one existing level."""
    skills = {
        "pytorch": SkillFactory(name="PyTorch", aliases=["torch"]),
        "sklearn": SkillFactory(name="scikit-learn", aliases=["sklearn", "scikit"]),
        "sql": SkillFactory(name="SQL"),
    }
    ada = PersonFactory(user=UserFactory(username="ada", email="ada@example.com"))
    alan = PersonFactory(user=UserFactory(username="alan", email="alan@example.com"))
    existing = PersonSkillFactory(
        person=alan,
        skill=skills["sql"],
        level=2,
        interest=1,
        source=PersonSkill.Source.SELF,
    )
    return {**skills, "ada": ada, "alan": alan, "existing": existing}


def levels() -> dict[tuple[str, str], int]:
    return {
        (ps.person.email, ps.skill.name): ps.level
        for ps in PersonSkill.objects.select_related("person__user", "skill")
    }


@pytest.fixture
def registry() -> dict[str, Any]:
    return make_registry()


WIDE = [
    ["email", "name", "PyTorch", "sklearn", "SQL"],
    ["ada@example.com", "Ada", 4, 3, None],
    ["alan@example.com", "Alan", None, None, 4],
]
LONG = [
    ["email", "skill", "level", "interest", "last_used"],
    ["ada@example.com", "PyTorch", 4, 3, "2026-01-15"],
    ["ada@example.com", "sklearn", 3, None, None],
    ["alan@example.com", "SQL", 4, None, None],
]


# --- both layouts x both formats -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("layout, rows", [("wide", WIDE), ("long", LONG)])
def test_preview_lists_creates_and_changes_and_writes_nothing(
    registry, manager, fmt, layout, rows
):
    name, content = spreadsheet(fmt, rows)
    before = levels()

    report = import_skills_preview(file_name=name, content=content, actor=manager)

    assert report.ok, report.errors
    assert (report.layout, report.format) == (layout, fmt)
    assert report.rows_read == len(rows) - 1
    assert report.people_matched == 2
    created = {(c["email"], c["skill"], c["level"]) for c in report.creates}
    assert created == {
        ("ada@example.com", "PyTorch", 4),
        ("ada@example.com", "scikit-learn", 3),
    }
    assert [(c["email"], c["skill"], c["from"], c["to"]) for c in report.changes] == [
        ("alan@example.com", "SQL", 2, 4)
    ]
    assert levels() == before
    assert not AuditEvent.objects.filter(verb="skills.imported").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("rows", [WIDE, LONG], ids=["wide", "long"])
def test_apply_writes_manager_validated_levels(registry, manager, fmt, rows):
    name, content = spreadsheet(fmt, rows)

    report = import_skills_apply(file_name=name, content=content, actor=manager)

    assert report.applied
    assert levels() == {
        ("ada@example.com", "PyTorch"): 4,
        ("ada@example.com", "scikit-learn"): 3,
        ("alan@example.com", "SQL"): 4,
    }
    for person_skill in PersonSkill.objects.all():
        assert person_skill.source == PersonSkill.Source.MANAGER
        assert person_skill.validated_by == manager
        assert person_skill.validated_at is not None


def test_long_layout_imports_interest_and_last_used(registry, manager):
    name, content = spreadsheet("csv", LONG)
    import_skills_apply(file_name=name, content=content, actor=manager)

    pytorch = PersonSkill.objects.get(person=registry["ada"], skill=registry["pytorch"])
    assert (pytorch.interest, pytorch.last_used) == (3, dt.date(2026, 1, 15))


def test_interest_change_alone_is_a_change_and_keeps_the_source(registry, manager):
    rows = [
        ["email", "skill", "level", "interest"],
        ["alan@example.com", "SQL", 2, 3],
    ]
    report = import_skills_apply(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.changes == [
        {
            "row": 2,
            "email": "alan@example.com",
            "person": registry["alan"].name,
            "skill": "SQL",
            "from": 2,
            "to": 2,
            "fields": [{"field": "interest", "from": 1, "to": 3}],
        }
    ]
    registry["existing"].refresh_from_db()
    assert registry["existing"].interest == 3
    assert registry["existing"].source == PersonSkill.Source.SELF


def test_blank_cells_change_nothing_and_equal_levels_are_unchanged(registry, manager):
    rows = [["email", "SQL", "PyTorch"], ["alan@example.com", "2", ""]]
    report = import_skills_apply(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert (report.creates, report.changes, report.unchanged) == ([], [], 1)
    registry["existing"].refresh_from_db()
    assert registry["existing"].source == PersonSkill.Source.SELF  # not touched


def test_level_names_and_decimal_whole_numbers_are_accepted(registry, manager):
    rows = [["email", "PyTorch", "SQL"], ["ada@example.com", "Expert", "3.0"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert {(c["skill"], c["level"]) for c in report.creates} == {
        ("PyTorch", 4),
        ("SQL", 3),
    }


def test_emails_match_ignoring_case(registry, manager):
    rows = [["Email", "SQL"], ["ALAN@Example.com", "5"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.ok
    assert report.changes[0]["to"] == 5


def test_a_managers_own_levels_stay_self_assessed(registry, manager):
    rows = [["email", "PyTorch"], [manager.email, "4"]]
    import_skills_apply(file_name="s.csv", content=csv_bytes(rows), actor=manager)

    own = PersonSkill.objects.get(person__user=manager)
    assert own.source == PersonSkill.Source.SELF
    assert own.validated_by is None


def test_apply_records_the_import_and_one_audit_event_with_counts(registry, manager):
    name, content = spreadsheet("csv", WIDE)
    import_skills_apply(file_name=name, content=content, actor=manager)

    skill_import = SkillImport.objects.get()
    assert skill_import.status == SkillImport.Status.SUCCEEDED
    assert skill_import.report["change_count"] == 3
    event = AuditEvent.objects.get(verb="skills.imported")
    assert event.actor == manager
    assert event.data == {
        "file": "skills.csv",
        "rows": 2,
        "people": 2,
        "created": 2,
        "changed": 1,
        "unchanged": 0,
    }


# --- skill names ---------------------------------------------------------------------


def test_headers_report_name_alias_and_fuzzy_guesses(registry, manager):
    rows = [
        ["email", "pytorh", "sklearn", "sql"],
        ["ada@example.com", "4", "3", "2"],
    ]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    guesses = {g["header"]: g for g in report.header_guesses}
    assert guesses["pytorh"]["skill"] == "PyTorch"
    assert guesses["pytorh"]["how"] == "fuzzy"
    assert 85 <= guesses["pytorh"]["score"] < 100
    assert guesses["pytorh"]["column"] == "B"
    assert (guesses["sklearn"]["skill"], guesses["sklearn"]["how"]) == (
        "scikit-learn",
        "alias",
    )
    assert (guesses["sql"]["skill"], guesses["sql"]["how"]) == ("SQL", "name")


def test_long_layout_reports_how_skill_cells_were_read(registry, manager):
    rows = [
        ["email", "skill", "level"],
        ["ada@example.com", "Pytorh", "4"],
        ["alan@example.com", "Pytorh", "4"],
        ["alan@example.com", "torch", "2"],
    ]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert [(g["header"], g["how"]) for g in report.header_guesses] == [
        ("Pytorh", "fuzzy"),
        ("torch", "alias"),
    ]
    # "torch" is PyTorch again for alan: a duplicate, named by row and column.
    assert report.errors == [
        {
            "row": 4,
            "column": "skill",
            "cell": "B4",
            "message": "PyTorch for alan@example.com is already given on row 3.",
        }
    ]


def test_unknown_skill_header_with_values_is_an_error_and_empty_one_is_ignored(
    registry, manager
):
    rows = [
        ["email", "Quantum Basket Weaving", "Notes", "SQL"],
        ["alan@example.com", "3", "", "4"],
    ]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert [h["header"] for h in report.unknown_headers] == [
        "Quantum Basket Weaving",
        "Notes",
    ]
    assert len(report.errors) == 1
    assert report.errors[0]["row"] == 1
    assert report.errors[0]["column"] == "Quantum Basket Weaving"
    assert report.errors[0]["cell"] == "B1"
    assert "Unknown skill" in report.errors[0]["message"]


def test_two_columns_meaning_the_same_skill_is_an_error(registry, manager):
    rows = [["email", "PyTorch", "torch"], ["ada@example.com", "3", "4"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.errors[0]["column"] == "torch"
    assert "both mean PyTorch" in report.errors[0]["message"]


# --- errors: row and column, nothing written -----------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_bad_row_writes_nothing_even_when_other_rows_are_fine(
    registry, manager, fmt
):
    rows = [
        ["email", "PyTorch", "SQL"],
        ["ada@example.com", 4, 3],
        ["alan@example.com", 9, 5],
    ]
    name, content = spreadsheet(fmt, rows)
    before = levels()

    with pytest.raises(ImportInvalid) as caught:
        import_skills_apply(file_name=name, content=content, actor=manager)

    assert caught.value.report.errors == [
        {
            "row": 3,
            "column": "PyTorch",
            "cell": "B3",
            "message": "Invalid level '9': use a whole number from 1 to 5 "
            "(1 aware, 2 novice, 3 practitioner, 4 expert, 5 authority).",
        }
    ]
    assert caught.value.messages[0].startswith("Row 3, column 'PyTorch' (B3): ")
    assert levels() == before
    assert not SkillImport.objects.exists()
    assert not AuditEvent.objects.filter(verb="skills.imported").exists()


def test_unknown_email_is_an_error_naming_row_and_column(registry, manager):
    rows = [
        ["email", "SQL"],
        ["ada@example.com", "3"],
        ["nobody@example.com", "4"],
        ["", "2"],
    ]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert [(e["row"], e["column"], e["cell"]) for e in report.errors] == [
        (3, "email", "A3"),
        (4, "email", "A4"),
    ]
    assert report.errors[0]["message"] == "No person with email 'nobody@example.com'."
    assert "missing" in report.errors[1]["message"]
    assert not report.ok


def test_long_layout_errors_name_the_bad_columns(registry, manager):
    rows = [
        ["email", "skill", "level", "interest", "last_used"],
        ["ada@example.com", "PyTorch", "high", "7", "15/01/2026"],
        ["ada@example.com", "Underwater Juggling", "3", "", ""],
        ["ada@example.com", "SQL", "", "2", ""],
    ]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "level"),
        (2, "interest"),
        (2, "last_used"),
        (3, "skill"),
        (4, "level"),  # a new skill needs a level
    ]


def test_same_person_twice_in_wide_layout_is_an_error(registry, manager):
    rows = [["email", "SQL"], ["ada@example.com", "3"], ["ADA@example.com", "4"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.errors[0]["row"] == 3
    assert "already on row 2" in report.errors[0]["message"]


def test_sheet_without_email_column_is_an_error(registry, manager):
    rows = [["person", "SQL"], ["Ada", "3"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.errors[0]["row"] == 1
    assert "No email column" in report.errors[0]["message"]


# --- bad files -----------------------------------------------------------------------


def _file_error(name: str, content: bytes, actor) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        import_skills_preview(file_name=name, content=content, actor=actor)
    return caught.value.message_dict["file"]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("skills.pdf", b"%PDF-1.7 ...", "Only .csv and .xlsx files"),
        ("skills", b"email,SQL\n", "without an extension"),
        ("skills.xls", b"\xd0\xcf\x11\xe0rest", "save the sheet as .xlsx or .csv"),
        ("skills.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "not CSV text"),
        ("skills.csv", b"email,SQL\x00\n", "not CSV text"),
        ("skills.xlsx", b"email,SQL\nada@example.com,3\n", "not a valid .xlsx"),
        ("skills.xlsx", b"PK\x03\x04 truncated zip", "not a valid .xlsx"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused(
    registry, manager, name, content, expected
):
    assert expected in _file_error(name, content, manager)[0]


@pytest.mark.parametrize(
    "content", [b"", b"  \r\n\n", b"\n\nemail,SQL\n\n", "\ufeff".encode()]
)
def test_empty_files_are_refused(registry, manager, content):
    message = _file_error("skills.csv", content, manager)[0]
    assert "empty" in message or "no data rows" in message


def test_too_large_file_is_refused(registry, manager, settings):
    settings.TEAMHUB_MAX_UPLOAD_BYTES = 1024
    content = csv_bytes([["email", "SQL"]] + [["ada@example.com", "3"]] * 100)

    assert _file_error("skills.csv", content, manager) == [
        f"The file is {len(content) / 1024:.1f} KB; the limit is 1.0 KB."
    ]


def test_too_large_file_message_names_sizes(manager, settings):
    settings.TEAMHUB_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    content = b"email,SQL\n" + b"x" * (11 * 1024 * 1024)

    assert _file_error("skills.csv", content, manager) == [
        "The file is 11.0 MB; the limit is 10.0 MB."
    ]


def test_semicolon_separated_latin1_csv_is_read(registry, manager):
    registry["alan"].user.first_name = "Zoë"
    content = csv_bytes(
        [["email", "name", "SQL"], ["alan@example.com", "Zoë Ünal", "5"]],
        delimiter=";",
        encoding="latin-1",
    )
    report = import_skills_preview(file_name="s.csv", content=content, actor=manager)

    assert report.ok, report.errors
    assert report.changes[0]["to"] == 5


def test_utf8_bom_and_tab_separated_csv_is_read(registry, manager):
    content = "\ufeffemail\tSQL\nalan@example.com\t5\n".encode()
    report = import_skills_preview(file_name="s.csv", content=content, actor=manager)

    assert report.ok, report.errors
    assert report.changes[0]["to"] == 5


# --- formula injection ---------------------------------------------------------------


def test_formula_in_a_level_cell_is_an_invalid_level_naming_row_and_column(
    registry, manager
):
    rows = [["email", "SQL"], ["alan@example.com", "=cmd|' /C calc'!A0"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error["row"], error["column"], error["cell"]) == (2, "SQL", "B2")
    assert error["message"].startswith("Invalid level '=cmd|")
    assert "formulas are not accepted" in error["message"]


def test_text_cell_starting_with_equals_is_refused(registry, manager):
    rows = [
        ["email", "name", "SQL"],
        ['=HYPERLINK("http://evil.example","x")', "Ada", "3"],
        ["alan@example.com", "=1+1", "4"],
    ]
    with pytest.raises(ImportInvalid) as caught:
        import_skills_apply(file_name="s.csv", content=csv_bytes(rows), actor=manager)

    errors = caught.value.report.errors
    assert [(e["row"], e["column"]) for e in errors] == [(2, "email"), (3, "name")]
    assert all("formulas are not accepted" in e["message"] for e in errors)
    assert levels() == {("alan@example.com", "SQL"): 2}


def test_real_xlsx_formula_cells_are_refused(registry, manager):
    rows = [["email", "SQL"], ["alan@example.com", "=2+2"]]  # openpyxl: a formula
    report = import_skills_preview(
        file_name="s.xlsx", content=xlsx_bytes(rows), actor=manager
    )

    assert report.errors[0]["cell"] == "B2"
    assert "formulas are not accepted" in report.errors[0]["message"]


def test_formula_header_is_refused(registry, manager):
    rows = [["email", "=SUM(A1:A3)"], ["alan@example.com", "3"]]
    report = import_skills_preview(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.errors[0]["row"] == 1
    assert "formula" in report.errors[0]["message"]


def test_apostrophe_escaped_text_is_read_as_text(manager):
    skill = SkillFactory(name="-ops")
    PersonFactory(user=UserFactory(email="-dash@example.com"))
    rows = [["email", "'-ops"], ["'-dash@example.com", "3"]]
    report = import_skills_apply(
        file_name="s.csv", content=csv_bytes(rows), actor=manager
    )

    assert report.creates[0]["skill"] == skill.name
    assert report.creates[0]["email"] == "-dash@example.com"


# --- permissions and performance -----------------------------------------------------


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder", None])
def test_only_managers_and_admins_may_import(registry, make_user, role):
    actor = make_user(role)
    name, content = spreadsheet("csv", WIDE)
    with pytest.raises(PermissionDenied):
        import_skills_preview(file_name=name, content=content, actor=actor)
    with pytest.raises(PermissionDenied):
        import_skills_apply(file_name=name, content=content, actor=actor)
    assert levels() == {("alan@example.com", "SQL"): 2}


def test_admins_may_import(registry, make_user):
    name, content = spreadsheet("csv", WIDE)
    report = import_skills_apply(
        file_name=name, content=content, actor=make_user("admin")
    )
    assert report.applied


@pytest.mark.parametrize("people", [10, 200])
def test_apply_uses_a_constant_number_of_queries_for_10_or_200_rows(
    manager, django_assert_max_num_queries, people
):
    # Each row adds one level and changes another: ``people`` creates and updates.
    old, _ = SkillFactory(name="Old"), SkillFactory(name="New")
    rows = [["email", "Old", "New"]]
    for n in range(people):
        person = PersonFactory(user=UserFactory(email=f"p{n}@example.com"))
        PersonSkillFactory(person=person, skill=old, level=1)
        rows.append([f"p{n}@example.com", 2, 3])
    content = csv_bytes(rows)

    # One ceiling for both sizes: every read is one query and the writes are
    # bulk. (SQLite alone splits a bulk write into batches of ~100 rows because
    # of its 999-parameter limit: 13 queries for 10 rows, 16 for 200.)
    with django_assert_max_num_queries(16):
        report = import_skills_apply(file_name="s.csv", content=content, actor=manager)

    assert (len(report.creates), len(report.changes)) == (people, people)
    assert PersonSkill.objects.filter(level=3).count() == people

"""manage.py import_skills and export_skills."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from teamhub.people.models import SkillImport
from tests.people.test_importing import (
    WIDE,
    csv_bytes,
    levels,
    make_registry,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

UNCHANGED = {("alan@example.com", "SQL"): 2}


@pytest.fixture
def registry():
    return make_registry()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_the_report_and_writes_nothing(registry, manager, tmp_path):
    path = tmp_path / "skills.csv"
    rows = [["email", "Pytorh", "sklearn", "SQL"], ["ada@example.com", 4, 3, ""]]
    rows.append(["alan@example.com", "", "", 4])
    path.write_bytes(csv_bytes(rows))

    out, _ = run("import_skills", str(path), "--dry-run", "--actor", "boss")

    assert "to add 2, to change 1, unchanged 0, errors 0" in out
    assert "'Pytorh' -> PyTorch by fuzzy (score 92)" in out
    assert "'sklearn' -> scikit-learn by alias" in out
    assert "row 3: alan@example.com SQL 2 -> 4" in out
    assert "Dry run: nothing was written." in out
    assert levels() == UNCHANGED


def test_import_applies_an_xlsx_file(registry, manager, tmp_path):
    path = tmp_path / "skills.xlsx"
    path.write_bytes(xlsx_bytes(WIDE))

    out, _ = run("import_skills", str(path), "--actor", "boss")

    assert "Applied: 2 added, 1 changed." in out
    assert levels()[("alan@example.com", "SQL")] == 4
    assert SkillImport.objects.get().uploaded_by == manager


def test_errors_exit_non_zero_naming_row_and_column(registry, manager, tmp_path):
    path = tmp_path / "skills.csv"
    path.write_bytes(
        csv_bytes([["email", "SQL"], ["ada@example.com", 3], ["ghost@example.com", 9]])
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "import_skills",
            str(path),
            "--actor",
            "boss",
            stdout=io.StringIO(),
            stderr=err,
        )

    assert "Row 3, column 'SQL' (B3): Invalid level '9'" in err.getvalue()
    assert "Row 3, column 'email' (A3): No person with email" in err.getvalue()
    assert levels() == UNCHANGED


def test_import_exits_non_zero_on_an_unreadable_file(registry, manager, tmp_path):
    path = tmp_path / "skills.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match=r"The file is empty\."):
        run("import_skills", str(path), "--actor", "boss")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_skills", str(tmp_path / "missing.csv"), "--actor", "boss")


def test_actor_must_exist_and_be_a_manager(registry, make_user, tmp_path):
    make_user("data_scientist", username="dora")
    path = tmp_path / "skills.csv"
    path.write_bytes(csv_bytes(WIDE))

    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("import_skills", str(path), "--actor", "nobody")
    with pytest.raises(CommandError, match="Only managers and admins"):
        run("import_skills", str(path), "--actor", "dora")
    assert levels() == UNCHANGED


def test_without_actor_the_first_superuser_acts(registry, make_user, tmp_path):
    admin = make_user("admin", username="root")
    path = tmp_path / "skills.csv"
    path.write_bytes(csv_bytes(WIDE))

    out, _ = run("import_skills", str(path))

    assert "Acting as root" in out
    assert SkillImport.objects.get().uploaded_by == admin


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(registry, manager, tmp_path, layout, fmt):
    path = tmp_path / f"registry.{fmt}"

    out, _ = run("export_skills", "--layout", layout, "--format", fmt, "-o", str(path))
    assert f"Wrote {path}" in out

    out, _ = run("import_skills", str(path), "--actor", "boss")
    assert "to add 0, to change 0, unchanged 1, errors 0" in out
    assert levels() == UNCHANGED


def test_export_format_defaults_from_the_file_name(registry, tmp_path):
    path = tmp_path / "registry.xlsx"
    run("export_skills", "-o", str(path))

    assert path.read_bytes().startswith(b"PK\x03\x04")

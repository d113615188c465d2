"""POST /api/imports/skills/ (dry run or apply) and GET /api/exports/skills/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teamhub.people.models import SkillImport
from tests.conftest import ROLES
from tests.people.test_importing import (
    LONG,
    WIDE,
    csv_bytes,
    levels,
    make_registry,
    spreadsheet,
)

pytestmark = pytest.mark.django_db

IMPORT = "/api/imports/skills/"
EXPORT = "/api/exports/skills/"
UNCHANGED = {("alan@example.com", "SQL"): 2}


@pytest.fixture
def registry():
    return make_registry()


def upload(
    name: str = "skills.csv", content: bytes | None = None
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(WIDE) if content is None else content)


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize(
    "method, url, data, allowed_status",
    [
        ("post", IMPORT, "dry-run", 200),
        ("post", IMPORT, "apply", 200),
        ("get", EXPORT, None, 200),
    ],
)
def test_permission_matrix(registry, api_as, role, method, url, data, allowed_status):
    client = api_as(role)
    if data is None:
        response = client.get(url, {"layout": "wide", "format": "csv"})
    else:
        payload = {
            "file": upload(),
            "dry_run": "true" if data == "dry-run" else "false",
        }
        response = client.post(url, payload, format="multipart")

    if role is None:
        expected = 401
    else:
        expected = allowed_status if role in ("manager", "admin") else 403
    assert response.status_code == expected
    if expected in (401, 403):
        assert "detail" in response.json()
        assert levels() == UNCHANGED


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("rows", [WIDE, LONG], ids=["wide", "long"])
def test_dry_run_is_the_default_and_reports_without_writing(
    registry, api_as, fmt, rows
):
    name, content = spreadsheet(fmt, rows)

    # dry_run omitted from the multipart form: still a dry run.
    response = api_as("manager").post(
        IMPORT, {"file": upload(name, content)}, format="multipart"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["applied"] is False
    assert body["change_count"] == 3
    assert {(c["email"], c["skill"], c["level"]) for c in body["creates"]} == {
        ("ada@example.com", "PyTorch", 4),
        ("ada@example.com", "scikit-learn", 3),
    }
    assert body["changes"][0]["from"] == 2 and body["changes"][0]["to"] == 4
    assert levels() == UNCHANGED
    assert not SkillImport.objects.exists()


def test_apply_writes_synchronously_and_returns_the_report(registry, api_as):
    response = api_as("manager").post(
        IMPORT, {"file": upload(), "dry_run": "false"}, format="multipart"
    )

    assert response.status_code == 200
    assert response.json()["applied"] is True
    assert levels()[("alan@example.com", "SQL")] == 4
    assert SkillImport.objects.get().status == SkillImport.Status.SUCCEEDED


def test_fuzzy_and_alias_guesses_are_in_the_report(registry, api_as):
    rows = [["email", "Pytorh", "sklearn"], ["ada@example.com", "4", "3"]]
    response = api_as("manager").post(
        IMPORT, {"file": upload(content=csv_bytes(rows))}, format="multipart"
    )

    guesses = {
        g["header"]: (g["skill"], g["how"]) for g in response.json()["header_guesses"]
    }
    assert guesses == {
        "Pytorh": ("PyTorch", "fuzzy"),
        "sklearn": ("scikit-learn", "alias"),
    }


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_invalid_rows_are_400_with_row_and_column_and_write_nothing(
    registry, api_as, dry_run
):
    rows = [
        ["email", "PyTorch", "SQL"],
        ["ada@example.com", "4", "3"],
        ["nobody@example.com", "2", "=cmd|' /C calc'!A0"],
    ]
    response = api_as("manager").post(
        IMPORT,
        {"file": upload(content=csv_bytes(rows)), "dry_run": dry_run},
        format="multipart",
    )

    assert response.status_code == 400
    body = response.json()
    assert "nothing" in body["detail"]
    assert [(e["row"], e["column"], e["cell"]) for e in body["errors"]] == [
        (3, "email", "A3"),
        (3, "SQL", "C3"),
    ]
    assert body["report"]["ok"] is False
    assert levels() == UNCHANGED
    assert not SkillImport.objects.exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("skills.txt", b"email,SQL\n", "Only .csv and .xlsx files can be imported"),
        ("skills.xlsx", b"email,SQL\nada@example.com,3\n", "not a valid .xlsx"),
        ("skills.csv", b"", "The submitted file is empty."),
        ("skills.csv", b"\n\n", "The file is empty."),
    ],
)
def test_bad_files_are_400_with_a_file_error(registry, api_as, name, content, message):
    response = api_as("manager").post(
        IMPORT, {"file": upload(name, content), "dry_run": "false"}, format="multipart"
    )

    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert levels() == UNCHANGED


def test_missing_file_is_400(registry, api_as):
    response = api_as("manager").post(IMPORT, {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_too_large_file_is_400(registry, api_as, settings):
    settings.TEAMHUB_MAX_UPLOAD_BYTES = 50
    response = api_as("manager").post(IMPORT, {"file": upload()}, format="multipart")

    assert response.status_code == 400
    assert response.json()["file"][0].endswith("the limit is 50 bytes.")


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_returns_a_file_that_imports_without_changes(
    registry, api_as, layout, fmt
):
    client = api_as("manager")
    response = client.get(EXPORT, {"layout": layout, "format": fmt})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    back = client.post(
        IMPORT,
        {"file": upload(f"export.{fmt}", response.content)},
        format="multipart",
    ).json()
    assert (back["change_count"], back["unchanged"]) == (0, 1)


def test_export_with_a_bad_layout_is_400(registry, api_as):
    response = api_as("manager").get(EXPORT, {"layout": "tall"})

    assert response.status_code == 400
    assert "layout" in response.json()


def test_schema_documents_both_endpoints(api_as):
    response = api_as("manager").get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert "multipart/form-data" in paths[IMPORT]["post"]["requestBody"]["content"]
    parameters = {p["name"] for p in paths[EXPORT]["get"]["parameters"]}
    assert {"layout", "format"} <= parameters

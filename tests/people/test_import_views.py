"""The import pages: upload, dry-run preview, apply through Celery, status, export."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from teamhub.dashboard.freshness import PendingChanges
from teamhub.people.importing import skill_import_create
from teamhub.people.models import PersonSkill, SkillImport
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

UPLOAD = reverse("people:import")


@pytest.fixture
def registry():
    return make_registry()


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- permissions ---------------------------------------------------------------------

ALLOWED = {"manager", "admin"}


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize(
    "page, method, allowed_status",
    [
        ("upload", "get", 200),
        ("upload", "post", 302),
        ("detail", "get", 200),
        ("apply", "post", 302),
        ("status", "get", 200),
        ("export", "get", 200),
    ],
)
def test_permission_matrix(
    registry, manager, client_as, role, page, method, allowed_status
):
    skill_import = skill_import_create(
        actor=manager, file_name="skills.csv", content=csv_bytes(WIDE)
    )
    url = {
        "upload": UPLOAD,
        "detail": reverse("people:import_detail", args=[skill_import.pk]),
        "apply": reverse("people:import_apply", args=[skill_import.pk]),
        "status": reverse("people:import_status", args=[skill_import.pk]),
        "export": reverse("people:export") + "?layout=wide&format=csv",
    }[page]
    data = (
        {"file": upload_file("skills.csv", csv_bytes(WIDE))} if page == "upload" else {}
    )
    before = levels()

    response = getattr(client_as(role), method)(url, data)

    if role is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif role in ALLOWED:
        assert response.status_code == allowed_status
    else:
        assert response.status_code == 403
    if role not in ALLOWED:
        assert levels() == before
        assert SkillImport.objects.count() == 1


# --- upload and preview --------------------------------------------------------------


def test_upload_page_explains_both_layouts_and_offers_downloads(registry, manager):
    response = logged_in(manager).get(UPLOAD)
    html = response.content.decode()

    assert response.status_code == 200
    assert 'for="id_file"' in html and 'id="id_file"' in html
    assert "Wide — a row per person" in html and "Long — a row per person" in html
    assert "?layout=wide&amp;format=xlsx" in html
    assert "template=1" in html
    assert "No imports yet" in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("rows", [WIDE, LONG], ids=["wide", "long"])
def test_upload_stores_a_preview_and_shows_it_without_writing(
    registry, manager, fmt, rows
):
    name, content = spreadsheet(fmt, rows)
    client = logged_in(manager)
    before = levels()

    response = client.post(UPLOAD, {"file": upload_file(name, content)})

    skill_import = SkillImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:import_detail", args=[skill_import.pk])
    assert skill_import.status == SkillImport.Status.PREVIEWED
    assert levels() == before

    html = client.get(response.url).content.decode()
    assert "Dry run — nothing has been written yet" in html
    assert "Apply 3 changes" in html
    assert "ada@example.com" in html and "scikit-learn" in html
    assert 'class="level-bar"' in html
    assert 'hx-get="' not in html  # no polling before applying


def test_preview_highlights_fuzzy_guesses(registry, manager):
    rows = [["email", "Pytorh", "sklearn"], ["ada@example.com", "4", "3"]]
    client = logged_in(manager)
    response = client.post(UPLOAD, {"file": upload_file("s.csv", csv_bytes(rows))})
    html = client.get(response.url).content.decode()

    assert '<tr class="table-warning">' in html
    assert "close spelling" in html
    assert "Pytorh" in html and "PyTorch" in html
    assert "alias" in html
    assert "1 name matched by close spelling" in html


def test_preview_with_errors_lists_row_and_column_and_disables_apply(registry, manager):
    rows = [["email", "SQL"], ["alan@example.com", "=cmd|' /C calc'!A0"]]
    client = logged_in(manager)
    response = client.post(UPLOAD, {"file": upload_file("s.csv", csv_bytes(rows))})
    html = client.get(response.url).content.decode()

    assert "Errors" in html
    assert "<td>2</td><td>SQL</td><td>B2</td>" in html
    assert "Invalid level" in html
    assert "disabled" in html and "must be fixed before anything can be applied" in html


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("skills.pdf", b"%PDF-1.4", "Only .csv and .xlsx files can be imported"),
        ("skills.csv", b"\x89PNG\r\n\x1a\n\x00", "not CSV text"),
        ("skills.csv", b"", "The submitted file is empty."),
        ("skills.csv", b"email,SQL\n", "no data rows"),
    ],
)
def test_bad_files_show_an_error_next_to_the_field(
    registry, manager, name, content, message
):
    response = logged_in(manager).post(UPLOAD, {"file": upload_file(name, content)})
    html = response.content.decode()

    assert response.status_code == 200  # the form again, with the error
    assert 'class="form-control is-invalid"' in html
    assert 'id="file-errors"' in html
    assert message in html
    assert not SkillImport.objects.exists()


def test_too_large_file_shows_the_limit(registry, manager, settings):
    settings.TEAMHUB_MAX_UPLOAD_BYTES = 100
    content = csv_bytes(WIDE * 5)

    response = logged_in(manager).post(
        UPLOAD, {"file": upload_file("skills.csv", content)}
    )

    assert response.status_code == 200
    assert 'id="file-errors"' in response.content.decode()
    assert "the limit is 100 bytes" in response.content.decode()
    assert not SkillImport.objects.exists()


def test_missing_file_is_a_field_error(registry, manager):
    response = logged_in(manager).post(UPLOAD, {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not SkillImport.objects.exists()


# --- apply through Celery ------------------------------------------------------------


def test_apply_queues_the_task_which_writes_and_reports_success(
    registry, manager, django_capture_on_commit_callbacks
):
    client = logged_in(manager)
    client.post(UPLOAD, {"file": upload_file("skills.csv", csv_bytes(WIDE))})
    skill_import = SkillImport.objects.get()
    apply_url = reverse("people:import_apply", args=[skill_import.pk])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(apply_url)

    # The task is enqueued only after commit; applying it then marks open
    # staffing requests stale once its own writes commit. (The dashboard's
    # cache versions may also wait for the commit.)
    assert len([c for c in callbacks if not isinstance(c, PendingChanges)]) == 2
    assert response.status_code == 302
    skill_import.refresh_from_db()
    assert skill_import.status == SkillImport.Status.SUCCEEDED
    assert skill_import.finished is not None
    assert levels() == {
        ("ada@example.com", "PyTorch"): 4,
        ("ada@example.com", "scikit-learn"): 3,
        ("alan@example.com", "SQL"): 4,
    }
    assert PersonSkill.objects.filter(validated_by=manager).count() == 3
    status = client.get(reverse("people:import_status", args=[skill_import.pk]))
    html = status.content.decode()
    assert "Applied." in html and "2 skill levels added, 1 changed" in html
    assert "hx-get" not in html  # finished: polling stops


def test_queued_import_polls_the_status_every_second(registry, manager):
    client = logged_in(manager)
    client.post(UPLOAD, {"file": upload_file("skills.csv", csv_bytes(WIDE))})
    skill_import = SkillImport.objects.get()

    # Without running on-commit callbacks the task is not sent: it stays queued.
    client.post(reverse("people:import_apply", args=[skill_import.pk]))
    html = client.get(
        reverse("people:import_detail", args=[skill_import.pk])
    ).content.decode()

    status_url = reverse("people:import_status", args=[skill_import.pk])
    assert f'hx-get="{status_url}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "Waiting for a worker" in html
    assert levels() == {("alan@example.com", "SQL"): 2}


def test_apply_fails_with_a_message_when_the_registry_changed_since_preview(
    registry, manager, django_capture_on_commit_callbacks
):
    client = logged_in(manager)
    client.post(UPLOAD, {"file": upload_file("skills.csv", csv_bytes(WIDE))})
    skill_import = SkillImport.objects.get()
    registry["ada"].user.email = "ada@elsewhere.example"  # preview said ok; now not
    registry["ada"].user.save()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import_apply", args=[skill_import.pk]))

    skill_import.refresh_from_db()
    assert skill_import.status == SkillImport.Status.FAILED
    assert "nothing was written" in skill_import.error
    assert skill_import.report["errors"][0]["row"] == 2
    assert levels() == {("alan@example.com", "SQL"): 2}
    html = client.get(
        reverse("people:import_detail", args=[skill_import.pk])
    ).content.decode()
    assert "Not applied." in html and "No person with email" in html


def test_an_import_with_errors_cannot_be_applied(registry, manager):
    rows = [["email", "SQL"], ["nobody@example.com", "4"]]
    client = logged_in(manager)
    client.post(UPLOAD, {"file": upload_file("s.csv", csv_bytes(rows))})
    skill_import = SkillImport.objects.get()

    response = client.post(
        reverse("people:import_apply", args=[skill_import.pk]), follow=True
    )

    skill_import.refresh_from_db()
    assert skill_import.status == SkillImport.Status.PREVIEWED
    assert "The file has errors" in response.content.decode()


def test_an_import_cannot_be_applied_twice(
    registry, manager, django_capture_on_commit_callbacks
):
    client = logged_in(manager)
    client.post(UPLOAD, {"file": upload_file("skills.csv", csv_bytes(WIDE))})
    skill_import = SkillImport.objects.get()
    url = reverse("people:import_apply", args=[skill_import.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    response = client.post(url, follow=True)

    assert "This import is already succeeded" in response.content.decode()


# --- export --------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["wide", "long"])
@pytest.mark.parametrize(
    "fmt, content_type",
    [
        ("csv", "text/csv; charset=utf-8"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_export_downloads_a_file(registry, manager, layout, fmt, content_type):
    response = logged_in(manager).get(
        reverse("people:export"), {"layout": layout, "format": fmt}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="teamhub-skills-{layout}-'
    )
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


def test_export_with_an_unknown_layout_is_400(registry, manager):
    response = logged_in(manager).get(reverse("people:export"), {"layout": "tall"})

    assert response.status_code == 400

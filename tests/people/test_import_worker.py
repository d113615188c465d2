"""The import page's apply goes through a real Celery worker on a real Redis broker."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from teamhub.people.models import SkillImport
from tests.people.test_importing import WIDE, levels, make_registry, spreadsheet

pytestmark = [pytest.mark.celery_worker, pytest.mark.redis]


def wait_for_import(client: Client, skill_import: SkillImport) -> SkillImport:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        skill_import.refresh_from_db()
        if skill_import.status in (
            SkillImport.Status.SUCCEEDED,
            SkillImport.Status.FAILED,
        ):
            return skill_import
        client.get(reverse("people:import_status", args=[skill_import.pk]))
        time.sleep(0.2)
    raise AssertionError(f"import still {skill_import.status} after 30 s")


def test_applied_import_is_written_by_the_worker(celery_worker, make_user):
    make_registry()
    client = Client()
    client.force_login(make_user("manager"))
    name, content = spreadsheet("xlsx", WIDE)
    response = client.post(
        reverse("people:import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    skill_import = SkillImport.objects.get()
    assert levels() == {("alan@example.com", "SQL"): 2}  # the preview wrote nothing

    response = client.post(reverse("people:import_apply", args=[skill_import.pk]))
    assert response.status_code == 302

    finished = wait_for_import(client, skill_import)
    assert finished.status == SkillImport.Status.SUCCEEDED, finished.error
    assert levels() == {
        ("ada@example.com", "PyTorch"): 4,
        ("ada@example.com", "scikit-learn"): 3,
        ("alan@example.com", "SQL"): 4,
    }
    page = client.get(reverse("people:import_detail", args=[skill_import.pk]))
    assert "Applied." in page.content.decode()
    assert "2 skill levels added, 1 changed" in page.content.decode()

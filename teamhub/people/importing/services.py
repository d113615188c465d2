"""Import services: preview (dry run) and apply a skills spreadsheet, and its runs."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.people.importing.parsing import read_table
from teamhub.people.importing.planning import import_plan
from teamhub.people.importing.report import ImportReport
from teamhub.people.models import PersonSkill, SkillImport
from teamhub.staffing.receivers import staffing_mark_stale

logger = logging.getLogger(__name__)

UPDATE_FIELDS = [
    "level",
    "interest",
    "last_used",
    "source",
    "validated_by",
    "validated_at",
    "updated",
]


class ImportInvalid(ValidationError):
    """The file has row errors; nothing was written. ``report`` says which."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.error_messages() or ["The file is invalid."])
        self.report = report

    @property
    def summary(self) -> str:
        count = self.report.error_count
        problems = "1 problem was" if count == 1 else f"{count} problems were"
        return f"{problems} found in {self.report.file_name}; nothing was written."


def _require_manager(actor: User) -> None:
    if not user_has_role(actor, Role.MANAGER):
        raise PermissionDenied("Only managers and admins can import skills.")


def import_skills_preview(
    *, file_name: str, content: bytes, actor: User
) -> ImportReport:
    """Return what importing the file would create and change; write nothing.

    Raises ``ValidationError({"file": [...]})`` for a file that cannot be read;
    row problems are listed in the report's ``errors`` instead.
    """
    _require_manager(actor)
    table = read_table(file_name=file_name, content=content)
    return import_plan(table=table, file_name=file_name, actor=actor).report


@transaction.atomic
def import_skills_apply(
    *,
    file_name: str,
    content: bytes,
    actor: User,
    skill_import: SkillImport | None = None,
) -> ImportReport:
    """Re-plan the file against the current registry and write it in one go.

    Writes nothing and raises :class:`ImportInvalid` if any row has an error.
    Records the run on ``skill_import`` (a new :class:`SkillImport` if None) and
    one audit event with the counts. Uses a constant number of queries (bulk
    inserts and updates; SQLite splits them into batches of ~100 rows).
    """
    _require_manager(actor)
    table = read_table(file_name=file_name, content=content)
    plan = import_plan(table=table, file_name=file_name, actor=actor, lock=True)
    report = plan.report
    if not report.ok:
        raise ImportInvalid(report)
    PersonSkill.objects.bulk_create(plan.to_create)
    PersonSkill.objects.bulk_update(plan.to_update, fields=UPDATE_FIELDS)
    staffing_mark_stale()  # bulk writes send no signals
    report.applied = True
    record = skill_import or SkillImport(
        uploaded_by=actor, filename=file_name[:255], content=content
    )
    record.status = SkillImport.Status.SUCCEEDED
    record.report = report.as_dict()
    record.error = ""
    record.finished = timezone.now()
    record.save()
    audit_record(
        actor=actor,
        verb="skills.imported",
        target=record,
        data={
            "file": file_name,
            "rows": report.rows_read,
            "people": report.people_matched,
            "created": len(report.creates),
            "changed": len(report.changes),
            "unchanged": report.unchanged,
        },
    )
    return report


@transaction.atomic
def skill_import_create(*, actor: User, file_name: str, content: bytes) -> SkillImport:
    """Store an uploaded file with its dry-run report, ready to be applied."""
    report = import_skills_preview(file_name=file_name, content=content, actor=actor)
    skill_import = SkillImport.objects.create(
        uploaded_by=actor,
        filename=file_name[:255],
        content=content,
        status=SkillImport.Status.PREVIEWED,
        report=report.as_dict(),
    )
    audit_record(
        actor=actor,
        verb="skill_import.previewed",
        target=skill_import,
        data={"file": file_name, "changes": report.change_count},
    )
    return skill_import


@transaction.atomic
def skill_import_queue(*, actor: User, skill_import: SkillImport) -> SkillImport:
    """Queue a previewed import for a worker to apply."""
    from teamhub.people.tasks import import_skills_apply_task

    _require_manager(actor)
    locked = SkillImport.objects.select_for_update().get(pk=skill_import.pk)
    if locked.status != SkillImport.Status.PREVIEWED:
        raise ValidationError(
            f"This import is already {locked.get_status_display().lower()}."
        )
    if not locked.report.get("ok", False):
        raise ValidationError(
            "The file has errors; fix them and upload it again. Nothing was written."
        )
    locked.status = SkillImport.Status.QUEUED
    locked.save(update_fields=["status", "updated"])
    audit_record(actor=actor, verb="skill_import.queued", target=locked)
    transaction.on_commit(lambda: import_skills_apply_task.delay(locked.pk))
    return locked


def skill_import_run(*, skill_import: SkillImport) -> SkillImport:
    """Apply a queued import (the worker's job) and record how it went."""
    Status = SkillImport.Status
    if skill_import.status not in (Status.QUEUED, Status.RUNNING):
        logger.info(
            "Skill import %s is %s; not run.", skill_import.pk, skill_import.status
        )
        return skill_import
    skill_import.status = Status.RUNNING
    skill_import.save(update_fields=["status", "updated"])
    try:
        import_skills_apply(
            file_name=skill_import.filename,
            content=bytes(skill_import.content),
            actor=skill_import.uploaded_by,
            skill_import=skill_import,
        )
    except ImportInvalid as exc:
        _fail(skill_import, exc.summary, report=exc.report)
    except (ValidationError, PermissionDenied) as exc:
        message = " ".join(getattr(exc, "messages", None) or [str(exc)])
        _fail(skill_import, message)
    except Exception:
        logger.exception("Skill import %s failed unexpectedly.", skill_import.pk)
        _fail(skill_import, "The import failed unexpectedly; nothing was written.")
        raise
    return skill_import


def _fail(
    skill_import: SkillImport, message: str, *, report: ImportReport | None = None
) -> None:
    skill_import.status = SkillImport.Status.FAILED
    skill_import.error = message
    if report is not None:
        skill_import.report = report.as_dict()
    skill_import.finished = timezone.now()
    skill_import.save(
        update_fields=["status", "error", "report", "finished", "updated"]
    )

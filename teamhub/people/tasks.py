"""Celery tasks of the people app: they load rows and call services, nothing more."""

from celery import shared_task

from teamhub.people.importing import skill_import_run
from teamhub.people.models import SkillImport


@shared_task(acks_late=True)
def import_skills_apply_task(import_id: int) -> str:
    """Apply a queued skills spreadsheet; return the import's final status."""
    skill_import = SkillImport.objects.select_related("uploaded_by").get(pk=import_id)
    return skill_import_run(skill_import=skill_import).status

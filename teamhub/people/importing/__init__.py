"""Spreadsheet import of the skills registry: read, resolve, plan, preview, apply."""

from teamhub.people.importing.parsing import Table, read_table, upload_check_size
from teamhub.people.importing.planning import import_plan
from teamhub.people.importing.report import ImportReport
from teamhub.people.importing.resolving import SkillResolver
from teamhub.people.importing.services import (
    ImportInvalid,
    import_skills_apply,
    import_skills_preview,
    skill_import_create,
    skill_import_queue,
    skill_import_run,
)

__all__ = [
    "ImportInvalid",
    "ImportReport",
    "SkillResolver",
    "Table",
    "import_plan",
    "import_skills_apply",
    "import_skills_preview",
    "read_table",
    "skill_import_create",
    "skill_import_queue",
    "skill_import_run",
    "upload_check_size",
]

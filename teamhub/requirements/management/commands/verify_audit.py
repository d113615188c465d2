"""``manage.py verify_audit``: check the audit chain and every version hash."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from teamhub.core.audit import audit_chain_problems
from teamhub.core.models import AuditEvent
from teamhub.requirements.integrity import version_problems
from teamhub.requirements.models import DocVersion


class Command(BaseCommand):
    help = (
        "Check the hash-chained audit log and the SHA-256 of every requirement "
        "version and decision; list every row that was altered."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = [*audit_chain_problems(), *version_problems()]
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found.")
        self.stdout.write(
            f"OK: {AuditEvent.objects.count()} audit events chained, "
            f"{DocVersion.objects.count()} document versions match their SHA-256."
        )

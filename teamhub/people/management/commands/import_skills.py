"""manage.py import_skills FILE [--dry-run] [--actor USERNAME]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from teamhub.core.models import User
from teamhub.people.importing import (
    ImportInvalid,
    ImportReport,
    import_skills_apply,
    import_skills_preview,
)


def report_lines(report: ImportReport, *, limit: int = 50) -> list[str]:
    """Return the report as readable lines (at most ``limit`` per list)."""
    lines = [
        f"{report.file_name}: {report.layout or '?'} layout, {report.format.upper()}",
        f"  rows read {report.rows_read}, people matched {report.people_matched}",
        f"  to add {len(report.creates)}, to change {len(report.changes)}, "
        f"unchanged {report.unchanged}, errors {report.error_count}",
    ]
    if report.header_guesses:
        lines.append("Skill names:")
        for guess in report.header_guesses:
            note = f" (score {guess['score']:.0f})" if guess["how"] == "fuzzy" else ""
            flag = "  ?" if guess["how"] == "fuzzy" else "   "
            lines.append(
                f"{flag} {guess['header']!r} -> {guess['skill']} "
                f"by {guess['how']}{note}"
            )
    for title, items, fmt in (
        ("Add:", report.creates, "  row {row}: {email} {skill} = {level}"),
        ("Change:", report.changes, "  row {row}: {email} {skill} {from} -> {to}"),
    ):
        if items:
            lines.append(title)
            lines += [fmt.format(**item) for item in items[:limit]]
            if len(items) > limit:
                lines.append(f"  … and {len(items) - limit} more")
    return lines


class Command(BaseCommand):
    help = (
        "Import skill levels from a CSV or XLSX file (wide or long layout; see "
        "docs/import-layouts.md). Writes nothing if any row is invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be created and changed, write nothing",
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="the manager or admin recorded as validating the levels "
            "(default: the first superuser)",
        )

    def _actor(self, username: str | None) -> User:
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"No user named {username!r}.") from None
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
        first = actor.first()
        if first is None:
            raise CommandError("No superuser found; name a manager with --actor.")
        self.stdout.write(f"Acting as {first.username} (use --actor to choose).")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        actor = self._actor(options["actor"])
        run = import_skills_preview if options["dry_run"] else import_skills_apply
        try:
            report = run(file_name=path.name, content=content, actor=actor)
        except ImportInvalid as exc:
            report = exc.report
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for line in report_lines(report):
            self.stdout.write(line)
        if not report.ok:
            for line in report.error_messages():
                self.stderr.write(line)
            raise CommandError(f"{report.error_count} error(s); nothing was written.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Applied: {len(report.creates)} added, "
                    f"{len(report.changes)} changed."
                )
            )

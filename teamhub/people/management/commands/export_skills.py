"""manage.py export_skills --layout wide|long --format csv|xlsx -o FILE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teamhub.people.exporting import FORMATS, LAYOUTS, Format, registry_export


class Command(BaseCommand):
    help = "Export the skills registry as CSV or XLSX (readable by import_skills)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--layout", choices=LAYOUTS, default="wide")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            help="file format (default: from the -o file name, else csv)",
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument(
            "--template",
            action="store_true",
            help="write a blank template instead of the current registry",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        fmt: Format = options["fmt"] or (
            "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
        )
        content = registry_export(
            layout=options["layout"], fmt=fmt, blank=options["template"]
        )
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from exc
        self.stdout.write(f"Wrote {path} ({options['layout']} layout, {fmt}).")

"""manage.py seed_demo: build a believable, deterministic demo ML organisation."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from teamhub.people.demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    MAX_PEOPLE,
    MIN_PEOPLE,
    demo_org_seed,
    demo_registry_flush,
)
from teamhub.people.models import Person

DEFAULT_PEOPLE = 200
DEFAULT_SEED = 42


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class Command(BaseCommand):
    help = (
        "Build a demo ML organisation: teams (Fraud, Recommendations, Forecasting, "
        "NLP, Computer Vision, ML Platform, ...), the skill taxonomy, people with "
        "skills and learning goals, three years of initiatives with assignments and "
        "outcomes, and current allocations. The same --seed and --people give the "
        "same data (dates are relative to today, or to --today). Demo logins "
        f"({', '.join(DEMO_LOGINS)}; password {DEMO_PASSWORD}) are only created in "
        "demo mode (TEAMHUB_DEMO=1, the default with DJANGO_DEBUG=1); elsewhere pass "
        "--no-logins. On a registry that already holds people the command refuses, "
        "unless --if-empty (then it does nothing) or --flush (then it first deletes "
        "every person, team and initiative and the demo users; demo mode only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"how many people, {MIN_PEOPLE} to {MAX_PEOPLE:,} "
            f"(default {DEFAULT_PEOPLE})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"random seed; the same seed gives the same data (default "
            f"{DEFAULT_SEED})",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if any person exists (what `make run` uses)",
        )
        existing.add_argument(
            "--flush",
            action="store_true",
            help="first delete every person, team and initiative and the demo users "
            "(skills are kept); demo mode only",
        )
        parser.add_argument(
            "--no-logins",
            action="store_true",
            help="do not create the demo logins (required outside demo mode)",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="pretend today is this date (for reproducible screenshots)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people: int = options["people"]
        if not MIN_PEOPLE <= people <= MAX_PEOPLE:
            raise CommandError(
                f"--people must be from {MIN_PEOPLE} to {MAX_PEOPLE:,} (got {people})."
            )
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write(
                "Demo data not seeded: the registry already holds people "
                f"({Person.objects.count():,}). Keeping them."
            )
            return
        logins = not options["no_logins"]
        if logins and not settings.DEMO_MODE:
            raise CommandError(
                "Refusing to create demo logins with the password "
                f"{DEMO_PASSWORD!r} outside demo mode. Set TEAMHUB_DEMO=1 for a demo "
                "instance, or pass --no-logins to seed data without logins."
            )
        if not options["flush"] and Person.objects.exists():
            raise CommandError(
                "The registry already holds people. Use --if-empty to keep them, or "
                "--flush to delete every person, team and initiative first."
            )

        verbosity: int = options["verbosity"]

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stdout.write(f"  {message}")

        try:
            with transaction.atomic():
                if options["flush"]:
                    deleted = demo_registry_flush()
                    progress(
                        "Flushed {people:,} people, {teams:,} teams, "
                        "{initiatives:,} initiatives and {users:,} demo users".format(
                            **deleted
                        )
                    )
                result = demo_org_seed(
                    people=people,
                    seed=options["seed"],
                    logins=logins,
                    today=options["today"],
                    progress=progress,
                )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(_message(exc)) from exc

        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.people:,} people in {result.teams:,} teams with "
                f"{result.person_skills:,} skills, {result.learning_goals:,} learning "
                f"goals, {result.initiatives:,} initiatives and "
                f"{result.assignments:,} assignments in {result.seconds:.1f} s "
                f"(seed {options['seed']})."
            )
        )
        if result.logins:
            self.stdout.write(
                f"Demo logins: {', '.join(result.logins)} (password: {DEMO_PASSWORD})"
            )

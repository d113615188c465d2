"""manage.py load_skill_taxonomy: create or update the canonical skill catalogue."""

from typing import Any

from django.core.management.base import BaseCommand

from teamhub.people.services_taxonomy import skill_taxonomy_load


class Command(BaseCommand):
    help = (
        "Create or update the canonical skill categories and skills (with their "
        "aliases and parents) from teamhub/people/taxonomy.py. Safe to run again: "
        "skills are matched by name, admin-added aliases are kept, and skills "
        "outside the catalogue are left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = skill_taxonomy_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Skill taxonomy loaded: {result.categories_created} categories "
                f"created, {result.skills_created} skills created, "
                f"{result.skills_updated} updated, "
                f"{result.skills_unchanged} unchanged."
            )
        )

"""manage.py seed_evidence_rules: create the default skill-evidence rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from teamhub.integrations.evidence import DEFAULT_RULES, evidence_rules_seed
from teamhub.people.models import Skill


def _skill_names() -> set[str]:
    """Return every skill name and alias, lower-cased (as the seed matches)."""
    names: set[str] = set()
    for name, aliases in Skill.objects.values_list("name", "aliases"):
        names.add(name.lower())
        names.update(a.lower() for a in aliases or [] if isinstance(a, str))
    return names


class Command(BaseCommand):
    help = (
        "Create the default skill-evidence rules (file types, imports, Jira "
        "labels and components -> skills) for the skills that exist. Safe to run "
        "again: existing rules, and admins' edits to them, are kept."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        known = _skill_names()
        created = evidence_rules_seed()
        skipped = [rule for rule in DEFAULT_RULES if rule[2].lower() not in known]
        present = len(DEFAULT_RULES) - len(skipped) - created
        self.stdout.write(
            f"Created {created} skill-evidence rule{'' if created == 1 else 's'}"
            f" ({present} already present)."
        )
        if skipped:
            self.stdout.write(
                f"Skipped {len(skipped)} default rule"
                f"{'' if len(skipped) == 1 else 's'} whose skill does not exist "
                "(add the skill or an alias, then run this again):"
            )
            for kind, pattern, skill in skipped:
                self.stdout.write(f"  {kind} {pattern!r} -> {skill}")

"""Load the canonical skill catalogue (``taxonomy.py``) into the database."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.people.models import Skill, SkillCategory
from teamhub.people.taxonomy import CATEGORIES, SKILLS, SkillSpec


@dataclass(frozen=True)
class TaxonomyLoadResult:
    categories_created: int
    skills_created: int
    skills_updated: int
    skills_unchanged: int
    skills: dict[str, Skill] = field(repr=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(
            self.categories_created or self.skills_created or self.skills_updated
        )


def _merged_aliases(*, canonical: tuple[str, ...], existing: list[Any]) -> list[str]:
    """Return the catalogue aliases followed by any extra ones an admin added."""
    merged: list[str] = []
    seen: set[str] = set()
    for alias in (*canonical, *existing):
        if not isinstance(alias, str) or not alias.strip():
            continue
        key = alias.strip().casefold()
        if key not in seen:
            seen.add(key)
            merged.append(alias.strip())
    return merged


def _apply_spec(
    *,
    skill: Skill,
    spec: SkillSpec,
    category: SkillCategory,
    parent: Skill | None,
) -> list[str]:
    """Bring ``skill`` in line with ``spec``; return the names of changed fields."""
    changed: list[str] = []
    if skill.name != spec.name:
        skill.name = spec.name
        changed.append("name")
    if skill.category_id != category.pk:
        skill.category = category
        changed.append("category")
    parent_id = parent.pk if parent is not None else None
    if spec.parent is not None and skill.parent_id != parent_id:
        skill.parent = parent
        changed.append("parent")
    aliases = _merged_aliases(canonical=spec.aliases, existing=skill.aliases or [])
    if aliases != skill.aliases:
        skill.aliases = aliases
        changed.append("aliases")
    if spec.description and not skill.description:
        skill.description = spec.description
        changed.append("description")
    return changed


@transaction.atomic
def skill_taxonomy_load(*, actor: User | None = None) -> TaxonomyLoadResult:
    """Create or update the catalogue's categories and skills, matched by name.

    Idempotent: a second run changes nothing. Names match case-insensitively (an
    existing "pytorch" becomes "PyTorch"); category and parent follow the catalogue;
    aliases an admin added are kept after the catalogue's own; a description is only
    filled in where there is none. Skills outside the catalogue are left alone.
    """
    categories = {c.name: c for c in SkillCategory.objects.filter(name__in=CATEGORIES)}
    missing = [
        SkillCategory(name=name) for name in CATEGORIES if name not in categories
    ]
    for category in missing:
        category.save()
        categories[category.name] = category

    # Match by exact name first, else case-insensitively ("pytorch" -> "PyTorch").
    rows = list(Skill.objects.select_for_update().order_by("pk"))
    exact = {row.name: row for row in rows}
    folded: dict[str, Skill] = {}
    for row in rows:
        folded.setdefault(row.name.casefold(), row)

    by_name: dict[str, Skill] = {}
    created = updated = unchanged = 0
    # SKILLS lists parents before children, so one ordered pass resolves parents.
    for spec in SKILLS:
        parent = by_name[spec.parent] if spec.parent is not None else None
        skill = exact.get(spec.name) or folded.get(spec.name.casefold())
        if skill is None:
            skill = Skill(
                name=spec.name,
                category=categories[spec.category],
                parent=parent,
                aliases=list(spec.aliases),
                description=spec.description,
            )
            skill.save()
            created += 1
            audit_record(
                actor=actor,
                verb="skill.created",
                target=skill,
                data={"source": "taxonomy", "category": spec.category},
            )
        else:
            changes = _apply_spec(
                skill=skill,
                spec=spec,
                category=categories[spec.category],
                parent=parent,
            )
            if changes:
                skill.save()
                updated += 1
                audit_record(
                    actor=actor,
                    verb="skill.updated",
                    target=skill,
                    data={"source": "taxonomy", "fields": changes},
                )
            else:
                unchanged += 1
        by_name[spec.name] = skill
    return TaxonomyLoadResult(
        categories_created=len(missing),
        skills_created=created,
        skills_updated=updated,
        skills_unchanged=unchanged,
        skills=by_name,
    )

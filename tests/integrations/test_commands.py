"""manage.py seed_evidence_rules: the default rules for the skills that exist."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from teamhub.integrations.evidence import DEFAULT_RULES
from teamhub.integrations.models import SkillEvidenceRule
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_evidence_rules", stdout=out)
    return out.getvalue()


def rules() -> set[tuple[str, str, str]]:
    return {
        (rule.kind, rule.pattern, rule.skill.name)
        for rule in SkillEvidenceRule.objects.select_related("skill")
    }


def test_creates_the_rules_of_existing_skills_once_and_lists_the_rest():
    SkillFactory(name="Python")
    SkillFactory(name="PyTorch")
    SkillFactory(name="Scikit", aliases=["scikit-learn"])  # found by alias

    first = seed()

    assert rules() == {
        ("file_extension", ".py", "Python"),
        ("import", "torch", "PyTorch"),
        ("import", "lightning", "PyTorch"),
        ("import", "sklearn", "Scikit"),
    }
    lines = first.splitlines()
    skipped = len(DEFAULT_RULES) - 4
    assert lines[0] == "Created 4 skill-evidence rules (0 already present)."
    assert lines[1].startswith(f"Skipped {skipped} default rules whose skill")
    assert "  import 'jax' -> JAX" in lines
    assert "  file_name 'Dockerfile' -> Docker" in lines
    assert not any("PyTorch" in line for line in lines)

    second = seed()

    assert SkillEvidenceRule.objects.count() == 4
    assert second.splitlines()[0] == (
        "Created 0 skill-evidence rules (4 already present)."
    )


def test_keeps_an_admins_edits_and_adds_rules_for_skills_added_since():
    python = SkillFactory(name="Python")
    seed()
    SkillEvidenceRule.objects.filter(skill=python).update(active=False)
    SkillFactory(name="sql")  # any case

    out = seed()

    assert out.splitlines()[0] == "Created 1 skill-evidence rule (1 already present)."
    assert not SkillEvidenceRule.objects.get(skill=python).active
    assert ("file_extension", ".sql", "sql") in rules()


def test_without_skills_creates_nothing_and_says_why():
    out = seed()

    assert out.splitlines()[0] == "Created 0 skill-evidence rules (0 already present)."
    assert f"Skipped {len(DEFAULT_RULES)} default rules" in out
    assert not SkillEvidenceRule.objects.exists()

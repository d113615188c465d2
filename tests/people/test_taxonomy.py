"""The canonical skill catalogue and its idempotent load."""

from io import StringIO

import pytest
from django.core.management import call_command

from teamhub.core.models import AuditEvent
from teamhub.people.models import Skill, SkillCategory
from teamhub.people.services_taxonomy import skill_taxonomy_load
from teamhub.people.taxonomy import CATEGORIES, SKILLS, SKILLS_BY_NAME
from tests.factories import PersonSkillFactory, SkillCategoryFactory, SkillFactory

ALIASES = {
    "NLP": "Natural language processing",
    "CV": "Computer vision",
    "k8s": "Kubernetes",
    "sklearn": "scikit-learn",
    "scikit": "scikit-learn",
    "torch": "PyTorch",
    "Spark": "Apache Spark",
    "pyspark": "Apache Spark",
    "tf": "TensorFlow",
    "LLM": "Large language models",
    "LLMs": "Large language models",
    "recsys": "Recommender systems",
}


def test_catalogue_has_the_six_categories_and_about_150_skills():
    assert set(CATEGORIES) == {
        "ML technique",
        "Domain",
        "Language/tool",
        "MLOps",
        "Data engineering",
        "Soft skill",
    }
    assert 140 <= len(SKILLS) <= 180
    assert {spec.category for spec in SKILLS} == set(CATEGORIES)


def test_catalogue_names_and_aliases_never_collide():
    owner: dict[str, str] = {}
    for spec in SKILLS:
        for term in (spec.name, *spec.aliases):
            key = term.casefold()
            assert owner.setdefault(key, spec.name) == spec.name, (
                f"{term!r} names both {owner[key]!r} and {spec.name!r}"
            )


def test_catalogue_parents_exist_and_come_first():
    order = [spec.name for spec in SKILLS]
    for spec in SKILLS:
        if spec.parent is not None:
            assert spec.parent in SKILLS_BY_NAME
            assert order.index(spec.parent) < order.index(spec.name)


@pytest.mark.django_db
def test_load_creates_categories_skills_aliases_and_parents():
    result = skill_taxonomy_load()

    assert result.categories_created == 6
    assert result.skills_created == len(SKILLS)
    assert set(SkillCategory.objects.values_list("name", flat=True)) == set(CATEGORIES)
    assert Skill.objects.count() == len(SKILLS)
    for alias, name in ALIASES.items():
        assert alias in Skill.objects.get(name=name).aliases
    pytorch = Skill.objects.get(name="PyTorch")
    assert pytorch.parent.name == "Deep learning"
    assert pytorch.category.name == "Language/tool"
    xgboost = Skill.objects.get(name="XGBoost")
    assert xgboost.parent.name == "Gradient boosting"
    assert "XGBoost" not in Skill.objects.get(name="Gradient boosting").aliases
    assert Skill.objects.get(name="Kubernetes").category.name == "MLOps"


@pytest.mark.django_db
def test_load_twice_changes_nothing_the_second_time():
    skill_taxonomy_load()
    before = list(
        Skill.objects.order_by("name").values_list(
            "name", "category__name", "parent__name", "aliases", "description"
        )
    )
    events = AuditEvent.objects.count()

    result = skill_taxonomy_load()

    assert (result.categories_created, result.skills_created) == (0, 0)
    assert result.skills_updated == 0
    assert result.skills_unchanged == len(SKILLS)
    assert not result.changed
    after = list(
        Skill.objects.order_by("name").values_list(
            "name", "category__name", "parent__name", "aliases", "description"
        )
    )
    assert after == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_load_updates_existing_skills_and_keeps_admin_additions():
    soft = SkillCategoryFactory(name="Soft skill")
    k8s = SkillFactory(name="Kubernetes", category=soft, aliases=["kube", "K8S"])
    lowercase = SkillFactory(name="pytorch", category=soft)
    held = PersonSkillFactory(skill=lowercase, level=4)
    custom = SkillFactory(name="Our in-house feature DSL", category=soft)

    result = skill_taxonomy_load()

    k8s.refresh_from_db()
    assert k8s.category.name == "MLOps"
    # Catalogue aliases first; the admin's extra one kept; "K8S" is already there.
    assert k8s.aliases[: len(SKILLS_BY_NAME["Kubernetes"].aliases)] == list(
        SKILLS_BY_NAME["Kubernetes"].aliases
    )
    assert "kube" in k8s.aliases
    assert sum(a.casefold() == "k8s" for a in k8s.aliases) == 1
    # "pytorch" is the same skill, renamed: people keep their levels.
    held.refresh_from_db()
    assert held.skill.name == "PyTorch"
    assert held.skill.pk == lowercase.pk
    assert Skill.objects.filter(name__iexact="pytorch").count() == 1
    custom.refresh_from_db()
    assert custom.name == "Our in-house feature DSL"
    assert custom.category == soft
    assert result.skills_updated == 2
    assert result.skills_created == len(SKILLS) - 2


@pytest.mark.django_db
def test_load_records_an_audit_event_per_created_skill():
    skill_taxonomy_load()

    created = AuditEvent.objects.filter(verb="skill.created")
    assert created.count() == len(SKILLS)
    assert created.filter(target_repr="PyTorch", data__source="taxonomy").exists()


@pytest.mark.django_db
def test_load_skill_taxonomy_command_reports_what_it_did():
    out = StringIO()
    call_command("load_skill_taxonomy", stdout=out)
    assert f"{len(SKILLS)} skills created" in out.getvalue()

    out = StringIO()
    call_command("load_skill_taxonomy", stdout=out)
    assert "0 skills created, 0 updated" in out.getvalue()
    assert Skill.objects.count() == len(SKILLS)

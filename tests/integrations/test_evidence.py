"""Skill evidence: rules of every kind applied to commits and Jira events,
idempotently, never touching PersonSkill; the recency-weighted summary; and the
activity reads the profile and board cards use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teamhub.integrations.evidence import (
    evidence_record,
    evidence_rules_seed,
    evidence_summary,
    evidence_weight,
)
from teamhub.integrations.models import ActivityEvent, SkillEvidence, SkillEvidenceRule
from teamhub.integrations.selectors import (
    initiative_activity_counts,
    person_activity,
    person_evidence,
)
from teamhub.people.models import PersonSkill, Skill
from tests.factories import (
    InitiativeFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
)
from tests.integrations.test_identities import make_event

pytestmark = pytest.mark.django_db


def rule(kind: str, pattern: str, skill_name: str, active: bool = True) -> Skill:
    skill = SkillFactory(name=skill_name)
    SkillEvidenceRule.objects.create(
        kind=kind, pattern=pattern, skill=skill, active=active
    )
    return skill


@pytest.fixture
def rules() -> dict[str, Skill]:
    return {
        "jupyter": rule("file_extension", ".ipynb", "Jupyter"),
        "sql": rule("file_extension", "sql", "SQL"),  # no dot: the same
        "terraform": rule("file_extension", ".tf", "Terraform"),
        "docker": rule("file_name", "Dockerfile", "Docker"),
        "pytorch": rule("import", "torch", "PyTorch"),
        "sklearn": rule("import", "sklearn", "scikit-learn"),
        "spark": rule("import", "pyspark", "Apache Spark"),
        "nlp": rule("jira_label", "NLP", "Natural language processing"),
        "mlops": rule("jira_component", "mlops", "MLOps"),
    }


def evidence_of(person) -> dict[str, str]:
    return {
        e.skill.name: e.reason
        for e in SkillEvidence.objects.filter(person=person).select_related("skill")
    }


# --- the rules, kind by kind ---------------------------------------------------------


def test_commit_files_map_by_extension_and_file_name(rules):
    person = PersonFactory()
    event = make_event(
        person=person,
        data={
            "sha": "abc1234def",
            "files": [
                {"path": "notebooks/Explore.IPYNB", "added": 10, "deleted": 0},
                {"path": "sql/report.sql", "added": 1, "deleted": 1},
                {"path": "infra/main.tf", "added": 3, "deleted": 0},
                {"path": "deploy/api/dockerfile", "added": 3, "deleted": 0},
                {"path": "README.md", "added": 1, "deleted": 0},
            ],
        },
    )

    created = evidence_record(event_ids=[event.pk])

    assert created == 4
    assert evidence_of(person) == {
        "Jupyter": ".ipynb file in abc1234: notebooks/Explore.IPYNB",
        "SQL": ".sql file in abc1234: sql/report.sql",
        "Terraform": ".tf file in abc1234: infra/main.tf",
        "Docker": "dockerfile in abc1234: deploy/api/dockerfile",
    }
    assert SkillEvidence.objects.get(skill=rules["docker"]).at == event.occurred_at


def test_commit_imports_map_to_skills(rules):
    person = PersonFactory()
    event = make_event(
        person=person,
        data={"imports": ["torch", "sklearn.linear_model", "PySpark", "os"]},
    )

    evidence_record(event_ids=[event.pk])

    reasons = evidence_of(person)
    sha = event.external_id.rsplit(":", 1)[-1][:7]
    assert reasons == {
        "PyTorch": f"import torch in {sha}",
        "scikit-learn": f"import sklearn in {sha}",
        "Apache Spark": f"import pyspark in {sha}",
    }


def test_jira_labels_and_components_map_to_skills(rules):
    person = PersonFactory()
    event = make_event(
        person=person,
        source="jira",
        kind=ActivityEvent.Kind.ISSUE_CREATED,
        data={
            "key": "ML-7",
            "labels": ["nlp", "backend"],
            "components": [{"name": "MLOps"}, "Web"],
        },
    )

    evidence_record(event_ids=[event.pk])

    assert evidence_of(person) == {
        "Natural language processing": "label nlp on ML-7",
        "MLOps": "component MLOps on ML-7",
    }


def test_one_piece_of_evidence_per_event_and_skill(rules):
    person = PersonFactory()
    event = make_event(
        person=person,
        data={"files": [{"path": "a.ipynb"}, {"path": "b.ipynb"}]},
    )
    assert evidence_record(event_ids=[event.pk]) == 1
    assert SkillEvidence.objects.count() == 1


def test_inactive_rules_and_unattributed_events_record_nothing(rules):
    rule("import", "jax", "JAX", active=False)
    nobody = make_event(data={"imports": ["torch"]})
    someone = make_event(person=PersonFactory(), data={"imports": ["jax"]})

    assert evidence_record(event_ids=[nobody.pk, someone.pk]) == 0
    assert not SkillEvidence.objects.exists()


def test_malformed_data_is_ignored(rules):
    event = make_event(
        person=PersonFactory(),
        data={"files": "x.ipynb", "imports": [None, 3, {"name": "torch"}], "labels": 7},
    )
    # a list of objects with names is read; strings and numbers elsewhere are not
    assert evidence_record(event_ids=[event.pk]) == 1


def test_recording_twice_leaves_the_same_rows(rules):
    person = PersonFactory()
    events = [
        make_event(
            person=person, data={"imports": ["torch"], "files": [{"path": "x.sql"}]}
        )
        for _ in range(3)
    ]
    ids = [e.pk for e in events]
    assert evidence_record(event_ids=ids) == 6
    before = list(SkillEvidence.objects.order_by("pk").values())

    assert evidence_record(event_ids=ids + ids) == 0

    assert list(SkillEvidence.objects.order_by("pk").values()) == before


def test_evidence_the_event_no_longer_supports_is_removed(rules):
    person = PersonFactory()
    event = make_event(person=person, data={"imports": ["torch", "sklearn"]})
    evidence_record(event_ids=[event.pk])
    ActivityEvent.objects.filter(pk=event.pk).update(data={"imports": ["torch"]})

    evidence_record(event_ids=[event.pk])

    assert set(evidence_of(person)) == {"PyTorch"}


def test_evidence_never_touches_person_skills(rules):
    person = PersonFactory()
    held = PersonSkillFactory(person=person, skill=rules["pytorch"], level=2)
    before = list(PersonSkill.objects.values())
    event = make_event(person=person, data={"imports": ["torch", "sklearn"]})

    evidence_record(event_ids=[event.pk])

    assert list(PersonSkill.objects.values()) == before
    held.refresh_from_db()
    assert held.level == 2 and held.source == PersonSkill.Source.SELF
    assert SkillEvidence.objects.filter(person=person).count() == 2


@pytest.mark.parametrize("n", [5, 100])
def test_recording_uses_a_fixed_number_of_queries(
    rules, django_assert_max_num_queries, n
):
    person = PersonFactory()
    ids = [
        make_event(
            person=person,
            data={"imports": ["torch"], "files": [{"path": f"n{i}.ipynb"}]},
        ).pk
        for i in range(n)
    ]
    with django_assert_max_num_queries(7):
        evidence_record(event_ids=ids)
    with django_assert_max_num_queries(7):
        evidence_record(event_ids=ids)
    assert SkillEvidence.objects.count() == 2 * n


# --- the summary -----------------------------------------------------------------


def test_weight_halves_every_ninety_days():
    now = timezone.now()
    assert evidence_weight(at=now, now=now) == 1
    assert evidence_weight(at=now - dt.timedelta(days=90), now=now) == pytest.approx(
        0.5
    )
    assert evidence_weight(at=now - dt.timedelta(days=180), now=now) == pytest.approx(
        0.25
    )
    assert evidence_weight(at=now + dt.timedelta(days=1), now=now) == 1


def test_summary_counts_and_weights_by_skill(rules):
    person = PersonFactory()
    now = timezone.now()
    for days in (0, 90):
        make_event(
            person=person,
            data={"imports": ["torch"]},
            occurred_at=now - dt.timedelta(days=days),
        )
    for days in (10, 20, 30):
        make_event(
            person=person,
            data={"files": [{"path": "q.sql"}]},
            occurred_at=now - dt.timedelta(days=365 + days),
        )
    evidence_record(event_ids=list(ActivityEvent.objects.values_list("pk", flat=True)))

    summary = evidence_summary(person, now=now)

    assert [(row.skill.name, row.count) for row in summary] == [
        ("PyTorch", 2),
        ("SQL", 3),
    ]
    pytorch, sql = summary
    assert pytorch.weight == pytest.approx(1.5, abs=0.01)
    assert pytorch.last_at == now
    assert sql.weight < 0.2
    skill, count, last_at, weight = sql
    assert (skill.name, count, last_at, weight) == ("SQL", 3, sql.last_at, sql.weight)


def test_profile_evidence_shows_the_level_held_beside_it(
    rules, django_assert_max_num_queries
):
    person = PersonFactory()
    PersonSkillFactory(
        person=person,
        skill=rules["pytorch"],
        level=4,
        source=PersonSkill.Source.MANAGER,
    )
    event = make_event(person=person, data={"imports": ["torch", "sklearn"]})
    evidence_record(event_ids=[event.pk])

    with django_assert_max_num_queries(2):
        rows = {row.skill.name: row for row in person_evidence(person)}

    assert (rows["PyTorch"].level, rows["PyTorch"].level_source) == (4, "manager")
    assert rows["scikit-learn"].level is None
    assert 0 < rows["PyTorch"].strength_percent <= 100


# --- seeding the default rules ---------------------------------------------------


def test_default_rules_are_seeded_for_skills_that_exist_by_name_or_alias():
    pytorch = SkillFactory(name="PyTorch")
    spark = SkillFactory(name="Apache Spark", aliases=["Spark", "pyspark"])

    created = evidence_rules_seed()

    rules = set(SkillEvidenceRule.objects.values_list("kind", "pattern", "skill"))
    assert ("import", "torch", pytorch.pk) in rules
    assert ("import", "pyspark", spark.pk) in rules
    assert ("jira_label", "spark", spark.pk) in rules
    assert created == len(rules)
    assert evidence_rules_seed() == 0


# --- activity reads ----------------------------------------------------------------


def test_person_activity_is_newest_first_and_limited():
    person = PersonFactory()
    now = timezone.now()
    events = [
        make_event(person=person, occurred_at=now - dt.timedelta(hours=h))
        for h in range(5)
    ]
    make_event(person=PersonFactory())

    shown = person_activity(person.pk, limit=3)

    assert [e.pk for e in shown] == [e.pk for e in events[:3]]


def test_initiative_activity_counts_recent_events_in_one_query(
    django_assert_num_queries,
):
    now = timezone.now()
    busy, quiet, idle = InitiativeFactory(), InitiativeFactory(), InitiativeFactory()
    for _ in range(3):
        make_event(initiative=busy, occurred_at=now - dt.timedelta(days=2))
    make_event(initiative=busy, occurred_at=now - dt.timedelta(days=40))
    make_event(initiative=busy, orphaned=True)
    make_event(initiative=quiet)

    with django_assert_num_queries(1):
        counts = initiative_activity_counts([busy.pk, quiet.pk, idle.pk])

    assert counts == {busy.pk: 3, quiet.pk: 1}
    assert initiative_activity_counts([busy.pk], since=now - dt.timedelta(days=60)) == {
        busy.pk: 4
    }


def test_every_default_rule_finds_its_skill_in_the_catalogue():
    from teamhub.integrations.evidence import DEFAULT_RULES
    from teamhub.people.services_taxonomy import skill_taxonomy_load

    skill_taxonomy_load()

    assert evidence_rules_seed() == len(DEFAULT_RULES)


# --- the profile sections --------------------------------------------------------


def test_profile_sections_render_activity_and_evidence_beside_levels(rules):
    from django.template.loader import render_to_string

    from teamhub.integrations.selectors import profile_activity_context

    person = PersonFactory()
    PersonSkillFactory(person=person, skill=rules["pytorch"], level=3)
    event = make_event(
        person=person,
        initiative=InitiativeFactory(key="ML-42"),
        title="Train the ranker",
        data={"imports": ["torch"]},
    )
    evidence_record(event_ids=[event.pk])
    context = {"person": person, **profile_activity_context(person)}

    activity = render_to_string("people/_partials/profile_activity.html", context)
    evidence = render_to_string("people/_partials/profile_evidence.html", context)

    assert "Train the ranker" in activity and "ML-42" in activity
    assert f'href="{event.url}"' in activity
    assert "PyTorch" in evidence and "1 event" in evidence
    assert "level 3 of 5" in evidence and "Self" in evidence


def test_profile_sections_have_empty_states():
    from django.template.loader import render_to_string

    from teamhub.integrations.selectors import profile_activity_context

    person = PersonFactory()
    context = {"person": person, **profile_activity_context(person)}

    assert 'data-testid="no-activity"' in render_to_string(
        "people/_partials/profile_activity.html", context
    )
    assert 'data-testid="no-evidence"' in render_to_string(
        "people/_partials/profile_evidence.html", context
    )

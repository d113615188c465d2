"""Skill evidence: what activity events touch (file types, Python imports, Jira
labels and components) mapped to skills by the admin-editable SkillEvidenceRules.

Evidence is ``inferred``: it lives in its own table and is shown beside the
self and manager levels, never written to PersonSkill. Its weight decays with
age when read (see ``evidence_weight``).
"""

import datetime as dt
import math
import posixpath
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from teamhub.integrations.models import ActivityEvent, SkillEvidence, SkillEvidenceRule
from teamhub.people.models import Person, Skill
from teamhub.staffing.receivers import staffing_mark_stale

# Events read per batch: bounds the SQL parameters (SQLite) and the memory used.
BATCH = 1000
# The weight of one piece of evidence halves every 90 days: a commit today
# counts 1, one from three months ago 0.5, from six months ago 0.25.
HALF_LIFE_DAYS = 90.0
REASON_MAX = 200

Kind = SkillEvidenceRule.Kind

# The rules ``evidence_rules_seed`` creates, for skills of these names (or
# aliases) that exist; admins edit them afterwards (Django admin).
DEFAULT_RULES: tuple[tuple[str, str, str], ...] = (
    (Kind.FILE_EXTENSION, ".ipynb", "Jupyter"),
    (Kind.FILE_EXTENSION, ".sql", "SQL"),
    (Kind.FILE_EXTENSION, ".tf", "Terraform"),
    (Kind.FILE_EXTENSION, ".py", "Python"),
    (Kind.FILE_EXTENSION, ".scala", "Scala"),
    (Kind.FILE_EXTENSION, ".r", "R"),
    (Kind.FILE_NAME, "Dockerfile", "Docker"),
    (Kind.FILE_NAME, "docker-compose.yml", "Docker"),
    (Kind.FILE_NAME, "Chart.yaml", "Kubernetes"),
    (Kind.FILE_NAME, "dbt_project.yml", "dbt"),
    (Kind.IMPORT, "torch", "PyTorch"),
    (Kind.IMPORT, "lightning", "PyTorch"),
    (Kind.IMPORT, "tensorflow", "TensorFlow"),
    (Kind.IMPORT, "keras", "Keras"),
    (Kind.IMPORT, "jax", "JAX"),
    (Kind.IMPORT, "sklearn", "scikit-learn"),
    (Kind.IMPORT, "xgboost", "XGBoost"),
    (Kind.IMPORT, "lightgbm", "LightGBM"),
    (Kind.IMPORT, "pandas", "pandas"),
    (Kind.IMPORT, "polars", "Polars"),
    (Kind.IMPORT, "numpy", "NumPy"),
    (Kind.IMPORT, "pyspark", "Apache Spark"),
    (Kind.IMPORT, "transformers", "Hugging Face Transformers"),
    (Kind.IMPORT, "mlflow", "MLflow"),
    (Kind.IMPORT, "airflow", "Apache Airflow"),
    (Kind.IMPORT, "fastapi", "FastAPI"),
    (Kind.IMPORT, "cv2", "OpenCV"),
    (Kind.JIRA_LABEL, "spark", "Apache Spark"),
    (Kind.JIRA_LABEL, "terraform", "Terraform"),
    (Kind.JIRA_LABEL, "docker", "Docker"),
    (Kind.JIRA_LABEL, "nlp", "NLP"),
    (Kind.JIRA_COMPONENT, "mlops", "MLOps"),
    (Kind.JIRA_COMPONENT, "data pipeline", "Data pipelines"),
)


@dataclass(frozen=True)
class EvidenceSummary:
    """A person's evidence of one skill: how many events, the latest, and the
    recency-weighted sum (see ``evidence_weight``). Unpacks as
    ``skill, count, last_at, weight``."""

    skill: Skill
    count: int
    last_at: dt.datetime
    weight: float

    def __iter__(self) -> Iterator[Any]:
        return iter((self.skill, self.count, self.last_at, self.weight))


def evidence_weight(*, at: dt.datetime, now: dt.datetime) -> float:
    """Return the weight of one piece of evidence: 0.5 ** (age in days / 90),
    so it halves every ``HALF_LIFE_DAYS``; evidence from the future counts 1."""
    age_days = max(0.0, (now - at).total_seconds() / 86400)
    return math.pow(0.5, age_days / HALF_LIFE_DAYS)


def _pattern_key(kind: str, pattern: str) -> str:
    key = pattern.strip().lower()
    if kind == Kind.FILE_EXTENSION:
        key = "." + key.lstrip(".")
    return key


def _strings(value: Any) -> Iterator[str]:
    """Yield the strings of a list of strings or of {"name": ...} objects."""
    if not isinstance(value, list):
        return
    for item in value:
        if isinstance(item, dict):
            item = item.get("name") or item.get("value")
        if isinstance(item, str) and item.strip():
            yield item.strip()


def _event_ref(kind: str, external_id: str, title: str, data: dict[str, Any]) -> str:
    """Return how a reason names the event: a short sha or an issue key."""
    if kind == ActivityEvent.Kind.COMMIT:
        sha = data.get("sha") or external_id.rsplit(":", 1)[-1]
        return str(sha)[:7]
    key = data.get("key") or data.get("issue_key")
    return str(key) if key else (title[:60] or external_id)


def _matches(
    data: dict[str, Any], rules: dict[str, dict[str, list[int]]], ref: str
) -> Iterator[tuple[int, str]]:
    """Yield (skill id, reason) for every rule the event's data matches."""
    files = data.get("files")
    for entry in files if isinstance(files, list) else []:
        path = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(path, str) or not path:
            continue
        name = posixpath.basename(path.rstrip("/"))
        lowered = name.lower()
        for skill_id in rules[Kind.FILE_NAME].get(lowered, ()):
            yield skill_id, f"{name} in {ref}: {path}"
        extension = posixpath.splitext(lowered)[1]
        if extension:
            for skill_id in rules[Kind.FILE_EXTENSION].get(extension, ()):
                yield skill_id, f"{extension} file in {ref}: {path}"
    for module in _strings(data.get("imports")):
        top = module.split(".", 1)[0].lower()
        for skill_id in rules[Kind.IMPORT].get(top, ()):
            yield skill_id, f"import {top} in {ref}"
    for label in _strings(data.get("labels")):
        for skill_id in rules[Kind.JIRA_LABEL].get(label.lower(), ()):
            yield skill_id, f"label {label} on {ref}"
    for component in _strings(data.get("components")):
        for skill_id in rules[Kind.JIRA_COMPONENT].get(component.lower(), ()):
            yield skill_id, f"component {component} on {ref}"


def _active_rules() -> dict[str, dict[str, list[int]]]:
    rules: dict[str, dict[str, list[int]]] = {kind: {} for kind in Kind.values}
    for kind, pattern, skill_id in SkillEvidenceRule.objects.filter(
        active=True
    ).values_list("kind", "pattern", "skill_id"):
        skills = rules.setdefault(kind, {}).setdefault(_pattern_key(kind, pattern), [])
        if skill_id not in skills:
            skills.append(skill_id)
    return rules


@transaction.atomic
def evidence_record(*, event_ids: list[int]) -> int:
    """Apply the active SkillEvidenceRules to the given events and return how
    many new pieces of evidence were recorded.

    Idempotent: evidence is unique per (event, skill); existing rows follow the
    event (its person and time), and evidence the event no longer supports (no
    person any more, or its data changed) is removed. Events without a person
    record nothing. A fixed number of queries per 1,000 events: the rules once,
    then per batch the events, their evidence, and at most one insert, one
    update and one delete.
    """
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    rules = _active_rules()
    created = 0
    for start in range(0, len(ids), BATCH):
        created += _record_batch(ids[start : start + BATCH], rules)
    return created


def _record_batch(ids: list[int], rules: dict[str, dict[str, list[int]]]) -> int:
    wanted: dict[tuple[int, int], SkillEvidence] = {}
    events = ActivityEvent.objects.filter(pk__in=ids, person__isnull=False)
    for (
        pk,
        kind,
        external_id,
        title,
        person_id,
        occurred_at,
        data,
    ) in events.values_list(
        "pk", "kind", "external_id", "title", "person_id", "occurred_at", "data"
    ):
        if not isinstance(data, dict):
            continue
        ref = _event_ref(kind, external_id, title, data)
        for skill_id, reason in _matches(data, rules, ref):
            # The first match of a skill names the reason.
            wanted.setdefault(
                (pk, skill_id),
                SkillEvidence(
                    person_id=person_id,
                    skill_id=skill_id,
                    event_id=pk,
                    at=occurred_at,
                    reason=reason[:REASON_MAX],
                ),
            )
    stale: list[int] = []
    changed: list[SkillEvidence] = []
    for existing in SkillEvidence.objects.filter(event_id__in=ids).only(
        "pk", "event_id", "skill_id", "person_id", "at", "reason"
    ):
        new = wanted.pop((existing.event_id, existing.skill_id), None)
        if new is None:
            stale.append(existing.pk)
        elif (existing.person_id, existing.at, existing.reason) != (
            new.person_id,
            new.at,
            new.reason,
        ):
            existing.person_id = new.person_id
            existing.at = new.at
            existing.reason = new.reason
            changed.append(existing)
    if stale:
        SkillEvidence.objects.filter(pk__in=stale).delete()
    if changed:
        SkillEvidence.objects.bulk_update(changed, ["person", "at", "reason"])
    if wanted:
        # A concurrent run may have written the same rows: theirs stand.
        SkillEvidence.objects.bulk_create(wanted.values(), ignore_conflicts=True)
    if stale or changed or wanted:
        staffing_mark_stale()  # bulk writes send no signals
    return len(wanted)


def evidence_summary(
    person: Person, *, now: dt.datetime | None = None
) -> list[EvidenceSummary]:
    """Return the person's evidence per skill, strongest (recency-weighted)
    first: one query. Each piece weighs 0.5 ** (age in days / 90)."""
    now = now or timezone.now()
    skills: dict[int, Skill] = {}
    counts: dict[int, int] = defaultdict(int)
    last: dict[int, dt.datetime] = {}
    weights: dict[int, float] = defaultdict(float)
    for evidence in (
        SkillEvidence.objects.filter(person=person)
        .select_related("skill__category")
        .only("at", "skill__name", "skill__category__name")
        .order_by("-at")
    ):
        skill_id = evidence.skill_id
        skills.setdefault(skill_id, evidence.skill)
        counts[skill_id] += 1
        last.setdefault(skill_id, evidence.at)
        weights[skill_id] += evidence_weight(at=evidence.at, now=now)
    rows = [
        EvidenceSummary(skills[pk], counts[pk], last[pk], round(weights[pk], 3))
        for pk in skills
    ]
    return sorted(rows, key=lambda row: (-row.weight, row.skill.name.casefold()))


def evidence_rules_seed() -> int:
    """Create the DEFAULT_RULES whose skill exists (by name or alias, any case)
    and return how many were created; existing rules are left as they are.
    Two queries and an insert, safe to call again."""
    by_name: dict[str, int] = {}
    for pk, name, aliases in Skill.objects.values_list("pk", "name", "aliases"):
        by_name[name.lower()] = pk
        for alias in aliases or []:
            if isinstance(alias, str):
                by_name.setdefault(alias.lower(), pk)
    rules = [
        SkillEvidenceRule(kind=kind, pattern=pattern, skill_id=by_name[skill.lower()])
        for kind, pattern, skill in DEFAULT_RULES
        if skill.lower() in by_name
    ]
    before = SkillEvidenceRule.objects.count()
    SkillEvidenceRule.objects.bulk_create(rules, ignore_conflicts=True)
    return SkillEvidenceRule.objects.count() - before

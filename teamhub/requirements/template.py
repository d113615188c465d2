"""The ML requirement document template: its structured fields and starting body.

Every field is a key of ``DocVersion.fields``; ``FIELDS`` gives each its label,
its kind and the section it belongs to, in the order the document shows them.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    section: str
    kind: str = "text"  # text | criticality | sources


FIELDS: list[Field] = [
    Field("problem_statement", "Problem statement", "Problem"),
    Field("kpi_name", "Business KPI", "Business KPI"),
    Field("kpi_baseline", "KPI baseline", "Business KPI"),
    Field("kpi_target", "KPI target", "Business KPI"),
    Field("kpi_time_window", "Time window", "Business KPI"),
    Field("kpi_owner", "KPI owner", "Business KPI"),
    Field("ml_metric", "ML metric", "Model"),
    Field("ml_threshold", "Metric threshold", "Model"),
    Field("metric_to_kpi", "How the metric maps to the KPI", "Model"),
    Field("non_ml_baseline", "Non-ML baseline", "Model"),
    Field("decision", "The decision the predictions drive", "Use"),
    Field("human_in_the_loop", "Human in the loop", "Use"),
    Field("intended_uses", "Intended uses", "Use"),
    Field("out_of_scope_uses", "Out-of-scope uses", "Use"),
    Field("data_sources", "Data sources", "Data", kind="sources"),
    Field("pii_governance", "PII and governance notes", "Data"),
    Field("mission_criticality", "Mission criticality", "Risk", kind="criticality"),
    Field("failure_modes", "Failure modes", "Risk"),
    Field("fallback", "Fallback", "Risk"),
    Field("monitoring_plan", "Monitoring and retraining plan", "Operations"),
    Field("acceptance_criteria", "Acceptance criteria", "Acceptance"),
    Field("risks", "Risks", "Acceptance"),
    Field("assumptions", "Assumptions", "Acceptance"),
    Field("not_doing", "What we are not doing", "Acceptance"),
]
FIELDS_BY_KEY = {field.key: field for field in FIELDS}
SOURCE_KEYS = ("name", "owner", "freshness", "pii")

TEMPLATE_BODY = """## Context

What led to this initiative, and who asked for it.

## Approach

How we intend to solve it, and the alternatives we considered.

## Open questions

- …
"""


def template_fields(
    *, kpi_name: str = "", kpi_target: str = "", criticality: int = 1
) -> dict[str, Any]:
    """Return the fields of a new document, prefilled from its initiative."""
    fields: dict[str, Any] = {field.key: "" for field in FIELDS}
    fields.update(
        kpi_name=kpi_name,
        kpi_target=kpi_target,
        mission_criticality=criticality,
        data_sources=[],
    )
    return fields


def clean_fields(fields: Any) -> dict[str, Any]:
    """Return ``fields`` complete and normalised, or raise ValidationError naming
    the field (unknown keys, wrong kinds, a criticality outside 1 to 4)."""
    if not isinstance(fields, dict):
        raise ValidationError({"fields": ["Fields are an object of named values."]})
    unknown = sorted(set(fields) - set(FIELDS_BY_KEY))
    if unknown:
        raise ValidationError({"fields": [f"Unknown field(s): {', '.join(unknown)}."]})
    clean: dict[str, Any] = {}
    for field in FIELDS:
        value = fields.get(field.key)
        if field.kind == "criticality":
            value = 1 if value in (None, "") else value
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not (1 <= value <= 4)
            ):
                raise ValidationError(
                    {field.key: ["Mission criticality is a whole number from 1 to 4."]}
                )
        elif field.kind == "sources":
            value = _clean_sources(value or [])
        else:
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValidationError({field.key: [f"{field.label} is text."]})
            value = value.strip()
        clean[field.key] = value
    return clean


def _clean_sources(sources: Any) -> list[dict[str, Any]]:
    message = (
        "Data sources are a list of {name, owner, freshness, pii} with a name "
        "and pii true or false."
    )
    if not isinstance(sources, list):
        raise ValidationError({"data_sources": [message]})
    clean = []
    for source in sources:
        if not isinstance(source, dict) or set(source) - set(SOURCE_KEYS):
            raise ValidationError({"data_sources": [message]})
        name = source.get("name")
        pii = source.get("pii", False)
        texts = [source.get(key, "") or "" for key in ("owner", "freshness")]
        if (
            not isinstance(name, str)
            or not name.strip()
            or not isinstance(pii, bool)
            or not all(isinstance(text, str) for text in texts)
        ):
            raise ValidationError({"data_sources": [message]})
        clean.append(
            {
                "name": name.strip(),
                "owner": texts[0].strip(),
                "freshness": texts[1].strip(),
                "pii": pii,
            }
        )
    return clean

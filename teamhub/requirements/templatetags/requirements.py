"""Template helpers of the requirement pages: a structured field's value as text,
and the state badges."""

from typing import Any

from django import template

from teamhub.requirements.state import DocState, Standing

register = template.Library()


@register.filter
def field_text(value: Any) -> str:
    """Return a structured field's value as plain text (data sources one a line)."""
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        lines = []
        for source in value:
            parts = [str(source.get("name", ""))]
            if source.get("owner"):
                parts.append(f"owner {source['owner']}")
            if source.get("freshness"):
                parts.append(f"freshness {source['freshness']}")
            if source.get("pii"):
                parts.append("contains PII")
            lines.append(" · ".join(parts))
        return "\n".join(lines)
    return str(value)


_STATE_CLASSES: dict[str, str] = {
    DocState.DRAFT: "text-bg-secondary",
    DocState.IN_REVIEW: "text-bg-info",
    DocState.APPROVED: "text-bg-success",
    DocState.CHANGES_REQUESTED: "text-bg-danger",
    Standing.WAITING: "text-bg-light border",
    Standing.STALE: "text-bg-warning",
    Standing.REJECTED: "text-bg-danger",
}


@register.inclusion_tag("requirements/_partials/state_badge.html")
def state_badge(state: str) -> dict[str, Any]:
    """A badge for a document state or a stakeholder's standing."""
    labels: dict[str, str] = {**dict(DocState.choices), **dict(Standing.choices)}
    return {
        "state": state,
        "label": labels.get(state, state),
        "css": _STATE_CLASSES.get(state, "text-bg-secondary"),
    }

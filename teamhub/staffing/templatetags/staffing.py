"""Template helpers of the staffing pages: bars, signed contributions, the
availability strip, a role in one line, and the open requests of an initiative."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from teamhub.staffing.models import RoleRequirement, StaffingRequest

register = template.Library()


@register.filter
def bar_width(value: Any, scale: float = 1.0) -> int:
    """Return ``value / scale`` as a whole percent between 0 and 100 (a bar width)."""
    try:
        fraction = float(value) / float(scale or 1.0)
    except (TypeError, ValueError):
        return 0
    return max(0, min(100, round(fraction * 100)))


@register.filter
def signed(value: Any, digits: int = 2) -> str:
    """Return a contribution as "+0.31" or "-0.05" (never "-0.00")."""
    try:
        number = round(float(value), int(digits))
    except (TypeError, ValueError):
        return ""
    if number == 0:
        number = 0.0
    return f"{number:+.{int(digits)}f}"


@register.filter
def isodate(value: Any) -> dt.date | None:
    """Return the date an ISO string (from a JSON field) names, or None."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@register.filter
def strip_level(free: Any, need: Any) -> str:
    """Return the colour class of a strip cell: enough free for the role, some, none."""
    try:
        free_pct, need_pct = int(free), int(need)
    except (TypeError, ValueError):
        return "strip-none"
    if free_pct <= 0:
        return "strip-none"
    if free_pct >= need_pct:
        return "strip-free"
    return "strip-some"


@register.filter
def week_title(week: dict[str, Any]) -> str:
    """Return "week of 1 Dec: 40% booked, 60% free" for one cell of the strip."""
    day = isodate(week.get("week"))
    when = f"{day:%-d %b}" if day else "?"
    return f"week of {when}: {week.get('load', 0)}% booked, {week.get('free', 0)}% free"


def window_text(start: dt.date, end: dt.date, *, today: dt.date | None = None) -> str:
    """Return "1 Dec - 28 Feb" (an en dash), with years when far from now."""
    today = today or timezone.localdate()
    if abs(start.year - today.year) <= 1 and (end - start).days < 366:
        return f"{start:%-d %b} – {end:%-d %b}"
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


@register.filter
def role_line(role: RoleRequirement) -> str:
    """Return "Data engineer, headcount, allocation, window" on one line."""
    return (
        f"{role.role} ×{role.headcount} · {role.allocation}% · "
        f"{window_text(role.start, role.end)}"
    )


@register.filter
def window(role: RoleRequirement) -> str:
    return window_text(role.start, role.end)


@register.filter
def since(value: dt.datetime | None) -> str:
    """Return "just now" or "3 minutes ago" for a past moment."""
    if value is None:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """Return ``mapping[key]`` (trying the key as text too: JSON keys are text)."""
    if not hasattr(mapping, "get"):
        return None
    found = mapping.get(key)
    if found is None:
        found = mapping.get(str(key))
    return found


@register.simple_tag
def open_staffing_requests(initiative: Any) -> list[StaffingRequest]:
    """Return the initiative's open staffing requests with their roles (one query:
    the roles are few, so they are read with the requests and grouped here)."""
    roles = list(
        RoleRequirement.objects.filter(
            request__initiative_id=initiative.pk,
            request__status=StaffingRequest.Status.OPEN,
        )
        .select_related("request")
        .order_by("-request__created", "-request_id", "position", "id")
    )
    requests: dict[int, StaffingRequest] = {}
    for role in roles:
        staffing = requests.setdefault(role.request_id, role.request)
        staffing.__dict__.setdefault("open_roles", []).append(role)
    return list(requests.values())

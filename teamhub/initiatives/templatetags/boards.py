"""Template helpers for boards: inline SVG sparklines of value check-ins."""

from collections.abc import Sequence

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def sparkline(
    values: Sequence[float], label: str, width: int = 72, height: int = 18
) -> str:
    """Return a small inline SVG line of ``values`` (nothing for fewer than two).

    ``label`` names the series for screen readers, e.g. "Business value".
    """
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 2) / (len(values) - 1)
    points = " ".join(
        f"{1 + index * step:.1f},{height - 1 - (value - low) / span * (height - 2):.1f}"
        for index, value in enumerate(values)
    )
    trend = "rising" if values[-1] > values[0] else "falling"
    if values[-1] == values[0]:
        trend = "flat"
    return format_html(
        '<svg class="sparkline sparkline-{}" width="{}" height="{}" viewBox="0 0 {} {}"'
        ' role="img" aria-label="{}: {} over {} check-ins, last {}">'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5"'
        ' points="{}"/></svg>',
        trend,
        width,
        height,
        width,
        height,
        label,
        trend,
        len(values),
        f"{values[-1]:g}",
        points,
    )

"""Template filters shared by every page."""

import datetime as dt

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: dt.date | None, today: dt.date | None = None) -> str:
    """Return a short relative date: "today", "3 days ago", "5 months ago"."""
    if value is None:
        return ""
    today = today or dt.date.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if value >= today:
        return "today"
    return f"{timesince(value, today, depth=1)} ago"

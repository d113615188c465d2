"""Read the dashboard's filters (?team=&start=&end=) from the URL."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import QueryDict

from teamhub.dashboard.charts import DashboardFilters
from teamhub.people.models import Team

DEFAULT_DAYS = 90


def _date(query: QueryDict, name: str, default: dt.date) -> dt.date:
    raw = (query.get(name) or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            {name: f"“{raw}” is not a date: use YYYY-MM-DD."}
        ) from None


def dashboard_filters(query: QueryDict, *, today: dt.date) -> DashboardFilters:
    """Return the filters in ``query``; raise ValidationError (by field) if bad.

    Without dates the range is the last 90 days up to ``today``.
    """
    errors: dict[str, list[str]] = {}
    team_id: int | None = None
    raw_team = (query.get("team") or "").strip()
    if raw_team:
        if not raw_team.isdigit() or not Team.objects.filter(pk=raw_team).exists():
            errors["team"] = [f"There is no team “{raw_team}”."]
        else:
            team_id = int(raw_team)
    end = start = today
    try:
        end = _date(query, "end", today)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        start = _date(query, "start", end - dt.timedelta(days=DEFAULT_DAYS))
    except ValidationError as error:
        errors.update(error.message_dict)
    if not errors and end < start:
        errors["end"] = [
            f"The end ({end.isoformat()}) is before the start ({start.isoformat()})."
        ]
    if errors:
        raise ValidationError(errors)
    return DashboardFilters(team_id=team_id, start=start, end=end)

"""The managers' dashboard: every chart the viewer's role may see, filtered by
the URL (?team=&start=&end=), and each chart's data as CSV.

Everyone sees the charts their roles may see (managers the organisation's,
stakeholders the sign-offs waiting for them, data scientists their own view);
a user with no chart gets 403. A chart's CSV follows the chart's own roles
(403), an unknown chart is a 404, and bad filters answer 400 with the message on
the page (or in the CSV response).

Charts are built and cached by building.py.
"""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

import teamhub.dashboard.builders  # noqa: F401  (registers every chart)
from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.dashboard.building import built_charts
from teamhub.dashboard.charts import CHARTS, DashboardFilters, charts_for
from teamhub.dashboard.filters import dashboard_filters
from teamhub.people.models import Team

NOT_ALLOWED = "Your role has no dashboard charts."


CLICK_AND_DOWNLOAD = (
    "Click a bar or cell to open the list behind it; each chart downloads as PNG "
    "(its toolbar) and its data as CSV."
)


def _page_intro(user: User) -> dict[str, Any]:
    """Return the heading and line under it for the viewer's view, and whether
    the team filter means anything to it (a data scientist's charts are theirs)."""
    if user_has_role(user, Role.MANAGER):
        return {
            "heading": "Dashboard",
            "intro": "Where skills, capacity, initiatives and approvals stand. "
            + CLICK_AND_DOWNLOAD,
            "team_filter": True,
        }
    if user_has_role(user, Role.STAKEHOLDER):
        return {
            "heading": "Dashboard",
            "intro": "The sign-offs waiting for you. " + CLICK_AND_DOWNLOAD,
            "team_filter": True,
        }
    return {
        "heading": "My dashboard",
        "intro": "The sign-offs waiting for you, your allocations, learning goals "
        "and the sign-offs you asked for. " + CLICK_AND_DOWNLOAD,
        "team_filter": False,
    }


def _query(filters: DashboardFilters) -> str:
    params = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.team_id is not None:
        params = {"team": str(filters.team_id), **params}
    return urlencode(params)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # the login middleware saw to that
    specs = charts_for(user)
    if not specs:
        raise PermissionDenied(NOT_ALLOWED)
    intro = _page_intro(user)
    teams = (
        list(Team.objects.order_by("name").values("pk", "name"))
        if intro["team_filter"]
        else []
    )
    context: dict[str, Any] = {
        **intro,
        "teams": teams,
        "values": {
            name: request.GET.get(name, "") for name in ("team", "start", "end")
        },
    }
    try:
        filters = dashboard_filters(request.GET, today=timezone.localdate())
    except ValidationError as error:
        context["errors"] = [
            message for messages in error.message_dict.values() for message in messages
        ]
        return render(request, "dashboard/index.html", context, status=400)
    context["values"] = {
        "team": str(filters.team_id or ""),
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
    }
    context["charts"] = built_charts(specs, filters, user)
    context["query"] = _query(filters)
    return render(request, "dashboard/index.html", context)


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Return ``value`` for a CSV cell, text that looks like a formula quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value: str) -> str:
        return value


@require_GET
def chart_csv(request: HttpRequest, key: str) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)
    spec = CHARTS.get(key)
    if spec is None:
        raise Http404("No such chart.")
    if not user_has_role(user, *spec.roles):
        raise PermissionDenied("Your role may not see this chart.")
    try:
        filters = dashboard_filters(request.GET, today=timezone.localdate())
    except ValidationError as error:
        text = " ".join(m for ms in error.message_dict.values() for m in ms)
        return HttpResponse(text, status=400, content_type="text/plain")
    (built,) = built_charts([spec], filters, user)
    writer = csv.DictWriter(_Echo(), fieldnames=built.columns, extrasaction="ignore")
    lines = [writer.writeheader()] + [
        writer.writerow({name: _cell(value) for name, value in row.items()})
        for row in built.rows
    ]
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"{key}_{filters.start.isoformat()}_{filters.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

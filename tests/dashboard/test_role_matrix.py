"""Who sees which dashboard chart: one table for every chart, checked on the
page and on each chart's CSV download for every role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

import teamhub.dashboard.builders  # noqa: F401  (registers every chart)
from teamhub.dashboard.charts import CHARTS

MANAGERS = {"manager"}
# Admins hold every role, so they see every chart.
WHO_SEES: dict[str, set[str]] = {
    "skill_coverage": MANAGERS,
    "single_points": MANAGERS,
    "capacity": MANAGERS,
    "pipeline": MANAGERS,
    "pipeline_mix": MANAGERS,
    "stage_time": MANAGERS,
    "wip": MANAGERS,
    "value_trends": MANAGERS,
    "signoffs": {"manager", "stakeholder", "data_scientist"},
    "activity": MANAGERS,
    "activity_initiatives": MANAGERS,
    "outcomes": MANAGERS,
    "outcomes_by_criticality": MANAGERS,
    "my_allocations": {"data_scientist"},
    "my_goals": {"data_scientist"},
    "my_signoffs": {"data_scientist"},
}
ROLES = ["manager", "data_scientist", "stakeholder", "admin"]


def allowed(role: str, key: str) -> bool:
    return role == "admin" or role in WHO_SEES[key]


def test_every_chart_says_who_sees_it() -> None:
    assert set(CHARTS) == set(WHO_SEES)


def test_every_chart_names_the_data_it_depends_on() -> None:
    """So a write elsewhere (a sync run's activity) leaves it in the cache."""
    assert [key for key, spec in CHARTS.items() if not spec.depends_on] == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_charts_and_nothing_else(
    client_as: Callable[..., Client], role: str
) -> None:
    client = client_as(role)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    shown = [chart.key for chart in response.context["charts"]]
    assert set(shown) == {key for key in WHO_SEES if allowed(role, key)}
    for key in WHO_SEES:
        csv = client.get(reverse("dashboard:csv", args=[key]))
        assert csv.status_code == (200 if allowed(role, key) else 403), key


@pytest.mark.django_db
def test_a_visitor_is_sent_to_log_in(client_as: Callable[..., Client]) -> None:
    client = client_as(None)
    for url in [reverse("dashboard:index")] + [
        reverse("dashboard:csv", args=[key]) for key in WHO_SEES
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

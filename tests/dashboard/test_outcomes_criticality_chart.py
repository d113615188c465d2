"""The outcomes-by-criticality chart: success rate per quarter and criticality."""

import csv
import datetime as dt
import io
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.dashboard.builders.outcomes_criticality import outcomes_by_criticality
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Board
from teamhub.initiatives.models.initiatives import Outcome
from tests.factories import InitiativeFactory, TeamFactory

pytestmark = pytest.mark.django_db

FILTERS = DashboardFilters(
    team_id=None, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
)
# The outcomes chart's weights, written out here.
WEIGHT = {"success": 1.0, "partial": 0.5, "failed": 0.0}


def quarter_label(day):
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


def figure_rates(chart):
    """(criticality, quarter label) -> success rate, read back from the figure."""
    return {
        (int(trace.name.split()[-1]), x): y
        for trace in chart.figure.data
        for x, y in zip(trace.x, trace.y, strict=True)
    }


@pytest.fixture
def org():
    parent = TeamFactory(name="ML")
    child = TeamFactory(name="NLP", parent=parent)
    other = TeamFactory(name="Vision")
    spec = [
        (parent, 1, dt.date(2026, 2, 10), Outcome.SUCCESS),
        (parent, 1, dt.date(2026, 3, 31), Outcome.PARTIAL),
        (child, 1, dt.date(2026, 1, 2), Outcome.FAILED),
        (parent, 3, dt.date(2026, 3, 1), Outcome.FAILED),
        (other, 3, dt.date(2026, 2, 1), Outcome.SUCCESS),
        (parent, 3, dt.date(2026, 3, 2), Outcome.CANCELLED),  # left out
        (child, 4, dt.date(2026, 5, 5), Outcome.SUCCESS),
        (other, 4, dt.date(2026, 6, 30), Outcome.PARTIAL),
        (child, 2, dt.date(2026, 8, 15), Outcome.PARTIAL),
        (child, 2, dt.date(2026, 9, 1), None),  # not finished
        (None, 2, dt.date(2026, 7, 7), Outcome.FAILED),  # no team
        (other, 1, dt.date(2025, 12, 31), Outcome.SUCCESS),  # before the range
        (other, 1, dt.date(2027, 1, 1), Outcome.SUCCESS),  # after the range
        (other, 1, None, Outcome.SUCCESS),  # no target date
    ]
    initiatives = [
        InitiativeFactory(
            team=team,
            mission_criticality=level,
            start=None,
            target_date=target,
            outcome=outcome,
        )
        for team, level, target, outcome in spec
    ]
    return parent, child, other, initiatives


def expected(initiatives, filters, teams=None):
    scores = defaultdict(list)
    for i in initiatives:
        if (
            i.outcome in WEIGHT
            and i.target_date
            and filters.start <= i.target_date <= filters.end
            and (teams is None or i.team_id in teams)
        ):
            key = (i.mission_criticality, quarter_label(i.target_date))
            scores[key].append(WEIGHT[i.outcome])
    return {key: sum(values) / len(values) for key, values in scores.items()}


def test_outcomes_by_criticality_is_registered_for_managers():
    spec = CHARTS["outcomes_by_criticality"]
    assert (spec.order, spec.roles, spec.depends_on) == (
        71,
        ("manager",),
        ("initiatives", "people.Team"),
    )


def test_figure_rates_equal_independently_computed_rates(org, manager):
    *_, initiatives = org
    chart = outcomes_by_criticality(filters=FILTERS, viewer=manager)
    rates = expected(initiatives, FILTERS)
    assert figure_rates(chart) == pytest.approx(rates)
    assert rates[(1, "Q1 2026")] == pytest.approx(0.5)  # (1 + 0.5 + 0) / 3
    assert rates[(2, "Q3 2026")] == pytest.approx(0.25)  # no-team failure counts
    assert [trace.name for trace in chart.figure.data] == [
        "Criticality 1",
        "Criticality 2",
        "Criticality 3",
        "Criticality 4",
    ]
    assert list(chart.figure.layout.xaxis.categoryarray) == [
        "Q1 2026",
        "Q2 2026",
        "Q3 2026",
    ]
    assert chart.columns == ("quarter", "criticality", "initiatives", "success_rate")
    assert chart.rows[0] == {
        "quarter": "2026-01-01",
        "criticality": 1,
        "initiatives": 3,
        "success_rate": 0.5,
    }
    assert sum(row["initiatives"] for row in chart.rows) == 9


def test_team_filter_keeps_the_team_and_its_sub_teams(org, manager):
    parent, child, other, initiatives = org
    filters = DashboardFilters(parent.pk, FILTERS.start, FILTERS.end)
    rates = figure_rates(outcomes_by_criticality(filters=filters, viewer=manager))
    assert rates == pytest.approx(expected(initiatives, filters, {parent.pk, child.pk}))
    assert rates[(3, "Q1 2026")] == 0.0  # Vision's success is left out
    filters = DashboardFilters(other.pk, FILTERS.start, FILTERS.end)
    rates = figure_rates(outcomes_by_criticality(filters=filters, viewer=manager))
    assert rates == pytest.approx(expected(initiatives, filters, {other.pk}))
    assert set(rates) == {(3, "Q1 2026"), (4, "Q2 2026")}


def test_date_filter_changes_the_data(org, manager):
    *_, initiatives = org
    filters = DashboardFilters(None, dt.date(2025, 10, 1), dt.date(2026, 3, 15))
    rates = figure_rates(outcomes_by_criticality(filters=filters, viewer=manager))
    assert rates == pytest.approx(expected(initiatives, filters))
    # The 31 March partial falls outside; December 2025 now counts.
    assert rates[(1, "Q1 2026")] == pytest.approx(0.5)  # (1 + 0) / 2
    assert rates[(1, "Q4 2025")] == 1.0


def test_bars_link_to_the_board_filtered_by_criticality(org, manager):
    parent, *_ = org
    chart = outcomes_by_criticality(filters=FILTERS, viewer=manager)
    assert {url for t in chart.figure.data for url in t.customdata} == {"/boards/"}
    portfolio = Board.objects.create(name="Portfolio")
    own = Board.objects.create(name="ML board", team=parent)
    chart = outcomes_by_criticality(filters=FILTERS, viewer=manager)
    url = reverse("initiatives:board", args=[portfolio.pk])
    for trace in chart.figure.data:
        level = trace.name.split()[-1]
        assert set(trace.customdata) == {f"{url}?criticality={level}"}
    filters = DashboardFilters(parent.pk, FILTERS.start, FILTERS.end)
    chart = outcomes_by_criticality(filters=filters, viewer=manager)
    url = reverse("initiatives:board", args=[own.pk])
    assert set(chart.figure.data[-1].customdata) == {f"{url}?criticality=4"}


def test_csv_download_matches_the_rows(org, client_as):
    response = client_as("manager").get(
        reverse("dashboard:csv", args=["outcomes_by_criticality"]),
        {"start": "2026-01-01", "end": "2026-12-31"},
    )
    assert response.status_code == 200
    lines = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    *_, initiatives = org
    assert {
        (
            int(line["criticality"]),
            quarter_label(dt.date.fromisoformat(line["quarter"])),
        ): float(line["success_rate"])
        for line in lines
    } == pytest.approx(expected(initiatives, FILTERS))


def build(count):
    team = TeamFactory()
    outcomes = list(Outcome.values)
    for index in range(count):
        InitiativeFactory(
            team=TeamFactory(parent=team) if index % 3 == 0 else team,
            mission_criticality=index % 4 + 1,
            target_date=dt.date(2026, index % 12 + 1, 1),
            outcome=outcomes[index % len(outcomes)],
        )
    Board.objects.create(name="Portfolio")
    return team


@pytest.mark.parametrize("team_filter", [False, True])
def test_query_count_is_the_same_at_10_and_200_initiatives(manager, team_filter):
    counts = []
    for size in (10, 200):
        team = build(size)
        filters = DashboardFilters(
            team.pk if team_filter else None, FILTERS.start, FILTERS.end
        )
        with CaptureQueriesContext(connection) as queries:
            chart = outcomes_by_criticality(filters=filters, viewer=manager)
        counts.append(len(queries))
        assert chart.rows
    assert counts[0] == counts[1] <= 3

"""The value chart: business value and model metric trends from value check-ins,
the initiatives that outgrew the experimental pathway and those whose value faded."""

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.dashboard.builders.value import (
    FADED_HEADING,
    OUTGROWN_HEADING,
    faded_reason,
    monthly_spread,
    trends,
    value_data,
    value_figure,
    value_trends,
)
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Board, Card, Column, Stage, ValueCheckIn
from tests.factories import InitiativeFactory, TeamFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
FILTERS = DashboardFilters(team_id=None, start=START, end=END)
BOARDS = "/boards/"


def d(month, day):
    return dt.date(2026, month, day)


@pytest.fixture
def org():
    ml = TeamFactory(name="ML")
    nlp = TeamFactory(name="NLP", parent=ml)
    vision = TeamFactory(name="Vision")
    spec = {
        # key: (team, pathway, criticality, stage, [(date, value, metric)])
        "A": (
            ml,
            "experimental",
            1,
            Stage.EXPERIMENTATION,
            [
                (d(1, 10), 100, 0.8),
                (d(1, 25), 105, None),
                (d(2, 10), 110, 0.82),
                (d(3, 10), 120, 0.84),
                (d(4, 10), 130, 0.88),
            ],
        ),
        "B": (
            nlp,
            "production",
            2,
            Stage.MONITORING,
            [
                (d(1, 5), 200, 0.5),
                (d(2, 5), 150, 0.5),
                (d(3, 5), 120, 0.5),
                (d(4, 5), 90, 0.5),
            ],
        ),
        "C": (
            vision,
            "experimental",
            3,
            Stage.EXPERIMENTATION,
            [(d(2, 1), 50, None), (d(3, 1), 60, None)],
        ),
        "D": (
            ml,
            "production",
            1,
            Stage.MONITORING,
            [
                (dt.date(2025, 12, 15), 1000, None),  # before the range
                (d(1, 20), 40, None),
                (d(2, 20), 80, None),
                (d(5, 20), 30, None),
            ],
        ),
        "E": (
            nlp,
            "experimental",
            4,
            Stage.RETIRED,
            [(d(3, 3), 10, None), (d(4, 3), 5, None)],
        ),
        "F": (vision, "experimental", 3, Stage.IDEA, []),
        "G": (
            ml,
            "production",
            1,
            Stage.DEPLOYMENT,
            [(d(1, 2), 0, None), (d(2, 2), 5, None)],
        ),
        "H": (ml, "production", 1, Stage.DEPLOYMENT, [(d(7, 5), 70, None)]),  # after
    }
    initiatives = {}
    for key, (team, pathway, criticality, stage, checkins) in spec.items():
        initiative = InitiativeFactory(
            key=key,
            title=f"Project {key}",
            team=team,
            pathway=pathway,
            mission_criticality=criticality,
            stage=stage,
        )
        for at, value, metric in checkins:
            ValueCheckIn.objects.create(
                initiative=initiative, at=at, business_value=value, model_metric=metric
            )
        initiatives[key] = initiative
    board = Board.objects.create(name="Portfolio")
    column = Column.objects.create(board=board, name="Idea", position=0)
    card = Card.objects.create(
        board=board, column=column, initiative=initiatives["A"], rank="m"
    )
    return (ml, nlp, vision), initiatives, card


def month_ends(first, last):
    """The last day of each month from ``first``'s to ``last``'s."""
    ends, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        ends.append(following - dt.timedelta(days=1))
        year, month = following.year, following.month
    return ends


def expected_spread(teams=None, start=START, end=END, metric=False):
    """month end -> (25th percentile, median, 75th percentile), computed here
    from the database rows: each initiative's values indexed to its first in
    the range (its first business value must be positive), then at each month's
    end its latest value so far, over the initiatives that have one."""
    checkins = defaultdict(list)
    for c in ValueCheckIn.objects.order_by("at", "pk"):
        if start <= c.at <= end and (teams is None or c.initiative.team_id in teams):
            checkins[c.initiative_id].append(c)
    series = []
    for rows in checkins.values():
        if rows[0].business_value <= 0:
            continue
        values = [
            (c.at, c.model_metric if metric else c.business_value)
            for c in rows
            if not metric or c.model_metric is not None
        ]
        if values and values[0][1] > 0:
            series.append([(at, 100 * value / values[0][1]) for at, value in values])
    dates = [at for points in series for at, _ in points]
    result = {}
    for month_end in month_ends(min(dates), max(dates)):
        latest = [
            max((p for p in points if p[0] <= month_end), key=lambda p: p[0])[1]
            for points in series
            if points[0][0] <= month_end
        ]
        quartiles = (
            statistics.quantiles(latest, n=4, method="inclusive")
            if len(latest) > 1
            else latest * 3
        )
        result[month_end] = tuple(quartiles)
    return result


def expected_medians(**kw):
    return {month: median for month, (_, median, _) in expected_spread(**kw).items()}


def traces(chart, axis):
    return [t for t in chart.figure.data if t.yaxis == axis]


def points(chart, name, axis="y"):
    (trace,) = [t for t in traces(chart, axis) if t.name == name]
    return {dt.date.fromisoformat(x): y for x, y in zip(trace.x, trace.y, strict=True)}


def median_points(chart, axis="y"):
    return points(chart, "Median", axis)


SPREAD = {"Median", "Middle half", "75th percentile"}


def keys_listed(chart, heading):
    items = dict(chart.lists)[heading]
    return [text.split()[0] for text, _ in items]


def test_value_trends_is_registered_for_managers():
    spec = CHARTS["value_trends"]
    assert (spec.order, spec.roles, spec.depends_on) == (
        45,
        ("manager",),
        ("initiatives", "people.Team"),
    )


def test_median_and_middle_half_equal_those_computed_by_hand(org, manager):
    chart = value_trends(filters=FILTERS, viewer=manager)
    spread = expected_spread()
    assert median_points(chart) == pytest.approx(expected_medians())
    assert points(chart, "Middle half") == pytest.approx(
        {month: low for month, (low, _, _) in spread.items()}
    )
    assert points(chart, "75th percentile") == pytest.approx(
        {month: high for month, (_, _, high) in spread.items()}
    )
    medians = median_points(chart)
    assert list(medians) == [d(1, 31), d(2, 28), d(3, 31), d(4, 30), d(5, 31)]
    assert medians[d(2, 28)] == pytest.approx(105)  # A 110, B 75, C 100, D 200
    # D's February value is carried into April; only D checked in during May.
    assert medians[d(4, 30)] == pytest.approx(120)  # 130, 45, 120, 200, 50
    assert medians[d(5, 31)] == pytest.approx(75)  # 130, 45, 120, 75, 50
    metric = median_points(chart, "y2")
    assert metric == pytest.approx(expected_medians(metric=True))
    assert metric[d(4, 30)] == pytest.approx(105)  # A 110, B 100


def test_top_initiatives_are_drawn_indexed_and_link_to_their_card(org, manager):
    *_, card = org
    chart = value_trends(filters=FILTERS, viewer=manager)
    lines = [t for t in traces(chart, "y") if t.name not in SPREAD]
    # By latest index: A 130, C 120, D 75, E 50, B 45; G cannot be indexed.
    assert [t.name for t in lines] == ["A", "C", "D", "E", "B"]
    a = lines[0]
    assert list(a.x) == [
        "2026-01-10",
        "2026-01-25",
        "2026-02-10",
        "2026-03-10",
        "2026-04-10",
    ]
    assert list(a.y) == pytest.approx([100, 105, 110, 120, 130])
    assert set(a.customdata) == {reverse("initiatives:card", args=[card.pk])}
    assert set(lines[1].customdata) == {BOARDS}  # C has no card
    d_line = lines[2]
    assert list(d_line.y) == pytest.approx([100, 200, 75])  # 40, 80, 30
    metric_lines = {
        t.name: list(t.y) for t in traces(chart, "y2") if t.name not in SPREAD
    }
    assert list(metric_lines) == ["A", "B"]
    assert metric_lines["A"] == pytest.approx([100, 102.5, 105, 110])
    assert metric_lines["B"] == pytest.approx([100] * 4)


def test_each_month_takes_every_initiatives_latest_value_so_far():
    series = [
        [(d(1, 10), 100.0), (d(1, 25), 140.0), (d(3, 5), 150.0)],
        [(d(2, 2), 100.0)],
        [(d(1, 9), 90.0)],
    ]
    spread = monthly_spread(series)
    assert [(m.month_end, m.median, m.initiatives) for m in spread] == [
        (d(1, 31), 115.0, 2),  # 140 (the last in January) and 90
        (d(2, 28), 100.0, 3),  # 140, 100, 90
        (d(3, 31), 100.0, 3),  # 150, 100, 90
    ]
    assert (spread[2].low, spread[2].high) == (95.0, 125.0)
    assert monthly_spread([series[1]])[0].low == 100.0


def test_only_the_top_n_get_a_line_of_their_own(org):
    drawn = trends(value_data(team_id=None, start=START, end=END))
    figure = value_figure(trends=drawn, top=2)
    names = [t.name for t in figure.data if t.yaxis == "y"]
    assert names == ["75th percentile", "Middle half", "Median", "A", "C"]


def test_lists_name_outgrown_and_faded_initiatives_with_reasons(org, manager):
    _, _, card = org
    chart = value_trends(filters=FILTERS, viewer=manager)
    # Criticality first; E is retired; A's value rose at each of the last 3.
    assert keys_listed(chart, OUTGROWN_HEADING) == ["C", "F", "A"]
    outgrown = dict(chart.lists)[OUTGROWN_HEADING]
    assert outgrown[2] == (
        "A Project A — value rose at each of the last 3 check-ins",
        reverse("initiatives:card", args=[card.pk]),
    )
    assert outgrown[0][0] == "C Project C — criticality 3"
    # B fell three times in a row; D is below half of its peak; E is retired.
    assert keys_listed(chart, FADED_HEADING) == ["B", "D"]
    faded = dict(chart.lists)[FADED_HEADING]
    assert faded[0] == (
        "B Project B — value fell at each of the last 3 check-ins",
        BOARDS,
    )
    assert "below half of its peak 80" in faded[1][0]


@pytest.mark.parametrize(
    ("values", "faded"),
    [
        ([10, 9, 8, 7], True),  # fell at each of the last three
        ([10, 9, 8], False),  # only two falls, and 8 >= 5
        ([10, 12, 9, 8], False),  # 12 -> 9 -> 8: two falls
        ([10, 4], True),  # below half of the peak
        ([10, 5], False),  # exactly half
        ([-4, -9], False),  # no positive peak
        ([], False),
    ],
)
def test_faded_rule(values, faded):
    assert (faded_reason(values) is not None) == faded


def test_team_filter_keeps_the_team_and_its_sub_teams(org, manager):
    (ml, nlp, vision), *_ = org
    filters = DashboardFilters(ml.pk, START, END)
    chart = value_trends(filters=filters, viewer=manager)
    want = expected_medians(teams={ml.pk, nlp.pk})
    assert median_points(chart) == pytest.approx(want)
    assert want[d(2, 28)] == pytest.approx(110)  # A 110, B 75, D 200
    assert {t.name for t in traces(chart, "y")} - SPREAD == {"A", "B", "D", "E"}
    assert keys_listed(chart, OUTGROWN_HEADING) == ["A"]
    filters = DashboardFilters(vision.pk, START, END)
    chart = value_trends(filters=filters, viewer=manager)
    assert median_points(chart) == pytest.approx(expected_medians(teams={vision.pk}))
    assert keys_listed(chart, OUTGROWN_HEADING) == ["C", "F"]
    assert {row["initiative"] for row in chart.rows} == {"C"}


def test_date_range_rebases_the_index_and_the_lists(org, manager):
    start = d(2, 1)
    chart = value_trends(filters=DashboardFilters(None, start, END), viewer=manager)
    assert median_points(chart) == pytest.approx(expected_medians(start=start))
    a = next(t for t in traces(chart, "y") if t.name == "A")
    assert list(a.y) == pytest.approx([100, 100 * 120 / 110, 100 * 130 / 110])
    # Three check-ins are not enough for a run of three rises or falls.
    assert keys_listed(chart, OUTGROWN_HEADING) == ["C", "F"]
    assert keys_listed(chart, FADED_HEADING) == ["D"]


def test_csv_rows_hold_every_check_in_in_the_range(org, manager):
    chart = value_trends(filters=FILTERS, viewer=manager)
    in_range = ValueCheckIn.objects.filter(at__gte=START, at__lte=END)
    assert len(chart.rows) == in_range.count() == 18
    assert {(r["initiative"], r["at"], r["business_value"]) for r in chart.rows} == {
        (c.initiative.key, c.at.isoformat(), c.business_value) for c in in_range
    }
    by_key = defaultdict(list)
    for row in chart.rows:
        by_key[row["initiative"]].append(row)
    assert [r["business_index"] for r in by_key["B"]] == [100, 75, 60, 45]
    assert [r["metric_index"] for r in by_key["A"]] == [100, None, 102.5, 105, 110]
    assert {r["business_index"] for r in by_key["G"]} == {None}  # first value 0


def test_csv_download_matches_the_rows(org, client_as):
    client = client_as("manager")
    response = client.get(
        reverse("dashboard:csv", args=["value_trends"]),
        {"start": START.isoformat(), "end": END.isoformat()},
    )
    assert response.status_code == 200
    lines = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert len(lines) == 18
    b = [line for line in lines if line["initiative"] == "B"]
    assert [line["business_value"] for line in b] == ["200.0", "150.0", "120.0", "90.0"]


def build(count):
    team = TeamFactory()
    for index in range(count):
        initiative = InitiativeFactory(
            team=TeamFactory(parent=team) if index % 3 == 0 else team,
            pathway="experimental" if index % 2 else "production",
            mission_criticality=index % 4 + 1,
        )
        ValueCheckIn.objects.bulk_create(
            ValueCheckIn(
                initiative=initiative,
                at=d(month, 1),
                business_value=10 + (month * index) % 7,
                model_metric=0.5 + month / 100,
            )
            for month in range(1, 6)
        )
        if index % 2:
            board = Board.objects.create(name=f"B{index}")
            column = Column.objects.create(board=board, name="Idea", position=0)
            Card.objects.create(
                board=board, column=column, initiative=initiative, rank="m"
            )
    return team


@pytest.mark.parametrize("team_filter", [False, True])
def test_query_count_is_the_same_at_10_and_200_initiatives(manager, team_filter):
    counts = []
    for size in (10, 200):
        team = build(size)
        filters = DashboardFilters(team.pk if team_filter else None, START, END)
        with CaptureQueriesContext(connection) as queries:
            chart = value_trends(filters=filters, viewer=manager)
        counts.append(len(queries))
        assert chart.rows
    assert counts[0] == counts[1] <= 3

"""The initiative pipeline chart: counts by stage x criticality, links, quiet list."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.dashboard.builders.pipeline import pipeline, pipeline_data
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Board, Card, CardEvent, Column, Stage
from teamhub.integrations.models import ActivityEvent
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

FILTERS = DashboardFilters(
    team_id=None, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
)


def figure_counts(chart):
    """(stage label, criticality) -> bar height, read back from the figure."""
    counts = {}
    for trace in chart.figure.data:
        level = int(trace.name.split()[-1])
        for label, value in zip(trace.x, trace.y, strict=True):
            if value:
                counts[(label, level)] = value
    return counts


@pytest.fixture
def org():
    parent = TeamFactory(name="ML")
    child = TeamFactory(name="NLP", parent=parent)
    other = TeamFactory(name="Vision")
    spec = [
        (parent, Stage.IDEA, 1),
        (parent, Stage.IDEA, 1),
        (parent, Stage.EXPERIMENTATION, 3),
        (child, Stage.EXPERIMENTATION, 3),
        (child, Stage.DEPLOYMENT, 4),
        (child, Stage.RETIRED, 2),
        (other, Stage.IDEA, 2),
        (other, Stage.MONITORING, 4),
    ]
    initiatives = [
        InitiativeFactory(team=team, stage=stage, mission_criticality=level)
        for team, stage, level in spec
    ]
    return parent, child, other, initiatives


def expected(initiatives, teams=None):
    labels = dict(Stage.choices)
    return dict(
        Counter(
            (labels[i.stage], i.mission_criticality)
            for i in initiatives
            if i.stage != Stage.RETIRED and (teams is None or i.team_id in teams)
        )
    )


def test_pipeline_is_registered_for_managers():
    spec = CHARTS["pipeline"]
    assert (spec.order, spec.roles) == (40, ("manager",))


def test_figure_counts_every_initiative_but_the_retired(org, manager):
    *_, initiatives = org
    chart = pipeline(filters=FILTERS, viewer=manager)
    assert figure_counts(chart) == expected(initiatives)
    assert sum(row["count"] for row in chart.rows) == 7
    assert set(chart.rows[0]) == {"stage", "criticality", "count"}
    # Bars in lifecycle order.
    assert list(chart.figure.data[0].x) == [
        "Idea",
        "Experimentation",
        "Deployment",
        "Monitoring",
    ]


def test_retired_counted_only_when_asked(org):
    data = pipeline_data(team_id=None, include_retired=True)
    assert data.counts[(Stage.RETIRED, 2)] == 1


def test_team_filter_keeps_the_team_and_its_sub_teams(org, manager):
    parent, child, other, initiatives = org
    filters = DashboardFilters(parent.pk, FILTERS.start, FILTERS.end)
    chart = pipeline(filters=filters, viewer=manager)
    assert figure_counts(chart) == expected(initiatives, {parent.pk, child.pk})
    filters = DashboardFilters(other.pk, FILTERS.start, FILTERS.end)
    assert figure_counts(pipeline(filters=filters, viewer=manager)) == expected(
        initiatives, {other.pk}
    )


def test_bar_segments_link_to_the_board_filtered_by_criticality(org, manager):
    parent, *_ = org
    portfolio = Board.objects.create(name="Portfolio")
    own = Board.objects.create(name="ML board", team=parent)
    chart = pipeline(filters=FILTERS, viewer=manager)
    url = reverse("initiatives:board", args=[portfolio.pk])
    for trace in chart.figure.data:
        level = trace.name.split()[-1]
        assert set(trace.customdata) == {f"{url}?criticality={level}"}
    filters = DashboardFilters(parent.pk, FILTERS.start, FILTERS.end)
    chart = pipeline(filters=filters, viewer=manager)
    url = reverse("initiatives:board", args=[own.pk])
    assert chart.figure.data[3].customdata[0] == f"{url}?criticality=4"


def test_quiet_list_leaves_out_initiatives_with_recent_activity_or_card_events(
    org, manager
):
    *_, initiatives = org
    now = timezone.now()
    busy_jira, busy_card, old_only = initiatives[0], initiatives[2], initiatives[6]
    ActivityEvent.objects.create(
        source="jira",
        kind="issue_created",
        external_id="1",
        initiative=busy_jira,
        occurred_at=now - dt.timedelta(days=3),
    )
    ActivityEvent.objects.create(
        source="git",
        kind="commit",
        external_id="2",
        initiative=old_only,
        occurred_at=now - dt.timedelta(days=45),
    )
    board = Board.objects.create(name="B")
    column = Column.objects.create(board=board, name="Idea", position=0)
    card = Card.objects.create(
        board=board, column=column, initiative=busy_card, rank="m"
    )
    CardEvent.of(card, verb="moved", at=now - dt.timedelta(days=1)).save()
    old_card = Card.objects.create(
        board=board, column=column, initiative=old_only, rank="n"
    )
    CardEvent.of(old_card, verb="moved", at=now - dt.timedelta(days=40)).save()

    chart = pipeline(filters=FILTERS, viewer=manager)
    ((heading, items),) = chart.lists
    assert heading == "Quiet for 30 days"
    quiet_keys = {text.split()[0] for text, _ in items}
    assert quiet_keys == {
        i.key
        for i in initiatives
        if i.stage != Stage.RETIRED and i not in (busy_jira, busy_card)
    }
    links = dict((text.split()[0], url) for text, url in items)
    assert links[old_only.key] == reverse("initiatives:card", args=[old_card.pk])


def build(count):
    team = TeamFactory()
    for index in range(count):
        initiative = InitiativeFactory(
            team=team, mission_criticality=index % 4 + 1, stage=Stage.values[index % 7]
        )
        ActivityEvent.objects.create(
            source="git",
            kind="commit",
            external_id=f"{count}-{index}",
            person=PersonFactory(team=team),
            initiative=initiative,
            occurred_at=timezone.now(),
        )
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
            pipeline(filters=filters, viewer=manager)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4

"""The activity-by-initiative chart: Jira and Git events per week, stacked by the
most active initiatives."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.dashboard.builders.activity_initiatives import (
    TOP_N,
    activity_initiatives,
    activity_initiatives_figure,
    initiative_activity,
)
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Board, Card, Column
from teamhub.integrations.models import ActivityEvent
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 29)  # a Monday, a Sunday
FILTERS = DashboardFilters(team_id=None, start=START, end=END)
OTHER, NONE = "Other initiatives", "No initiative"


def at(day, hour=12):
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def world():
    team_a, team_b = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    sub_a = TeamFactory(name="Alpha-1", parent=team_a)
    people = [PersonFactory(team=t) for t in (team_a, sub_a, team_b)]
    initiatives = [InitiativeFactory(key=f"I{k}") for k in range(1, 11)]
    spec = []
    # Initiative Ik gets k events in the range: ten initiatives, two beyond the top 8.
    for k, initiative in enumerate(initiatives, start=1):
        for j in range(k):
            spec.append(
                (
                    people[(j + k) % 3],
                    initiative,
                    "git" if j % 2 else "jira",
                    at(2 + (j * 3 + k) % 28),
                    False,
                )
            )
    pa, pa1, pb = people
    spec += [
        (pa, None, "jira", at(3), False),  # no initiative
        (pb, None, "git", at(17), False),
        (None, None, "jira", at(18), False),  # nobody's, no initiative
        (None, initiatives[0], "git", at(19), False),  # nobody's
        (pa, initiatives[9], "git", at(5), True),  # orphaned: left out
        (pa, initiatives[9], "jira", at(30), False),  # after the range
        (pa1, initiatives[9], "git", dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC), False),
    ]
    events = [
        ActivityEvent.objects.create(
            source=source,
            kind="commit" if source == "git" else "issue_created",
            external_id=str(index),
            person=person,
            initiative=initiative,
            occurred_at=when,
            orphaned=orphaned,
        )
        for index, (person, initiative, source, when, orphaned) in enumerate(spec)
    ]
    board = Board.objects.create(name="Portfolio")
    column = Column.objects.create(board=board, name="Idea", position=0)
    card = Card.objects.create(
        board=board, column=column, initiative=initiatives[9], rank="m"
    )
    return (team_a, sub_a, team_b), initiatives, events, card


def kept(events, teams=None, start=START, end=END):
    for event in events:
        day = event.occurred_at.date()
        if event.orphaned or not start <= day <= end:
            continue
        team_id = event.person.team_id if event.person else None
        if teams is not None and team_id not in teams:
            continue
        yield event


def week_of(event):
    day = event.occurred_at.date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def series_of(events, top=TOP_N, **kw):
    """Yield (event, series): the top initiatives by events (ties by id), the
    rest as "Other initiatives", and "No initiative", decided here."""
    chosen = list(kept(events, **kw))
    totals = Counter(e.initiative_id for e in chosen if e.initiative_id)
    leaders = sorted(totals, key=lambda pk: (-totals[pk], pk))[:top]
    for e in chosen:
        if e.initiative is None:
            yield e, NONE
        elif e.initiative_id in leaders:
            yield e, e.initiative.key
        else:
            yield e, OTHER


def expected_rows(events, **kw):
    """(week, series, source) -> events."""
    return dict(Counter((week_of(e), s, e.source) for e, s in series_of(events, **kw)))


def expected_bars(events, **kw):
    """(week, series) -> events."""
    return dict(Counter((week_of(e), s) for e, s in series_of(events, **kw)))


def rows(chart):
    return {(r["week"], r["initiative"], r["source"]): r["events"] for r in chart.rows}


def bars(figure):
    return {
        (week, trace.name): value
        for trace in figure.data
        for week, value in zip(trace.x, trace.y, strict=True)
        if value
    }


def test_activity_initiatives_is_registered_for_managers():
    spec = CHARTS["activity_initiatives"]
    assert (spec.order, spec.roles, spec.depends_on) == (
        61,
        ("manager",),
        ("integrations", "initiatives", "people.Team", "people.Person"),
    )


def test_bars_and_rows_equal_the_events_counted_by_hand(world, manager):
    _, _, events, _ = world
    chart = activity_initiatives(filters=FILTERS, viewer=manager)
    assert rows(chart) == expected_rows(events)
    assert bars(chart.figure) == expected_bars(events)
    # Most active first, then the rest, then events with no initiative.
    assert [t.name for t in chart.figure.data] == [
        "I10",
        "I9",
        "I8",
        "I7",
        "I6",
        "I5",
        "I4",
        "I3",
        OTHER,
        NONE,
    ]
    other = chart.figure.data[8]
    assert sum(other.y) == 2 + 2  # I1 (one of them nobody's) and I2
    # The rest would dwarf the leaders: hidden until shown from the legend.
    visible = [t.visible for t in chart.figure.data[7:]]
    assert visible == [True, "legendonly", "legendonly"]
    assert chart.figure.layout.showlegend is True  # even with one series drawn
    assert list(chart.figure.data[0].x) == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
        "2026-03-23",
    ]


def test_hover_splits_jira_and_git(world, manager):
    _, _, events, _ = world
    chart = activity_initiatives(filters=FILTERS, viewer=manager)
    i10 = chart.figure.data[0]
    counted = Counter(
        (week_of(e), e.source)
        for e in kept(events)
        if e.initiative and e.initiative.key == "I10"
    )
    assert list(i10.hovertext) == [
        f"Jira {counted[(w, 'jira')]} · Git {counted[(w, 'git')]}" for w in i10.x
    ]


def test_bars_open_the_initiatives_card(world, manager):
    *_, card = world
    chart = activity_initiatives(filters=FILTERS, viewer=manager)
    links = {t.name: set(t.customdata) for t in chart.figure.data}
    assert links["I10"] == {reverse("initiatives:card", args=[card.pk])}
    assert links["I9"] == {reverse("initiatives:boards")}  # no card
    assert links[OTHER] == {reverse("initiatives:boards")}
    assert links[NONE] == {""}  # nothing to open


def test_top_n_decides_what_is_other(world, manager):
    _, _, events, _ = world
    data = initiative_activity(team_id=None, start=START, end=END, top=2)
    assert [leader.key for leader in data.leaders] == ["I10", "I9"]
    figure = activity_initiatives_figure(
        counts=data.counts, leaders=data.leaders, start=START, end=END
    )
    assert [t.name for t in figure.data] == ["I10", "I9", OTHER, NONE]
    assert bars(figure) == expected_bars(events, top=2)


@pytest.mark.usefixtures("world")
def test_ties_in_the_ranking_go_to_the_older_initiative():
    # I1 and I2 both have two events: the lower id wins the last place.
    data = initiative_activity(team_id=None, start=START, end=END, top=10)
    assert [leader.key for leader in data.leaders][-2:] == ["I1", "I2"]
    data = initiative_activity(team_id=None, start=START, end=END, top=9)
    assert data.leaders[-1].key == "I1"


def test_team_filter_keeps_the_events_of_the_team_and_its_sub_teams(world, manager):
    (team_a, sub_a, team_b), _, events, _ = world
    filters = DashboardFilters(team_a.pk, START, END)
    chart = activity_initiatives(filters=filters, viewer=manager)
    teams = {team_a.pk, sub_a.pk}
    assert rows(chart) == expected_rows(events, teams=teams)
    assert bars(chart.figure) == expected_bars(events, teams=teams)
    filters = DashboardFilters(team_b.pk, START, END)
    chart = activity_initiatives(filters=filters, viewer=manager)
    assert rows(chart) == expected_rows(events, teams={team_b.pk})
    assert sum(rows(chart).values()) < sum(expected_rows(events).values())


def test_date_range_changes_the_weeks_counted(world, manager):
    _, _, events, _ = world
    start, end = dt.date(2026, 3, 9), dt.date(2026, 3, 15)
    chart = activity_initiatives(
        filters=DashboardFilters(None, start, end), viewer=manager
    )
    assert rows(chart) == expected_rows(events, start=start, end=end)
    assert bars(chart.figure) == expected_bars(events, start=start, end=end)
    assert list(chart.figure.data[0].x) == ["2026-03-09"]


def test_csv_download_matches_the_rows(world, client_as):
    _, initiatives, events, _ = world
    response = client_as("manager").get(
        reverse("dashboard:csv", args=["activity_initiatives"]),
        {"start": START.isoformat(), "end": END.isoformat()},
    )
    assert response.status_code == 200
    lines = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert {
        (line["week"], line["initiative"], line["source"]): int(line["events"])
        for line in lines
    } == expected_rows(events)
    titles = {i.key: i.title for i in initiatives}
    assert {(line["initiative"], line["title"]) for line in lines} == {
        (key, titles.get(key, "")) for _, key, _ in expected_rows(events)
    }
    assert {line["initiative"] for line in lines} >= {"I10", OTHER, NONE}


def build(count):
    team = TeamFactory()
    people = [PersonFactory(team=TeamFactory(parent=team)) for _ in range(count)]
    initiatives = [InitiativeFactory(team=team) for _ in range(count)]
    board = Board.objects.create(name=f"Board {count}")
    column = Column.objects.create(board=board, name="Idea", position=0)
    Card.objects.bulk_create(
        Card(board=board, column=column, initiative=i, rank=f"r{n}")
        for n, i in enumerate(initiatives)
    )
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            source="git" if index % 2 else "jira",
            kind="commit",
            external_id=f"{count}-{index}",
            person=people[index % count],
            initiative=initiatives[index % count] if index % 7 else None,
            occurred_at=at(2 + index % 27),
        )
        for index in range(count * 3)
    )
    return team


@pytest.mark.parametrize("team_filter", [False, True])
def test_query_count_is_the_same_at_10_and_200_people(manager, team_filter):
    counts = []
    for size in (10, 200):
        team = build(size)
        filters = DashboardFilters(team.pk if team_filter else None, START, END)
        with CaptureQueriesContext(connection) as queries:
            chart = activity_initiatives(filters=filters, viewer=manager)
        counts.append(len(queries))
        assert len(chart.figure.data) == TOP_N + 2
    assert counts[0] == counts[1] <= (4 if team_filter else 3)


def test_events_with_no_initiative_at_all(manager):
    person = PersonFactory()
    for index, day in enumerate((3, 4, 12)):
        ActivityEvent.objects.create(
            source="git",
            kind="commit",
            external_id=str(index),
            person=person,
            occurred_at=at(day),
        )
    chart = activity_initiatives(filters=FILTERS, viewer=manager)
    assert [t.name for t in chart.figure.data] == [NONE]
    assert bars(chart.figure) == {("2026-03-02", NONE): 2, ("2026-03-09", NONE): 1}
    assert rows(chart) == {
        ("2026-03-02", NONE, "git"): 2,
        ("2026-03-09", NONE, "git"): 1,
    }


# Real commits: the cached chart goes stale when the change commits, which the
# usual rolled-back test transaction never does.
@pytest.mark.django_db(transaction=True)
def test_a_person_changing_team_refreshes_the_cached_chart(world, client_as):
    (team_a, _sub_a, team_b), _, events, _ = world
    client = client_as("manager")
    url = reverse("dashboard:csv", args=["activity_initiatives"])
    query = {"team": team_b.pk, "start": START.isoformat(), "end": END.isoformat()}

    def total():
        response = client.get(url, query)
        lines = csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode())
        )
        return sum(int(line["events"]) for line in lines)

    before = total()
    assert before == sum(expected_rows(events, teams={team_b.pk}).values())
    person = next(e.person for e in events if e.person and e.person.team == team_a)
    person.team = team_b
    person.save()
    for event in events:  # the test's copies, for the expectation
        if event.person_id == person.pk:
            event.person.team = team_b
    assert total() == sum(expected_rows(events, teams={team_b.pk}).values()) > before

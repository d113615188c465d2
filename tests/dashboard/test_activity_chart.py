"""The activity chart: Jira and Git events per week by the team of their person."""

import datetime as dt
import zoneinfo
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.dashboard.builders import activity as activity_module
from teamhub.dashboard.builders.activity import activity
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.integrations.models import ActivityEvent
from tests.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 29)  # a Monday, a Sunday
FILTERS = DashboardFilters(team_id=None, start=START, end=END)


def at(day, hour=12):
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def world():
    team_a, team_b = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    sub_a = TeamFactory(name="Alpha-1", parent=team_a)
    pa, pa1, pb = (PersonFactory(team=t) for t in (team_a, sub_a, team_b))
    spec = [
        (pa, "jira", at(3), False),
        (pa, "git", at(4), False),
        (pa, "git", at(5), True),  # orphaned: left out
        (pa1, "git", at(10), False),
        (pb, "jira", at(10), False),
        (pb, "jira", at(11), False),
        (pb, "git", at(29, 23), False),
        (pa, "jira", at(30), False),  # after the range
        (pa, "git", dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC), False),  # before
        (None, "jira", at(12), False),  # nobody's
    ]
    events = []
    for index, (person, source, when, orphaned) in enumerate(spec):
        events.append(
            ActivityEvent.objects.create(
                source=source,
                kind="commit" if source == "git" else "issue_created",
                external_id=str(index),
                person=person,
                occurred_at=when,
                orphaned=orphaned,
            )
        )
    return (team_a, sub_a, team_b), events


def expected(events, row_of=None, start=START, end=END):
    """(week Monday, row name, source) -> events, computed here. ``row_of`` maps
    each team counted to its row's name; without it (no team filter) every team
    is its own row and people with no team count under "No team"."""
    result = Counter()
    for event in events:
        day = event.occurred_at.date()
        if event.orphaned or not start <= day <= end:
            continue
        team = event.person.team if event.person else None
        if team is None:
            if row_of is not None and not row_of.get("no team"):
                continue
            name = "No team"
        elif row_of is None:
            name = team.name
        elif team.pk in row_of:
            name = row_of[team.pk]
        else:
            continue
        week = day - dt.timedelta(days=day.weekday())
        result[(week.isoformat(), name, event.source)] += 1
    return dict(result)


def unfiltered_rows(teams):
    """Without a filter, the two top teams are the rows: Alpha-1 counts in Alpha."""
    team_a, sub_a, team_b = teams
    return {team_a.pk: "Alpha", sub_a.pk: "Alpha", team_b.pk: "Beta", "no team": True}


def rows(chart):
    return {(r["week"], r["team"], r["source"]): r["events"] for r in chart.rows}


def bars(chart):
    """(week, team) -> bar height, read back from the figure."""
    return {
        (week, trace.name): value
        for trace in chart.figure.data
        for week, value in zip(trace.x, trace.y, strict=True)
        if value
    }


def test_activity_is_registered_for_managers():
    spec = CHARTS["activity"]
    assert (spec.order, spec.roles) == (60, ("manager",))


def test_flat_teams_are_each_their_own_row(manager):
    """Teams with no parent and no sub-teams: one row per team, as before."""
    people = [PersonFactory(team=TeamFactory(name=n)) for n in ("Beta", "Alpha")]
    events = [
        ActivityEvent.objects.create(
            source=source,
            kind="commit",
            external_id=f"flat-{index}",
            person=people[index % 2],
            occurred_at=at(3 + index),
        )
        for index, source in enumerate(["jira", "git", "git", "jira", "git"])
    ]
    chart = activity(filters=FILTERS, viewer=manager)
    assert rows(chart) == expected(events)
    assert [trace.name for trace in chart.figure.data] == ["Alpha", "Beta"]


def test_rows_and_bars_equal_the_events_counted_by_hand(world, manager):
    teams, events = world
    chart = activity(filters=FILTERS, viewer=manager)
    want = expected(events, unfiltered_rows(teams))
    assert rows(chart) == want
    per_bar = Counter()
    for (week, team, _source), count in want.items():
        per_bar[(week, team)] += count
    assert bars(chart) == dict(per_bar)
    assert [trace.name for trace in chart.figure.data] == ["Alpha", "Beta", "No team"]
    # One bar per week of the range, each on its Monday.
    assert list(chart.figure.data[0].x) == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
        "2026-03-23",
    ]


def test_rows_are_by_week_then_team_then_source(world, manager):
    chart = activity(filters=FILTERS, viewer=manager)
    position = {"Alpha": 0, "Beta": 1, "No team": 2}  # rows by name, "No team" last
    keys = [(row["week"], position[row["team"]], row["source"]) for row in chart.rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys) > 3


def test_bars_link_to_the_teams_people(world, manager):
    (team_a, sub_a, _team_b), _ = world

    def links(chart):
        return {trace.name: set(trace.customdata) for trace in chart.figure.data}

    def url(team, **only):
        query = urlencode({"team": team.pk, **only})
        return reverse("people:directory") + "?" + query

    assert links(activity(filters=FILTERS, viewer=manager))["Alpha"] == {url(team_a)}
    filters = DashboardFilters(team_a.pk, START, END)
    assert links(activity(filters=filters, viewer=manager)) == {
        "Alpha (own members)": {url(team_a, team_only=1)},  # not Alpha-1's
        "Alpha-1": {url(sub_a)},
    }


def test_team_filter_shows_the_team_and_each_sub_team(world, manager):
    (team_a, sub_a, team_b), events = world
    filters = DashboardFilters(team_a.pk, START, END)
    chart = activity(filters=filters, viewer=manager)
    assert rows(chart) == expected(
        events, {team_a.pk: "Alpha (own members)", sub_a.pk: "Alpha-1"}
    )
    assert [trace.name for trace in chart.figure.data] == [
        "Alpha (own members)",
        "Alpha-1",
    ]
    filters = DashboardFilters(team_b.pk, START, END)
    assert rows(activity(filters=filters, viewer=manager)) == expected(
        events, {team_b.pk: "Beta"}
    )
    filters = DashboardFilters(10**9, START, END)  # no such team
    assert activity(filters=filters, viewer=manager).rows == []


def test_date_range_changes_the_weeks_counted(world, manager):
    teams, events = world
    start, end = dt.date(2026, 3, 9), dt.date(2026, 3, 15)
    chart = activity(filters=DashboardFilters(None, start, end), viewer=manager)
    assert rows(chart) == expected(events, unfiltered_rows(teams), start=start, end=end)
    assert list(chart.figure.data[0].x) == ["2026-03-09"]


@pytest.fixture
def tree(manager):
    """A top team, two departments, one of them with two teams below it, a
    person in each, events for each person and one for nobody."""
    top = TeamFactory(name="Data & AI")
    # The manager's own team would be a second top team: move them to the top.
    own_team = manager.person.team
    manager.person.team = top
    manager.person.save()
    own_team.delete()
    fraud = TeamFactory(name="Fraud", parent=top)
    payments = TeamFactory(name="Fraud · Payments", parent=fraud)
    identity = TeamFactory(name="Fraud · Identity", parent=fraud)
    nlp = TeamFactory(name="NLP", parent=top)
    teams = (top, fraud, payments, identity, nlp)
    people = [PersonFactory(team=team) for team in teams] + [PersonFactory(team=None)]
    events = []
    for index in range(40):
        events.append(
            ActivityEvent.objects.create(
                source="git" if index % 3 else "jira",
                kind="commit",
                external_id=f"tree-{index}",
                person=people[index * 7 % len(people)],
                occurred_at=at(2 + index * 5 % 28, hour=index % 24),
            )
        )
    return teams, events


def row_below(team, anchor):
    """The row a team counts in under the filter ``anchor``: the anchor's own
    members, or the team directly below the anchor on the team's way up."""
    path = []
    while team is not None:
        path.append(team)
        team = team.parent
    if anchor not in path:
        return None
    index = path.index(anchor)
    if index == 0:
        return f"{anchor.name} (own members)" if anchor.children.exists() else None
    return path[index - 1].name


def test_a_tree_shows_the_level_below_the_filter_with_sums_of_sub_teams(tree, manager):
    (top, fraud, payments, identity, nlp), events = tree
    everyone = {team.pk: row_below(team, top) for team in (top, fraud, payments)}
    everyone |= {team.pk: row_below(team, top) for team in (identity, nlp)}
    everyone["no team"] = True
    assert set(everyone.values()) == {"Data & AI (own members)", "Fraud", "NLP", True}
    chart = activity(filters=FILTERS, viewer=manager)
    want = expected(events, everyone)
    assert rows(chart) == want
    # Fraud's bar is the sum of its own, Payments' and Identity's events.
    fraud_total = sum(
        1
        for event in events
        if event.person.team in (fraud, payments, identity)
        and not event.orphaned
        and START <= event.occurred_at.date() <= END
    )
    assert sum(v for (_w, name, _s), v in want.items() if name == "Fraud") == (
        fraud_total
    )
    assert fraud_total > 0
    assert [trace.name for trace in chart.figure.data] == [
        "Data & AI (own members)",
        "Fraud",
        "NLP",
        "No team",
    ]

    in_fraud = {team.pk: row_below(team, fraud) for team in (fraud, payments, identity)}
    assert set(in_fraud.values()) == {
        "Fraud (own members)",
        "Fraud · Payments",
        "Fraud · Identity",
    }
    filters = DashboardFilters(fraud.pk, START, END)
    chart = activity(filters=filters, viewer=manager)
    assert rows(chart) == expected(events, in_fraud)
    assert [trace.name for trace in chart.figure.data] == [
        "Fraud (own members)",
        "Fraud · Identity",
        "Fraud · Payments",
    ]
    # A team with nothing below it: one row, its own name.
    filters = DashboardFilters(nlp.pk, START, END)
    chart = activity(filters=filters, viewer=manager)
    assert rows(chart) == expected(events, {nlp.pk: "NLP"})
    assert [trace.name for trace in chart.figure.data] == ["NLP"]


def build(count):
    team = TeamFactory()
    people = [PersonFactory(team=TeamFactory(parent=team)) for _ in range(count)]
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            source="git" if index % 2 else "jira",
            kind="commit",
            external_id=f"{count}-{index}",
            person=people[index % count],
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
            chart = activity(filters=filters, viewer=manager)
        counts.append(len(queries))
        assert chart.rows
    assert counts[0] == counts[1] <= 3


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/St_Johns"])
@pytest.mark.parametrize("union", [True, False])
def test_weeks_follow_the_site_time_zone_across_a_change_of_the_clocks(
    manager, zone, union, monkeypatch
):
    """Weeks start at local Monday midnight, before and after daylight saving
    starts (29 March 2026 in Berlin, 8 March in St John's): events a moment
    either side of each local midnight land in the right week."""
    tz = zoneinfo.ZoneInfo(zone)
    person = PersonFactory(team=TeamFactory(name="Alpha"))
    start, end = dt.date(2026, 3, 2), dt.date(2026, 4, 12)
    moments = []
    for week in range(6):
        local_monday = dt.datetime.combine(
            start + dt.timedelta(weeks=week), dt.time.min, tzinfo=tz
        )
        for delta in (
            dt.timedelta(microseconds=-1),  # Sunday 23:59:59.999999: week before
            dt.timedelta(),  # Monday 00:00 exactly: this week
            dt.timedelta(minutes=30),
            dt.timedelta(days=3, hours=12),
        ):
            moments.append((local_monday + delta).astimezone(dt.UTC))
    for index, when in enumerate(moments):
        ActivityEvent.objects.create(
            source="git" if index % 3 else "jira",
            kind="commit",
            external_id=f"tz-{index}",
            person=person,
            occurred_at=when,
        )
    want = Counter()
    for index, when in enumerate(moments):
        day = when.astimezone(tz).date()
        if start <= day <= end:
            week = day - dt.timedelta(days=day.weekday())
            want[(week.isoformat(), "Alpha", "git" if index % 3 else "jira")] += 1
    # One SELECT per week, or (for ranges too long for one statement) a week
    # computed from each event's time: the same weeks either way.
    if not union:
        monkeypatch.setattr(activity_module, "MAX_UNION_WEEKS", 0)
    with timezone.override(tz):
        chart = activity(filters=DashboardFilters(None, start, end), viewer=manager)
    assert rows(chart) == dict(want)
    # Each week: its Monday from midnight on (three events) and its Sunday's last
    # moment (the next Monday's first event minus a microsecond); the last week
    # has no next Monday, the first Sunday before the range is left out.
    per_week = Counter()
    for (week, _team, _source), count in want.items():
        per_week[week] += count
    mondays = [(start + dt.timedelta(weeks=w)).isoformat() for w in range(6)]
    assert per_week == {**dict.fromkeys(mondays[:-1], 4), mondays[-1]: 3}

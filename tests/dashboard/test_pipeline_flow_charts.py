"""The pipeline flow charts: pathway and ownership mix, time in each stage, WIP."""

import datetime as dt
import statistics
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.dashboard.builders.pipeline_flow.mix import pipeline_mix
from teamhub.dashboard.builders.pipeline_flow.stage_time import (
    percentile,
    stage_time,
    stage_time_data,
)
from teamhub.dashboard.builders.pipeline_flow.wip import wip
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import (
    Board,
    Card,
    CardEvent,
    Column,
    Pathway,
    PipelineOwner,
    Stage,
)
from teamhub.initiatives.services_cards import card_remove
from tests.factories import InitiativeFactory, TeamFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
FILTERS = DashboardFilters(
    team_id=None, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
)
KEYS = ("pipeline_mix", "stage_time", "wip")
EXP, PROD = Pathway.EXPERIMENTAL, Pathway.PRODUCTION
DS, ENG = PipelineOwner.DATA_SCIENCE, PipelineOwner.ENGINEERING
LABELS = dict(Stage.choices)


def with_team(team, filters=FILTERS, start=None, end=None):
    return DashboardFilters(
        team.pk if team else None, start or filters.start, end or filters.end
    )


@pytest.fixture
def teams():
    parent = TeamFactory(name="ML")
    child = TeamFactory(name="NLP", parent=parent)
    other = TeamFactory(name="Vision")
    return parent, child, other


def test_the_three_charts_are_registered_for_managers():
    specs = [CHARTS[key] for key in KEYS]
    assert [(s.order, s.roles, s.depends_on) for s in specs] == [
        (41, ("manager",), ("initiatives", "people.Team")),
        (42, ("manager",), ("initiatives", "people.Team")),
        (43, ("manager",), ("initiatives", "people.Team")),
    ]


# Pathway and ownership mix -------------------------------------------------------


@pytest.fixture
def mix(teams):
    parent, child, other = teams
    spec = [
        (parent, Stage.IDEA, 1, EXP, DS, ""),
        (parent, Stage.EXPERIMENTATION, 3, EXP, DS, ""),  # flagged
        (parent, Stage.EXPERIMENTATION, 4, EXP, DS, "  \n "),  # flagged: blank
        (parent, Stage.DEPLOYMENT, 4, EXP, DS, "Engineering rebuilds it"),
        (child, Stage.EXPERIMENTATION, 3, EXP, ENG, ""),  # engineering owns it
        (child, Stage.MONITORING, 4, PROD, ENG, ""),
        (child, Stage.RETIRED, 4, EXP, DS, ""),  # retired: left out
        (child, Stage.SCOPING, 4, EXP, DS, ""),  # flagged
        (other, Stage.IDEA, 2, EXP, DS, ""),
        (other, Stage.DEPLOYMENT, 3, PROD, DS, ""),
        (other, Stage.EXPERIMENTATION, 3, EXP, DS, ""),  # flagged
    ]
    initiatives = [
        InitiativeFactory(
            team=team,
            stage=stage,
            mission_criticality=level,
            pathway=pathway,
            pipeline_owner=owner,
            hardening_plan=plan,
        )
        for team, stage, level, pathway, owner, plan in spec
    ]
    return teams, initiatives


def mix_label(pathway, owner):
    return f"{dict(Pathway.choices)[pathway]}<br>{dict(PipelineOwner.choices)[owner]}"


def figure_mix(chart):
    """(bar label, criticality) -> segment height, read back from the figure."""
    counts = {}
    for trace in chart.figure.data:
        level = int(trace.name.split()[-1])
        for label, value in zip(trace.x, trace.y, strict=True):
            if value:
                counts[(label, level)] = value
    return counts


def expected_mix(initiatives, team_ids=None):
    return dict(
        Counter(
            (mix_label(i.pathway, i.pipeline_owner), i.mission_criticality)
            for i in initiatives
            if i.stage != Stage.RETIRED and (team_ids is None or i.team_id in team_ids)
        )
    )


def expected_flagged(initiatives, team_ids=None):
    chosen = [
        i
        for i in initiatives
        if i.stage != Stage.RETIRED
        and i.pathway == EXP
        and i.pipeline_owner == DS
        and i.mission_criticality >= 3
        and not i.hardening_plan.strip()
        and (team_ids is None or i.team_id in team_ids)
    ]
    return [
        i.key for i in sorted(chosen, key=lambda i: (-i.mission_criticality, i.key))
    ]


def test_mix_counts_initiatives_by_pathway_owner_and_criticality(mix, manager):
    _teams, initiatives = mix
    chart = pipeline_mix(filters=FILTERS, viewer=manager)
    assert figure_mix(chart) == expected_mix(initiatives)
    assert sum(figure_mix(chart).values()) == 10  # 11 made, one retired
    assert list(chart.figure.data[0].x) == [
        "Experimental<br>Data science",
        "Experimental<br>Engineering",
        "Production<br>Data science",
        "Production<br>Engineering",
    ]


def test_mix_team_filter_keeps_the_team_and_its_sub_teams(mix, manager):
    (parent, child, other), initiatives = mix
    chart = pipeline_mix(filters=with_team(parent), viewer=manager)
    assert figure_mix(chart) == expected_mix(initiatives, {parent.pk, child.pk})
    chart = pipeline_mix(filters=with_team(other), viewer=manager)
    assert figure_mix(chart) == expected_mix(initiatives, {other.pk})


def test_mix_lists_critical_experimental_work_without_a_hardening_plan(mix, manager):
    (_parent, _child, other), initiatives = mix
    flagged = initiatives[1]
    board = Board.objects.create(name="Portfolio")
    column = Column.objects.create(board=board, name="Experimentation", position=0)
    card = Card.objects.create(board=board, column=column, initiative=flagged, rank="m")

    chart = pipeline_mix(filters=FILTERS, viewer=manager)
    ((heading, items),) = chart.lists
    assert heading.startswith("Experimental at criticality ≥ 3")
    assert [text.split()[0] for text, _ in items] == expected_flagged(initiatives)
    links = {text.split()[0]: url for text, url in items}
    assert links[flagged.key] == reverse("initiatives:card", args=[card.pk])
    board_url = reverse("initiatives:board", args=[board.pk])
    assert links[initiatives[7].key] == f"{board_url}?pathway=experimental"

    chart = pipeline_mix(filters=with_team(other), viewer=manager)
    ((_heading, items),) = chart.lists
    assert [text.split()[0] for text, _ in items] == expected_flagged(
        initiatives, {other.pk}
    )


def test_mix_segments_link_to_the_board_filtered_by_pathway_and_criticality(
    mix, manager
):
    (parent, child, _other), _ = mix
    # No board yet: the board list.
    chart = pipeline_mix(filters=FILTERS, viewer=manager)
    assert set(chart.figure.data[0].customdata) == {reverse("initiatives:boards")}

    portfolio = Board.objects.create(name="Portfolio")
    own = Board.objects.create(name="ML board", team=parent)
    chart = pipeline_mix(filters=FILTERS, viewer=manager)
    url = reverse("initiatives:board", args=[portfolio.pk])
    for trace in chart.figure.data:
        level = trace.name.split()[-1]
        assert list(trace.customdata) == [
            f"{url}?pathway=experimental&criticality={level}",
            f"{url}?pathway=experimental&criticality={level}",
            f"{url}?pathway=production&criticality={level}",
            f"{url}?pathway=production&criticality={level}",
        ]
    chart = pipeline_mix(filters=with_team(parent), viewer=manager)
    url = reverse("initiatives:board", args=[own.pk])
    assert (
        chart.figure.data[3].customdata[2] == f"{url}?pathway=production&criticality=4"
    )
    chart = pipeline_mix(filters=with_team(child), viewer=manager)
    url = reverse("initiatives:board", args=[portfolio.pk])
    assert (
        chart.figure.data[0].customdata[0]
        == f"{url}?team={child.pk}&pathway=experimental&criticality=1"
    )


def test_mix_csv_rows_match_the_figure(mix, manager):
    chart = pipeline_mix(filters=FILTERS, viewer=manager)
    assert list(chart.columns) == ["pathway", "pipeline_owner", "criticality", "count"]
    from_rows = {
        (mix_label(r["pathway"], r["pipeline_owner"]), r["criticality"]): r["count"]
        for r in chart.rows
    }
    assert from_rows == figure_mix(chart)


# Time in each stage --------------------------------------------------------------

T = dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)
RANGE = (dt.date(2026, 2, 1), dt.date(2026, 3, 31))


@pytest.fixture
def history(teams):
    """Cards moved at known times; returns the stays they make, written by hand."""
    parent, child, other = teams
    one = Board.objects.create(name="Flow")
    for position, (name, stage) in enumerate(
        [
            ("Idea", Stage.IDEA),
            ("Scoping", Stage.SCOPING),
            ("Blocked", ""),
            ("Experimentation", Stage.EXPERIMENTATION),
            ("Deployment", Stage.DEPLOYMENT),
        ]
    ):
        Column.objects.create(board=one, name=name, stage=stage, position=position)
    two = Board.objects.create(name="Team board", team=parent)
    for position, (name, stage) in enumerate(
        [
            ("Backlog", ""),
            ("Experimentation", Stage.EXPERIMENTATION),
            ("Ship it", Stage.DEPLOYMENT),
        ]
    ):
        Column.objects.create(board=two, name=name, stage=stage, position=position)
    first = Column.objects.filter(board=one).first()

    cards = {}

    def card(initiative, board):
        if (initiative.pk, board.pk) not in cards:
            column = (
                first if board == one else Column.objects.get(board=two, position=0)
            )
            cards[(initiative.pk, board.pk)] = Card.objects.create(
                board=board, column=column, initiative=initiative, rank="m"
            )
        return cards[(initiative.pk, board.pk)]

    def event(initiative, board, verb, to, at, source=""):
        CardEvent.of(
            card(initiative, board),
            verb=verb,
            from_column=source,
            to_column=to,
            at=at,
        ).save()

    created, moved = CardEvent.Verb.CREATED, CardEvent.Verb.MOVED
    a, b, c, d, e, f = (
        InitiativeFactory(team=team)
        for team in (parent, child, parent, other, parent, parent)
    )
    # A: Idea 12 days, Scoping 5.5 (3 of them blocked), Experimentation 2.5, then
    # Deployment till now.
    event(a, one, created, "Idea", T - 10 * DAY)
    event(a, one, moved, "Scoping", T + 2 * DAY, "Idea")
    event(a, one, CardEvent.Verb.EDITED, "", T + 2.5 * DAY)
    event(a, one, moved, "Blocked", T + 3 * DAY, "Scoping")
    event(a, one, moved, "Experimentation", T + 7.5 * DAY, "Blocked")
    event(a, one, moved, "Deployment", T + 10 * DAY, "Experimentation")
    # B: an Idea stay that ended before the range; a column since renamed
    # ("Data & EDA" is no column now: its name is the stage's label).
    event(b, one, created, "Idea", T - 40 * DAY)
    event(b, one, moved, "Scoping", T - 20 * DAY, "Idea")
    event(b, one, moved, "Data & EDA", T + 1 * DAY, "Scoping")
    event(b, one, moved, "Experimentation", T + 4 * DAY, "Data & EDA")
    # C: on two boards; adding it to the second does not change its stage, a move
    # on either does, a move into a stageless column does not.
    event(c, one, created, "Idea", T)
    event(c, two, created, "Experimentation", T + 1 * DAY)
    event(c, two, moved, "Ship it", T + 6 * DAY, "Experimentation")
    event(c, one, moved, "Deployment", T + 8 * DAY, "Idea")
    event(c, two, moved, "Backlog", T + 9 * DAY, "Ship it")
    # D (another team): Idea 1 day, then Scoping.
    event(d, one, created, "Idea", T)
    event(d, one, moved, "Scoping", T + 1 * DAY, "Idea")
    # E: its Idea stay ends after the range (so it is open at the range's end).
    late = dt.datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    event(e, one, created, "Idea", late)
    event(e, one, moved, "Scoping", dt.datetime(2026, 4, 10, tzinfo=UTC), "Idea")
    # F: Idea 3 days, then retired (no column: the name is the stage's label).
    event(f, one, created, "Idea", T)
    event(f, one, moved, "Retired", T + 3 * DAY, "Idea")

    stays = [
        (a, Stage.IDEA, T - 10 * DAY, T + 2 * DAY),
        (a, Stage.SCOPING, T + 2 * DAY, T + 7.5 * DAY),
        (a, Stage.EXPERIMENTATION, T + 7.5 * DAY, T + 10 * DAY),
        (a, Stage.DEPLOYMENT, T + 10 * DAY, None),
        (b, Stage.IDEA, T - 40 * DAY, T - 20 * DAY),
        (b, Stage.SCOPING, T - 20 * DAY, T + 1 * DAY),
        (b, Stage.DATA_EDA, T + 1 * DAY, T + 4 * DAY),
        (b, Stage.EXPERIMENTATION, T + 4 * DAY, None),
        (c, Stage.IDEA, T, T + 6 * DAY),
        (c, Stage.DEPLOYMENT, T + 6 * DAY, None),
        (d, Stage.IDEA, T, T + 1 * DAY),
        (d, Stage.SCOPING, T + 1 * DAY, None),
        (e, Stage.IDEA, late, dt.datetime(2026, 4, 10, tzinfo=UTC)),
        (e, Stage.SCOPING, dt.datetime(2026, 4, 10, tzinfo=UTC), None),
        (f, Stage.IDEA, T, T + 3 * DAY),
        (f, Stage.RETIRED, T + 3 * DAY, None),
    ]
    return teams, one, two, stays


def expected_times(stays, start, end, team_ids=None):
    """stage label -> (ended, median, p75, open, open median), from the stays."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=UTC)
    until = dt.datetime.combine(end + DAY, dt.time.min, tzinfo=UTC)
    ended, running = defaultdict(list), defaultdict(list)
    for initiative, stage, begin, finish in stays:
        if stage == Stage.RETIRED or begin >= until:
            continue
        if team_ids is not None and initiative.team_id not in team_ids:
            continue
        if finish is None or finish >= until:
            running[stage].append((until - begin) / DAY)
        elif finish >= since:
            ended[stage].append((finish - begin) / DAY)
    result = {}
    for stage in Stage.values:
        done, still = ended[stage], running[stage]
        if not done and not still:
            continue
        p75 = None
        if len(done) > 1:
            p75 = round(statistics.quantiles(done, n=4, method="inclusive")[2], 2)
        elif done:
            p75 = round(done[0], 2)
        result[LABELS[stage]] = (
            len(done),
            round(statistics.median(done), 2) if done else None,
            p75,
            len(still),
            round(statistics.median(still), 2) if still else None,
        )
    return result


def figure_times(chart):
    """stage label -> (median, p75, open median), read back from the figure."""
    traces = {trace.name: trace for trace in chart.figure.data}
    median, p75, still = (
        traces["Median"],
        traces["75th percentile"],
        traces["Still open: median age"],
    )
    return {
        label: (m, p, o)
        for label, m, p, o in zip(median.x, median.y, p75.y, still.y, strict=True)
    }


def without_counts(expected):
    return {label: (m, p, o) for label, (_n, m, p, _k, o) in expected.items()}


def test_stage_time_reads_stays_from_the_card_history(history, manager):
    _teams, _one, _two, stays = history
    filters = DashboardFilters(None, *RANGE)
    chart = stage_time(filters=filters, viewer=manager)
    want = expected_times(stays, *RANGE)
    assert figure_times(chart) == without_counts(want)
    # Written out for this range, so the expectation cannot share a bug with it.
    assert want["Idea"][:3] == (4, 4.5, 7.5)  # 12, 6, 1, 3 days
    assert want["Scoping"][:3] == (2, 13.25, 17.12)  # 5.5, 21 days
    assert want["Deployment"][3:] == (2, 50.62)  # open since Feb 11 and Feb 7
    assert list(chart.figure.data[0].x) == [
        "Idea",
        "Scoping",
        "Data & EDA",
        "Experimentation",
        "Deployment",
    ]


def test_stage_time_keeps_the_stays_of_cards_taken_off_their_board(history, manager):
    filters = DashboardFilters(None, *RANGE)
    before = figure_times(stage_time(filters=filters, viewer=manager))
    for card in Card.objects.all():
        card_remove(actor=manager, card=card)
    assert not Card.objects.exists()
    assert figure_times(stage_time(filters=filters, viewer=manager)) == before


def test_stage_time_follows_the_date_range(history, manager):
    _teams, _one, _two, stays = history
    january = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    chart = stage_time(filters=DashboardFilters(None, *january), viewer=manager)
    want = expected_times(stays, *january)
    assert figure_times(chart) == without_counts(want)
    assert want["Idea"][:2] == (1, 20.0)  # only B's Idea stay ended in January
    assert figure_times(chart) != figure_times(
        stage_time(filters=DashboardFilters(None, *RANGE), viewer=manager)
    )


def test_stage_time_team_filter_keeps_the_team_and_its_sub_teams(history, manager):
    (parent, child, other), _one, _two, stays = history
    chart = stage_time(filters=DashboardFilters(parent.pk, *RANGE), viewer=manager)
    want = expected_times(stays, *RANGE, {parent.pk, child.pk})
    assert figure_times(chart) == without_counts(want)
    chart = stage_time(filters=DashboardFilters(other.pk, *RANGE), viewer=manager)
    assert figure_times(chart) == without_counts(
        expected_times(stays, *RANGE, {other.pk})
    )
    assert set(figure_times(chart)) == {"Idea", "Scoping"}


def test_stage_time_csv_rows_hold_the_counts_and_days(history, manager):
    _teams, _one, _two, stays = history
    chart = stage_time(filters=DashboardFilters(None, *RANGE), viewer=manager)
    want = expected_times(stays, *RANGE)
    assert {
        LABELS[r["stage"]]: (
            r["ended_stays"],
            r["median_days"],
            r["p75_days"],
            r["open_stays"],
            r["open_median_days"],
        )
        for r in chart.rows
    } == want
    assert set(chart.rows[0]) == set(chart.columns)


def test_stage_time_bars_link_to_the_board(history, manager):
    (parent, *_), one, two, _stays = history
    chart = stage_time(filters=DashboardFilters(None, *RANGE), viewer=manager)
    assert set(chart.figure.data[0].customdata) == {
        reverse("initiatives:board", args=[one.pk])
    }
    chart = stage_time(filters=DashboardFilters(parent.pk, *RANGE), viewer=manager)
    assert set(chart.figure.data[2].customdata) == {
        reverse("initiatives:board", args=[two.pk])
    }


def test_open_stays_are_aged_at_now_when_the_range_runs_past_it(history):
    _teams, _one, _two, stays = history
    now = dt.datetime(2026, 3, 1, tzinfo=UTC)
    data = stage_time_data(
        team_id=None, start=RANGE[0], end=dt.date(2026, 12, 31), now=now
    )
    assert data.as_of == now
    # Up to now is the same as a range ending the day before.
    want = expected_times(stays, RANGE[0], dt.date(2026, 2, 28))
    assert {
        LABELS[row.stage]: (
            row.ended,
            round(row.median_days, 2) if row.ended else None,
            round(row.p75_days, 2) if row.ended else None,
            row.open,
            round(row.open_median_days, 2) if row.open else None,
        )
        for row in data.stages
    } == want
    assert want["Idea"][3] == 0  # E's Idea stay starts after now


@pytest.mark.parametrize("values", [[4.0], [1.0, 2.0], [12, 6, 1, 3], [5, 1, 9, 2, 7]])
def test_percentile_interpolates_like_inclusive_quantiles(values):
    assert percentile(values, 0.5) == statistics.median(values)
    quartiles = (
        statistics.quantiles(values, n=4, method="inclusive")
        if len(values) > 1
        else [values[0]] * 3
    )
    assert percentile(values, 0.75) == pytest.approx(quartiles[2])


# Work in progress ----------------------------------------------------------------


@pytest.fixture
def boards(teams):
    parent, child, other = teams
    spec = [
        # board name, team, [(column, limit, cards)]
        (
            "ML board",
            parent,
            [("Idea", None, 1), ("Experiments", 2, 3), ("Deploy", 2, 2)],
        ),
        ("NLP board", child, [("Doing", 5, 1)]),
        ("Portfolio", None, [("Doing", 3, 0)]),
        ("Vision board", other, [("Doing", 1, 2)]),
    ]
    made = []
    for name, team, columns in spec:
        board = Board.objects.create(name=name, team=team)
        for position, (column_name, limit, held) in enumerate(columns):
            column = Column.objects.create(
                board=board, name=column_name, position=position, wip_limit=limit
            )
            for index in range(held):
                Card.objects.create(
                    board=board,
                    column=column,
                    initiative=InitiativeFactory(team=team),
                    rank=f"m{index}",
                )
            made.append((board, team, column_name, limit, held))
    return teams, made


def expected_wip(made, team_ids=None):
    return [
        (f"{board.name} · {column}", held, limit)
        for board, team, column, limit, held in made
        if limit is not None
        and (team_ids is None or (team is not None and team.pk in team_ids))
    ]


def figure_wip(chart):
    if not chart.figure.data:
        return []
    bars, limits = chart.figure.data
    assert list(bars.y) == list(limits.y)
    return list(zip(bars.y, bars.x, limits.x, strict=True))


def test_wip_shows_each_limited_column_against_its_limit(boards, manager):
    _teams, made = boards
    chart = wip(filters=FILTERS, viewer=manager)
    assert figure_wip(chart) == expected_wip(made)
    colours = dict(
        zip(chart.figure.data[0].y, chart.figure.data[0].marker.color, strict=True)
    )
    assert colours["ML board · Experiments"] == "#dc3545"  # over
    assert colours["ML board · Deploy"] == "#fd7e14"  # at
    assert colours["NLP board · Doing"] == "#198754"  # under


def test_wip_team_filter_keeps_the_boards_of_the_team_and_its_sub_teams(
    boards, manager
):
    (parent, child, other), made = boards
    chart = wip(filters=with_team(parent), viewer=manager)
    assert figure_wip(chart) == expected_wip(made, {parent.pk, child.pk})
    chart = wip(filters=with_team(other), viewer=manager)
    assert figure_wip(chart) == expected_wip(made, {other.pk})
    chart = wip(filters=with_team(child), viewer=manager)
    assert figure_wip(chart) == [("NLP board · Doing", 1, 5)]


def test_wip_lists_the_columns_over_their_limit_with_links(boards, manager):
    _teams, made = boards
    chart = wip(filters=FILTERS, viewer=manager)
    ((heading, items),) = chart.lists
    assert heading == "Over their WIP limit"
    over = [
        (board, column)
        for board, _t, column, limit, held in made
        if limit and held > limit
    ]
    assert items == [
        (
            f"{board.name} · {column}: {held} cards, limit {limit}",
            reverse("initiatives:board", args=[board.pk]),
        )
        for board, _t, column, limit, held in made
        if (board, column) in over
    ]
    assert len(items) == 2
    assert set(chart.figure.data[0].customdata) == {
        reverse("initiatives:board", args=[board.pk])
        for board, _t, _c, limit, _h in made
        if limit is not None
    }


def test_wip_csv_rows_match_the_figure(boards, manager):
    chart = wip(filters=FILTERS, viewer=manager)
    assert [
        (f"{r['board']} · {r['column']}", r["cards"], r["wip_limit"])
        for r in chart.rows
    ] == figure_wip(chart)
    assert [r["over_limit"] for r in chart.rows] == [True, False, False, False, True]


# Query counts --------------------------------------------------------------------


def build(count):
    """A team with ``count`` initiatives, each with a card moved twice."""
    team = TeamFactory()
    board = Board.objects.create(name=f"Board {count}", team=team)
    columns = [
        Column.objects.create(
            board=board, name=LABELS[stage], stage=stage, position=i, wip_limit=3
        )
        for i, stage in enumerate([Stage.IDEA, Stage.SCOPING, Stage.EXPERIMENTATION])
    ]
    cards = []
    for index in range(count):
        initiative = InitiativeFactory(
            team=team,
            mission_criticality=index % 4 + 1,
            pathway=EXP if index % 2 else PROD,
        )
        cards.append(
            Card(
                board=board,
                column=columns[index % 3],
                initiative=initiative,
                rank=f"m{index:04}",
            )
        )
    Card.objects.bulk_create(cards)
    events = []
    for card in Card.objects.filter(board=board):
        events += [
            CardEvent.of(card, verb="created", to_column="Idea", at=T),
            CardEvent.of(card, verb="moved", to_column="Scoping", at=T + DAY),
            CardEvent.of(
                card, verb="moved", to_column="Experimentation", at=T + 3 * DAY
            ),
        ]
    CardEvent.objects.bulk_create(events)
    return team


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("team_filter", [False, True])
def test_query_count_is_the_same_at_10_and_200_initiatives(manager, key, team_filter):
    build_chart = CHARTS[key].build
    counts = []
    for size in (10, 200):
        team = build(size)
        filters = DashboardFilters(team.pk if team_filter else None, *RANGE)
        with CaptureQueriesContext(connection) as queries:
            chart = build_chart(filters=filters, viewer=manager)
        assert chart.rows  # the data is really there
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


# Who sees them -------------------------------------------------------------------


@pytest.mark.usefixtures("mix", "history", "boards")
def test_managers_page_shows_the_charts_and_stakeholders_page_does_not(client_as):
    keys = [c.key for c in client_as("manager").get("/dashboard/").context["charts"]]
    assert [key for key in keys if key in KEYS] == list(KEYS)
    response = client_as("stakeholder").get("/dashboard/")
    assert not {c.key for c in response.context["charts"]} & set(KEYS)

"""Board reads: filters, swimlanes, totals against shown cards, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teamhub.core.models import User
from teamhub.initiatives.models import (
    Assignment,
    Board,
    Initiative,
    Label,
    Pathway,
    PipelineOwner,
    Stage,
    Swimlanes,
    ValueCheckIn,
)
from teamhub.initiatives.selectors_boards import (
    CardFilters,
    board_detail,
    board_list,
    board_people,
    board_version,
    card_history,
)
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_move
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
)
from tests.integrations.test_identities import make_event

pytestmark = pytest.mark.django_db


def shown_keys(detail) -> list[str]:
    return sorted(
        card.card.initiative.key for column in detail.columns for card in column.cards
    )


@pytest.fixture
def world(manager: User):
    """Four initiatives that differ in every filterable way, on one board."""
    vision, fraud = TeamFactory(name="Vision"), TeamFactory(name="Fraud")
    ada, bob = PersonFactory(team=vision), PersonFactory(team=fraud)
    nlp = Label.objects.create(name="NLP")
    one = InitiativeFactory(
        key="CV-1",
        title="Shelf detection",
        team=vision,
        owner=ada,
        stage=Stage.IDEA,
        mission_criticality=1,
    )
    two = InitiativeFactory(
        key="CV-2",
        title="Damage triage",
        summary="Claims photos",
        team=vision,
        owner=bob,
        stage=Stage.SCOPING,
        mission_criticality=3,
        pathway=Pathway.PRODUCTION,
    )
    three = InitiativeFactory(
        key="FRD-1",
        title="Card fraud",
        business_kpi="Fraud loss",
        team=fraud,
        owner=bob,
        stage=Stage.SCOPING,
        mission_criticality=4,
        pipeline_owner=PipelineOwner.ENGINEERING,
    )
    four = InitiativeFactory(
        key="FRD-2", title="Mule accounts", team=None, stage=Stage.RETIRED
    )
    two.labels.add(nlp)
    AssignmentFactory(person=ada, initiative=three, allocation=60)
    AssignmentFactory(person=ada, initiative=four, status="finished", end=four.start)
    board = board_create(actor=manager, name="All")
    return {
        "board": board,
        "teams": (vision, fraud),
        "people": (ada, bob),
        "label": nlp,
        "initiatives": (one, two, three, four),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["CV-1", "CV-2", "FRD-1", "FRD-2"]),
        ({"team": "vision"}, ["CV-1", "CV-2"]),
        ({"owner": "bob"}, ["CV-2", "FRD-1"]),
        # owner or a current member; a finished assignment does not count
        ({"person": "ada"}, ["CV-1", "FRD-1"]),
        ({"label": "nlp"}, ["CV-2"]),
        ({"criticality": 4}, ["FRD-1"]),
        ({"pathway": Pathway.PRODUCTION}, ["CV-2"]),
        ({"q": "fraud"}, ["FRD-1"]),  # title and KPI
        ({"q": "photos"}, ["CV-2"]),  # summary
        ({"q": "frd-2"}, ["FRD-2"]),  # key, any case
        ({"q": "   "}, ["CV-1", "CV-2", "FRD-1", "FRD-2"]),
        ({"team": "vision", "criticality": 3}, ["CV-2"]),
        ({"team": "fraud", "q": "vision"}, []),
    ],
)
def test_board_detail_filters(world, filters, expected):
    vision, fraud = world["teams"]
    ada, bob = world["people"]
    ids = {
        "vision": vision.pk,
        "fraud": fraud.pk,
        "ada": ada.pk,
        "bob": bob.pk,
        "nlp": world["label"].pk,
    }
    named = {"team", "owner", "person", "label"}
    given = {k: ids[v] if k in named else v for k, v in filters.items()}
    detail = board_detail(board_id=world["board"].pk, filters=CardFilters(**given))
    assert shown_keys(detail) == expected
    assert detail.filters.active == bool(
        [v for v in filters.values() if str(v).strip()]
    )


def test_totals_count_every_card_while_shown_counts_the_filtered(world):
    vision, _ = world["teams"]
    detail = board_detail(
        board_id=world["board"].pk, filters=CardFilters(team=vision.pk)
    )
    assert (detail.total, detail.shown) == (4, 2)
    scoping = next(c for c in detail.columns if c.column.stage == Stage.SCOPING)
    assert scoping.total == 2
    assert [card.card.initiative.key for card in scoping.cards] == ["CV-2"]


def test_columns_come_in_position_order_with_their_gates(world):
    detail = board_detail(board_id=world["board"].pk)
    assert [c.column.stage for c in detail.columns] == list(Stage.values)
    deployment = detail.columns[4]
    assert sorted(gate.rule for gate in deployment.gates) == [
        "hardening_for_critical",
        "kpi_required",
    ]


def test_cards_show_members_trends_and_the_hardening_candidate(world, manager):
    one, _, three, four = world["initiatives"]
    today = timezone.localdate()
    for months, value in ((14, 1.0), (4, 2.0), (3, 3.0), (2, 4.0), (1, 5.0)):
        ValueCheckIn.objects.create(
            initiative=one,
            at=today - dt.timedelta(days=30 * months),
            business_value=value,
            model_metric=None if value == 3.0 else value / 10,
        )
    detail = board_detail(board_id=world["board"].pk)
    cards = {c.card.initiative.key: c for col in detail.columns for c in col.cards}
    # The check-in older than a year is left out of the sparkline.
    assert cards["CV-1"].business_values == [2.0, 3.0, 4.0, 5.0]
    assert cards["CV-1"].model_metrics == [0.2, 0.4, 0.5]
    assert "rose" in cards["CV-1"].hardening
    assert "criticality 4" in cards["FRD-1"].hardening
    assert cards["CV-2"].hardening is None  # production pathway
    assert [m.person.pk for m in cards["FRD-1"].members] == [world["people"][0].pk]
    assert [m.person.name for m in cards["FRD-1"].members] == [world["people"][0].name]
    assert cards["FRD-2"].members == []  # finished assignments are history
    assert cards["CV-1"].signoff is None and cards["CV-1"].activity is None
    assert three.pk and four.pk


@pytest.mark.parametrize(
    ("swimlanes", "lanes", "placed"),
    [
        ("", [""], {"CV-1": "", "FRD-1": ""}),
        (Swimlanes.CRITICALITY, ["4", "3", "2", "1"], {"CV-1": "1", "FRD-1": "4"}),
        (
            Swimlanes.PIPELINE_OWNER,
            ["data_science", "engineering"],
            {"CV-1": "data_science", "FRD-1": "engineering"},
        ),
    ],
)
def test_lanes(world, manager, swimlanes, lanes, placed):
    Board.objects.filter(pk=world["board"].pk).update(swimlanes=swimlanes)
    detail = board_detail(board_id=world["board"].pk)
    assert [lane.key for lane in detail.lanes] == lanes
    cards = {c.card.initiative.key: c for col in detail.columns for c in col.cards}
    for key, lane in placed.items():
        assert cards[key].lane == lane
    rows = detail.lane_rows()
    assert sum(row.count for row in rows) == 4
    assert all(len(row.cells) == 8 for row in rows)


def test_team_lanes_list_the_teams_on_the_board_and_no_team(world):
    vision, fraud = world["teams"]
    TeamFactory(name="Elsewhere")  # has no card on the board: no lane
    Board.objects.filter(pk=world["board"].pk).update(swimlanes=Swimlanes.TEAM)
    detail = board_detail(board_id=world["board"].pk)
    assert [lane.label for lane in detail.lanes] == ["Fraud", "Vision", "No team"]
    counts = {row.lane.key: row.count for row in detail.lane_rows()}
    assert counts == {str(fraud.pk): 1, str(vision.pk): 2, "": 1}


def test_board_list_counts_columns_and_cards(world, manager):
    board_create(actor=manager, name="Empty", include_initiatives=False)
    rows = {b.name: (b.column_count, b.card_count) for b in board_list()}
    assert rows == {"All": (8, 4), "Empty": (8, 0)}


def test_board_version_and_card_history(world, manager):
    board = world["board"]
    assert board_version(board.pk) == board.version
    assert board_version(10**9) is None
    card = board.cards.get(initiative__key="CV-1")
    card_move(
        actor=manager,
        card=card,
        column=board.columns.get(stage=Stage.SCOPING),
        version=1,
    )
    assert board_version(board.pk) == board.version + 1
    history = list(card_history(card))
    assert [event.verb for event in history] == ["moved", "created"]
    assert history[0].actor == manager


# Query counts ------------------------------------------------------------------


def build_board(manager: User, cards: int, swimlanes: str) -> Board:
    """A board with ``cards`` initiatives, each with labels, members and check-ins."""
    team = TeamFactory()
    people = [PersonFactory(team=team) for _ in range(5)]
    labels = [Label.objects.create(name=f"L{cards}-{i}") for i in range(3)]
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            key=f"Q{cards}-{i}",
            title=f"Card {i}",
            team=team,
            owner=people[i % 5],
            stage=Stage.values[i % 8],
            mission_criticality=1 + i % 4,
        )
        for i in range(cards)
    )
    Initiative.labels.through.objects.bulk_create(
        Initiative.labels.through(initiative=initiative, label=labels[i % 3])
        for i, initiative in enumerate(initiatives)
    )
    start = dt.date(2026, 1, 1)
    Assignment.objects.bulk_create(
        Assignment(
            person=people[(i + k) % 5],
            initiative=initiative,
            role="DS",
            allocation=50,
            start=start,
        )
        for i, initiative in enumerate(initiatives)
        for k in range(2)
    )
    today = timezone.localdate()
    ValueCheckIn.objects.bulk_create(
        ValueCheckIn(
            initiative=initiative,
            at=today - dt.timedelta(days=30 * m),
            business_value=float(m),
            model_metric=0.7,
        )
        for initiative in initiatives
        for m in range(3)
    )
    return board_create(
        actor=manager, name=f"Board {cards}", team=team, swimlanes=swimlanes
    )


@pytest.mark.parametrize("swimlanes", ["", Swimlanes.TEAM])
def test_board_detail_runs_the_same_queries_for_20_and_300_cards(
    manager, django_assert_max_num_queries, swimlanes
):
    counts = []
    for size in (20, 300):
        board = build_board(manager, size, swimlanes)
        filters = CardFilters(person=board.cards.first().initiative.owner_id)
        with CaptureQueriesContext(connection) as everything:
            detail = board_detail(board_id=board.pk)
            rows = detail.lane_rows()
            for column in detail.columns:
                for card in column.cards:
                    # What a page reads of every card.
                    str(card.card.initiative.owner.user.get_full_name())
                    str(card.card.initiative.team)
                    [label.name for label in card.card.initiative.labels.all()]
                    [(m.person.name, m.allocation) for m in card.members]
        with CaptureQueriesContext(connection) as filtered:
            board_detail(board_id=board.pk, filters=filters)
        assert detail.shown == size
        assert sum(row.count for row in rows) == size
        counts.append((len(everything), len(filtered)))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(11):
        board_detail(board_id=board.pk)


def test_board_people_are_the_owners_and_current_members_of_its_cards(world):
    ada, bob = world["people"]
    PersonFactory()  # not on the board
    leaver = PersonFactory()
    AssignmentFactory(
        person=leaver,
        initiative=world["initiatives"][0],
        status="finished",
        end=world["initiatives"][0].start,
    )
    people = board_people(board_id=world["board"].pk)
    assert people == sorted(
        [(ada.pk, ada.name), (bob.pk, bob.name)], key=lambda p: p[1].casefold()
    )


def test_board_people_takes_three_queries(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        board_people(board_id=world["board"].pk)


def test_cards_count_the_initiatives_activity_of_the_last_30_days(world):
    one, two, *_ = world["initiatives"]
    now = timezone.now()
    for days in (1, 5, 29):
        make_event(initiative=one, occurred_at=now - dt.timedelta(days=days))
    make_event(initiative=one, occurred_at=now - dt.timedelta(days=45))  # too old
    make_event(initiative=one, orphaned=True)  # rewritten history
    make_event(initiative=two, occurred_at=now - dt.timedelta(days=2))

    detail = board_detail(board_id=world["board"].pk)

    cards = {c.card.initiative.key: c for col in detail.columns for c in col.cards}
    assert cards["CV-1"].activity == 3
    assert cards["CV-2"].activity == 1
    assert cards["FRD-1"].activity is None  # nothing recent: the card shows "—"

"""Board writes: the ML lifecycle template, columns, WIP limits, gates, deletion."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent, User
from teamhub.initiatives.models import (
    Board,
    Card,
    CardEvent,
    Column,
    ColumnGate,
    GateRule,
    Initiative,
    Stage,
    Swimlanes,
)
from teamhub.initiatives.services_boards import (
    BoardTemplate,
    board_create,
    board_delete,
    board_update,
    column_add,
    column_gate_remove,
    column_gate_set,
    column_remove,
    column_update,
    columns_reorder,
)
from teamhub.initiatives.services_cards import card_add
from tests.factories import InitiativeFactory, TeamFactory

pytestmark = pytest.mark.django_db

STAGE_NAMES = [
    "Idea",
    "Scoping",
    "Data & EDA",
    "Experimentation",
    "Deployment",
    "Monitoring",
    "Iteration",
    "Retired",
]


def names(board: Board) -> list[str]:
    return list(board.columns.order_by("position").values_list("name", flat=True))


def keys(column: Column) -> list[str]:
    return list(
        Card.objects.filter(column=column)
        .order_by("rank", "id")
        .values_list("initiative__key", flat=True)
    )


def version(board: Board) -> int:
    return Board.objects.get(pk=board.pk).version


@pytest.fixture
def board(manager: User) -> Board:
    return board_create(actor=manager, name="Board", include_initiatives=False)


# Creating from the template ----------------------------------------------------


def test_board_create_builds_the_ml_lifecycle_with_its_gates(manager):
    board = board_create(actor=manager, name="  Fraud board ", description="Ours")
    assert board.name == "Fraud board"
    assert names(board) == STAGE_NAMES
    assert list(board.columns.values_list("position", flat=True)) == list(range(8))
    assert list(board.columns.values_list("stage", flat=True)) == list(Stage.values)
    gates = {
        (gate.column.stage, gate.rule): gate.active
        for gate in ColumnGate.objects.filter(column__board=board)
    }
    assert gates == {
        (Stage.DATA_EDA, GateRule.OWNER_REQUIRED): True,
        (Stage.EXPERIMENTATION, GateRule.APPROVED_REQUIREMENTS): False,
        (Stage.DEPLOYMENT, GateRule.KPI_REQUIRED): True,
        (Stage.DEPLOYMENT, GateRule.HARDENING_FOR_CRITICAL): True,
    }
    assert board.created_by == manager
    assert AuditEvent.objects.get(verb="board.created").data["template"] == (
        BoardTemplate.ML_LIFECYCLE
    )


def test_a_team_board_takes_the_team_initiatives_by_stage_in_key_order(manager):
    fraud, vision = TeamFactory(name="Fraud"), TeamFactory(name="Vision")
    InitiativeFactory(key="FRD-2", team=fraud, stage=Stage.SCOPING)
    InitiativeFactory(key="FRD-1", team=fraud, stage=Stage.SCOPING)
    InitiativeFactory(key="FRD-3", team=fraud, stage=Stage.RETIRED)
    InitiativeFactory(key="CV-1", team=vision, stage=Stage.SCOPING)

    board = board_create(actor=manager, name="Fraud", team=fraud)

    assert keys(board.columns.get(stage=Stage.SCOPING)) == ["FRD-1", "FRD-2"]
    assert keys(board.columns.get(stage=Stage.RETIRED)) == ["FRD-3"]
    assert board.cards.count() == 3
    assert CardEvent.objects.filter(verb="created", card__board=board).count() == 3
    assert AuditEvent.objects.get(verb="board.created").data["cards"] == 3


def test_a_portfolio_board_takes_every_initiative(manager):
    for stage in Stage.values:
        InitiativeFactory(stage=stage)
    InitiativeFactory(team=None, stage=Stage.IDEA)
    board = board_create(
        actor=manager, name="Portfolio", swimlanes=Swimlanes.CRITICALITY
    )
    assert board.team is None
    assert board.cards.count() == Initiative.objects.count() == 9
    for column in board.columns.all():
        assert {card.initiative.stage for card in column.cards.all()} == {column.stage}


def test_an_empty_template_has_no_columns_and_no_cards(manager):
    InitiativeFactory()
    board = board_create(actor=manager, name="Blank", template=BoardTemplate.EMPTY)
    assert names(board) == []
    assert not board.cards.exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"template": "scrum"}, "template"),
        ({"swimlanes": "colour"}, "swimlanes"),
    ],
)
def test_board_create_refuses_bad_input_and_writes_nothing(manager, kw, field):
    kw = {"name": "Board", **kw}
    with pytest.raises(ValidationError) as error:
        board_create(actor=manager, **kw)
    assert field in error.value.message_dict
    assert not Board.objects.exists()
    assert not Column.objects.exists()


# Board changes -----------------------------------------------------------------


def test_board_update_changes_fields_and_bumps_the_version(manager, board):
    team = TeamFactory()
    board_update(
        actor=manager, board=board, name="Renamed", team=team, swimlanes="team"
    )
    board.refresh_from_db()
    assert (board.name, board.team, board.swimlanes, board.version) == (
        "Renamed",
        team,
        Swimlanes.TEAM,
        2,
    )
    board_update(actor=manager, board=board, name="Renamed")  # no change
    assert version(board) == 2
    with pytest.raises(ValidationError):
        board_update(actor=manager, board=board, swimlanes="colour")
    with pytest.raises(ValidationError):
        board_update(actor=manager, board=board, name=" ")
    board.refresh_from_db()
    assert (board.name, board.swimlanes) == ("Renamed", Swimlanes.TEAM)


def test_board_delete_refuses_a_board_with_cards(manager, board):
    card_add(actor=manager, board=board, initiative=InitiativeFactory())
    with pytest.raises(Conflict, match="still holds 1 cards") as error:
        board_delete(actor=manager, board=board)
    assert error.value.extra == {"cards": 1}
    assert Board.objects.filter(pk=board.pk).exists()
    assert Card.objects.count() == 1


def test_board_delete_removes_an_empty_board(manager, board):
    board_delete(actor=manager, board=board)
    assert not Board.objects.exists()
    assert not Column.objects.exists()
    assert AuditEvent.objects.filter(verb="board.deleted").exists()


# Columns -----------------------------------------------------------------------


def test_column_add_inserts_at_a_position_and_renumbers(manager, board):
    before = version(board)
    column_add(actor=manager, board=board, name="Review", position=1)
    column_add(actor=manager, board=board, name="Archive")
    column_add(actor=manager, board=board, name="Far", position=99)
    assert names(board)[:3] == ["Idea", "Review", "Scoping"]
    assert names(board)[-2:] == ["Archive", "Far"]
    positions = list(board.columns.values_list("position", flat=True))
    assert positions == list(range(11))
    assert version(board) == before + 3


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": ""}, "name"),
        ({"wip_limit": 0}, "wip_limit"),
        ({"stage": "shipping"}, "stage"),
        ({"position": -1}, "position"),
    ],
)
def test_column_add_refuses_bad_input(manager, board, kw, field):
    kw = {"name": "New", **kw}
    with pytest.raises(ValidationError) as error:
        column_add(actor=manager, board=board, **kw)
    assert field in error.value.message_dict
    assert names(board) == STAGE_NAMES


def test_column_update_renames_and_sets_the_wip_limit(manager, board):
    idea = board.columns.get(stage=Stage.IDEA)
    column_update(actor=manager, column=idea, name="Ideas", wip_limit=5, wip_hard=True)
    idea.refresh_from_db()
    assert (idea.name, idea.wip_limit, idea.wip_hard) == ("Ideas", 5, True)
    column_update(actor=manager, column=idea, wip_limit=None)
    idea.refresh_from_db()
    assert idea.wip_limit is None
    with pytest.raises(ValidationError) as error:
        column_update(actor=manager, column=idea, wip_limit=0)
    assert "wip_limit" in error.value.message_dict
    with pytest.raises(ValidationError):
        column_update(actor=manager, column=idea, stage="shipping")


def test_columns_reorder_takes_every_column_once(manager, board):
    ids = list(board.columns.values_list("pk", flat=True))
    columns_reorder(actor=manager, board=board, order=ids[::-1])
    assert names(board) == STAGE_NAMES[::-1]
    for bad in (ids[:-1], [*ids, ids[0]], [*ids[:-1], 10**9]):
        with pytest.raises(ValidationError) as error:
            columns_reorder(actor=manager, board=board, order=bad)
        assert "order" in error.value.message_dict
    assert names(board) == STAGE_NAMES[::-1]


def test_column_remove_moves_its_cards_in_order_to_the_chosen_column(manager, board):
    scoping = board.columns.get(stage=Stage.SCOPING)
    retired = board.columns.get(stage=Stage.RETIRED)
    for key in ("A-1", "A-2", "A-3"):
        card_add(
            actor=manager,
            board=board,
            initiative=InitiativeFactory(key=key, stage=Stage.SCOPING),
        )
    card_add(
        actor=manager,
        board=board,
        initiative=InitiativeFactory(key="R-1", stage=Stage.RETIRED),
    )
    before = version(board)

    moved = column_remove(actor=manager, column=scoping, move_cards_to=retired)

    assert moved == 3
    assert keys(retired) == ["R-1", "A-1", "A-2", "A-3"]
    assert "Scoping" not in names(board)
    assert list(board.columns.values_list("position", flat=True)) == list(range(7))
    assert Card.objects.count() == 4
    assert set(Card.objects.values_list("version", flat=True)) == {1, 2}
    events = CardEvent.objects.filter(verb="moved")
    assert {(e.from_column, e.to_column) for e in events} == {("Scoping", "Retired")}
    assert events.count() == 3
    assert set(Initiative.objects.values_list("stage", flat=True)) == {Stage.RETIRED}
    assert version(board) == before + 1
    assert AuditEvent.objects.get(verb="column.removed").data["cards_moved"] == 3


def test_column_remove_without_a_target_is_refused_while_it_holds_cards(manager, board):
    scoping = board.columns.get(stage=Stage.SCOPING)
    card_add(
        actor=manager, board=board, initiative=InitiativeFactory(stage=Stage.SCOPING)
    )
    other = board_create(actor=manager, name="Other", include_initiatives=False)
    for target in (None, scoping, other.columns.first()):
        with pytest.raises(ValidationError) as error:
            column_remove(actor=manager, column=scoping, move_cards_to=target)
        assert "move_cards_to" in error.value.message_dict
    assert Card.objects.get().column == scoping
    assert names(board) == STAGE_NAMES


def test_an_empty_column_is_removed_without_a_target(manager, board):
    assert column_remove(actor=manager, column=board.columns.get(stage="idea")) == 0
    assert names(board) == STAGE_NAMES[1:]


def test_the_last_column_is_kept(manager):
    board = board_create(actor=manager, name="B", template=BoardTemplate.EMPTY)
    only = column_add(actor=manager, board=board, name="Only")
    with pytest.raises(Conflict, match="at least one column"):
        column_remove(actor=manager, column=only)
    assert board.columns.count() == 1


def test_gates_are_set_changed_and_removed(manager, board):
    deployment = board.columns.get(stage=Stage.DEPLOYMENT)
    gate = column_gate_set(
        actor=manager,
        column=deployment,
        rule=GateRule.HARDENING_FOR_CRITICAL,
        min_criticality=4,
        active=False,
    )
    assert (gate.min_criticality, gate.active) == (4, False)
    assert deployment.gates.count() == 2  # changed, not duplicated
    with pytest.raises(ValidationError):
        column_gate_set(actor=manager, column=deployment, rule="no_fridays")
    with pytest.raises(ValidationError):
        column_gate_set(
            actor=manager, column=deployment, rule="owner_required", min_criticality=5
        )
    column_gate_remove(actor=manager, gate=gate)
    assert list(deployment.gates.values_list("rule", flat=True)) == ["kpi_required"]
    assert AuditEvent.objects.filter(verb__startswith="gate.").count() == 2


# Permissions -------------------------------------------------------------------


def column_ids(board: Board) -> list[int]:
    return list(board.columns.values_list("pk", flat=True))


def structure_changes(board: Board) -> list[tuple[str, Any]]:
    """Every board-structure service, ready to call with an actor."""
    idea = board.columns.get(stage=Stage.IDEA)
    gate = ColumnGate.objects.filter(column__board=board).first()
    return [
        ("board_create", lambda a: board_create(actor=a, name="New")),
        ("board_update", lambda a: board_update(actor=a, board=board, name="X")),
        ("column_add", lambda a: column_add(actor=a, board=board, name="X")),
        ("column_update", lambda a: column_update(actor=a, column=idea, name="X")),
        (
            "columns_reorder",
            lambda a: columns_reorder(actor=a, board=board, order=column_ids(board)),
        ),
        (
            "column_gate_set",
            lambda a: column_gate_set(actor=a, column=idea, rule="owner_required"),
        ),
        ("column_gate_remove", lambda a: column_gate_remove(actor=a, gate=gate)),
        ("column_remove", lambda a: column_remove(actor=a, column=idea)),
        ("board_delete", lambda a: board_delete(actor=a, board=board)),
    ]


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder", None])
def test_only_managers_and_admins_change_board_structure(
    manager, board, make_user, role
):
    actor = make_user(role)
    before = (version(board), names(board), ColumnGate.objects.count())
    for name, change in structure_changes(board):
        with pytest.raises(PermissionDenied):
            change(actor)
        assert (version(board), names(board), ColumnGate.objects.count()) == before, (
            name
        )
    assert Board.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_change_board_structure(board, make_user, role):
    actor = make_user(role)
    for _, change in structure_changes(board):
        change(actor)
    assert not Board.objects.filter(pk=board.pk).exists()
    assert Board.objects.filter(name="New").exists()


def test_board_create_places_the_given_initiatives_only(manager):
    team = TeamFactory()
    chosen = [
        InitiativeFactory(key="B-2", team=team, stage=Stage.IDEA),
        InitiativeFactory(key="B-1", team=None, stage=Stage.IDEA),
    ]
    InitiativeFactory(key="B-3", team=team, stage=Stage.IDEA)
    board = board_create(actor=manager, name="Picked", team=team, initiatives=chosen)
    assert keys(board.columns.get(stage=Stage.IDEA)) == ["B-1", "B-2"]


# Removing a column moves its cards as if each were moved: WIP limits and gates --


def scoping_cards(manager: User, board: Board, *initiatives: Initiative) -> Column:
    for initiative in initiatives:
        card_add(actor=manager, board=board, initiative=initiative)
    return board.columns.get(stage=Stage.SCOPING)


def nothing_moved(board: Board, scoping: Column, before: int) -> None:
    assert Column.objects.filter(pk=scoping.pk).exists()
    assert names(board) == STAGE_NAMES
    assert not CardEvent.objects.filter(verb="moved").exists()
    assert not AuditEvent.objects.filter(verb="column.removed").exists()
    assert version(board) == before


def test_column_remove_is_refused_when_a_gate_refuses_a_card(manager, board):
    eda = board.columns.get(stage=Stage.DATA_EDA)  # its gate: an owner
    scoping = scoping_cards(
        manager,
        board,
        InitiativeFactory(key="OK-1", stage=Stage.SCOPING, owner=manager.person),
        InitiativeFactory(key="NO-1", stage=Stage.SCOPING, owner=None),
    )
    before = version(board)

    with pytest.raises(Conflict) as refused:
        column_remove(actor=manager, column=scoping, move_cards_to=eda)

    assert refused.value.extra["reasons"] == [
        "Entering “Data & EDA” needs an owner for NO-1."
    ]
    assert "Not every card may enter “Data & EDA”" in refused.value.detail
    assert keys(scoping) == ["OK-1", "NO-1"]
    nothing_moved(board, scoping, before)


def test_the_approved_requirements_gate_is_checked_in_a_fixed_number_of_queries(
    manager, board
):
    experimentation = board.columns.get(stage=Stage.EXPERIMENTATION)
    column_gate_set(
        actor=manager, column=experimentation, rule=GateRule.APPROVED_REQUIREMENTS
    )

    def refusals(count: int) -> tuple[int, int]:
        initiatives = [InitiativeFactory(stage=Stage.SCOPING) for _ in range(count)]
        scoping = scoping_cards(manager, board, *initiatives)
        with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as e:
            column_remove(actor=manager, column=scoping, move_cards_to=experimentation)
        Card.objects.filter(column=scoping).delete()
        return len(e.value.extra["reasons"]), len(queries)

    few, many = refusals(2), refusals(12)
    assert (few[0], many[0]) == (2, 12)  # every card named
    assert few[1] == many[1]


def test_column_remove_is_refused_over_a_hard_wip_limit(manager, board):
    eda = board.columns.get(stage=Stage.DATA_EDA)
    column_update(actor=manager, column=eda, wip_limit=3, wip_hard=True)
    card_add(
        actor=manager,
        board=board,
        initiative=InitiativeFactory(stage=Stage.DATA_EDA, owner=manager.person),
    )
    scoping = scoping_cards(
        manager,
        board,
        *[
            InitiativeFactory(stage=Stage.SCOPING, owner=manager.person)
            for _ in range(3)
        ],
    )
    before = version(board)

    with pytest.raises(Conflict, match="would hold 4 cards, over its WIP limit of 3"):
        column_remove(actor=manager, column=scoping, move_cards_to=eda)

    assert len(keys(scoping)) == 3
    nothing_moved(board, scoping, before)


def test_column_remove_over_a_soft_wip_limit_moves_and_says_so(manager, board):
    eda = board.columns.get(stage=Stage.DATA_EDA)
    column_update(actor=manager, column=eda, wip_limit=1, wip_hard=False)
    scoping = scoping_cards(
        manager,
        board,
        *[
            InitiativeFactory(stage=Stage.SCOPING, owner=manager.person)
            for _ in range(2)
        ],
    )

    assert column_remove(actor=manager, column=scoping, move_cards_to=eda) == 2

    warning = "“Data & EDA” would hold 2 cards, over its WIP limit of 1."
    assert AuditEvent.objects.get(verb="column.removed").data["warnings"] == [warning]
    events = CardEvent.objects.filter(verb="moved")
    assert [event.data["warnings"] for event in events] == [[warning], [warning]]

"""The board settings page: who may, each small form, and that nothing is lost."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import (
    Board,
    Card,
    CardEvent,
    Column,
    ColumnGate,
    GateRule,
    Initiative,
)
from teamhub.initiatives.services_boards import board_create, column_add
from teamhub.initiatives.services_cards import card_add, card_move
from tests.conftest import ROLES
from tests.factories import InitiativeFactory, TeamFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = None
STAGES = [
    "Idea",
    "Scoping",
    "Data & EDA",
    "Experimentation",
    "Deployment",
    "Monitoring",
    "Iteration",
    "Retired",
]


@pytest.fixture
def board(manager) -> Board:
    return board_create(actor=manager, name="Vision", include_initiatives=False)


def columns(board: Board) -> list[Column]:
    return list(Column.objects.filter(board=board).order_by("position"))


def column_named(board: Board, name: str) -> Column:
    return Column.objects.get(board=board, name=name)


def fill(board: Board, manager, name: str, count: int) -> list[Card]:
    column = column_named(board, name)
    return [
        card_add(
            actor=manager, board=board, initiative=InitiativeFactory(), column=column
        )
        for _ in range(count)
    ]


def settings_url(board: Board) -> str:
    return reverse("initiatives:board_settings", args=[board.pk])


def action(name: str, board: Board, column: Column | None = None) -> str:
    args = [board.pk] if column is None else [board.pk, column.pk]
    return reverse(f"initiatives:{name}", args=args)


# Permissions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Board], tuple[str, dict[str, Any]]]

    def __str__(self) -> str:
        return self.name


CASES = [
    Case(
        "board update",
        lambda b: (
            action("board_settings_update", b),
            {"name": "Renamed", "swimlanes": "criticality"},
        ),
    ),
    Case(
        "column add",
        lambda b: (action("board_column_add", b), {"name": "QA", "position": "8"}),
    ),
    Case(
        "column update",
        lambda b: (
            action("board_column_update", b, columns(b)[0]),
            {"name": "Ideas", "stage": "idea", "wip_limit": "4"},
        ),
    ),
    Case(
        "column move",
        lambda b: (
            action("board_column_move", b, columns(b)[0]),
            {"direction": "down"},
        ),
    ),
    Case(
        "column remove",
        lambda b: (action("board_column_remove", b, columns(b)[-1]), {}),
    ),
    Case(
        "column gates",
        lambda b: (
            action("board_column_gates", b, columns(b)[0]),
            {"owner_required": "on", "min_criticality": "3"},
        ),
    ),
    Case(
        "board delete",
        lambda b: (action("board_delete", b), {"confirm": "on"}),
    ),
]
MANAGERS = {"manager", "admin"}


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
def test_settings_page_is_for_managers(client_as, board, role):
    response = client_as(role).get(settings_url(board))
    if role is ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == (200 if role in MANAGERS else 403)


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_settings_actions_permission_matrix(client_as, board, case, role):
    path, data = case.setup(board)
    events = AuditEvent.objects.count()
    response = client_as(role).post(path, data)
    if role is ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role in MANAGERS:
        assert response.status_code == 302
        assert AuditEvent.objects.count() > events
        return
    else:
        assert response.status_code == 403
    assert AuditEvent.objects.count() == events
    assert [c.name for c in columns(board)] == STAGES
    assert Board.objects.get(pk=board.pk).name == "Vision"


def test_page_lists_columns_in_order_with_wip_and_gates(client_as, board, manager):
    fill(board, manager, "Scoping", 2)
    html = client_as("manager").get(settings_url(board)).content.decode()
    positions = [html.index(f'id="column-{c.pk}"') for c in columns(board)]
    assert positions == sorted(positions)
    deployment = column_named(board, "Deployment")
    block = html[html.index(f'id="column-{deployment.pk}"') :]
    block = block[: block.index("</article>")]
    assert 'name="kpi_required" class="form-check-input" id' in block
    assert re.search(r'name="kpi_required"[^>]*checked', block)
    assert re.search(r'name="hardening_for_critical"[^>]*checked', block)
    assert not re.search(r'name="owner_required"[^>]*checked', block)
    assert "The initiative has an owner" in block
    scoping = column_named(board, "Scoping")
    block = html[html.index(f'id="column-{scoping.pk}"') :]
    assert "2 cards" in block[: block.index("</article>")]
    assert 'data-testid="delete-blocked"' in html


def test_unknown_board_or_foreign_column_is_404(client_as, board, manager):
    client = client_as("manager")
    assert client.get("/boards/999999/settings/").status_code == 404
    other = board_create(actor=manager, name="Other", include_initiatives=False)
    response = client.post(
        action("board_column_update", board, columns(other)[0]), {"name": "Stolen"}
    )
    assert response.status_code == 404
    assert columns(other)[0].name == "Idea"


# Board --------------------------------------------------------------------------------


def test_board_update_saves_name_team_description_and_swimlanes(client_as, board):
    team = TeamFactory(name="Vision team")
    response = client_as("manager").post(
        action("board_settings_update", board),
        {
            "name": "Vision 2027",
            "team": team.pk,
            "description": "Camera models",
            "swimlanes": "pipeline_owner",
        },
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert (board.name, board.team, board.description, board.swimlanes) == (
        "Vision 2027",
        team,
        "Camera models",
        "pipeline_owner",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "swimlanes": ""}, "name"),
        ({"name": "   ", "swimlanes": ""}, "name"),
        ({"name": "X", "swimlanes": "weekday"}, "swimlanes"),
        ({"name": "X", "team": "999999"}, "team"),
    ],
)
def test_bad_board_update_shows_the_error(client_as, board, data, field):
    response = client_as("manager").post(action("board_settings_update", board), data)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert Board.objects.get(pk=board.pk).name == "Vision"


# Columns ------------------------------------------------------------------------------


def test_column_update_renames_and_sets_a_hard_wip_limit(client_as, board):
    first = columns(board)[0]
    response = client_as("manager").post(
        action("board_column_update", board, first),
        {"name": "Ideas", "stage": "idea", "wip_limit": "3", "wip_hard": "on"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#column-{first.pk}")
    first.refresh_from_db()
    assert (first.name, first.wip_limit, first.wip_hard) == ("Ideas", 3, True)


def test_column_update_clears_the_wip_limit_and_stage(client_as, board):
    first = columns(board)[0]
    client_as("manager").post(
        action("board_column_update", board, first),
        {"name": "Ideas", "stage": "", "wip_limit": ""},
    )
    first.refresh_from_db()
    assert (first.stage, first.wip_limit, first.wip_hard) == ("", None, False)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "wip_limit": "3"}, "name"),
        ({"name": "Ideas", "wip_limit": "0"}, "wip_limit"),
        ({"name": "Ideas", "wip_limit": "-2"}, "wip_limit"),
        ({"name": "Ideas", "wip_limit": "many"}, "wip_limit"),
        ({"name": "Ideas", "stage": "party"}, "stage"),
    ],
)
def test_bad_column_update_shows_the_error_next_to_the_field(
    client_as, board, data, field
):
    first = columns(board)[0]
    response = client_as("manager").post(
        action("board_column_update", board, first), data
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="col{first.pk}_edit_{field}_error"' in html
    first.refresh_from_db()
    assert (first.name, first.wip_limit) == ("Idea", None)


def test_move_column_down_and_up(client_as, board):
    client = client_as("manager")
    idea = columns(board)[0]
    client.post(action("board_column_move", board, idea), {"direction": "down"})
    assert [c.name for c in columns(board)][:2] == ["Scoping", "Idea"]
    client.post(action("board_column_move", board, idea), {"direction": "up"})
    assert [c.name for c in columns(board)] == STAGES


@pytest.mark.parametrize(
    ("index", "direction"), [(0, "up"), (-1, "down"), (0, "sideways"), (0, "")]
)
def test_move_column_past_the_end_or_nowhere_is_refused(
    client_as, board, index, direction
):
    column = columns(board)[index]
    response = client_as("manager").post(
        action("board_column_move", board, column), {"direction": direction}
    )
    assert response.status_code == 400
    assert [c.name for c in columns(board)] == STAGES


def test_add_column_at_a_position(client_as, board):
    response = client_as("manager").post(
        action("board_column_add", board),
        {"name": "Review", "stage": "", "position": "2", "wip_limit": "2"},
    )
    assert response.status_code == 302
    names = [c.name for c in columns(board)]
    assert names[:4] == ["Idea", "Scoping", "Review", "Data & EDA"]
    assert column_named(board, "Review").wip_limit == 2


def test_add_column_at_the_end_by_default(client_as, board):
    html = client_as("manager").get(settings_url(board)).content.decode()
    assert '<option value="8" selected>At the end</option>' in html
    client_as("manager").post(
        action("board_column_add", board), {"name": "Archive", "position": "8"}
    )
    assert columns(board)[-1].name == "Archive"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "position": "0"}, "name"),
        ({"name": "X", "position": "99"}, "position"),
        ({"name": "X", "position": "8", "wip_limit": "0"}, "wip_limit"),
    ],
)
def test_bad_add_column_shows_the_error(client_as, board, data, field):
    response = client_as("manager").post(action("board_column_add", board), data)
    assert response.status_code == 400
    assert f'id="add_{field}_error"' in response.content.decode()
    assert len(columns(board)) == 8


# Removing a column --------------------------------------------------------------------


def test_removing_a_column_moves_every_card_and_loses_none(client_as, board, manager):
    scoping_cards = fill(board, manager, "Scoping", 5)
    fill(board, manager, "Idea", 2)
    scoping = column_named(board, "Scoping")
    idea = column_named(board, "Idea")
    before_ids = set(Card.objects.filter(board=board).values_list("pk", flat=True))
    client = client_as("manager")
    response = client.post(
        action("board_column_remove", board, scoping), {"move_cards_to": idea.pk}
    )
    assert response.status_code == 302
    assert not Column.objects.filter(pk=scoping.pk).exists()
    assert set(Card.objects.filter(board=board).values_list("pk", flat=True)) == (
        before_ids
    )
    moved = Card.objects.filter(pk__in=[c.pk for c in scoping_cards])
    assert {card.column_id for card in moved} == {idea.pk}
    # Moved cards go below the ones already there, in their old order.
    order = list(Card.objects.filter(column=idea).order_by("rank"))
    assert [c.pk for c in order[2:]] == [c.pk for c in scoping_cards]
    for card in scoping_cards:
        event = card.events.get(verb=CardEvent.Verb.MOVED)
        assert (event.from_column, event.to_column) == ("Scoping", "Idea")
        assert card.events.filter(verb=CardEvent.Verb.CREATED).exists()
    assert [c.position for c in columns(board)] == list(range(7))
    page = client.get(response["Location"]).content.decode()
    assert "its 5 cards moved to “Idea”" in page


def test_removing_a_column_with_cards_asks_where_they_go(client_as, board, manager):
    fill(board, manager, "Scoping", 3)
    scoping = column_named(board, "Scoping")
    html = client_as("manager").get(settings_url(board)).content.decode()
    block = html[html.index(f'id="column-{scoping.pk}"') :]
    block = block[block.index('data-testid="remove-form"') : block.index("</article>")]
    assert "Move its cards to" in block
    assert f'<option value="{scoping.pk}"' not in block  # not into itself
    assert f'<option value="{column_named(board, "Idea").pk}"' in block
    response = client_as("manager").post(action("board_column_remove", board, scoping))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="col{scoping.pk}_remove_move_cards_to_error"' in html
    assert "holds 3 cards" in html
    assert Column.objects.filter(pk=scoping.pk).exists()
    assert Card.objects.filter(column=scoping).count() == 3


def test_removing_into_a_column_of_another_board_is_refused(client_as, board, manager):
    fill(board, manager, "Scoping", 1)
    other = board_create(actor=manager, name="Other", include_initiatives=False)
    scoping = column_named(board, "Scoping")
    response = client_as("manager").post(
        action("board_column_remove", board, scoping),
        {"move_cards_to": columns(other)[0].pk},
    )
    assert response.status_code == 400
    assert Card.objects.filter(column=scoping).count() == 1


def test_removing_an_empty_column_needs_no_target(client_as, board):
    retired = column_named(board, "Retired")
    response = client_as("manager").post(action("board_column_remove", board, retired))
    assert response.status_code == 302
    assert [c.name for c in columns(board)] == STAGES[:-1]


def test_removing_a_column_into_a_gated_one_is_a_409_that_moves_nothing(
    client_as, board, manager
):
    card = card_add(
        actor=manager,
        board=board,
        initiative=InitiativeFactory(key="NO-1", owner=None),
        column=column_named(board, "Scoping"),
    )
    scoping, eda = column_named(board, "Scoping"), column_named(board, "Data & EDA")

    response = client_as("manager").post(
        action("board_column_remove", board, scoping), {"move_cards_to": eda.pk}
    )

    assert response.status_code == 409
    assert "Entering “Data &amp; EDA” needs an owner for NO-1." in (
        response.content.decode()
    )
    card.refresh_from_db()
    assert card.column == scoping
    assert [c.name for c in columns(board)] == STAGES


def test_removing_the_last_column_is_a_409(client_as, manager):
    board = board_create(
        actor=manager, name="Tiny", template="empty", include_initiatives=False
    )
    only = column_add(actor=manager, board=board, name="Only")
    response = client_as("manager").post(action("board_column_remove", board, only))
    assert response.status_code == 409
    assert "at least one column" in response.content.decode()
    assert Column.objects.filter(pk=only.pk).exists()


# Gates --------------------------------------------------------------------------------


def test_gates_set_on_the_page_take_effect_on_a_move(client_as, board, manager):
    client = client_as("manager")
    scoping = column_named(board, "Scoping")
    initiative = InitiativeFactory(owner=None)
    card = card_add(actor=manager, board=board, initiative=initiative)
    response = client.post(
        action("board_column_gates", board, scoping),
        {"owner_required": "on", "min_criticality": "3"},
    )
    assert response.status_code == 302
    with pytest.raises(Conflict) as refused:
        card_move(actor=manager, card=card, column=scoping, version=card.version)
    assert "needs an owner" in refused.value.detail
    card.refresh_from_db()
    assert card.column.name == "Idea"
    # Switched off again, the same move passes.
    client.post(action("board_column_gates", board, scoping), {"min_criticality": "3"})
    assert not ColumnGate.objects.filter(column=scoping).exists()
    card_move(actor=manager, card=card, column=scoping, version=card.version)
    card.refresh_from_db()
    assert card.column == scoping


def test_hardening_gate_threshold_from_the_page(client_as, board, manager):
    deployment = column_named(board, "Deployment")
    initiative = InitiativeFactory(
        mission_criticality=2, business_kpi="Revenue", kpi_target="+1 %"
    )
    card = card_add(actor=manager, board=board, initiative=initiative)
    # The template gate applies from criticality 3: a level-2 card may enter.
    client_as("manager").post(
        action("board_column_gates", board, deployment),
        {"kpi_required": "on", "hardening_for_critical": "on", "min_criticality": "2"},
    )
    gate = ColumnGate.objects.get(
        column=deployment, rule=GateRule.HARDENING_FOR_CRITICAL
    )
    assert (gate.min_criticality, gate.active) == (2, True)
    with pytest.raises(Conflict) as refused:
        card_move(actor=manager, card=card, column=deployment, version=card.version)
    assert "hardening plan" in refused.value.detail
    Initiative.objects.filter(pk=initiative.pk).update(hardening_plan="Spark rebuild")
    card_move(actor=manager, card=card, column=deployment, version=card.version)


def test_unchanged_gates_write_nothing(client_as, board):
    deployment = column_named(board, "Deployment")
    events = AuditEvent.objects.count()
    response = client_as("manager").post(
        action("board_column_gates", board, deployment),
        {"kpi_required": "on", "hardening_for_critical": "on", "min_criticality": "3"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.count() == events


def test_bad_gate_threshold_shows_the_error(client_as, board):
    first = columns(board)[0]
    response = client_as("manager").post(
        action("board_column_gates", board, first),
        {"owner_required": "on", "min_criticality": "7"},
    )
    assert response.status_code == 400
    assert f'id="col{first.pk}_gates_min_criticality_error"' in (
        response.content.decode()
    )
    assert not ColumnGate.objects.filter(column=first).exists()


# Deleting the board -------------------------------------------------------------------


def test_board_with_cards_cannot_be_deleted(client_as, board, manager):
    fill(board, manager, "Idea", 2)
    response = client_as("manager").post(
        action("board_delete", board), {"confirm": "on"}
    )
    assert response.status_code == 409
    assert "still holds 2 cards" in response.content.decode()
    assert Board.objects.filter(pk=board.pk).exists()


def test_board_delete_needs_the_confirmation(client_as, board):
    response = client_as("manager").post(action("board_delete", board), {})
    assert response.status_code == 400
    assert 'id="delete_confirm_error"' in response.content.decode()
    assert Board.objects.filter(pk=board.pk).exists()


def test_empty_board_is_deleted(client_as, board):
    response = client_as("manager").post(
        action("board_delete", board), {"confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("initiatives:boards")
    assert not Board.objects.filter(pk=board.pk).exists()


# Query count --------------------------------------------------------------------------


def test_settings_page_queries_do_not_grow_with_columns_or_cards(
    client_as, board, manager, django_assert_max_num_queries
):
    client = client_as("manager")
    fill(board, manager, "Idea", 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(settings_url(board)).status_code == 200
    for index in range(12):
        column_add(actor=manager, board=board, name=f"Extra {index}")
    fill(board, manager, "Scoping", 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(settings_url(board)).status_code == 200


def test_hardening_gate_defaults_to_criticality_3(client_as, board):
    first = columns(board)[0]
    response = client_as("manager").post(
        action("board_column_gates", board, first), {"hardening_for_critical": "on"}
    )
    assert response.status_code == 302
    gate = ColumnGate.objects.get(column=first)
    assert (gate.rule, gate.min_criticality) == (GateRule.HARDENING_FOR_CRITICAL, 3)

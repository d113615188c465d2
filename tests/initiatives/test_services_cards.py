"""Card writes: adding, moving (order, columns, lanes, WIP, gates), history,
permissions, and bad input that must change nothing."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent, User
from teamhub.initiatives import gates
from teamhub.initiatives.models import (
    Board,
    Card,
    CardEvent,
    Column,
    GateRule,
    Initiative,
    PipelineOwner,
    Stage,
    Swimlanes,
)
from teamhub.initiatives.selectors_boards import card_history
from teamhub.initiatives.services import initiative_update
from teamhub.initiatives.services_boards import (
    board_create,
    column_add,
    column_gate_set,
    column_update,
)
from teamhub.initiatives.services_cards import card_add, card_move, card_remove
from tests.factories import AssignmentFactory, InitiativeFactory, TeamFactory

pytestmark = pytest.mark.django_db


# Helpers ---------------------------------------------------------------------


def make_board(actor: User, **kw: Any) -> Board:
    """A board from the ML lifecycle template, without cards."""
    return board_create(actor=actor, name="Team board", include_initiatives=False, **kw)


def col(board: Board, stage: str) -> Column:
    return board.columns.get(stage=stage)


def place(actor: User, board: Board, stage: str, n: int = 1, **kw: Any) -> list[Card]:
    """Put ``n`` new initiatives in the ``stage`` column, in order."""
    return [
        card_add(
            actor=actor,
            board=board,
            initiative=InitiativeFactory(stage=stage, **kw),
        )
        for _ in range(n)
    ]


def order(column: Column) -> list[int]:
    return list(
        Card.objects.filter(column=column)
        .order_by("rank", "id")
        .values_list("pk", flat=True)
    )


def move(actor: User, card: Card, column: Column, **kw: Any) -> Any:
    card.refresh_from_db()
    kw.setdefault("version", card.version)
    return card_move(actor=actor, card=card, column=column, **kw)


def snapshot(board: Board) -> tuple[Any, ...]:
    """Everything a refused move must leave as it was."""
    return (
        Board.objects.get(pk=board.pk).version,
        list(
            Card.objects.filter(board=board)
            .order_by("pk")
            .values_list("pk", "column_id", "rank", "version")
        ),
        list(
            Initiative.objects.order_by("pk").values_list(
                "pk", "stage", "team_id", "mission_criticality", "pipeline_owner"
            )
        ),
        CardEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def board(manager: User) -> Board:
    return make_board(manager)


# Adding ----------------------------------------------------------------------


def test_card_add_puts_the_card_in_its_stage_column_at_the_bottom(manager, board):
    first, second = place(manager, board, Stage.SCOPING, 2)
    assert first.column == col(board, Stage.SCOPING)
    assert order(col(board, Stage.SCOPING)) == [first.pk, second.pk]
    event = CardEvent.objects.get(card=first)
    assert (event.verb, event.to_column, event.actor) == ("created", "Scoping", manager)
    assert AuditEvent.objects.filter(verb="card.created").count() == 2


def test_card_add_to_a_chosen_column_sets_the_initiative_stage(manager, board):
    initiative = InitiativeFactory(stage=Stage.IDEA)
    card_add(
        actor=manager,
        board=board,
        initiative=initiative,
        column=col(board, Stage.SCOPING),
    )
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SCOPING


def test_card_add_refuses_an_initiative_already_on_the_board(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    with pytest.raises(Conflict):
        card_add(actor=manager, board=board, initiative=card.initiative)
    assert Card.objects.count() == 1


def test_card_add_refuses_a_column_of_another_board(manager, board):
    other = make_board(manager)
    with pytest.raises(ValidationError) as error:
        card_add(
            actor=manager,
            board=board,
            initiative=InitiativeFactory(),
            column=col(other, Stage.IDEA),
        )
    assert "column" in error.value.message_dict
    assert not Card.objects.exists()


def test_card_add_refuses_a_full_hard_limited_column(manager, board):
    idea = col(board, Stage.IDEA)
    column_update(actor=manager, column=idea, wip_limit=1, wip_hard=True)
    place(manager, board, Stage.IDEA)
    with pytest.raises(Conflict, match="WIP limit"):
        place(manager, board, Stage.IDEA)
    assert Card.objects.count() == 1


def test_card_add_to_a_chosen_column_passes_its_gates(manager, board):
    critical = InitiativeFactory(
        stage=Stage.EXPERIMENTATION,
        business_kpi="Loss",
        kpi_target="-5 %",
        mission_criticality=4,
    )
    deployment = col(board, Stage.DEPLOYMENT)
    with pytest.raises(Conflict, match="hardening plan") as error:
        card_add(actor=manager, board=board, initiative=critical, column=deployment)
    assert error.value.extra["reasons"]
    assert not Card.objects.exists()
    critical.refresh_from_db()
    assert critical.stage == Stage.EXPERIMENTATION
    # In the column of its own stage it is placed as it is: no gate to pass.
    critical.stage = Stage.DEPLOYMENT
    critical.save()
    card = card_add(actor=manager, board=board, initiative=critical)
    assert card.column == deployment


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder"])
def test_card_add_and_remove_are_for_managers(manager, board, make_user, role):
    with pytest.raises(PermissionDenied):
        card_add(actor=make_user(role), board=board, initiative=InitiativeFactory())
    (card,) = place(manager, board, Stage.IDEA)
    with pytest.raises(PermissionDenied):
        card_remove(actor=make_user(role), card=card)
    assert Card.objects.count() == 1


def test_card_remove_takes_it_off_and_keeps_the_initiative(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    version = Board.objects.get(pk=board.pk).version
    card_remove(actor=manager, card=card)
    assert not Card.objects.exists()
    assert Initiative.objects.filter(pk=card.initiative_id).exists()
    assert Board.objects.get(pk=board.pk).version == version + 1
    assert AuditEvent.objects.filter(verb="card.removed").exists()


def test_the_history_outlives_a_removed_card_and_goes_on_when_it_comes_back(
    manager, board
):
    (card,) = place(manager, board, Stage.IDEA)
    initiative = card.initiative
    move(manager, card, col(board, Stage.SCOPING))

    card_remove(actor=manager, card=card)

    kept = CardEvent.objects.filter(board=board, initiative=initiative)
    assert list(kept.order_by("at", "id").values_list("verb", "card")) == [
        ("created", None),
        ("moved", None),
        ("removed", None),
    ]
    assert kept.get(verb="removed").from_column == "Scoping"
    back = card_add(actor=manager, board=board, initiative=initiative)
    assert [event.verb for event in card_history(back)] == [
        "created",
        "removed",
        "moved",
        "created",
    ]
    other = board_create(actor=manager, name="Other", include_initiatives=False)
    elsewhere = card_add(actor=manager, board=other, initiative=initiative)
    assert [event.verb for event in card_history(elsewhere)] == ["created"]


# Moving within and across columns -------------------------------------------


def test_move_within_a_column_before_after_and_to_the_bottom(manager, board):
    a, b, c = place(manager, board, Stage.IDEA, 3)
    idea = col(board, Stage.IDEA)
    move(manager, c, idea, before=a.pk)
    assert order(idea) == [c.pk, a.pk, b.pk]
    move(manager, c, idea, after=a.pk)
    assert order(idea) == [a.pk, c.pk, b.pk]
    move(manager, a, idea)
    assert order(idea) == [c.pk, b.pk, a.pk]
    move(manager, b, idea, before=c)  # a Card works as well as its id
    assert order(idea) == [b.pk, c.pk, a.pk]


def test_move_across_columns_writes_one_card_history_and_bumps_versions(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    (other,) = place(manager, board, Stage.SCOPING)
    board_version = Board.objects.get(pk=board.pk).version
    result = move(manager, card, col(board, Stage.SCOPING), before=other.pk)

    assert result.warnings == []
    assert result.card.version == 2
    assert order(col(board, Stage.SCOPING)) == [card.pk, other.pk]
    assert Board.objects.get(pk=board.pk).version == board_version + 1
    event = CardEvent.objects.filter(card=card).first()  # newest first
    assert (event.verb, event.from_column, event.to_column, event.actor) == (
        "moved",
        "Idea",
        "Scoping",
        manager,
    )
    assert event.data["changes"] == {"stage": Stage.SCOPING}
    audit = AuditEvent.objects.get(verb="card.moved")
    assert audit.data["to"] == "Scoping"
    other.refresh_from_db()
    assert other.version == 1  # the neighbour was not written


def test_the_initiative_stage_follows_the_column_stage(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    move(manager, card, col(board, Stage.SCOPING))
    card.initiative.refresh_from_db()
    assert card.initiative.stage == Stage.SCOPING


def test_a_column_without_a_stage_leaves_the_stage_alone(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    column_update(actor=manager, column=col(board, Stage.SCOPING), stage="")
    move(manager, card, board.columns.get(name="Scoping"))
    card.initiative.refresh_from_db()
    assert card.initiative.stage == Stage.IDEA


# WIP limits ------------------------------------------------------------------


def test_soft_wip_limit_moves_and_warns(manager, board):
    scoping = col(board, Stage.SCOPING)
    column_update(actor=manager, column=scoping, wip_limit=1)
    place(manager, board, Stage.SCOPING)
    (card,) = place(manager, board, Stage.IDEA)
    result = move(manager, card, scoping)
    assert result.card.column_id == scoping.pk
    assert result.warnings == ["“Scoping” now holds 2 cards, over its WIP limit of 1."]
    assert CardEvent.objects.filter(card=card).first().data["warnings"]


def test_hard_wip_limit_refuses_and_changes_nothing(manager, board):
    scoping = col(board, Stage.SCOPING)
    column_update(actor=manager, column=scoping, wip_limit=1, wip_hard=True)
    place(manager, board, Stage.SCOPING)
    (card,) = place(manager, board, Stage.IDEA)
    before = snapshot(board)
    with pytest.raises(Conflict, match="WIP limit of 1") as error:
        move(manager, card, scoping)
    assert error.value.extra["card"]["column"] == col(board, Stage.IDEA).pk
    assert snapshot(board) == before


def test_reordering_inside_a_full_hard_limited_column_is_allowed(manager, board):
    scoping = col(board, Stage.SCOPING)
    a, b = place(manager, board, Stage.SCOPING, 2)
    column_update(actor=manager, column=scoping, wip_limit=2, wip_hard=True)
    move(manager, b, scoping, before=a.pk)
    assert order(scoping) == [b.pk, a.pk]


# Gates -----------------------------------------------------------------------


def refused(actor: User, board: Board, card: Card, column: Column) -> str:
    """Move ``card`` into ``column`` expecting a gate to refuse; return why."""
    before = snapshot(board)
    with pytest.raises(Conflict) as error:
        move(actor, card, column)
    assert snapshot(board) == before
    assert error.value.extra["reasons"]
    return error.value.detail


def test_owner_gate_needs_an_owner(manager, board):
    (card,) = place(manager, board, Stage.SCOPING, owner=None)
    assert "needs an owner" in refused(manager, board, card, col(board, "data_eda"))
    initiative_update(actor=manager, initiative=card.initiative, owner=manager.person)
    move(manager, card, col(board, Stage.DATA_EDA))


def test_kpi_gate_needs_a_kpi_and_its_target(manager, board):
    (card,) = place(manager, board, Stage.EXPERIMENTATION, business_kpi="Churn")
    deployment = col(board, Stage.DEPLOYMENT)
    assert "business KPI" in refused(manager, board, card, deployment)
    initiative_update(actor=manager, initiative=card.initiative, kpi_target="-5 %")
    move(manager, card, deployment)


@pytest.mark.parametrize(
    ("criticality", "owner", "plan", "passes"),
    [
        (2, PipelineOwner.DATA_SCIENCE, "", True),
        (3, PipelineOwner.DATA_SCIENCE, "", False),
        (4, PipelineOwner.DATA_SCIENCE, "  ", False),
        (3, PipelineOwner.ENGINEERING, "", True),
        (4, PipelineOwner.DATA_SCIENCE, "Engineering rebuilds it on Flink.", True),
    ],
)
def test_hardening_gate_for_critical_work(
    manager, board, criticality, owner, plan, passes
):
    (card,) = place(
        manager,
        board,
        Stage.EXPERIMENTATION,
        business_kpi="Fraud loss",
        kpi_target="-15 %",
        mission_criticality=criticality,
        pipeline_owner=owner,
        hardening_plan=plan,
    )
    deployment = col(board, Stage.DEPLOYMENT)
    if passes:
        assert move(manager, card, deployment).card.column_id == deployment.pk
    else:
        reason = refused(manager, board, card, deployment)
        assert "engineering or a written hardening plan" in reason


def test_hardening_gate_threshold_is_configurable(manager, board):
    deployment = col(board, Stage.DEPLOYMENT)
    column_gate_set(
        actor=manager,
        column=deployment,
        rule=GateRule.HARDENING_FOR_CRITICAL,
        min_criticality=2,
    )
    (card,) = place(
        manager,
        board,
        Stage.EXPERIMENTATION,
        business_kpi="K",
        kpi_target="T",
        mission_criticality=2,
    )
    assert "criticality 2" in refused(manager, board, card, deployment)


def test_approved_requirements_gate_asks_the_requirements_seam(
    manager, board, monkeypatch
):
    experimentation = col(board, Stage.EXPERIMENTATION)
    (card,) = place(manager, board, Stage.DATA_EDA, owner=manager.person)
    # The template ships this gate switched off: it is ignored until activated.
    move(manager, card, experimentation)
    move(manager, card, col(board, Stage.DATA_EDA))
    column_gate_set(
        actor=manager, column=experimentation, rule=GateRule.APPROVED_REQUIREMENTS
    )
    reason = refused(manager, board, card, experimentation)
    assert "approved requirement document" in reason

    asked: list[Initiative] = []

    def approved(initiative: Initiative) -> bool:
        asked.append(initiative)
        return True

    monkeypatch.setattr(gates, "initiative_has_approved_requirements", approved)
    move(manager, card, experimentation)
    assert [i.pk for i in asked] == [card.initiative_id]


def test_inactive_gates_are_ignored(manager, board):
    data_eda = col(board, Stage.DATA_EDA)
    column_gate_set(
        actor=manager, column=data_eda, rule=GateRule.OWNER_REQUIRED, active=False
    )
    (card,) = place(manager, board, Stage.SCOPING, owner=None)
    assert move(manager, card, data_eda).card.column_id == data_eda.pk


def test_gates_do_not_apply_within_a_column(manager, board):
    a, b = place(manager, board, Stage.DATA_EDA, 2, owner=None)
    move(manager, b, col(board, Stage.DATA_EDA), before=a.pk)
    assert order(col(board, Stage.DATA_EDA)) == [b.pk, a.pk]


def test_every_refusing_gate_is_named(manager, board):
    (card,) = place(manager, board, Stage.EXPERIMENTATION, mission_criticality=4)
    with pytest.raises(Conflict) as error:
        move(manager, card, col(board, Stage.DEPLOYMENT))
    assert len(error.value.extra["reasons"]) == 2  # the KPI and the hardening


# Swimlanes -------------------------------------------------------------------


def test_moving_into_a_team_lane_changes_the_team(manager):
    board = make_board(manager, swimlanes=Swimlanes.TEAM)
    vision = TeamFactory(name="Vision")
    (card,) = place(manager, board, Stage.IDEA)
    result = move(manager, card, col(board, Stage.IDEA), lane=str(vision.pk))
    card.initiative.refresh_from_db()
    assert card.initiative.team == vision
    assert result.card.initiative.team == vision
    event = CardEvent.objects.filter(card=card).first()
    assert event.data["changes"] == {"team": vision.pk}
    move(manager, card, col(board, Stage.IDEA), lane="")
    card.initiative.refresh_from_db()
    assert card.initiative.team is None


@pytest.mark.parametrize(
    ("swimlanes", "lane", "field", "value"),
    [
        (Swimlanes.CRITICALITY, "4", "mission_criticality", 4),
        (
            Swimlanes.PIPELINE_OWNER,
            PipelineOwner.ENGINEERING,
            "pipeline_owner",
            PipelineOwner.ENGINEERING,
        ),
    ],
)
def test_moving_into_a_lane_changes_the_initiative(
    manager, swimlanes, lane, field, value
):
    board = make_board(manager, swimlanes=swimlanes)
    (card,) = place(manager, board, Stage.IDEA)
    move(manager, card, col(board, Stage.SCOPING), lane=lane)
    card.initiative.refresh_from_db()
    assert getattr(card.initiative, field) == value
    assert card.initiative.stage == Stage.SCOPING


@pytest.mark.parametrize(
    ("swimlanes", "lane"),
    [
        (Swimlanes.CRITICALITY, "5"),
        (Swimlanes.PIPELINE_OWNER, "product"),
        (Swimlanes.TEAM, "999999"),
        (Swimlanes.TEAM, "vision"),
    ],
)
def test_a_lane_the_board_does_not_have_is_refused(manager, swimlanes, lane):
    board = make_board(manager, swimlanes=swimlanes)
    (card,) = place(manager, board, Stage.IDEA)
    before = snapshot(board)
    with pytest.raises(ValidationError) as error:
        move(manager, card, col(board, Stage.SCOPING), lane=lane)
    assert "lane" in error.value.message_dict
    assert snapshot(board) == before


def test_a_gate_sees_the_lane_the_card_moves_into(manager):
    board = make_board(manager, swimlanes=Swimlanes.PIPELINE_OWNER)
    (card,) = place(
        manager,
        board,
        Stage.EXPERIMENTATION,
        business_kpi="K",
        kpi_target="T",
        mission_criticality=4,
    )
    deployment = col(board, Stage.DEPLOYMENT)
    move(manager, card, deployment, lane=PipelineOwner.ENGINEERING)
    card.refresh_from_db()
    assert card.column_id == deployment.pk


def test_data_scientists_move_within_their_lane_but_not_across(manager, scientist):
    board = make_board(manager, swimlanes=Swimlanes.CRITICALITY)
    (card,) = place(manager, board, Stage.IDEA, owner=scientist.person)
    move(scientist, card, col(board, Stage.SCOPING), lane="1")  # its own lane
    before = snapshot(board)
    with pytest.raises(PermissionDenied, match="across swimlanes"):
        move(scientist, card, col(board, Stage.DATA_EDA), lane="3")
    assert snapshot(board) == before


# Bad input: refused, and nothing changes ---------------------------------------


@pytest.fixture
def three(manager, board) -> list[Card]:
    return place(manager, board, Stage.IDEA, 2) + place(manager, board, Stage.SCOPING)


def test_a_column_of_another_board_is_refused(manager, board, three):
    other = make_board(manager)
    before = snapshot(board)
    with pytest.raises(ValidationError) as error:
        move(manager, three[0], col(other, Stage.SCOPING))
    assert "column" in error.value.message_dict
    assert snapshot(board) == before


def test_a_column_that_does_not_exist_is_refused(manager, board, three):
    before = snapshot(board)
    with pytest.raises(ValidationError):
        move(manager, three[0], 10**9)
    assert snapshot(board) == before


@pytest.mark.parametrize("version", [None, 0, -1, True])
def test_a_missing_or_non_positive_version_is_refused(manager, board, three, version):
    before = snapshot(board)
    with pytest.raises(ValidationError) as error:
        move(manager, three[0], col(board, Stage.SCOPING), version=version)
    assert "version" in error.value.message_dict
    assert snapshot(board) == before


def test_a_stale_version_gets_409_with_the_current_card(manager, board, three):
    card = three[0]
    move(manager, card, col(board, Stage.SCOPING))
    before = snapshot(board)
    with pytest.raises(Conflict, match="changed by someone else") as error:
        move(manager, card, col(board, Stage.IDEA), version=1)
    state = error.value.extra["card"]
    assert (state["id"], state["version"], state["column_name"]) == (
        card.pk,
        2,
        "Scoping",
    )
    assert snapshot(board) == before


def test_a_before_card_outside_the_target_column_is_refused(manager, board, three):
    a, b, c = three
    before = snapshot(board)
    with pytest.raises(ValidationError) as error:
        move(manager, a, col(board, Stage.SCOPING), before=b.pk)  # b is in Idea
    assert "before" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        move(manager, a, col(board, Stage.IDEA), after=c.pk)  # c is in Scoping
    assert "after" in error.value.message_dict
    with pytest.raises(ValidationError):
        move(manager, a, col(board, Stage.IDEA), before=10**9)
    assert snapshot(board) == before


def test_before_and_after_together_are_refused(manager, board, three):
    a, b, _ = three
    before = snapshot(board)
    with pytest.raises(ValidationError) as error:
        move(manager, a, col(board, Stage.IDEA), before=b.pk, after=b.pk)
    assert "before" in error.value.message_dict
    assert snapshot(board) == before


@pytest.mark.parametrize("side", ["before", "after"])
def test_placing_a_card_next_to_itself_is_refused(manager, board, three, side):
    a = three[0]
    before = snapshot(board)
    with pytest.raises(ValidationError) as error:
        move(manager, a, col(board, Stage.IDEA), **{side: a.pk})
    assert side in error.value.message_dict
    assert snapshot(board) == before


# Permissions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("manager", True),
        ("admin", True),
        ("owner", True),
        ("proposed", True),
        ("confirmed", True),
        ("finished", False),
        ("other_scientist", False),
        ("stakeholder", False),
    ],
)
def test_who_may_move_a_card(manager, board, make_user, who, allowed):
    (card,) = place(manager, board, Stage.IDEA)
    initiative = card.initiative
    if who in ("manager", "admin", "stakeholder"):
        actor = make_user(who)
    else:
        actor = make_user("data_scientist")
        if who == "owner":
            Initiative.objects.filter(pk=initiative.pk).update(owner=actor.person)
        elif who != "other_scientist":
            AssignmentFactory(
                person=actor.person,
                initiative=initiative,
                status=who,
                **({"end": initiative.start} if who == "finished" else {}),
            )
    scoping = col(board, Stage.SCOPING)
    if allowed:
        assert move(actor, card, scoping).card.column_id == scoping.pk
        return
    before = snapshot(board)
    with pytest.raises(PermissionDenied):
        move(actor, card, scoping)
    assert snapshot(board) == before


# Edits of the initiative -------------------------------------------------------


def test_initiative_update_writes_an_edited_event_on_each_card(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    other_board = make_board(manager)
    other = card_add(actor=manager, board=other_board, initiative=card.initiative)
    versions = {
        pk: Board.objects.get(pk=pk).version for pk in (board.pk, other_board.pk)
    }
    initiative_update(actor=manager, initiative=card.initiative, title="Renamed")
    for each in (card, other):
        each.refresh_from_db()
        assert each.version == 2
        event = CardEvent.objects.filter(card=each).first()
        assert (event.verb, event.actor) == ("edited", manager)
        assert event.data == {"title": "Renamed"}
    for pk, version in versions.items():
        assert Board.objects.get(pk=pk).version == version + 1
    # A page that loaded the card before the edit now holds a stale version.
    with pytest.raises(Conflict):
        move(manager, card, col(board, Stage.SCOPING), version=1)


def test_an_update_that_changes_nothing_writes_no_event(manager, board):
    (card,) = place(manager, board, Stage.IDEA)
    initiative_update(
        actor=manager, initiative=card.initiative, title=card.initiative.title
    )
    assert not CardEvent.objects.filter(verb="edited").exists()


def test_card_add_without_a_column_for_its_stage_keeps_the_stage(manager):
    board = board_create(
        actor=manager, name="Small", template="empty", include_initiatives=False
    )
    column_add(actor=manager, board=board, name="Ideas", stage=Stage.IDEA)
    initiative = InitiativeFactory(stage=Stage.MONITORING)
    card = card_add(actor=manager, board=board, initiative=initiative)
    assert card.column.name == "Ideas"
    initiative.refresh_from_db()
    assert initiative.stage == Stage.MONITORING

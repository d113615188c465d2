"""The boards API: boards, columns, gates, cards, moves, permissions, query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from teamhub.core.models import AuditEvent
from teamhub.initiatives import services_boards, services_cards
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
from tests.conftest import ROLES
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def make_board(
    *,
    cards: int = 0,
    template: str = "ml_lifecycle",
    swimlanes: str = Swimlanes.NONE,
    name: str = "Vision board",
    **initiative: Any,
) -> Board:
    """Return a board from ``template`` with ``cards`` initiatives in Idea."""
    actor = UserFactory(roles=["manager"])
    team = TeamFactory()
    for _ in range(cards):
        InitiativeFactory(team=team, stage=Stage.IDEA, **initiative)
    return services_boards.board_create(
        actor=actor, name=name, team=team, template=template, swimlanes=swimlanes
    )


def column(board: Board, stage: str) -> Column:
    return board.columns.get(stage=stage)


def state(card: Card) -> tuple[int, str, int]:
    card.refresh_from_db()
    return card.column_id, card.rank, card.version


def ids_in(board: Board, stage: str) -> list[int]:
    return list(
        Card.objects.filter(column=column(board, stage))
        .order_by("rank", "id")
        .values_list("pk", flat=True)
    )


def move(api, card: Card, **body: Any):
    return api.post(f"/api/cards/{card.pk}/move/", body, format="json")


# Moving a card ---------------------------------------------------------------------


def test_manager_moves_a_card_to_another_column(api_as):
    board = make_board(cards=2)
    card = board.cards.order_by("rank").first()
    scoping = column(board, Stage.SCOPING)
    response = move(api_as("manager"), card, column=scoping.pk, version=1)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["warnings"] == []
    assert body["card"]["id"] == card.pk
    assert body["card"]["board"] == board.pk
    assert body["card"]["column"] == scoping.pk
    assert body["card"]["version"] == 2
    assert body["card"]["lane"] == ""
    assert body["card"]["initiative"]["key"] == card.initiative.key
    card.refresh_from_db()
    assert (card.column_id, card.version, card.rank) == (
        scoping.pk,
        2,
        body["card"]["rank"],
    )
    assert Initiative.objects.get(pk=card.initiative_id).stage == Stage.SCOPING
    event = card.events.get(verb=CardEvent.Verb.MOVED)
    assert (event.from_column, event.to_column) == ("Idea", "Scoping")


def test_move_before_and_after_put_the_card_in_place(api_as):
    board = make_board(cards=3)
    first, second, third = ids_in(board, Stage.IDEA)
    api = api_as("manager")
    idea = column(board, Stage.IDEA)
    third_card = Card.objects.get(pk=third)
    response = move(api, third_card, column=idea.pk, before=first, version=1)
    assert response.status_code == 200, response.json()
    assert ids_in(board, Stage.IDEA) == [third, first, second]
    response = move(
        api, Card.objects.get(pk=first), column=idea.pk, after=second, version=1
    )
    assert response.status_code == 200, response.json()
    assert ids_in(board, Stage.IDEA) == [third, second, first]


def test_move_over_a_soft_wip_limit_warns_and_moves(api_as):
    board = make_board(cards=2)
    scoping = column(board, Stage.SCOPING)
    scoping.wip_limit = 1
    scoping.save()
    first, second = board.cards.order_by("rank")
    api = api_as("manager")
    assert move(api, first, column=scoping.pk, version=1).json()["warnings"] == []
    response = move(api, second, column=scoping.pk, version=1)
    assert response.status_code == 200
    assert "over its WIP limit" in response.json()["warnings"][0]
    assert state(second)[0] == scoping.pk


def test_move_with_stale_version_returns_409_with_the_current_card(api_as):
    board = make_board(cards=1)
    card = board.cards.get()
    api = api_as("manager")
    scoping = column(board, Stage.SCOPING)
    assert move(api, card, column=scoping.pk, version=1).status_code == 200
    before = state(card)
    response = move(api, card, column=column(board, Stage.DEPLOYMENT).pk, version=1)
    assert response.status_code == 409
    body = response.json()
    assert "changed by someone else" in body["detail"]
    assert body["card"]["version"] == 2
    assert body["card"]["column"] == scoping.pk
    assert state(card) == before


def test_move_past_a_hard_wip_limit_is_409_and_changes_nothing(api_as):
    board = make_board(cards=2)
    scoping = column(board, Stage.SCOPING)
    scoping.wip_limit = 1
    scoping.wip_hard = True
    scoping.save()
    first, second = board.cards.order_by("rank")
    api = api_as("manager")
    assert move(api, first, column=scoping.pk, version=1).status_code == 200
    before = state(second)
    response = move(api, second, column=scoping.pk, version=1)
    assert response.status_code == 409
    assert "WIP limit" in response.json()["detail"]
    assert response.json()["card"]["id"] == second.pk
    assert state(second) == before


def test_move_refused_by_a_gate_is_409_with_the_reason(api_as):
    board = make_board(cards=1, mission_criticality=4, business_kpi="", owner=None)
    card = board.cards.get()
    before = state(card)
    deployment = column(board, Stage.DEPLOYMENT)
    response = move(api_as("manager"), card, column=deployment.pk, version=1)
    assert response.status_code == 409
    body = response.json()
    assert any("hardening plan" in reason for reason in body["reasons"])
    assert any("business KPI" in reason for reason in body["reasons"])
    assert body["card"]["column"] == before[0]
    assert state(card) == before
    assert Initiative.objects.get(pk=card.initiative_id).stage == Stage.IDEA


def bad_moves(board: Board, card: Card, other: Card) -> list[tuple[dict, str]]:
    other_board = make_board(name="Other", template="empty")
    foreign = services_boards.column_add(
        actor=UserFactory(roles=["manager"]), board=other_board, name="Elsewhere"
    )
    scoping = column(board, Stage.SCOPING).pk
    idea = column(board, Stage.IDEA).pk
    return [
        ({"column": scoping}, "version"),
        ({"column": scoping, "version": -1}, "version"),
        ({"column": scoping, "version": 0}, "version"),
        ({"column": scoping, "version": "one"}, "version"),
        ({"version": 1}, "column"),
        ({"column": foreign.pk, "version": 1}, "column"),
        ({"column": 999_999, "version": 1}, "column"),
        ({"column": scoping, "version": 1, "before": other.pk}, "before"),
        ({"column": scoping, "version": 1, "after": other.pk}, "after"),
        ({"column": idea, "version": 1, "before": card.pk}, "before"),
        (
            {"column": idea, "version": 1, "before": other.pk, "after": other.pk},
            "before",
        ),
        ({"column": scoping, "version": 1, "lane": "4"}, "lane"),
    ]


def test_bad_moves_are_400_with_field_messages_and_change_nothing(api_as):
    board = make_board(cards=2)
    card, other = board.cards.order_by("rank")
    api = api_as("manager")
    board_version = Board.objects.get(pk=board.pk).version
    for body, field in bad_moves(board, card, other):
        before = state(card), state(other)
        response = move(api, card, **body)
        assert response.status_code == 400, (body, response.json())
        assert field in response.json(), (body, response.json())
        assert (state(card), state(other)) == before, body
    assert Board.objects.get(pk=board.pk).version == board_version
    assert not CardEvent.objects.filter(verb=CardEvent.Verb.MOVED).exists()


def test_unknown_lane_on_a_board_with_swimlanes_is_400(api_as):
    board = make_board(cards=1, swimlanes=Swimlanes.CRITICALITY)
    card = board.cards.get()
    before = state(card)
    response = move(
        api_as("manager"),
        card,
        column=column(board, Stage.SCOPING).pk,
        version=1,
        lane="9",
    )
    assert response.status_code == 400
    assert "lane" in response.json()
    assert state(card) == before


def test_manager_moves_a_card_across_swimlanes(api_as):
    board = make_board(cards=1, swimlanes=Swimlanes.CRITICALITY)
    card = board.cards.get()
    response = move(
        api_as("manager"),
        card,
        column=column(board, Stage.IDEA).pk,
        version=1,
        lane="3",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["card"]["lane"] == "3"
    assert Initiative.objects.get(pk=card.initiative_id).mission_criticality == 3


def test_data_scientist_moves_the_card_of_their_initiative_but_not_across_lanes(
    api_as,
):
    board = make_board(cards=2, swimlanes=Swimlanes.CRITICALITY)
    mine, theirs = board.cards.order_by("rank")
    api = api_as("data_scientist")
    AssignmentFactory(person=api.user.person, initiative=mine.initiative)
    scoping = column(board, Stage.SCOPING).pk
    response = move(api, mine, column=scoping, version=1, lane="1")
    assert response.status_code == 200, response.json()
    before = state(mine)
    response = move(api, mine, column=scoping, version=2, lane="4")
    assert response.status_code == 403
    assert state(mine) == before
    before = state(theirs)
    assert move(api, theirs, column=scoping, version=1).status_code == 403
    assert state(theirs) == before


def test_owner_moves_their_card(api_as):
    board = make_board(cards=1)
    card = board.cards.get()
    api = api_as("data_scientist")
    Initiative.objects.filter(pk=card.initiative_id).update(owner=api.user.person)
    response = move(api, card, column=column(board, Stage.SCOPING).pk, version=1)
    assert response.status_code == 200


def test_stakeholder_cannot_move_even_with_bad_input(api_as):
    board = make_board(cards=1)
    card = board.cards.get()
    before = state(card)
    api = api_as("stakeholder")
    assert (
        move(api, card, column=column(board, Stage.SCOPING).pk, version=1).status_code
        == 403
    )
    assert move(api, card, version=-3).status_code == 403
    assert state(card) == before


def test_moving_an_unknown_card_is_404(api_as):
    assert (
        move(api_as("manager"), Card(pk=999_999), column=1, version=1).status_code
        == 404
    )


# Board version ---------------------------------------------------------------------


def test_board_version_changes_with_every_move(api_as, django_assert_max_num_queries):
    board = make_board(cards=1)
    api = api_as("stakeholder")
    url = f"/api/boards/{board.pk}/version/"
    first = api.get(url).json()["version"]
    services_cards.card_move(
        actor=UserFactory(roles=["manager"]),
        card=board.cards.get(),
        column=column(board, Stage.SCOPING),
        version=1,
    )
    assert api.get(url).json()["version"] > first
    # Token authentication (token + user) and the version itself.
    with django_assert_max_num_queries(2):
        assert api.get(url).status_code == 200


def test_version_of_an_unknown_board_is_404(api_as):
    assert api_as("stakeholder").get("/api/boards/999999/version/").status_code == 404


# Boards ----------------------------------------------------------------------------


def test_board_list_shows_counts_and_filters_by_team(api_as):
    vision = make_board(cards=3, name="Vision")
    make_board(cards=1, name="Forecasting")
    api = api_as("stakeholder")
    response = api.get("/api/boards/")
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert rows["Vision"]["card_count"] == 3
    assert rows["Vision"]["column_count"] == 8
    assert rows["Vision"]["team"]["id"] == vision.team_id
    assert rows["Forecasting"]["card_count"] == 1
    response = api.get("/api/boards/", {"team": vision.team_id})
    assert [row["name"] for row in response.json()["results"]] == ["Vision"]
    assert api.get("/api/boards/", {"team": 999_999}).status_code == 400


def test_manager_creates_a_board_from_the_ml_lifecycle_template(api_as):
    team = TeamFactory()
    InitiativeFactory(team=team, stage=Stage.EXPERIMENTATION)
    InitiativeFactory(team=team, stage=Stage.IDEA)
    InitiativeFactory(stage=Stage.IDEA)  # another team's
    response = api_as("manager").post(
        "/api/boards/",
        {"name": "Vision", "team": team.pk, "swimlanes": "criticality"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Vision"
    assert body["swimlanes"] == "criticality"
    assert [c["name"] for c in body["columns"]] == [
        "Idea",
        "Scoping",
        "Data & EDA",
        "Experimentation",
        "Deployment",
        "Monitoring",
        "Iteration",
        "Retired",
    ]
    assert body["total"] == 2
    by_name = {c["name"]: c for c in body["columns"]}
    assert len(by_name["Experimentation"]["cards"]) == 1
    assert {g["rule"] for g in by_name["Deployment"]["gates"]} == {
        "kpi_required",
        "hardening_for_critical",
    }
    assert [lane["key"] for lane in body["lanes"]] == ["4", "3", "2", "1"]


def test_manager_creates_an_empty_board_without_initiatives(api_as):
    InitiativeFactory()
    response = api_as("manager").post(
        "/api/boards/",
        {"name": "Portfolio", "template": "empty", "include_initiatives": False},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["columns"] == []
    assert response.json()["team"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "B", "template": "kanban"}, "template"),
        ({"name": "B", "swimlanes": "colour"}, "swimlanes"),
        ({"name": "B", "team": 999_999}, "team"),
    ],
)
def test_board_create_with_bad_input_is_400_and_writes_nothing(api_as, body, field):
    response = api_as("manager").post("/api/boards/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Board.objects.exists()


def test_board_detail_lists_columns_in_order_with_cards(api_as):
    board = make_board(cards=2)
    first, second = board.cards.order_by("rank")
    label = services_label(first.initiative)
    owner = PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    Initiative.objects.filter(pk=first.initiative_id).update(
        owner=owner, mission_criticality=3
    )
    member = AssignmentFactory(initiative=first.initiative, allocation=60)
    services_boards.columns_reorder(
        actor=UserFactory(roles=["manager"]),
        board=board,
        order=list(reversed(list(board.columns.values_list("pk", flat=True)))),
    )
    column(board, Stage.IDEA).__class__.objects.filter(
        pk=column(board, Stage.IDEA).pk
    ).update(wip_limit=1)
    response = api_as("stakeholder").get(f"/api/boards/{board.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["columns"][0]["name"] == "Retired"
    idea = body["columns"][-1]
    assert idea["name"] == "Idea"
    assert (idea["total"], idea["wip_limit"], idea["over_limit"]) == (2, 1, True)
    assert [card["id"] for card in idea["cards"]] == [first.pk, second.pk]
    card = idea["cards"][0]
    assert card["version"] == 1
    assert card["rank"] == first.rank
    assert card["lane"] == ""
    assert card["initiative"]["owner"] == {"id": owner.pk, "name": "Ada Lovelace"}
    assert card["initiative"]["mission_criticality"] == 3
    assert card["initiative"]["pathway"] == "experimental"
    assert card["initiative"]["pipeline_owner"] == "data_science"
    assert card["initiative"]["labels"] == [
        {"id": label.pk, "name": "NLP", "color": "#0d6efd"}
    ]
    assert card["members"] == [
        {
            "id": member.pk,
            "person": {"id": member.person_id, "name": member.person.name},
            "role": "Data Scientist",
            "allocation": 60,
            "status": "confirmed",
        }
    ]
    assert "Mission criticality 3" in card["hardening"]
    assert idea["cards"][1]["hardening"] is None


def services_label(initiative: Initiative):
    from teamhub.initiatives.models import Label

    label = Label.objects.create(name="NLP", color="#0d6efd")
    initiative.labels.add(label)
    return label


def test_board_detail_filters_cards_but_keeps_column_totals(api_as):
    board = make_board(cards=3)
    first, second, third = board.cards.order_by("rank")
    label = services_label(second.initiative)
    person = PersonFactory()
    AssignmentFactory(person=person, initiative=third.initiative)
    Initiative.objects.filter(pk=first.initiative_id).update(
        title="Churn forecast", mission_criticality=4, pathway="production"
    )
    api = api_as("data_scientist")
    url = f"/api/boards/{board.pk}/"

    def shown(**params: Any) -> list[int]:
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        idea = response.json()["columns"][0]
        assert idea["total"] == 3
        return [card["id"] for card in idea["cards"]]

    assert shown(q="churn") == [first.pk]
    assert shown(criticality=4) == [first.pk]
    assert shown(pathway="production") == [first.pk]
    assert shown(label=label.pk) == [second.pk]
    assert shown(person=person.pk) == [third.pk]
    assert shown(team=board.team_id) == [first.pk, second.pk, third.pk]
    assert shown(team=999_999) == []
    for params in ({"criticality": 9}, {"pathway": "x"}, {"person": "me"}):
        response = api.get(url, params)
        assert response.status_code == 400
        assert next(iter(params)) in response.json()


def test_unknown_board_is_404(api_as):
    assert api_as("manager").get("/api/boards/999999/").status_code == 404


@pytest.mark.parametrize("count", [20, 300])
def test_board_detail_takes_a_constant_number_of_queries(
    api_as, count, django_assert_max_num_queries
):
    board = make_board(cards=count, swimlanes=Swimlanes.TEAM)
    from teamhub.initiatives.models import Label, ValueCheckIn

    label = Label.objects.create(name="NLP")
    for card in board.cards.select_related("initiative"):
        card.initiative.labels.add(label)
        AssignmentFactory(initiative=card.initiative)
        ValueCheckIn.objects.create(
            initiative=card.initiative, at=dt.date.today(), business_value=1.0
        )
    api = api_as("stakeholder")
    # Token; board, columns, gates, totals, cards, labels, members, check-ins,
    # requirement documents (for the sign-off badge), teams (for team lanes).
    with django_assert_max_num_queries(12):
        response = api.get(f"/api/boards/{board.pk}/")
    assert response.json()["total"] == count
    assert sum(len(c["cards"]) for c in response.json()["columns"]) == count


def test_manager_updates_a_board(api_as):
    board = make_board(cards=1)
    team = TeamFactory()
    version = board.version
    response = api_as("manager").patch(
        f"/api/boards/{board.pk}/",
        {"name": "Renamed", "team": team.pk, "swimlanes": "pipeline_owner"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Renamed"
    assert response.json()["team"]["id"] == team.pk
    board.refresh_from_db()
    assert (board.name, board.team_id, board.swimlanes) == (
        "Renamed",
        team.pk,
        "pipeline_owner",
    )
    assert board.version > version


def test_board_update_with_bad_input_is_400_and_changes_nothing(api_as):
    board = make_board()
    api = api_as("manager")
    for body, field in [
        ({"name": ""}, "name"),
        ({"swimlanes": "x"}, "swimlanes"),
        ({"team": 999_999}, "team"),
    ]:
        response = api.patch(f"/api/boards/{board.pk}/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
    fresh = Board.objects.get(pk=board.pk)
    assert (fresh.name, fresh.team_id, fresh.swimlanes, fresh.version) == (
        board.name,
        board.team_id,
        board.swimlanes,
        board.version,
    )


def test_deleting_a_board_with_cards_is_409_and_an_empty_one_goes(api_as):
    full = make_board(cards=1)
    empty = make_board(name="Empty")
    api = api_as("manager")
    response = api.delete(f"/api/boards/{full.pk}/")
    assert response.status_code == 409
    assert "still holds 1 cards" in response.json()["detail"]
    assert Board.objects.filter(pk=full.pk).exists()
    assert api.delete(f"/api/boards/{empty.pk}/").status_code == 204
    assert not Board.objects.filter(pk=empty.pk).exists()


# Columns ---------------------------------------------------------------------------


def test_manager_adds_a_column_at_a_position(api_as):
    board = make_board()
    response = api_as("manager").post(
        f"/api/boards/{board.pk}/columns/",
        {
            "name": "Review",
            "stage": "",
            "position": 1,
            "wip_limit": 3,
            "wip_hard": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["position"], body["wip_limit"], body["wip_hard"]) == (
        "Review",
        1,
        3,
        True,
    )
    names = list(board.columns.order_by("position").values_list("name", flat=True))
    assert names[:3] == ["Idea", "Review", "Scoping"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": " "}, "name"),
        ({"name": "X", "stage": "launch"}, "stage"),
        ({"name": "X", "wip_limit": 0}, "wip_limit"),
        ({"name": "X", "position": -1}, "position"),
    ],
)
def test_column_add_with_bad_input_is_400_and_writes_nothing(api_as, body, field):
    board = make_board()
    response = api_as("manager").post(
        f"/api/boards/{board.pk}/columns/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert board.columns.count() == 8


def test_manager_changes_a_column(api_as):
    board = make_board()
    idea = column(board, Stage.IDEA)
    response = api_as("manager").patch(
        f"/api/columns/{idea.pk}/",
        {"name": "Ideas", "wip_limit": 5, "wip_hard": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    idea.refresh_from_db()
    assert (idea.name, idea.wip_limit, idea.wip_hard) == ("Ideas", 5, True)
    response = api_as("manager").patch(
        f"/api/columns/{idea.pk}/", {"wip_limit": None}, format="json"
    )
    assert response.json()["wip_limit"] is None


def test_column_update_with_bad_input_is_400_and_changes_nothing(api_as):
    board = make_board()
    idea = column(board, Stage.IDEA)
    api = api_as("manager")
    for body, field in [
        ({"name": ""}, "name"),
        ({"wip_limit": 0}, "wip_limit"),
        ({"stage": "launch"}, "stage"),
    ]:
        response = api.patch(f"/api/columns/{idea.pk}/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
    fresh = Column.objects.get(pk=idea.pk)
    assert (fresh.name, fresh.wip_limit, fresh.stage) == ("Idea", None, Stage.IDEA)


def test_manager_reorders_columns(api_as):
    board = make_board()
    order = list(board.columns.values_list("pk", flat=True))
    order.reverse()
    response = api_as("manager").post(
        f"/api/boards/{board.pk}/columns/reorder/", {"order": order}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [c["id"] for c in response.json()] == order
    assert list(board.columns.order_by("position").values_list("pk", flat=True)) == (
        order
    )


def test_reorder_that_misses_a_column_is_400_and_changes_nothing(api_as):
    board = make_board()
    order = list(board.columns.values_list("pk", flat=True))
    api = api_as("manager")
    for bad in (order[1:], [*order, order[0]], [*order[1:], 999_999], "x"):
        response = api.post(
            f"/api/boards/{board.pk}/columns/reorder/", {"order": bad}, format="json"
        )
        assert response.status_code == 400
        assert "order" in response.json()
    assert list(board.columns.order_by("position").values_list("pk", flat=True)) == (
        order
    )


def test_removing_a_column_moves_its_cards_to_the_chosen_column(api_as):
    board = make_board(cards=2)
    idea, scoping = column(board, Stage.IDEA), column(board, Stage.SCOPING)
    ids = ids_in(board, Stage.IDEA)
    api = api_as("manager")
    response = api.delete(f"/api/columns/{idea.pk}/")
    assert response.status_code == 400
    assert "holds 2 cards" in response.json()["move_cards_to"][0]
    assert Column.objects.filter(pk=idea.pk).exists()
    assert ids_in(board, Stage.IDEA) == ids
    response = api.delete(f"/api/columns/{idea.pk}/?move_cards_to=999999")
    assert response.status_code == 400
    assert "move_cards_to" in response.json()
    response = api.delete(f"/api/columns/{idea.pk}/?move_cards_to={scoping.pk}")
    assert response.status_code == 200, response.json()
    assert response.json() == {"cards_moved": 2}
    assert not Column.objects.filter(pk=idea.pk).exists()
    assert ids_in(board, Stage.SCOPING) == ids


def test_removing_a_column_over_a_hard_wip_limit_is_a_409(api_as):
    board = make_board(cards=3)
    idea, scoping = column(board, Stage.IDEA), column(board, Stage.SCOPING)
    scoping.wip_limit, scoping.wip_hard = 2, True
    scoping.save()
    ids = ids_in(board, Stage.IDEA)

    response = api_as("manager").delete(
        f"/api/columns/{idea.pk}/?move_cards_to={scoping.pk}"
    )

    assert response.status_code == 409
    assert "would hold 3 cards, over its WIP limit of 2" in response.json()["detail"]
    assert Column.objects.filter(pk=idea.pk).exists()
    assert ids_in(board, Stage.IDEA) == ids


def test_removing_the_last_column_is_409(api_as):
    board = make_board(template="empty")
    only = services_boards.column_add(
        actor=UserFactory(roles=["manager"]), board=board, name="Only"
    )
    response = api_as("manager").delete(f"/api/columns/{only.pk}/")
    assert response.status_code == 409
    assert Column.objects.filter(pk=only.pk).exists()


# Gates -----------------------------------------------------------------------------


def test_manager_sets_and_removes_a_gate(api_as):
    board = make_board()
    scoping = column(board, Stage.SCOPING)
    api = api_as("manager")
    url = f"/api/columns/{scoping.pk}/gates/"
    response = api.post(url, {"rule": "hardening_for_critical"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["min_criticality"] == 3
    assert response.json()["active"] is True
    response = api.post(
        url,
        {"rule": "hardening_for_critical", "min_criticality": 2, "active": False},
        format="json",
    )
    assert response.status_code == 200
    gate = ColumnGate.objects.get(column=scoping)
    assert (gate.min_criticality, gate.active) == (2, False)
    assert api.delete(f"/api/gates/{gate.pk}/").status_code == 204
    assert not ColumnGate.objects.filter(column=scoping).exists()


def test_gate_with_bad_input_is_400_and_writes_nothing(api_as):
    board = make_board()
    scoping = column(board, Stage.SCOPING)
    api = api_as("manager")
    for body, field in [
        ({}, "rule"),
        ({"rule": "always"}, "rule"),
        ({"rule": GateRule.OWNER_REQUIRED, "min_criticality": 5}, "min_criticality"),
    ]:
        response = api.post(f"/api/columns/{scoping.pk}/gates/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
    assert not ColumnGate.objects.filter(column=scoping).exists()


# Cards -----------------------------------------------------------------------------


def test_card_list_is_filtered_by_board(api_as):
    board = make_board(cards=2)
    make_board(cards=1, name="Other")
    api = api_as("stakeholder")
    response = api.get("/api/cards/", {"board": board.pk})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == ids_in(board, Stage.IDEA)
    assert rows[0]["column_name"] == "Idea"
    assert rows[0]["version"] == 1
    assert api.get("/api/cards/").json()["count"] == 3
    assert api.get("/api/cards/", {"board": 999_999}).status_code == 400


def test_manager_adds_a_card_and_a_second_add_is_409(api_as):
    board = make_board()
    initiative = InitiativeFactory(stage=Stage.DEPLOYMENT)
    api = api_as("manager")
    body = {"board": board.pk, "initiative": initiative.pk}
    response = api.post("/api/cards/", body, format="json")
    assert response.status_code == 201, response.json()
    card = response.json()
    assert card["column"] == column(board, Stage.DEPLOYMENT).pk
    assert card["initiative"]["key"] == initiative.key
    assert [event["verb"] for event in card["history"]] == ["created"]
    response = api.post("/api/cards/", body, format="json")
    assert response.status_code == 409
    assert "already on the board" in response.json()["detail"]
    assert Card.objects.filter(initiative=initiative).count() == 1


def test_card_add_with_bad_input_is_400_and_writes_nothing(api_as):
    board = make_board()
    other = make_board(name="Other")
    initiative = InitiativeFactory()
    api = api_as("manager")
    for body, field in [
        ({"initiative": initiative.pk}, "board"),
        ({"board": board.pk}, "initiative"),
        ({"board": board.pk, "initiative": 999_999}, "initiative"),
        (
            {
                "board": board.pk,
                "initiative": initiative.pk,
                "column": column(other, Stage.IDEA).pk,
            },
            "column",
        ),
    ]:
        response = api.post("/api/cards/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
    assert not Card.objects.exists()


def test_card_detail_shows_the_initiative_and_history_newest_first(api_as):
    board = make_board(cards=1)
    card = board.cards.get()
    mover = UserFactory(roles=["manager"], first_name="Grace", last_name="Hopper")
    services_cards.card_move(
        actor=mover, card=card, column=column(board, Stage.SCOPING), version=1
    )
    response = api_as("stakeholder").get(f"/api/cards/{card.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["column_name"] == "Scoping"
    assert body["initiative"]["key"] == card.initiative.key
    moved, created = body["history"]
    assert (moved["verb"], moved["actor"]) == ("moved", "Grace Hopper")
    assert (moved["from_column"], moved["to_column"]) == ("Idea", "Scoping")
    assert moved["at"]
    assert created["verb"] == "created"


def test_manager_takes_a_card_off_the_board(api_as):
    board = make_board(cards=1)
    card = board.cards.get()
    assert api_as("manager").delete(f"/api/cards/{card.pk}/").status_code == 204
    assert not Card.objects.filter(pk=card.pk).exists()
    assert Initiative.objects.filter(pk=card.initiative_id).exists()


def test_unknown_card_is_404(api_as):
    api = api_as("manager")
    assert api.get("/api/cards/999999/").status_code == 404
    assert api.delete("/api/cards/999999/").status_code == 404


# Permission matrix -----------------------------------------------------------------

ANONYMOUS = None
Setup = Callable[[], tuple[str, dict[str, Any] | None]]


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, code)


def managers(code: int) -> dict[str, int]:
    return {"manager": code, "admin": code, "data_scientist": 403, "stakeholder": 403}


def _board_path(suffix: str = "", **kw: Any) -> Callable[[], str]:
    return lambda: f"/api/boards/{make_board(**kw).pk}/{suffix}"


def _column(stage: str = Stage.SCOPING) -> Column:
    return column(make_board(), stage)


def _gate() -> ColumnGate:
    return ColumnGate.objects.filter(active=True).first() or _gate_on_new_board()


def _gate_on_new_board() -> ColumnGate:
    make_board()
    return ColumnGate.objects.filter(active=True).first()  # type: ignore[return-value]


def _card() -> Card:
    return make_board(cards=1).cards.get()


def _move() -> tuple[str, dict[str, Any]]:
    board = make_board(cards=1)
    card = board.cards.get()
    return f"/api/cards/{card.pk}/move/", {
        "column": column(board, Stage.SCOPING).pk,
        "version": 1,
    }


def _reorder() -> tuple[str, dict[str, Any]]:
    board = make_board()
    order = list(board.columns.values_list("pk", flat=True))
    return f"/api/boards/{board.pk}/columns/reorder/", {"order": order[::-1]}


def _card_add() -> tuple[str, dict[str, Any]]:
    return "/api/cards/", {
        "board": make_board().pk,
        "initiative": InitiativeFactory().pk,
    }


MATRIX: list[tuple[str, str, Setup, dict[str, int]]] = [
    ("board list", "get", lambda: ("/api/boards/", None), everyone(200)),
    (
        "board create",
        "post",
        lambda: ("/api/boards/", {"name": "New", "template": "empty"}),
        managers(201),
    ),
    ("board detail", "get", lambda: (_board_path(cards=2)(), None), everyone(200)),
    (
        "board update",
        "patch",
        lambda: (_board_path()(), {"name": "Renamed"}),
        managers(200),
    ),
    ("board delete", "delete", lambda: (_board_path()(), None), managers(204)),
    ("board version", "get", lambda: (_board_path("version/")(), None), everyone(200)),
    (
        "column add",
        "post",
        lambda: (_board_path("columns/")(), {"name": "Review"}),
        managers(201),
    ),
    ("columns reorder", "post", _reorder, managers(200)),
    (
        "column update",
        "patch",
        lambda: (f"/api/columns/{_column().pk}/", {"wip_limit": 4}),
        managers(200),
    ),
    (
        "column remove",
        "delete",
        lambda: (f"/api/columns/{_column().pk}/", None),
        managers(200),
    ),
    (
        "gate set",
        "post",
        lambda: (f"/api/columns/{_column().pk}/gates/", {"rule": "owner_required"}),
        managers(201),
    ),
    (
        "gate remove",
        "delete",
        lambda: (f"/api/gates/{_gate().pk}/", None),
        managers(204),
    ),
    ("card list", "get", lambda: ("/api/cards/", None), everyone(200)),
    ("card add", "post", _card_add, managers(201)),
    ("card detail", "get", lambda: (f"/api/cards/{_card().pk}/", None), everyone(200)),
    (
        "card remove",
        "delete",
        lambda: (f"/api/cards/{_card().pk}/", None),
        managers(204),
    ),
    # The data scientist does not work on this initiative (see the move tests).
    ("card move", "post", _move, managers(200)),
]


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
@pytest.mark.parametrize(
    ("method", "setup", "expected"),
    [pytest.param(m, s, e, id=name) for name, m, s, e in MATRIX],
)
def test_permission_matrix(api_as, role, method, setup, expected):
    client = api_as(role)
    path, body = setup()
    events = AuditEvent.objects.count()
    boards = Board.objects.values_list("pk", "version").order_by("pk")
    before = list(boards)
    response = getattr(client, method)(path, body, format="json")
    if role is ANONYMOUS:
        assert response.status_code == 401, response.content
        assert response.json()["detail"]
    else:
        assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response.json()["detail"]
        assert AuditEvent.objects.count() == events, "a refused request wrote"
        assert list(boards) == before, "a refused request changed a board"
    elif method != "get":
        assert AuditEvent.objects.count() > events, "an allowed write is audited"


def test_matrix_covers_every_route_of_the_boards_api():
    from teamhub.initiatives import board_apis, card_apis, column_apis

    routes = {
        str(pattern.pattern)
        for module in (board_apis, column_apis, card_apis)
        for pattern in module.urlpatterns
    }
    assert routes == {
        "cards/<int:pk>/move/",
        "boards/<int:pk>/version/",
        "boards/<int:pk>/columns/",
        "boards/<int:pk>/columns/reorder/",
        "columns/<int:pk>/",
        "columns/<int:pk>/gates/",
        "gates/<int:pk>/",
        "^boards/$",
        "^boards/(?P<pk>\\d+)/$",
        "^cards/$",
        "^cards/(?P<pk>\\d+)/$",
    }


# OpenAPI ---------------------------------------------------------------------------


def test_schema_documents_the_boards_api(api_as):
    response = api_as("stakeholder").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/boards/",
        "/api/boards/{id}/",
        "/api/boards/{id}/version/",
        "/api/boards/{id}/columns/",
        "/api/boards/{id}/columns/reorder/",
        "/api/columns/{id}/",
        "/api/columns/{id}/gates/",
        "/api/gates/{id}/",
        "/api/cards/",
        "/api/cards/{id}/",
        "/api/cards/{id}/move/",
    ]:
        assert path in paths, path
    move = paths["/api/cards/{id}/move/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(move["responses"])
    detail_params = {p["name"] for p in paths["/api/boards/{id}/"]["get"]["parameters"]}
    assert {"team", "owner", "person", "label", "criticality", "pathway", "q"} <= (
        detail_params
    )

"""The board pages: list and create, the board with filters and swimlanes, the
"Move to…" form without JavaScript, adding initiatives, and query counts."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.initiatives.models import (
    Board,
    Card,
    Column,
    GateRule,
    Initiative,
    Label,
    Pathway,
    Stage,
    Swimlanes,
    ValueCheckIn,
)
from teamhub.initiatives.ranking import ranks_spaced
from teamhub.initiatives.services_boards import (
    BoardTemplate,
    board_create,
    column_gate_set,
    column_update,
)
from teamhub.initiatives.services_cards import card_add, card_move
from tests.conftest import ROLES
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = None
EDITORS = {"manager", "admin"}
ROLE_IDS = [*ROLES, "anonymous"]
ALL_ROLES = [*ROLES, ANONYMOUS]
TODAY = timezone.localdate()


def column(board: Board, stage: str) -> Column:
    return board.columns.get(stage=stage)


def board_url(board: Board, name: str = "board") -> str:
    return reverse(f"initiatives:{name}", args=[board.pk])


def move_url(card: Card) -> str:
    return reverse("initiatives:card_move", args=[card.pk])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.fixture
def board(manager: User) -> Board:
    return board_create(actor=manager, name="Vision board", include_initiatives=False)


@pytest.fixture
def card(manager: User, board: Board) -> Card:
    initiative = InitiativeFactory(
        key="ML-42",
        title="Churn model",
        business_kpi="Retained revenue",
        kpi_target="+5 %",
        model_metric_name="AUC",
        mission_criticality=3,
        pathway=Pathway.EXPERIMENTAL,
        compute_complexity=2,
        ml_complexity=3,
        target_date=TODAY + dt.timedelta(days=40),
        owner=PersonFactory(user__first_name="Olga", user__last_name="Owner"),
    )
    initiative.labels.set([Label.objects.create(name="NLP", color="#ffc107")])
    AssignmentFactory(
        initiative=initiative,
        person=PersonFactory(user__first_name="Mia", user__last_name="Member"),
        allocation=60,
    )
    for week, value in enumerate([1.0, 2.0, 3.0]):
        ValueCheckIn.objects.create(
            initiative=initiative,
            at=TODAY - dt.timedelta(days=7 * (3 - week)),
            business_value=value,
            model_metric=0.7 + week / 100,
        )
    return card_add(
        actor=manager,
        board=board,
        initiative=initiative,
        column=column(board, Stage.IDEA),
    )


# Permission matrix -------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_board_list_is_for_every_signed_in_role(client_as, board, role):
    response = client_as(role).get(reverse("initiatives:boards"))
    if role is ANONYMOUS:
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    assert "Vision board" in response.content.decode()
    has_form = 'action="/boards/" novalidate' in response.content.decode()
    assert has_form is (role in EDITORS)


@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_only_managers_create_boards(client_as, role):
    response = client_as(role).post(
        reverse("initiatives:boards"),
        {"name": "New board", "template": BoardTemplate.ML_LIFECYCLE},
    )
    created = Board.objects.filter(name="New board").first()
    if role is ANONYMOUS:
        assert_login_redirect(response)
    elif role in EDITORS:
        assert created is not None
        assert response.status_code == 302
        assert response["Location"] == created.get_absolute_url()
        return
    else:
        assert response.status_code == 403
    assert created is None


@pytest.mark.parametrize("name", ["board", "board_columns"])
@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_board_and_its_columns_are_for_every_signed_in_role(
    client_as, card, role, name
):
    response = client_as(role).get(board_url(card.board, name))
    if role is ANONYMOUS:
        assert_login_redirect(response)
    else:
        assert response.status_code == 200
        assert "ML-42" in response.content.decode()


@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_only_managers_see_the_add_initiative_page(client_as, card, role):
    response = client_as(role).get(board_url(card.board, "board_add"))
    if role is ANONYMOUS:
        assert_login_redirect(response)
    elif role in EDITORS:
        assert response.status_code == 200
        assert 'data-testid="add-initiative-forms"' in response.content.decode()
    else:
        assert response.status_code == 403
    board_page = client_as(role).get(board_url(card.board)).content.decode()
    has_link = board_url(card.board, "board_add") in board_page
    assert has_link is (role in EDITORS)


@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_only_managers_add_an_existing_initiative(client_as, board, role):
    initiative = InitiativeFactory(key="ML-7")
    response = client_as(role).post(
        board_url(board, "board_card_add"), {"initiative": initiative.pk}
    )
    added = Card.objects.filter(board=board, initiative=initiative).first()
    if role is ANONYMOUS:
        assert_login_redirect(response)
    elif role in EDITORS:
        assert added is not None
        assert response.status_code == 302
        return
    else:
        assert response.status_code == 403
    assert added is None


@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_only_managers_create_an_initiative_on_the_board(client_as, board, role):
    response = client_as(role).post(
        board_url(board, "board_initiative_create"),
        {
            "key": "NEW-1",
            "title": "Demand forecast",
            "mission_criticality": 2,
            "pathway": Pathway.EXPERIMENTAL,
            "pipeline_owner": "data_science",
        },
    )
    created = Initiative.objects.filter(key="NEW-1").first()
    if role is ANONYMOUS:
        assert_login_redirect(response)
    elif role in EDITORS:
        assert created is not None
        assert Card.objects.filter(board=board, initiative=created).exists()
        assert response.status_code == 302
        return
    else:
        assert response.status_code == 403
    assert created is None


@pytest.mark.parametrize("role", ALL_ROLES, ids=ROLE_IDS)
def test_move_form_is_for_managers_and_the_people_on_the_initiative(
    client_as, card, role
):
    target = column(card.board, Stage.SCOPING)
    response = client_as(role).post(
        move_url(card), {"column": target.pk, "version": card.version}
    )
    card.refresh_from_db()
    if role is ANONYMOUS:
        assert_login_redirect(response)
    elif role in EDITORS:
        assert response.status_code == 302
        assert card.column == target
        return
    else:  # a data scientist not on this initiative, a stakeholder
        assert response.status_code == 403
    assert card.column.stage == Stage.IDEA


def test_data_scientist_moves_the_card_of_their_initiative(
    client: Client, card, scientist
):
    AssignmentFactory(initiative=card.initiative, person=scientist.person)
    client.force_login(scientist)
    target = column(card.board, Stage.SCOPING)
    response = client.post(
        move_url(card), {"column": target.pk, "version": card.version}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.column == target


# The list of boards --------------------------------------------------------------


def test_board_list_shows_team_or_portfolio_and_counts(client_as, manager, card):
    team = TeamFactory(name="Fraud")
    board_create(actor=manager, name="Fraud board", team=team)
    page = client_as("stakeholder").get(reverse("initiatives:boards")).content.decode()
    rows = {
        name: row
        for row in re.findall(r'<tr data-board="\d+">(.*?)</tr>', page, re.S)
        for name in ("Vision board", "Fraud board")
        if name in row
    }
    assert "Portfolio" in rows["Vision board"]
    assert "Fraud" in rows["Fraud board"]
    # Eight columns of the ML lifecycle template; one card.
    assert re.search(r">8</td>\s*<td class=\"text-end\">1</td>", rows["Vision board"])


@pytest.mark.parametrize(
    ("role", "text"),
    [
        ("manager", "No boards yet — create one from the ML lifecycle template"),
        ("stakeholder", "No boards yet — ask a manager to create one"),
        ("data_scientist", "No boards yet — ask a manager to create one"),
    ],
)
def test_board_list_empty_state_says_what_to_do(client_as, role, text):
    page = client_as(role).get(reverse("initiatives:boards")).content.decode()
    assert text in page


def test_create_board_from_the_template_with_the_teams_initiatives(
    client: Client, manager
):
    team = TeamFactory(name="Vision")
    InitiativeFactory(key="CV-1", team=team, stage=Stage.DEPLOYMENT)
    InitiativeFactory(key="OT-1")
    client.force_login(manager)
    response = client.post(
        reverse("initiatives:boards"),
        {
            "name": "CV",
            "team": team.pk,
            "template": BoardTemplate.ML_LIFECYCLE,
            "swimlanes": Swimlanes.CRITICALITY,
            "include_initiatives": "on",
        },
        follow=True,
    )
    board = Board.objects.get(name="CV")
    assert board.swimlanes == Swimlanes.CRITICALITY
    assert [c.initiative.key for c in board.cards.all()] == ["CV-1"]
    assert board.cards.get().column.stage == Stage.DEPLOYMENT
    assert "Created the board “CV”." in response.content.decode()


def test_create_empty_board_without_initiatives(client: Client, manager):
    InitiativeFactory(key="CV-1")
    client.force_login(manager)
    client.post(
        reverse("initiatives:boards"),
        {"name": "Blank", "template": BoardTemplate.EMPTY},
    )
    board = Board.objects.get(name="Blank")
    assert not board.columns.exists()
    assert not board.cards.exists()
    page = client.get(board.get_absolute_url()).content.decode()
    assert "This board has no columns yet" in page
    assert board_url(board, "board_settings") in page


def test_create_board_with_bad_input_shows_errors_next_to_fields(
    client: Client, manager
):
    client.force_login(manager)
    response = client.post(
        reverse("initiatives:boards"), {"name": "  ", "template": "kanban"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-name"' in page
    assert 'data-testid="error-template"' in page
    assert not Board.objects.exists()


# The board page -------------------------------------------------------------------


def card_html(page: str, card: Card) -> str:
    match = re.search(
        rf'<li class="board-card[^"]*" id="card-{card.pk}".*?'
        r'(?=<li class="board-card|</ol>)',
        page,
        re.S,
    )
    assert match, f"card {card.pk} is not on the page"
    return match.group(0)


def test_card_face_shows_the_initiative_at_a_glance(client_as, card):
    page = client_as("stakeholder").get(board_url(card.board)).content.decode()
    face = card_html(page, card)
    assert "ML-42" in face
    assert f'href="{reverse("initiatives:card", args=[card.pk])}"' in face
    assert "Churn model" in face
    assert "Olga Owner" in face
    assert "Mia Member" in face and 'aria-label="60 % allocated"' in face
    # Criticality 3 with its DESIGN.md meaning in the tooltip.
    assert "C3" in face
    assert "wrong predictions lose significant value" in face
    assert "Experimental" in face and "Data science" in face
    assert 'aria-label="Compute complexity 2 of 3"' in face
    assert 'aria-label="ML complexity 3 of 3"' in face
    assert "Retained revenue" in face and "+5 %" in face
    assert "in 1\xa0month" in face
    assert "background-color: #ffc107; color: #000" in face and "NLP" in face
    assert 'aria-label="Business value: rising over 3 check-ins' in face
    assert 'aria-label="AUC: rising over 3 check-ins' in face
    assert "Hardening candidate" in face
    assert "Mission criticality 3 on the experimental pathway" in face
    assert "Sign-off: —" in face and "Activity: —" in face


def test_label_colours_that_are_not_hex_are_not_put_in_the_style(client_as, card):
    card.initiative.labels.create(name="Odd", color="red;x:1")
    face = card_html(
        client_as("manager").get(board_url(card.board)).content.decode(), card
    )
    assert "red;x:1" not in face
    assert "background-color: #6c757d; color: #fff" in face


def test_columns_show_wip_state_and_gates(client_as, manager, card):
    board = card.board
    idea = column(board, Stage.IDEA)
    column_update(actor=manager, column=idea, wip_limit=1, wip_hard=True)
    scoping = column(board, Stage.SCOPING)
    column_update(actor=manager, column=scoping, wip_limit=1)
    for key in ("ML-1", "ML-2"):
        card_add(
            actor=manager,
            board=board,
            initiative=InitiativeFactory(key=key),
            column=scoping,
        )
    page = client_as("stakeholder").get(board_url(board)).content.decode()
    heads = dict(
        re.findall(
            r'data-column="(\d+)" data-testid="column-head">(.*?)</div>\s*</div>',
            page,
            re.S,
        )
    )
    assert (
        "text-bg-danger" in heads[str(idea.pk)] and "1 / 1 full" in heads[str(idea.pk)]
    )
    assert "text-bg-warning" in heads[str(scoping.pk)]
    assert "2 / 1 over" in heads[str(scoping.pk)]
    deployment = heads[str(column(board, Stage.DEPLOYMENT).pk)]
    assert "To enter: " in deployment
    assert "A business KPI and its target are set" in deployment
    assert "hardening plan (from mission criticality 3)" in deployment
    # The requirements gate of the template starts inactive: no icon.
    assert (
        'data-testid="gates"' not in heads[str(column(board, Stage.EXPERIMENTATION).pk)]
    )


def test_stakeholders_see_a_read_only_board(client_as, card):
    page = client_as("stakeholder").get(board_url(card.board)).content.decode()
    assert "drag-handle" not in page
    assert "Move to…" not in page
    assert 'data-testid="read-only"' in page
    assert "Add initiative" not in page
    assert board_url(card.board, "board_settings") not in page


def test_data_scientists_can_move_only_their_cards(
    client: Client, card, scientist, manager
):
    mine = card_add(
        actor=manager,
        board=card.board,
        initiative=InitiativeFactory(key="ML-9", owner=scientist.person),
    )
    client.force_login(scientist)
    page = client.get(board_url(card.board)).content.decode()
    assert "drag-handle" in card_html(page, mine)
    assert "Move to…" in card_html(page, mine)
    assert "drag-handle" not in card_html(page, card)
    assert "Move to…" not in card_html(page, card)
    assert 'data-lane-moves="0"' in page
    assert "Add initiative" not in page


def test_managers_get_handles_the_add_panel_and_settings(client_as, card):
    page = client_as("manager").get(board_url(card.board)).content.decode()
    face = card_html(page, card)
    assert "drag-handle" in face
    assert f'href="{board_url(card.board)}?move={card.pk}#move-panel"' in face
    assert 'data-lane-moves="1"' in page
    assert "Add initiative" in page
    assert board_url(card.board, "board_settings") in page
    # The page runs its script from static files, nothing inline or from a CDN.
    assert "vendor/sortablejs/Sortable.min.js" in page and "js/board.js" in page
    assert "<script>" not in page and "https://" not in page


def test_move_link_opens_the_move_form_without_javascript(client_as, card):
    url = f"{board_url(card.board)}?q=churn&move={card.pk}"
    page = client_as("manager").get(url).content.decode()
    panel = re.search(r'<section id="move-panel".*?</section>', page, re.S).group(0)
    assert f'action="{move_url(card)}"' in panel
    assert f'<option value="{card.column_id}" selected>Idea</option>' in panel
    assert 'name="version" value="1"' in panel
    assert f'name="next" value="{board_url(card.board)}?q=churn"' in panel
    assert '<label class="form-label" for="move_column">Column</label>' in panel
    assert '<option value="top">to the top</option>' in panel


@pytest.mark.parametrize("move", ["abc", "999999"])
def test_move_panel_ignores_unknown_cards(client_as, card, move):
    page = client_as("manager").get(board_url(card.board), {"move": move})
    assert 'id="move-panel"' not in page.content.decode()


def test_move_panel_is_not_offered_to_readers(client_as, card):
    page = client_as("stakeholder").get(board_url(card.board), {"move": card.pk})
    assert 'id="move-panel"' not in page.content.decode()


def test_board_page_empty_state_for_managers_and_readers(client_as, board):
    manager_page = client_as("manager").get(board_url(board)).content.decode()
    assert "No initiatives on this board yet" in manager_page
    assert "Add initiative" in manager_page
    reader_page = client_as("stakeholder").get(board_url(board)).content.decode()
    assert "ask a manager to add some" in reader_page


def test_a_deleted_board_says_so(client_as, board):
    pk = board.pk
    board.delete()
    response = client_as("manager").get(reverse("initiatives:board", args=[pk]))
    assert response.status_code == 404
    assert "it may have been deleted" in response.content.decode()
    columns = client_as("manager").get(reverse("initiatives:board_columns", args=[pk]))
    assert columns.status_code == 404
    assert "deleted" in columns.content.decode()


def test_swimlanes_split_the_columns_into_rows(client_as, manager, board):
    board.swimlanes = Swimlanes.CRITICALITY
    board.save()
    card_add(
        actor=manager,
        board=board,
        initiative=InitiativeFactory(key="HI-1", mission_criticality=4),
    )
    page = client_as("manager").get(board_url(board)).content.decode()
    assert page.count('data-testid="lane"') == 4
    lists = re.findall(
        r'<ol class="board-cards[^"]*" data-column="\d+" '
        r'data-column-name="[^"]*" data-lane="(\d)"[^>]*>(.*?)</ol>',
        page,
        re.S,
    )
    assert len(lists) == 4 * 8
    assert [lane for lane, cards in lists if "HI-1" in cards] == ["4"]


# Filters -----------------------------------------------------------------------


@pytest.fixture
def filtered_board(manager: User, board: Board) -> dict[str, Initiative]:
    vision, fraud = TeamFactory(name="Vision"), TeamFactory(name="Fraud")
    ada = PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    bob = PersonFactory(user__first_name="Bob", user__last_name="Builder")
    nlp = Label.objects.create(name="NLP")
    items = {
        "one": InitiativeFactory(
            key="CV-1",
            title="Shelf detection",
            team=vision,
            owner=ada,
            mission_criticality=1,
        ),
        "two": InitiativeFactory(
            key="FR-1",
            title="Card fraud",
            team=fraud,
            owner=bob,
            mission_criticality=4,
            pathway=Pathway.PRODUCTION,
        ),
        "three": InitiativeFactory(
            key="FR-2", title="Chargebacks", team=fraud, mission_criticality=2
        ),
    }
    items["three"].labels.add(nlp)
    AssignmentFactory(initiative=items["three"], person=ada)
    for initiative in items.values():
        card_add(actor=manager, board=board, initiative=initiative)
    items["teams"] = (vision, fraud)  # type: ignore[assignment]
    items["people"] = (ada, bob)  # type: ignore[assignment]
    items["label"] = nlp  # type: ignore[assignment]
    return items


def shown_value(page: str, name: str) -> str | None:
    """Return the value the filter form shows for ``name``."""
    select = re.search(rf'<select[^>]* name="{name}".*?</select>', page, re.S)
    if select:
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
        return chosen.group(1) if chosen else None
    field = re.search(rf'<input type="search" name="{name}" value="([^"]*)"', page)
    return field.group(1) if field else None


def keys_on(page: str) -> list[str]:
    return sorted(re.findall(r'data-key="([^"]+)"', page))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda w: {"team": w["teams"][1].pk}, ["FR-1", "FR-2"]),
        (lambda w: {"owner": w["people"][0].pk}, ["CV-1"]),
        (lambda w: {"person": w["people"][0].pk}, ["CV-1", "FR-2"]),
        (lambda w: {"label": w["label"].pk}, ["FR-2"]),
        (lambda w: {"criticality": 4}, ["FR-1"]),
        (lambda w: {"pathway": Pathway.PRODUCTION}, ["FR-1"]),
        (lambda w: {"q": "shelf"}, ["CV-1"]),
        (lambda w: {"team": w["teams"][1].pk, "q": "charge"}, ["FR-2"]),
    ],
    ids=["team", "owner", "person", "label", "criticality", "pathway", "text", "two"],
)
def test_filters_narrow_the_cards_and_stay_in_the_form(
    client_as, board, filtered_board, query: Callable, expected
):
    params = query(filtered_board)
    response = client_as("stakeholder").get(board_url(board), params)
    page = response.content.decode()
    assert keys_on(page) == expected
    assert f"{len(expected)} of 3 cards match the filters" in page
    for name, value in params.items():
        assert shown_value(page, name) == str(value)


def test_filter_request_from_htmx_gets_the_columns_only(
    client_as, board, filtered_board
):
    response = client_as("manager").get(
        board_url(board),
        {"criticality": 4},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="board-columns",
    )
    page = response.content.decode()
    assert page.lstrip().startswith("{#") is False
    assert "<html" not in page
    assert 'id="board-columns"' in page
    assert keys_on(page) == ["FR-1"]
    # The "Move to…" links keep the filters.
    assert f'href="{board_url(board)}?criticality=4&amp;move=' in page


def test_columns_partial_keeps_filters_and_carries_the_version(
    client_as, board, filtered_board
):
    board.refresh_from_db()
    page = (
        client_as("stakeholder")
        .get(board_url(board, "board_columns"), {"q": "fraud"})
        .content.decode()
    )
    assert f'data-version="{board.version}"' in page
    assert keys_on(page) == ["FR-1"]


def test_invalid_filter_value_is_shown_and_ignored(client_as, board, filtered_board):
    response = client_as("stakeholder").get(board_url(board), {"team": "999999"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-team"' in page
    assert keys_on(page) == ["CV-1", "FR-1", "FR-2"]


def test_no_match_empty_state(client_as, board, filtered_board):
    page = client_as("stakeholder").get(board_url(board), {"q": "zzz"}).content.decode()
    assert "No cards match these filters" in page


# Moving without JavaScript ------------------------------------------------------


def post_move(client: Client, card: Card, target: Column, **extra) -> object:
    data = {"column": target.pk, "version": card.version, **extra}
    return client.post(move_url(card), data, follow=True)


def test_move_form_moves_to_the_top_and_keeps_the_filters(
    client: Client, manager, card
):
    board = card.board
    scoping = column(board, Stage.SCOPING)
    other = card_add(
        actor=manager, board=board, initiative=InitiativeFactory(), column=scoping
    )
    client.force_login(manager)
    back = f"{board_url(board)}?q=churn"
    response = client.post(
        move_url(card),
        {
            "column": scoping.pk,
            "version": card.version,
            "position": "top",
            "next": back,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{back}#card-{card.pk}"
    assert texts(response) == ["Moved ML-42 to the top of “Scoping”."]
    order = list(scoping.cards.order_by("rank").values_list("pk", flat=True))
    assert order == [card.pk, other.pk]
    card.refresh_from_db()
    assert card.version == 2
    assert card.initiative.stage == Stage.SCOPING


def test_move_form_bottom_is_the_default(client: Client, manager, card):
    board = card.board
    scoping = column(board, Stage.SCOPING)
    other = card_add(
        actor=manager, board=board, initiative=InitiativeFactory(), column=scoping
    )
    client.force_login(manager)
    post_move(client, card, scoping)
    order = list(scoping.cards.order_by("rank").values_list("pk", flat=True))
    assert order == [other.pk, card.pk]


def test_move_form_ignores_a_next_url_off_the_board(client: Client, manager, card):
    client.force_login(manager)
    response = client.post(
        move_url(card),
        {
            "column": column(card.board, Stage.SCOPING).pk,
            "version": 1,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == f"{board_url(card.board)}#card-{card.pk}"


def test_move_form_refused_by_a_hard_wip_limit_says_why(client: Client, manager, card):
    board = card.board
    scoping = column(board, Stage.SCOPING)
    card_add(actor=manager, board=board, initiative=InitiativeFactory(), column=scoping)
    column_update(actor=manager, column=scoping, wip_limit=1, wip_hard=True)
    client.force_login(manager)
    card.refresh_from_db()
    response = post_move(client, card, scoping)
    page = response.content.decode()
    assert "ML-42 was not moved: “Scoping” is at its WIP limit of 1." in page
    card.refresh_from_db()
    assert card.column.stage == Stage.IDEA


def test_move_form_soft_wip_limit_moves_with_a_warning(client: Client, manager, card):
    board = card.board
    scoping = column(board, Stage.SCOPING)
    card_add(actor=manager, board=board, initiative=InitiativeFactory(), column=scoping)
    column_update(actor=manager, column=scoping, wip_limit=1)
    client.force_login(manager)
    card.refresh_from_db()
    response = post_move(client, card, scoping)
    page = response.content.decode()
    assert "Moved ML-42 to the bottom of “Scoping”." in page
    assert "“Scoping” now holds 2 cards, over its WIP limit of 1." in page
    assert "alert-warning" in page


def test_move_form_refused_by_a_gate_says_why(client: Client, manager, card):
    # Deployment: criticality 3 on the data science pipeline without a plan.
    client.force_login(manager)
    card.initiative.business_kpi = "Revenue"
    card.initiative.save()
    response = post_move(client, card, column(card.board, Stage.DEPLOYMENT))
    page = response.content.decode()
    assert "ML-42 was not moved:" in page
    assert "needs the pipeline owned by engineering or a written hardening plan" in page
    card.refresh_from_db()
    assert card.column.stage == Stage.IDEA


def test_move_form_refused_by_the_requirements_gate_says_why(
    client: Client, manager, card
):
    experimentation = column(card.board, Stage.EXPERIMENTATION)
    column_gate_set(
        actor=manager,
        column=experimentation,
        rule=GateRule.APPROVED_REQUIREMENTS,
        active=True,
    )
    client.force_login(manager)
    response = post_move(client, card, experimentation)
    assert "needs an approved requirement document for ML-42" in (
        response.content.decode()
    )


def test_move_form_with_a_stale_version_says_who_moved_it_where(
    client: Client, manager, card
):
    card_move(
        actor=manager, card=card, column=column(card.board, Stage.SCOPING), version=1
    )
    client.force_login(manager)
    response = client.post(
        move_url(card),
        {"column": column(card.board, Stage.DATA_EDA).pk, "version": 1},
        follow=True,
    )
    page = response.content.decode()
    assert (
        "ML-42 was changed by someone else since you loaded the board; it is "
        "now in “Scoping”." in page
    )
    card.refresh_from_db()
    assert card.column.stage == Stage.SCOPING


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"column": "x", "version": 1}, "Enter a whole number."),
        ({"column": 1}, "version is missing; reload the board"),
        ({"column": 1, "version": -3}, "greater than or equal to 1"),
    ],
    ids=["column-not-a-number", "no-version", "negative-version"],
)
def test_move_form_bad_input_changes_nothing(
    client: Client, manager, card, data, message
):
    client.force_login(manager)
    response = client.post(move_url(card), data, follow=True)
    assert message in response.content.decode()
    card.refresh_from_db()
    assert (card.version, card.column.stage) == (1, Stage.IDEA)


def test_move_form_to_a_column_of_another_board_is_refused(
    client: Client, manager, card
):
    other = board_create(actor=manager, name="Other", include_initiatives=False)
    client.force_login(manager)
    response = post_move(client, card, column(other, Stage.SCOPING))
    assert "That column is not on this card" in response.content.decode()
    card.refresh_from_db()
    assert card.board_id != other.pk and card.column.board_id == card.board_id


def test_move_form_for_a_card_that_is_gone_is_404(client: Client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("initiatives:card_move", args=[999999]), {"column": 1, "version": 1}
    )
    assert response.status_code == 404


# Adding initiatives ---------------------------------------------------------------


def test_add_existing_initiative_to_a_chosen_column(client: Client, manager, board):
    initiative = InitiativeFactory(key="ML-7")
    client.force_login(manager)
    scoping = column(board, Stage.SCOPING)
    response = client.post(
        board_url(board, "board_card_add"),
        {"initiative": initiative.pk, "column": scoping.pk},
    )
    card = Card.objects.get(board=board, initiative=initiative)
    assert card.column == scoping
    assert response["Location"] == f"{board_url(board)}#card-{card.pk}"
    assert texts(response) == ["Added ML-7 to “Scoping”."]


def test_add_offers_only_initiatives_not_on_the_board(client_as, card):
    free = InitiativeFactory(key="FREE-1")
    page = client_as("manager").get(board_url(card.board, "board_add")).content.decode()
    found = re.search(r'<select[^>]* name="initiative".*?</select>', page, re.S)
    select = found.group(0)
    assert f'value="{free.pk}"' in select
    assert f'value="{card.initiative.pk}"' not in select


def test_add_into_a_full_hard_column_is_refused_with_409(client: Client, manager, card):
    column_update(actor=manager, column=card.column, wip_limit=1, wip_hard=True)
    client.force_login(manager)
    initiative = InitiativeFactory(key="ML-8")
    response = client.post(
        board_url(card.board, "board_card_add"),
        {"initiative": initiative.pk, "column": card.column_id},
    )
    assert response.status_code == 409
    assert "is at its WIP limit of 1" in response.content.decode()
    assert 'data-testid="add-initiative-forms"' in response.content.decode()
    assert not Card.objects.filter(initiative=initiative).exists()


def test_create_initiative_on_the_board_goes_through_the_gates(
    client: Client, manager, board
):
    client.force_login(manager)
    deployment = column(board, Stage.DEPLOYMENT)
    response = client.post(
        board_url(board, "board_initiative_create"),
        {
            "key": "NEW-2",
            "title": "Fraud model",
            "mission_criticality": 4,
            "pathway": Pathway.EXPERIMENTAL,
            "pipeline_owner": "data_science",
            "business_kpi": "Losses",
            "kpi_target": "-10 %",
            "column": deployment.pk,
        },
    )
    assert response.status_code == 409
    assert "hardening plan" in response.content.decode()
    # Nothing half-written: the refused card took its initiative with it.
    assert not Initiative.objects.filter(key="NEW-2").exists()


def test_create_initiative_with_a_taken_key_shows_the_error_next_to_it(
    client: Client, manager, board
):
    InitiativeFactory(key="TAKEN")
    client.force_login(manager)
    response = client.post(
        board_url(board, "board_initiative_create"),
        {
            "key": "taken",
            "title": "x",
            "mission_criticality": 1,
            "pathway": Pathway.EXPERIMENTAL,
            "pipeline_owner": "data_science",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-key"' in page
    assert "Another initiative already uses this key." in page
    assert Initiative.objects.filter(key__iexact="taken").count() == 1


def test_create_initiative_lands_in_the_chosen_column_and_its_stage(
    client: Client, manager, board
):
    client.force_login(manager)
    scoping = column(board, Stage.SCOPING)
    client.post(
        board_url(board, "board_initiative_create"),
        {
            "key": "NEW-3",
            "title": "Recommender",
            "mission_criticality": 1,
            "pathway": Pathway.EXPERIMENTAL,
            "pipeline_owner": "data_science",
            "column": scoping.pk,
        },
    )
    card = Card.objects.get(initiative__key="NEW-3")
    assert card.column == scoping
    assert card.initiative.stage == Stage.SCOPING


# Query counts ------------------------------------------------------------------


def fill(board: Board, count: int) -> None:
    """Put ``count`` initiatives with members, labels and check-ins on the board."""
    columns = list(board.columns.all())
    labels = [Label.objects.create(name=f"{board.name} {n}") for n in range(3)]
    owner = PersonFactory()
    initiatives = InitiativeFactory.create_batch(count, owner=owner)
    ranks = ranks_spaced(count)
    Card.objects.bulk_create(
        Card(
            board=board,
            initiative=initiative,
            column=columns[index % len(columns)],
            rank=ranks[index],
        )
        for index, initiative in enumerate(initiatives)
    )
    for index, initiative in enumerate(initiatives):
        initiative.labels.set(labels[: index % 3 + 1])
        AssignmentFactory(initiative=initiative)
    ValueCheckIn.objects.bulk_create(
        ValueCheckIn(
            initiative=initiative,
            at=TODAY - dt.timedelta(days=days),
            business_value=days,
            model_metric=0.5,
        )
        for initiative in initiatives
        for days in (30, 20, 10)
    )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_board_with_20_and_300_cards_renders_with_the_same_queries(
    client: Client, manager, make_user, django_assert_max_num_queries
):
    small = board_create(actor=manager, name="Small", include_initiatives=False)
    large = board_create(actor=manager, name="Large", include_initiatives=False)
    fill(small, 20)
    fill(large, 300)
    filters = "?q=Initiative&criticality=1"
    for role in ("manager", "data_scientist", "stakeholder"):
        client.force_login(manager if role == "manager" else make_user(role))
        for name in ("board", "board_columns"):
            small_queries = count_queries(client, board_url(small, name))
            with django_assert_max_num_queries(small_queries):
                response = client.get(board_url(large, name))
            assert response.content.decode().count('data-testid="card"') == 300
            assert count_queries(client, board_url(large, name)) == small_queries
        filtered = count_queries(client, board_url(small) + filters)
        with django_assert_max_num_queries(filtered):
            client.get(board_url(large) + filters)

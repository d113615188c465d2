"""Recording value check-ins: permission, validation, card history, board version."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import Board, CardEvent, ValueCheckIn
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add
from teamhub.initiatives.services_checkins import checkin_record, initiative_checkins
from tests.factories import AssignmentFactory, InitiativeFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def initiative():
    return InitiativeFactory(key="ML-1")


@pytest.fixture
def two_boards(manager, initiative) -> list[Board]:
    boards = [
        board_create(actor=manager, name=name, include_initiatives=False)
        for name in ("Vision", "Portfolio")
    ]
    for board in boards:
        card_add(actor=manager, board=board, initiative=initiative)
    return [Board.objects.get(pk=board.pk) for board in boards]


def test_checkin_is_saved_with_who_and_audited(manager, initiative):
    checkin = checkin_record(
        actor=manager,
        initiative=initiative,
        at=YESTERDAY,
        business_value=12,
        model_metric=0.8,
        note="  relaunch  ",
    )
    checkin.refresh_from_db()
    assert (checkin.at, checkin.business_value, checkin.model_metric) == (
        YESTERDAY,
        12.0,
        0.8,
    )
    assert (checkin.note, checkin.by) == ("relaunch", manager)
    event = AuditEvent.objects.get(verb="checkin.recorded")
    assert event.data["business_value"] == 12.0
    assert event.data["initiative"] == "ML-1"


def test_checkin_today_without_a_metric_is_fine(manager, initiative):
    checkin = checkin_record(
        actor=manager, initiative=initiative, at=TODAY, business_value=-3.5
    )
    assert checkin.model_metric is None


def test_checkin_writes_history_on_every_card_and_bumps_their_boards(
    manager, initiative, two_boards
):
    versions = [board.version for board in two_boards]
    cards = {card.pk: card.version for card in initiative.cards.all()}
    checkin_record(actor=manager, initiative=initiative, at=YESTERDAY, business_value=5)
    events = CardEvent.objects.filter(verb=CardEvent.Verb.CHECKED_IN)
    assert sorted(event.card_id for event in events) == sorted(cards)
    assert all(event.actor == manager for event in events)
    assert events[0].data["business_value"] == 5.0
    for board, before in zip(two_boards, versions, strict=True):
        board.refresh_from_db()
        assert board.version == before + 1
    # A check-in does not move a card: a drag started before it is not stale.
    assert {card.pk: card.version for card in initiative.cards.all()} == cards


def test_an_unrelated_boards_version_stays(manager, initiative, two_boards):
    other = board_create(actor=manager, name="Other", include_initiatives=False)
    before = Board.objects.get(pk=other.pk).version
    checkin_record(actor=manager, initiative=initiative, at=YESTERDAY, business_value=5)
    assert Board.objects.get(pk=other.pk).version == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"at": TODAY + dt.timedelta(days=1)}, "at"),
        ({"business_value": float("inf")}, "business_value"),
        ({"business_value": float("nan")}, "business_value"),
        ({"model_metric": float("-inf")}, "model_metric"),
        ({"model_metric": float("nan")}, "model_metric"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_checkin_is_refused_on_its_field_and_writes_nothing(
    manager, initiative, two_boards, kwargs, field
):
    versions = [board.version for board in two_boards]
    arguments = {"at": YESTERDAY, "business_value": 1.0, **kwargs}
    with pytest.raises(ValidationError) as error:
        checkin_record(actor=manager, initiative=initiative, **arguments)
    assert field in error.value.message_dict
    assert not ValueCheckIn.objects.exists()
    assert not CardEvent.objects.filter(verb=CardEvent.Verb.CHECKED_IN).exists()
    assert not AuditEvent.objects.filter(verb="checkin.recorded").exists()
    assert [Board.objects.get(pk=b.pk).version for b in two_boards] == versions


def test_every_bad_field_is_named_at_once(manager, initiative):
    with pytest.raises(ValidationError) as error:
        checkin_record(
            actor=manager,
            initiative=initiative,
            at=TODAY + dt.timedelta(days=3),
            business_value=float("nan"),
            model_metric=float("inf"),
        )
    assert set(error.value.message_dict) == {"at", "business_value", "model_metric"}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("manager", True),
        ("admin", True),
        ("data_scientist", False),
        ("stakeholder", False),
    ],
)
def test_who_may_record_by_role(make_user, initiative, role, allowed):
    actor = make_user(role)
    if allowed:
        checkin_record(
            actor=actor, initiative=initiative, at=YESTERDAY, business_value=1
        )
    else:
        with pytest.raises(PermissionDenied):
            checkin_record(
                actor=actor, initiative=initiative, at=YESTERDAY, business_value=1
            )
    assert ValueCheckIn.objects.count() == int(allowed)


def test_owner_and_members_may_record_but_not_finished_members(
    scientist, make_user, initiative
):
    initiative.owner = scientist.person
    initiative.save()
    checkin_record(
        actor=scientist, initiative=initiative, at=YESTERDAY, business_value=1
    )
    member = make_user("data_scientist")
    AssignmentFactory(person=member.person, initiative=initiative, status="proposed")
    checkin_record(actor=member, initiative=initiative, at=YESTERDAY, business_value=2)
    former = make_user("data_scientist")
    AssignmentFactory(
        person=former.person,
        initiative=initiative,
        status="finished",
        end=dt.date(2026, 3, 1),
    )
    with pytest.raises(PermissionDenied):
        checkin_record(
            actor=former, initiative=initiative, at=YESTERDAY, business_value=3
        )
    assert ValueCheckIn.objects.count() == 2


def test_selector_returns_oldest_first_with_ties_in_entry_order(manager, initiative):
    for at, value in [
        (YESTERDAY, 3),
        (TODAY - dt.timedelta(days=9), 1),
        (YESTERDAY, 4),
    ]:
        checkin_record(
            actor=manager, initiative=initiative, at=at, business_value=value
        )
    other = InitiativeFactory()
    checkin_record(actor=manager, initiative=other, at=YESTERDAY, business_value=99)
    values = [
        c.business_value for c in initiative_checkins(initiative_id=initiative.pk)
    ]
    assert values == [1, 3, 4]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkins_moves_and_edits_do_not_deadlock(make_user):
    """Check-ins, moves and edits of one initiative on two boards, at once."""
    from tests.initiatives.test_card_move_concurrency import run_threads

    manager = make_user("manager")
    initiative = InitiativeFactory(key="ML-1")
    cards = []
    for name in ("Vision", "Portfolio"):
        board = board_create(actor=manager, name=name, include_initiatives=False)
        cards.append(card_add(actor=manager, board=board, initiative=initiative))
    rounds = 5

    def work(index: int) -> None:
        from teamhub.initiatives.models import Card
        from teamhub.initiatives.services import initiative_update
        from teamhub.initiatives.services_cards import card_move

        for step in range(rounds):
            if index < 2:
                checkin_record(
                    actor=manager,
                    initiative=initiative,
                    at=YESTERDAY,
                    business_value=index * 100 + step,
                )
            elif index == 2:
                initiative_update(
                    actor=manager, initiative=initiative, title=f"Title {step}"
                )
            else:
                card = Card.objects.get(pk=cards[index - 3].pk)
                columns = list(card.board.columns.all())
                # An edit may bump the card's version first: a 409 is fine here.
                with contextlib.suppress(Conflict):
                    card_move(
                        actor=manager,
                        card=card,
                        column=columns[step % 2],
                        version=card.version,
                    )

    results = run_threads(5, work)
    assert results == [None] * 5, results
    assert ValueCheckIn.objects.count() == 2 * rounds
    for card in cards:
        assert card.events.filter(verb=CardEvent.Verb.CHECKED_IN).count() == 2 * rounds

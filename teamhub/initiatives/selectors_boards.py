"""Reads of boards: a board with its columns, lanes and (filtered) cards."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from teamhub.initiatives.models import (
    Assignment,
    Board,
    Card,
    CardEvent,
    Column,
    ColumnGate,
    Initiative,
    Label,
    Swimlanes,
    ValueCheckIn,
)
from teamhub.initiatives.swimlanes import Lane, lane_key, lanes_for
from teamhub.initiatives.value import hardening_reason
from teamhub.integrations.selectors import initiative_activity_counts
from teamhub.people.models import Person, Team
from teamhub.requirements.selectors import signoff_states
from teamhub.requirements.state import DocState

# Sparklines show the check-ins of the last year.
TREND_WINDOW = dt.timedelta(days=366)

# What a board leaves out of its hundreds of rows: timestamps (converting them is
# a good part of the cost of a big board) and long texts the card does not show.
# Reading one of these on a board card costs a query per card.
_PERSON_DEFERRED = (
    "created", "updated", "user__password", "user__last_login", "user__date_joined",
)  # fmt: skip
CARD_DEFERRED = (
    "created", "updated", "initiative__created", "initiative__updated",
    "initiative__summary", "initiative__hardening_plan", "initiative__team__created",
    "initiative__team__updated",
    *(f"initiative__owner__{name}" for name in _PERSON_DEFERRED),
)  # fmt: skip
LABEL_FIELDS = ("id", "name", "color")


@dataclass(frozen=True)
class CardFilters:
    team: int | None = None
    owner: int | None = None
    person: int | None = None
    label: int | None = None
    criticality: int | None = None
    pathway: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        """Return whether any filter narrows the board (blank text does not)."""
        return any(
            value.strip() if isinstance(value, str) else value is not None
            for value in self.__dict__.values()
        )


@dataclass(frozen=True)
class MemberPerson:
    id: int
    name: str

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class BoardMember:
    """A current (proposed or confirmed) assignment as a card shows it: plain data,
    as a 300-card board would otherwise build a thousand model instances."""

    id: int
    person: MemberPerson
    role: str
    allocation: int
    status: str

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class BoardCard:
    card: Card  # initiative, owner__user, team selected; labels prefetched
    members: list[BoardMember]
    business_values: list[float]
    model_metrics: list[float]
    hardening: str | None
    lane: str
    # The requirement sign-off state (label), and activity counts (issue 5).
    signoff: str | None = None
    activity: int | None = None
    # The card's HTML, set by the page (board_cards.render_cards).
    html: str = ""


@dataclass
class BoardColumn:
    column: Column
    gates: list[ColumnGate]
    total: int  # cards in the column, filtered or not (for the WIP limit)
    cards: list[BoardCard] = field(default_factory=list)

    @property
    def over_limit(self) -> bool:
        limit = self.column.wip_limit
        return limit is not None and self.total > limit

    @property
    def at_limit(self) -> bool:
        limit = self.column.wip_limit
        return limit is not None and self.total >= limit


@dataclass
class BoardLaneRow:
    lane: Lane
    cells: list[tuple[BoardColumn, list[BoardCard]]]

    @property
    def count(self) -> int:
        return sum(len(cards) for _, cards in self.cells)


@dataclass
class BoardDetail:
    board: Board
    columns: list[BoardColumn]
    lanes: list[Lane]
    filters: CardFilters

    @property
    def shown(self) -> int:
        return sum(len(column.cards) for column in self.columns)

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)

    def lane_rows(self) -> list[BoardLaneRow]:
        """Return one row per swimlane, each with its cards in every column."""
        rows = []
        for lane in self.lanes:
            cells = [
                (column, [card for card in column.cards if card.lane == lane.key])
                for column in self.columns
            ]
            rows.append(BoardLaneRow(lane=lane, cells=cells))
        return rows


def board_list() -> QuerySet[Board]:
    """Return boards with their team and how many columns and cards they hold."""
    return Board.objects.select_related("team").annotate(
        column_count=Count("columns", distinct=True),
        card_count=Count("cards", distinct=True),
    )


def filtered_cards(board: Board, filters: CardFilters) -> QuerySet[Card]:
    cards = Card.objects.filter(board=board)
    initiative_filters = Q()
    if filters.team is not None:
        initiative_filters &= Q(initiative__team_id=filters.team)
    if filters.owner is not None:
        initiative_filters &= Q(initiative__owner_id=filters.owner)
    if filters.criticality is not None:
        initiative_filters &= Q(initiative__mission_criticality=filters.criticality)
    if filters.pathway:
        initiative_filters &= Q(initiative__pathway=filters.pathway)
    if filters.q.strip():
        text = filters.q.strip()
        initiative_filters &= (
            Q(initiative__key__icontains=text)
            | Q(initiative__title__icontains=text)
            | Q(initiative__business_kpi__icontains=text)
            | Q(initiative__summary__icontains=text)
        )
    cards = cards.filter(initiative_filters)
    if filters.person is not None:
        # Whoever works on it now: its owner or a current (not finished) member.
        cards = cards.filter(
            Q(initiative__owner_id=filters.person)
            | Exists(
                Assignment.objects.filter(
                    initiative_id=OuterRef("initiative_id"),
                    person_id=filters.person,
                ).exclude(status=Assignment.Status.FINISHED)
            )
        )
    if filters.label is not None:
        label_links = Initiative.labels.through
        cards = cards.filter(
            Exists(
                label_links.objects.filter(
                    initiative_id=OuterRef("initiative_id"), label_id=filters.label
                )
            )
        )
    return cards


def board_detail(*, board_id: int, filters: CardFilters | None = None) -> BoardDetail:
    """Return the board with columns and the cards that pass ``filters``.

    A fixed number of queries whatever the board's size: board, columns, gates,
    counts, cards, labels, members, check-ins (and teams for team lanes).
    """
    filters = filters or CardFilters()
    board = Board.objects.select_related("team").get(pk=board_id)
    columns = list(board.columns.all())
    gates: dict[int, list[ColumnGate]] = defaultdict(list)
    for gate in ColumnGate.objects.filter(column__board=board).order_by("rule"):
        gates[gate.column_id].append(gate)
    totals = dict(
        Card.objects.filter(board=board)
        .values("column")
        .annotate(n=Count("id"))
        .values_list("column", "n")
    )
    labels = Prefetch("initiative__labels", queryset=Label.objects.only(*LABEL_FIELDS))
    cards = list(
        filtered_cards(board, filters)
        .select_related("initiative__owner__user", "initiative__team")
        .defer(*CARD_DEFERRED)
        .prefetch_related(labels)
        .order_by("rank", "id")
    )
    initiative_ids = [card.initiative_id for card in cards]
    members: dict[int, list[BoardMember]] = defaultdict(list)
    for (
        pk,
        initiative_id,
        person_id,
        first,
        last,
        username,
        role,
        allocation,
        status,
    ) in (
        Assignment.objects.filter(initiative_id__in=initiative_ids)
        .exclude(status=Assignment.Status.FINISHED)
        .order_by("-allocation", "id")
        .values_list(
            "id",
            "initiative_id",
            "person_id",
            "person__user__first_name",
            "person__user__last_name",
            "person__user__username",
            "role",
            "allocation",
            "status",
        )
    ):
        name = f"{first} {last}".strip() or username
        members[initiative_id].append(
            BoardMember(pk, MemberPerson(person_id, name), role, allocation, status)
        )
    signoffs = signoff_states(initiative_ids)
    activity = initiative_activity_counts(initiative_ids)
    since = timezone.localdate() - TREND_WINDOW
    trends: dict[int, list[tuple[float, float | None]]] = defaultdict(list)
    for initiative_id, business_value, model_metric in (
        ValueCheckIn.objects.filter(initiative_id__in=initiative_ids, at__gte=since)
        .order_by("at", "id")
        .values_list("initiative_id", "business_value", "model_metric")
    ):
        trends[initiative_id].append((business_value, model_metric))
    teams = (
        list(Team.objects.filter(initiatives__cards__board=board).distinct())
        if board.swimlanes == Swimlanes.TEAM
        else []
    )
    by_column: dict[int, BoardColumn] = {
        column.pk: BoardColumn(
            column=column, gates=gates[column.pk], total=totals.get(column.pk, 0)
        )
        for column in columns
    }
    for card in cards:
        initiative = card.initiative
        readings = trends[initiative.pk]
        business_values = [value for value, _ in readings]
        by_column[card.column_id].cards.append(
            BoardCard(
                card=card,
                members=members[initiative.pk],
                business_values=business_values,
                model_metrics=[metric for _, metric in readings if metric is not None],
                hardening=hardening_reason(
                    pathway=initiative.pathway,
                    mission_criticality=initiative.mission_criticality,
                    business_values=business_values,
                ),
                lane=lane_key(board.swimlanes, initiative),
                signoff=(
                    DocState(signoffs[initiative.pk]).label
                    if initiative.pk in signoffs
                    else None
                ),
                activity=activity.get(initiative.pk),
            )
        )
    return BoardDetail(
        board=board,
        columns=list(by_column.values()),
        lanes=lanes_for(board.swimlanes, teams),
        filters=filters,
    )


def board_people(*, board_id: int) -> list[tuple[int, str]]:
    """Return (person id, name) of everyone who owns or currently works on an
    initiative of the board, by name: the choices of its owner and person
    filters (three narrow queries, a few hundred rows, not the whole registry)."""
    owners = Card.objects.filter(board_id=board_id).values_list(
        "initiative__owner_id", flat=True
    )
    members = Assignment.objects.filter(
        initiative__cards__board_id=board_id,
        status__in=[Assignment.Status.PROPOSED, Assignment.Status.CONFIRMED],
    ).values_list("person_id", flat=True)
    # Two narrow id lists, then the names: cheaper than one OR of subqueries.
    ids = {pk for pk in owners if pk is not None} | set(members)
    rows = Person.objects.filter(pk__in=ids).values_list(
        "pk", "user__first_name", "user__last_name", "user__username"
    )
    people = [
        (pk, f"{first} {last}".strip() or username)
        for pk, first, last, username in rows
    ]
    return sorted(people, key=lambda person: (person[1].casefold(), person[0]))


def board_version(board_id: int) -> int | None:
    """Return the board's version (one cheap query), or None if it is gone."""
    return Board.objects.filter(pk=board_id).values_list("version", flat=True).first()


def card_history(card: Card) -> QuerySet[CardEvent]:
    """Return the history of the card's initiative on its board, newest first,
    with who did it: earlier stays on the board (taken off, put back) too."""
    return (
        CardEvent.objects.filter(
            board_id=card.board_id, initiative_id=card.initiative_id
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )

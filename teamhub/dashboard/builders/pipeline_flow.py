"""How initiatives flow through the pipeline: pathway and ownership mix, time in
each lifecycle stage (from card history), and work in progress against limits."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.builders.pipeline import (
    CRITICALITY_COLOURS,
    STAGE_LABELS,
    STAGE_ORDER,
)
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import (
    Board,
    Card,
    CardEvent,
    Column,
    Initiative,
    MissionCriticality,
    Pathway,
    PipelineOwner,
    Stage,
)

# Mission criticality from which an experimental pipeline needs hardening (the
# board's default "hardening for critical" gate starts there too).
CRITICAL_FROM = 3
FLAGGED_LIST_LIMIT = 50
MIX_ORDER = [
    (Pathway.EXPERIMENTAL, PipelineOwner.DATA_SCIENCE),
    (Pathway.EXPERIMENTAL, PipelineOwner.ENGINEERING),
    (Pathway.PRODUCTION, PipelineOwner.DATA_SCIENCE),
    (Pathway.PRODUCTION, PipelineOwner.ENGINEERING),
]
PATHWAY_LABELS = dict(Pathway.choices)
OWNER_LABELS = dict(PipelineOwner.choices)
# Stays in Retired never end: they are left out of the stage-time chart.
TIMED_STAGES = [stage for stage in STAGE_ORDER if stage != Stage.RETIRED]
SECONDS_PER_DAY = 86400
# Bootstrap colours: ended stays (median, 75th percentile), open stays.
MEDIAN_COLOUR = "#0d6efd"
P75_COLOUR = "#6ea8fe"
OPEN_COLOUR = "#adb5bd"
WIP_COLOURS = {"under": "#198754", "at": "#fd7e14", "over": "#dc3545"}
WIP_LIMIT_COLOUR = "#212529"


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardTarget:
    """Where a bar leads: a board and the query narrowing it to the team."""

    url: str
    query: dict[str, str | int]
    filterable: bool  # False: the board list, which takes no filters

    def link(self, **query: str | int) -> str:
        if not self.filterable:
            return self.url
        params = {**self.query, **query}
        return f"{self.url}?{urlencode(params)}" if params else self.url


def board_target(team_id: int | None) -> BoardTarget:
    """Return the board showing the team's initiatives: the team's own board,
    else a portfolio board filtered by team, else the board list (one query)."""
    boards = list(Board.objects.order_by("name", "id").values_list("pk", "team_id"))
    own = next((pk for pk, team in boards if team_id and team == team_id), None)
    if own is not None:
        return BoardTarget(reverse("initiatives:board", args=[own]), {}, True)
    portfolio = next((pk for pk, team in boards if team is None), None)
    if portfolio is not None:
        query: dict[str, str | int] = {"team": team_id} if team_id else {}
        return BoardTarget(reverse("initiatives:board", args=[portfolio]), query, True)
    return BoardTarget(reverse("initiatives:boards"), {}, False)


@dataclass(frozen=True)
class FlaggedInitiative:
    key: str
    title: str
    criticality: int
    card_id: int | None


@dataclass(frozen=True)
class MixData:
    # (pathway, pipeline owner, criticality) -> initiatives (not retired)
    counts: dict[tuple[str, str, int], int]
    flagged: list[FlaggedInitiative]
    flagged_total: int
    target: BoardTarget


def pipeline_mix_data(*, team_id: int | None) -> MixData:
    """Return the initiatives (not retired) per pathway x pipeline owner x
    criticality, and the experimental ones at criticality >= CRITICAL_FROM that
    data science owns without a hardening plan (the ones the board's hardening
    gate would stop): three queries, four with a team filter."""
    condition = ~Q(stage=Stage.RETIRED)
    if team_id:
        condition &= Q(team_id__in=team_ids_in_scope(team_id))
    counts = {
        (row["pathway"], row["pipeline_owner"], row["mission_criticality"]): row["n"]
        for row in Initiative.objects.filter(condition)
        .values("pathway", "pipeline_owner", "mission_criticality")
        .annotate(n=Count("pk"))
        .order_by()
    }
    first_card = Card.objects.filter(initiative=OuterRef("pk")).order_by("pk")
    candidates = (
        Initiative.objects.filter(
            condition,
            pathway=Pathway.EXPERIMENTAL,
            pipeline_owner=PipelineOwner.DATA_SCIENCE,
            mission_criticality__gte=CRITICAL_FROM,
        )
        .annotate(card_id=Subquery(first_card.values("pk")[:1]))
        .order_by("-mission_criticality", "key")
        .values_list("key", "title", "mission_criticality", "hardening_plan", "card_id")
    )
    # Blank means what the gate means by it: nothing but white space.
    flagged = [
        FlaggedInitiative(key, title, level, card_id)
        for key, title, level, plan, card_id in candidates
        if not plan.strip()
    ]
    return MixData(
        counts=counts,
        flagged=flagged[:FLAGGED_LIST_LIMIT],
        flagged_total=len(flagged),
        target=board_target(team_id),
    )


@dataclass(frozen=True)
class StageEvent:
    """A card's entry into a column, as its history recorded it."""

    initiative_id: int
    board_id: int
    verb: str  # CardEvent.Verb.CREATED or MOVED
    to_column: str  # the column's name at the time
    at: dt.datetime
    id: int


@dataclass(frozen=True)
class Stay:
    initiative_id: int
    stage: str
    start: dt.datetime
    end: dt.datetime | None  # None: still in the stage

    def days(self, until: dt.datetime) -> float:
        end = self.end or until
        return (end - self.start).total_seconds() / SECONDS_PER_DAY


@dataclass(frozen=True)
class StageTime:
    stage: str
    ended: int  # stays that ended in the range
    median_days: float | None
    p75_days: float | None
    open: int  # stays still running at the end of the range
    open_median_days: float | None  # their median age so far


@dataclass(frozen=True)
class StageTimeData:
    stages: list[StageTime]  # lifecycle order, stages without any stay left out
    as_of: dt.datetime  # when open stays' ages are measured
    target: BoardTarget


_STAGE_BY_NAME = {
    **{label.casefold(): value for value, label in Stage.choices},
    **{value: value for value in Stage.values},
}


def column_stage(
    column_stages: dict[tuple[int, str], str], board_id: int, name: str
) -> str:
    """Return the stage of the column called ``name`` on the board: its current
    column of that name (the first, if several share it), else the stage whose
    name or label it is (a column since renamed or removed), else "" (none)."""
    if (board_id, name) in column_stages:
        return column_stages[(board_id, name)]
    return _STAGE_BY_NAME.get(name.strip().casefold(), "")


def stage_stays(
    events: Iterable[StageEvent], column_stages: dict[tuple[int, str], str]
) -> list[Stay]:
    """Rebuild each initiative's stays in lifecycle stages from its cards' history.

    The stage is the initiative's, whichever of its boards a card moved on, so
    the events of all its cards are read in one timeline, by (at, id):

    - a "moved" event into a column with a stage different from the current one
      ends the current stay there and starts a stay in that stage;
    - a move into a column without a stage (e.g. "Blocked") or of the same stage
      changes nothing: the initiative's stage does not change either;
    - a "created" event starts the first stay (its column's stage) if none has
      started; a later one (the initiative added to another board, usually into
      its stage's column or, lacking one, the first column, which does not set
      the stage) changes nothing.

    A column is mapped to its stage by ``column_stage``. The last stay has no end.
    """
    timelines: dict[int, list[StageEvent]] = defaultdict(list)
    for event in events:
        timelines[event.initiative_id].append(event)
    stays: list[Stay] = []
    for initiative_id, timeline in timelines.items():
        current = ""
        since: dt.datetime | None = None
        for event in sorted(timeline, key=lambda e: (e.at, e.id)):
            stage = column_stage(column_stages, event.board_id, event.to_column)
            if not stage or stage == current:
                continue
            if event.verb == CardEvent.Verb.CREATED and current:
                continue
            if current and since is not None:
                stays.append(Stay(initiative_id, current, since, event.at))
            current, since = stage, event.at
        if current and since is not None:
            stays.append(Stay(initiative_id, current, since, None))
    return stays


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the ``fraction`` quantile of ``values``, interpolating linearly
    between the closest ranks (numpy's default; the median at 0.5)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stage_times(
    stays: Iterable[Stay], *, since: dt.datetime, until: dt.datetime
) -> list[StageTime]:
    """Return, per stage (lifecycle order, Retired left out), the median and 75th
    percentile in days of the stays that ended in [since, until), and how many
    stays were still running at ``until`` with their median age then."""
    ended: dict[str, list[float]] = defaultdict(list)
    running: dict[str, list[float]] = defaultdict(list)
    for stay in stays:
        if stay.start >= until:
            continue
        if stay.end is None or stay.end >= until:
            running[stay.stage].append(
                (until - stay.start).total_seconds() / SECONDS_PER_DAY
            )
        elif stay.end >= since:
            ended[stay.stage].append(stay.days(until))
    rows = []
    for stage in TIMED_STAGES:
        done, still = ended.get(stage, []), running.get(stage, [])
        if not done and not still:
            continue
        rows.append(
            StageTime(
                stage=stage,
                ended=len(done),
                median_days=percentile(done, 0.5) if done else None,
                p75_days=percentile(done, 0.75) if done else None,
                open=len(still),
                open_median_days=percentile(still, 0.5) if still else None,
            )
        )
    return rows


def stage_time_data(
    *,
    team_id: int | None,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
) -> StageTimeData:
    """Return the time initiatives (of the team and its sub-teams) spent in each
    stage, for stays that ended between ``start`` and ``end`` (inclusive, in the
    site's time zone), and the open stays' ages at the end of the range (or now,
    if sooner). Three queries, four with a team filter: the history is read in
    one and the stays computed in Python."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = min(
        now, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    )
    condition = Q(verb__in=[CardEvent.Verb.CREATED, CardEvent.Verb.MOVED], at__lt=until)
    if team_id:
        condition &= Q(card__initiative__team_id__in=team_ids_in_scope(team_id))
    events = [
        StageEvent(*row)
        for row in CardEvent.objects.filter(condition)
        .order_by()
        .values_list(
            "card__initiative_id", "card__board_id", "verb", "to_column", "at", "id"
        )
    ]
    column_stages: dict[tuple[int, str], str] = {}
    for board_id, name, stage in Column.objects.order_by(
        "board_id", "position", "id"
    ).values_list("board_id", "name", "stage"):
        column_stages.setdefault((board_id, name), stage)
    stays = stage_stays(events, column_stages)
    return StageTimeData(
        stages=stage_times(stays, since=since, until=until),
        as_of=until,
        target=board_target(team_id),
    )


@dataclass(frozen=True)
class ColumnLoad:
    board_id: int
    board: str
    column: str
    stage: str
    cards: int
    wip_limit: int
    wip_hard: bool

    @property
    def label(self) -> str:
        return f"{self.board} · {self.column}"

    @property
    def state(self) -> str:
        if self.cards > self.wip_limit:
            return "over"
        return "at" if self.cards == self.wip_limit else "under"


def wip_data(*, team_id: int | None) -> list[ColumnLoad]:
    """Return every column with a WIP limit on the boards in scope (the team's
    and its sub-teams' boards; without a team filter, every board) and the cards
    it holds now, by board name and column position: one query, two with a team
    filter. Every card counts, as it does for the limit when a card moves."""
    columns = Column.objects.filter(wip_limit__isnull=False)
    if team_id:
        columns = columns.filter(board__team_id__in=team_ids_in_scope(team_id))
    rows = (
        columns.annotate(held=Count("cards"))
        .order_by("board__name", "board_id", "position", "id")
        .values_list(
            "board_id", "board__name", "name", "stage", "held", "wip_limit", "wip_hard"
        )
    )
    return [
        ColumnLoad(board_id, board, name, stage, held, limit or 0, hard)
        for board_id, board, name, stage, held, limit, hard in rows
    ]


# Figures (no ORM) ---------------------------------------------------------------


def _mix_label(pathway: str, owner: str) -> str:
    return f"{PATHWAY_LABELS[pathway]}<br>{OWNER_LABELS[owner]}"


def pipeline_mix_figure(
    *, counts: dict[tuple[str, str, int], int], target: BoardTarget
) -> go.Figure:
    """Return a bar per pathway x pipeline owner, stacked by mission criticality;
    a segment leads to the board filtered by pathway and criticality (the board
    has no pipeline-owner filter)."""
    figure = go.Figure()
    labels = [_mix_label(pathway, owner) for pathway, owner in MIX_ORDER]
    if counts:
        for level in MissionCriticality.values:
            figure.add_trace(
                go.Bar(
                    x=labels,
                    y=[
                        counts.get((pathway, owner, level), 0)
                        for pathway, owner in MIX_ORDER
                    ],
                    name=f"Criticality {level}",
                    marker={"color": CRITICALITY_COLOURS[level]},
                    customdata=[
                        target.link(pathway=pathway, criticality=level)
                        for pathway, _owner in MIX_ORDER
                    ],
                    hovertemplate="%{x}<br>Criticality "
                    + str(level)
                    + ": %{y} initiatives<extra></extra>",
                )
            )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Initiatives", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


def _round(days: float | None) -> float | None:
    return None if days is None else round(days, 2)


def stage_time_figure(*, stages: Sequence[StageTime], target: BoardTarget) -> go.Figure:
    """Return, per stage, bars for the median and 75th percentile of ended stays
    and one for the median age of the stays still open."""
    figure = go.Figure()
    labels = [STAGE_LABELS[row.stage] for row in stages]
    link = target.link()
    series = [
        (
            "Median",
            MEDIAN_COLOUR,
            [_round(row.median_days) for row in stages],
            [f"{row.ended} ended stays" for row in stages],
        ),
        (
            "75th percentile",
            P75_COLOUR,
            [_round(row.p75_days) for row in stages],
            [f"{row.ended} ended stays" for row in stages],
        ),
        (
            "Still open: median age",
            OPEN_COLOUR,
            [_round(row.open_median_days) for row in stages],
            [f"{row.open} open stays" for row in stages],
        ),
    ]
    if stages:
        for name, colour, values, counts in series:
            figure.add_trace(
                go.Bar(
                    x=labels,
                    y=values,
                    name=name,
                    marker={"color": colour},
                    hovertext=counts,
                    customdata=[link for _ in stages],
                    hovertemplate="%{x}<br>"
                    + name
                    + ": %{y:.1f} days (%{hovertext})<extra></extra>",
                )
            )
    figure.update_layout(
        barmode="group",
        template="plotly_white",
        height=340,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Days", "rangemode": "tozero"},
    )
    return figure


def _board_url(board_id: int) -> str:
    return reverse("initiatives:board", args=[board_id])


def wip_figure(*, columns: Sequence[ColumnLoad]) -> go.Figure:
    """Return a horizontal bar per column (cards held, coloured under / at / over
    the limit) with a mark at its WIP limit."""
    figure = go.Figure()
    labels = [column.label for column in columns]
    if columns:
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[column.cards for column in columns],
                orientation="h",
                name="Cards now",
                marker={"color": [WIP_COLOURS[column.state] for column in columns]},
                customdata=[_board_url(column.board_id) for column in columns],
                hovertemplate="%{y}<br>%{x} cards now<extra></extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                y=labels,
                x=[column.wip_limit for column in columns],
                mode="markers",
                name="WIP limit",
                marker={
                    "symbol": "line-ns-open",
                    "size": 18,
                    "line": {"width": 3, "color": WIP_LIMIT_COLOUR},
                },
                customdata=[_board_url(column.board_id) for column in columns],
                hovertemplate="%{y}<br>WIP limit %{x}<extra></extra>",
            )
        )
    figure.update_layout(
        template="plotly_white",
        height=max(240, 80 + 28 * len(columns)),
        margin={"l": 180, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": "Cards", "rangemode": "tozero", "tickformat": "d"},
        yaxis={
            "title": None,
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": labels,
        },
    )
    return figure


# Charts -------------------------------------------------------------------------


def _flagged_list(data: MixData) -> list[tuple[str, str]]:
    items = [
        (
            f"{item.key} {item.title} (criticality {item.criticality})",
            reverse("initiatives:card", args=[item.card_id])
            if item.card_id
            else data.target.link(pathway=Pathway.EXPERIMENTAL),
        )
        for item in data.flagged
    ]
    if data.flagged_total > len(data.flagged):
        items.append(
            (
                f"… and {data.flagged_total - len(data.flagged)} more",
                data.target.link(pathway=Pathway.EXPERIMENTAL),
            )
        )
    return items


@chart(
    "pipeline_mix",
    title="Pathway and ownership mix",
    order=41,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "people.Team"),
)
def pipeline_mix(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = pipeline_mix_data(team_id=filters.team_id)
    rows = [
        {
            "pathway": pathway,
            "pipeline_owner": owner,
            "criticality": level,
            "count": data.counts[(pathway, owner, level)],
        }
        for pathway, owner in MIX_ORDER
        for level in MissionCriticality.values
        if (pathway, owner, level) in data.counts
    ]
    return Chart(
        key="pipeline_mix",
        title="Pathway and ownership mix",
        caption="Initiatives (not retired) by pathway and pipeline owner, stacked by "
        "mission criticality; click a segment for the board filtered by pathway and "
        "criticality.",
        figure=pipeline_mix_figure(counts=data.counts, target=data.target),
        columns=("pathway", "pipeline_owner", "criticality", "count"),
        rows=rows,
        lists=[
            (
                f"Experimental at criticality ≥ {CRITICAL_FROM}, owned by data "
                "science, without a hardening plan",
                _flagged_list(data),
            )
        ],
    )


@chart(
    "stage_time",
    title="Time in each stage",
    order=42,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "people.Team"),
)
def stage_time(*, filters: DashboardFilters, viewer: User) -> Chart:
    data = stage_time_data(
        team_id=filters.team_id, start=filters.start, end=filters.end
    )
    rows = [
        {
            "stage": row.stage,
            "ended_stays": row.ended,
            "median_days": _round(row.median_days),
            "p75_days": _round(row.p75_days),
            "open_stays": row.open,
            "open_median_days": _round(row.open_median_days),
        }
        for row in data.stages
    ]
    return Chart(
        key="stage_time",
        title="Time in each stage",
        caption="Days initiatives spent in each lifecycle stage (from their cards' "
        "moves), median and 75th percentile of the stays that ended in the range; "
        "grey: the median age of the stays still open at its end.",
        figure=stage_time_figure(stages=data.stages, target=data.target),
        columns=(
            "stage",
            "ended_stays",
            "median_days",
            "p75_days",
            "open_stays",
            "open_median_days",
        ),
        rows=rows,
    )


@chart(
    "wip",
    title="Work in progress against limits",
    order=43,
    roles=(Role.MANAGER,),
    depends_on=("initiatives", "people.Team"),
)
def wip(*, filters: DashboardFilters, viewer: User) -> Chart:
    columns = wip_data(team_id=filters.team_id)
    rows = [
        {
            "board": column.board,
            "column": column.column,
            "stage": column.stage,
            "cards": column.cards,
            "wip_limit": column.wip_limit,
            "hard_limit": column.wip_hard,
            "over_limit": column.state == "over",
        }
        for column in columns
    ]
    over = [
        (
            f"{column.label}: {column.cards} cards, limit {column.wip_limit}",
            _board_url(column.board_id),
        )
        for column in columns
        if column.state == "over"
    ]
    return Chart(
        key="wip",
        title="Work in progress against limits",
        caption="Cards now in each board column that has a WIP limit, against the "
        "limit; a team filter keeps the boards of the team and its sub-teams.",
        figure=wip_figure(columns=columns),
        columns=(
            "board",
            "column",
            "stage",
            "cards",
            "wip_limit",
            "hard_limit",
            "over_limit",
        ),
        rows=rows,
        lists=[("Over their WIP limit", over)],
    )

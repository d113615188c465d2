"""Time initiatives spent in each lifecycle stage, from their cards' history."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Q
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.boards import BoardTarget, board_target
from teamhub.dashboard.builders.pipeline import STAGE_LABELS, STAGE_ORDER
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import CardEvent, Column, Stage

# Stays in Retired never end: they are left out of the stage-time chart.
TIMED_STAGES = [stage for stage in STAGE_ORDER if stage != Stage.RETIRED]
SECONDS_PER_DAY = 86400
# Bootstrap colours: ended stays (median, 75th percentile), open stays.
MEDIAN_COLOUR = "#0d6efd"
P75_COLOUR = "#6ea8fe"
OPEN_COLOUR = "#adb5bd"


# Selectors ----------------------------------------------------------------------


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
        condition &= Q(initiative__team_id__in=team_ids_in_scope(team_id))
    events = [
        StageEvent(*row)
        for row in CardEvent.objects.filter(condition)
        .order_by()
        .values_list("initiative_id", "board_id", "verb", "to_column", "at", "id")
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


# Figures (no ORM) ---------------------------------------------------------------


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


# Charts -------------------------------------------------------------------------


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

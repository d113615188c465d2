"""The value chart: business value and model performance trends from value
check-ins, with the initiatives that have outgrown the experimental pathway and
those whose value has faded."""

from __future__ import annotations

import datetime as dt
import html
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from plotly.subplots import make_subplots

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.initiatives.models import (
    Card,
    Initiative,
    MissionCriticality,
    Stage,
    ValueCheckIn,
)
from teamhub.initiatives.value import RISING_RUN, hardening_reason, keeps_rising

TOP_N = 5  # initiatives drawn one line each, beside the median
FADE_FRACTION = 0.5  # latest business value below this share of its peak: faded
LIST_LIMIT = 30
OUTGROWN_HEADING = "Outgrown the experimental pathway: harden for production"
FADED_HEADING = "Value has faded: candidates to retire"
MEDIAN_COLOUR = "#212529"  # Bootstrap dark
SPREAD_FILL = "rgba(33, 37, 41, 0.12)"  # Bootstrap dark, faint
BASELINE_COLOUR = "#adb5bd"  # Bootstrap grey-500
# Bootstrap colours, one per top initiative (cycled).
COLOURS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#0dcaf0"]


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    at: dt.date
    business_value: float
    model_metric: float | None


@dataclass(frozen=True)
class InitiativeValue:
    initiative_id: int
    key: str
    title: str
    pathway: str
    mission_criticality: int
    stage: str
    card_id: int | None
    readings: tuple[Reading, ...]  # the check-ins in the date range, by date

    @property
    def business_values(self) -> list[float]:
        return [reading.business_value for reading in self.readings]


def value_data(
    *, team_id: int | None, start: dt.date, end: dt.date
) -> list[InitiativeValue]:
    """Return, by key, the initiatives in scope that are not retired or have a
    check-in between ``start`` and ``end`` (inclusive), each with those
    check-ins: two queries (three with a team filter)."""
    checkins = ValueCheckIn.objects.filter(at__gte=start, at__lte=end)
    initiatives = Initiative.objects.all()
    if team_id is not None:
        scope = team_ids_in_scope(team_id)
        checkins = checkins.filter(initiative__team_id__in=scope)
        initiatives = initiatives.filter(team_id__in=scope)
    first_card = Card.objects.filter(initiative=OuterRef("pk")).order_by("pk")
    rows = list(
        initiatives.filter(
            ~Q(stage=Stage.RETIRED) | Exists(checkins.filter(initiative=OuterRef("pk")))
        )
        .annotate(card_id=Subquery(first_card.values("pk")[:1]))
        .order_by("key")
        .values_list(
            "pk", "key", "title", "pathway", "mission_criticality", "stage", "card_id"
        )
    )
    readings: dict[int, list[Reading]] = defaultdict(list)
    for initiative_id, at, business_value, model_metric in checkins.order_by(
        "initiative_id", "at", "pk"
    ).values_list("initiative_id", "at", "business_value", "model_metric"):
        readings[initiative_id].append(Reading(at, business_value, model_metric))
    return [
        InitiativeValue(
            initiative_id=pk,
            key=key,
            title=title,
            pathway=pathway,
            mission_criticality=criticality,
            stage=stage,
            card_id=card_id,
            readings=tuple(readings[pk]),
        )
        for pk, key, title, pathway, criticality, stage, card_id in rows
    ]


# Rules (pure) -------------------------------------------------------------------


def indexed(values: Sequence[float]) -> list[float] | None:
    """Return ``values`` as percentages of the first, or None when there is no
    positive first value to compare with."""
    if not values or values[0] <= 0:
        return None
    return [100.0 * value / values[0] for value in values]


def faded_reason(business_values: Sequence[float]) -> str | None:
    """Return why an initiative's value has faded (a candidate to retire), or
    None. Faded: the business value fell at each of the last ``RISING_RUN``
    check-ins (the hardening rule's run, mirrored), or the latest value is
    below ``FADE_FRACTION`` of the highest, when that highest is positive."""
    if keeps_rising([-value for value in business_values]):
        return f"value fell at each of the last {RISING_RUN} check-ins"
    peak = max(business_values, default=0.0)
    latest = business_values[-1] if business_values else 0.0
    if peak > 0 and latest < FADE_FRACTION * peak:
        return f"value {latest:,.4g} is below half of its peak {peak:,.4g}"
    return None


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class MonthSpread:
    month_end: dt.date
    low: float  # 25th percentile
    median: float
    high: float  # 75th percentile
    initiatives: int


def monthly_spread(
    series: Sequence[Sequence[tuple[dt.date, float]]],
) -> list[MonthSpread]:
    """Return, per calendar month from the first reading to the last, the
    quartiles over the initiatives with a reading by the month's end of each
    one's latest reading as of then (carried forward, so a month with few
    check-ins does not stand for all). ``series``: each initiative's (date,
    value) by date."""
    dated = [points for points in series if points]
    if not dated:
        return []
    # Each series is by date: its first and last readings bound the months.
    last = month_end(max(points[-1][0] for points in dated))
    months = [month_end(min(points[0][0] for points in dated))]
    while months[-1] < last:
        months.append(month_end(months[-1] + dt.timedelta(days=1)))
    by_month: dict[dt.date, list[float]] = defaultdict(list)
    for points in dated:
        position, latest = 0, None
        for end in months:
            while position < len(points) and points[position][0] <= end:
                latest = points[position][1]
                position += 1
            if latest is not None:
                by_month[end].append(latest)
    spread = []
    for end in months:
        values = by_month[end]
        low, median, high = (
            statistics.quantiles(values, n=4, method="inclusive")
            if len(values) > 1
            else [values[0]] * 3
        )
        spread.append(MonthSpread(end, low, median, high, len(values)))
    return spread


@dataclass(frozen=True)
class Trend:
    initiative: InitiativeValue
    business: list[tuple[dt.date, float]]  # indexed to the first in the range
    metric: list[tuple[dt.date, float]]  # indexed to the first measured one


def trends(initiatives: Sequence[InitiativeValue]) -> list[Trend]:
    """Return the indexed trends of the initiatives whose values can be indexed
    (a positive first value), by latest business index, highest first."""
    result = []
    for initiative in initiatives:
        business = indexed(initiative.business_values)
        if business is None:
            continue
        measured = [r for r in initiative.readings if r.model_metric is not None]
        metric = indexed(
            [r.model_metric for r in measured if r.model_metric is not None]
        )
        result.append(
            Trend(
                initiative=initiative,
                business=[
                    (r.at, value)
                    for r, value in zip(initiative.readings, business, strict=True)
                ],
                metric=[
                    (r.at, value)
                    for r, value in zip(measured, metric or [], strict=False)
                ],
            )
        )
    return sorted(result, key=lambda t: (-t.business[-1][1], t.initiative.key))


# Figure (no ORM) ----------------------------------------------------------------


def card_url(card_id: int | None) -> str:
    if card_id is None:
        return reverse("initiatives:boards")
    return reverse("initiatives:card", args=[card_id])


def value_figure(*, trends: Sequence[Trend], top: int = TOP_N) -> go.Figure:
    """Return two panels sharing the date axis: business value (top) and model
    metric (bottom), each indexed to 100 at an initiative's first check-in in the
    range: per month, the median and the middle half (25th to 75th percentile)
    of every initiative's latest index, and one line each for the ``top``
    initiatives by latest business index (a click opens the card)."""
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[3, 2]
    )
    for row, attribute, label in (
        (1, "business", "Business value"),
        (2, "metric", "Model metric"),
    ):
        spread = monthly_spread([getattr(t, attribute) for t in trends])
        if spread:
            months = [month.month_end.isoformat() for month in spread]
            figure.add_trace(
                go.Scatter(
                    x=months,
                    y=[month.high for month in spread],
                    name="75th percentile",
                    legendgroup="spread",
                    showlegend=False,
                    mode="lines",
                    line={"width": 0},
                    customdata=[""] * len(spread),
                    hovertemplate="%{x|%b %Y}<br>"
                    + label
                    + ": 75th percentile %{y:.0f}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            figure.add_trace(
                go.Scatter(
                    x=months,
                    y=[month.low for month in spread],
                    name="Middle half",
                    legendgroup="spread",
                    showlegend=row == 1,
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor=SPREAD_FILL,
                    customdata=[""] * len(spread),
                    hovertemplate="%{x|%b %Y}<br>"
                    + label
                    + ": 25th percentile %{y:.0f}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            figure.add_trace(
                go.Scatter(
                    x=months,
                    y=[month.median for month in spread],
                    name="Median",
                    legendgroup="median",
                    showlegend=row == 1,
                    mode="lines+markers",
                    line={"color": MEDIAN_COLOUR, "width": 3},
                    customdata=[""] * len(spread),
                    hovertext=[f"{month.initiatives} initiatives" for month in spread],
                    hovertemplate="End of %{x|%b %Y}<br>"
                    + label
                    + ": median %{y:.0f} over %{hovertext}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        for index, trend in enumerate(trends[:top]):
            points: list[tuple[dt.date, float]] = getattr(trend, attribute)
            if not points:
                continue
            name = f"{trend.initiative.key} {trend.initiative.title}"
            figure.add_trace(
                go.Scatter(
                    x=[at.isoformat() for at, _ in points],
                    y=[value for _, value in points],
                    name=trend.initiative.key,
                    legendgroup=trend.initiative.key,
                    showlegend=row == 1,
                    mode="lines+markers",
                    line={"color": COLOURS[index % len(COLOURS)], "width": 1.5},
                    marker={"size": 5},
                    customdata=[card_url(trend.initiative.card_id)] * len(points),
                    hovertemplate="%{x|%d %b %Y}<br>"
                    + html.escape(name)
                    + "<br>"
                    + label
                    + ": %{y:.0f}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        figure.add_hline(
            y=100, line={"color": BASELINE_COLOUR, "dash": "dot"}, row=row, col=1
        )
    figure.update_layout(
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    figure.update_xaxes(type="date", title=None)
    figure.update_yaxes(title_text="Business value (index)", row=1, col=1)
    figure.update_yaxes(title_text="Model metric (index)", row=2, col=1)
    return figure


def _listed(
    items: Sequence[tuple[InitiativeValue, str]],
) -> list[tuple[str, str]]:
    listed = [
        (f"{i.key} {i.title} — {reason}", card_url(i.card_id))
        for i, reason in items[:LIST_LIMIT]
    ]
    if len(items) > LIST_LIMIT:
        listed.append(
            (f"… and {len(items) - LIST_LIMIT} more", reverse("initiatives:boards"))
        )
    return listed


def outgrown(initiatives: Sequence[InitiativeValue]) -> list[tuple[str, str]]:
    """Return the initiatives (not retired) that should be hardened, most
    critical first, with the reason and their card's URL."""
    found = []
    for i in initiatives:
        if i.stage == Stage.RETIRED:
            continue
        reason = hardening_reason(
            pathway=i.pathway,
            mission_criticality=i.mission_criticality,
            business_values=i.business_values,
        )
        if reason is not None:
            # The rule's two reasons, said in a few words for a list.
            short = (
                f"criticality {i.mission_criticality}"
                if i.mission_criticality >= MissionCriticality.SIGNIFICANT
                else f"value rose at each of the last {RISING_RUN} check-ins"
            )
            found.append((i, short))
    found.sort(key=lambda item: (-item[0].mission_criticality, item[0].key))
    return _listed(found)


def faded(initiatives: Sequence[InitiativeValue]) -> list[tuple[str, str]]:
    """Return the initiatives (not retired) whose value has faded, by key."""
    found = []
    for i in initiatives:
        reason = faded_reason(i.business_values)
        if i.stage != Stage.RETIRED and reason is not None:
            found.append((i, reason))
    return _listed(found)


def _csv_rows(
    initiatives: Sequence[InitiativeValue], drawn: Sequence[Trend]
) -> list[dict[str, object]]:
    """One row per check-in, with the indexes the figure draws (blank when the
    initiative's values cannot be indexed)."""
    by_id = {trend.initiative.initiative_id: trend for trend in drawn}
    rows: list[dict[str, object]] = []
    for i in initiatives:
        trend = by_id.get(i.initiative_id)
        business = iter(trend.business if trend else [])
        metric = iter(trend.metric if trend else [])
        for reading in i.readings:
            business_index = next(business, None)
            metric_index = (
                next(metric, None) if reading.model_metric is not None else None
            )
            rows.append(
                {
                    "initiative": i.key,
                    "title": i.title,
                    "at": reading.at.isoformat(),
                    "business_value": reading.business_value,
                    "model_metric": reading.model_metric,
                    "business_index": round(business_index[1], 4)
                    if business_index
                    else None,
                    "metric_index": round(metric_index[1], 4) if metric_index else None,
                }
            )
    return rows


@chart(
    "value_trends",
    title="Business value and model performance",
    order=45,
    roles=(Role.MANAGER,),
    # people.Team: a team filter covers its sub-teams.
    depends_on=("initiatives", "people.Team"),
)
def value_trends(*, filters: DashboardFilters, viewer: User) -> Chart:
    initiatives = value_data(
        team_id=filters.team_id, start=filters.start, end=filters.end
    )
    drawn = trends(initiatives)
    return Chart(
        key="value_trends",
        title="Business value and model performance",
        caption=f"Business value and model metric from value check-ins in the range, "
        f"indexed to 100 at each initiative's first one: the median and middle half "
        f"of all initiatives at each month's end, and the {TOP_N} with the highest "
        f"latest index; the lists judge the check-ins in the range.",
        figure=value_figure(trends=drawn),
        columns=(
            "initiative",
            "title",
            "at",
            "business_value",
            "model_metric",
            "business_index",
            "metric_index",
        ),
        rows=_csv_rows(initiatives, drawn),
        lists=[
            (OUTGROWN_HEADING, outgrown(initiatives)),
            (FADED_HEADING, faded(initiatives)),
        ],
    )

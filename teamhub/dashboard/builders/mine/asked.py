"""The sign-off requests a data scientist asked for, by state and age."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role
from teamhub.dashboard.builders.mine.common import MAX_LISTED
from teamhub.dashboard.builders.signoffs import AGE_BUCKETS, STILL_WAITING, age_bucket
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.requirements.models import SignOffRequest
from teamhub.requirements.selectors import statuses_of
from teamhub.requirements.state import DocState, StakeholderStanding, Standing

# One per age bucket of signoffs.AGE_BUCKETS, from calm to alarming.
AGE_COLOURS = ["#198754", "#20c997", "#ffc107", "#fd7e14", "#dc3545"]
# The states of a request, in the order a requester reads them.
STATES = [DocState.IN_REVIEW, DocState.CHANGES_REQUESTED, DocState.APPROVED]
STATE_LABELS = dict(DocState.choices)


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """A sign-off request the viewer asked for, with its computed state."""

    request_id: int
    doc_id: int
    document: str
    initiative_key: str
    state: str  # DocState
    asked: dt.date
    age_days: int
    due: dt.date | None
    waiting_for: list[str]  # still to answer (never answered, or stale)
    rejected_by: list[str]


def _named(
    people: Sequence[StakeholderStanding],
    standings: Sequence[str],
    names: dict[int, str],
) -> list[str]:
    return sorted(
        names.get(p.stakeholder_id, "?") for p in people if p.standing in standings
    )


def my_signoffs_data(viewer: User, *, today: dt.date) -> list[Asked]:
    """Return every sign-off request the viewer asked for, oldest first, with
    its state and who is still to answer (a fixed number of queries)."""
    requests = list(
        SignOffRequest.objects.filter(requested_by_id=viewer.pk)
        .select_related("version", "doc__initiative")
        .defer("version__body_markdown")
        .order_by("created", "id")
    )
    statuses = statuses_of(requests)
    # The names of everyone asked on the viewer's requests: one query even when
    # no one is still to answer (an empty ``pk__in`` would skip it).
    names = {
        user.pk: str(user)
        for user in User.objects.filter(
            signoff_requests_to_sign__requested_by_id=viewer.pk
        )
        .distinct()
        .only("pk", "username", "first_name", "last_name")
    }
    asked = []
    for request in requests:
        status = statuses[request.pk]
        day = timezone.localdate(request.created)
        asked.append(
            Asked(
                request_id=request.pk,
                doc_id=request.doc_id,
                document=str(request.doc.title),
                initiative_key=request.doc.initiative.key,
                state=status.state,
                asked=day,
                age_days=(today - day).days,
                due=request.due,
                waiting_for=_named(status.people, STILL_WAITING, names),
                rejected_by=_named(status.people, (Standing.REJECTED,), names),
            )
        )
    return asked


# Figures (no ORM) ---------------------------------------------------------------


def _docs_url(state: str) -> str:
    return f"{reverse('requirements:docs')}?{urlencode({'state': state, 'mine': 'on'})}"


def my_signoffs_figure(*, asked: Sequence[Asked]) -> go.Figure:
    """Return the requests per state, stacked by days since they were asked."""
    labels = [STATE_LABELS[state] for state in STATES]
    figure = go.Figure()
    # No requests in the range: no traces, so the page says there is no data.
    buckets = zip(AGE_BUCKETS, AGE_COLOURS, strict=True) if asked else []
    for (bucket, _low, _high), colour in buckets:
        counts = [
            sum(
                1
                for a in asked
                if a.state == state and age_bucket(a.age_days) == bucket
            )
            for state in STATES
        ]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=counts,
                name=bucket,
                marker={"color": colour},
                customdata=[_docs_url(state) for state in STATES],
                hovertemplate="%{x}, asked " + bucket + " ago: %{y}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        height=300,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": None, "categoryorder": "array", "categoryarray": labels},
        yaxis={"title": "Requests", "rangemode": "tozero", "tickformat": "d"},
    )
    return figure


# Charts -------------------------------------------------------------------------


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


SIGNOFF_COLUMNS = (
    "request_id",
    "document",
    "initiative",
    "state",
    "asked",
    "age_days",
    "due",
    "waiting_for",
)


@chart(
    "my_signoffs",
    title="Sign-offs I asked for",
    order=130,
    roles=(Role.DATA_SCIENTIST,),
    depends_on=("requirements", "initiatives"),
    per_viewer=True,
)
def my_signoffs(*, filters: DashboardFilters, viewer: User) -> Chart:
    today = timezone.localdate()
    asked = my_signoffs_data(viewer, today=today)
    in_range = [a for a in asked if filters.start <= a.asked <= filters.end]
    waiting = [
        (
            f"{a.initiative_key} {a.document} — asked {_days(a.age_days)} ago"
            + (f", overdue since {a.due:%d %b %Y}" if a.due and a.due < today else "")
            + f"; waiting for {', '.join(a.waiting_for) or 'nobody'}",
            reverse("requirements:doc", args=[a.doc_id]),
        )
        for a in reversed(asked)  # the newest first
        if a.state == DocState.IN_REVIEW
    ]
    changes = [
        (
            f"{a.initiative_key} {a.document} — changes asked by "
            f"{', '.join(a.rejected_by)}",
            reverse("requirements:doc", args=[a.doc_id]),
        )
        for a in reversed(asked)
        if a.state == DocState.CHANGES_REQUESTED
    ]
    return Chart(
        key="my_signoffs",
        title="Sign-offs I asked for",
        caption=(
            f"Sign-off requests you asked for from {filters.start:%d %b %Y} to "
            f"{filters.end:%d %b %Y}, by state and days since asked; the open ones "
            "of any date are listed (the team filter does not apply)."
        ),
        figure=my_signoffs_figure(asked=in_range),
        columns=SIGNOFF_COLUMNS,
        rows=[
            {
                "request_id": a.request_id,
                "document": a.document,
                "initiative": a.initiative_key,
                "state": a.state,
                "asked": a.asked.isoformat(),
                "age_days": a.age_days,
                "due": a.due.isoformat() if a.due else "",
                "waiting_for": "; ".join(a.waiting_for),
            }
            for a in in_range
        ],
        lists=[
            (f"Waiting for answers ({len(waiting)})", waiting[:MAX_LISTED]),
            (f"Changes requested ({len(changes)})", changes[:MAX_LISTED]),
        ],
    )

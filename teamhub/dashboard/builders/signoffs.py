"""The sign-offs chart: open requests by age, median time to approval, overdue."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.dashboard.charts import Chart, DashboardFilters, chart
from teamhub.dashboard.teams import team_ids_in_scope
from teamhub.requirements.models import SignOffRequest
from teamhub.requirements.selectors import statuses_of
from teamhub.requirements.state import DocState, Standing

# (label, lowest age, highest age) in whole days since the request.
AGE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0-2 days", 0, 2),
    ("3-7 days", 3, 7),
    ("8-14 days", 8, 14),
    ("15-30 days", 15, 30),
    ("> 30 days", 31, None),
]
BAR_COLOUR = "#0d6efd"  # Bootstrap primary
STILL_WAITING = (Standing.WAITING, Standing.STALE)


def age_bucket(age_days: int) -> str:
    for label, low, high in AGE_BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return label
    return AGE_BUCKETS[0][0]  # a request dated in the future counts as new


# Selectors ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRequest:
    request_id: int
    document: str
    age_days: int
    due: dt.date | None
    overdue: bool
    waiting_for: list[str]  # names of the stakeholders still to decide


@dataclass(frozen=True)
class SignOffData:
    open: list[OpenRequest]
    approval_days: list[float]  # of the requests approved within the range


def signoff_data(
    *,
    team_id: int | None,
    start: dt.date,
    end: dt.date,
    waiting_for: User | None = None,
    today: dt.date | None = None,
) -> SignOffData:
    """Return the open requests (the latest request of each document, in
    review) and the days to approval of those approved between ``start`` and
    ``end``; with ``waiting_for``, only the open requests waiting for that
    user and the approvals of requests they were asked to sign. A fixed number
    of queries whatever the number of requests."""
    today = today or timezone.localdate()
    requests = SignOffRequest.objects.select_related(
        "version", "doc__initiative"
    ).defer("version__body_markdown")
    if team_id:
        requests = requests.filter(
            doc__initiative__team_id__in=team_ids_in_scope(team_id)
        )
    latest: dict[int, SignOffRequest] = {}
    for request in requests.order_by("created", "id"):
        latest[request.doc_id] = request
    statuses = statuses_of(list(latest.values()))
    waiting_ids = {
        person.stakeholder_id
        for status in statuses.values()
        if status.state == DocState.IN_REVIEW
        for person in status.people
        if person.standing in STILL_WAITING
    }
    names = {
        user.pk: str(user)
        for user in User.objects.filter(pk__in=waiting_ids).only(
            "pk", "username", "first_name", "last_name"
        )
    }
    open_requests: list[OpenRequest] = []
    approval_days: list[float] = []
    for status in sorted(statuses.values(), key=lambda s: s.request.pk):
        request = status.request
        if status.state == DocState.APPROVED:
            asked = {p.stakeholder_id for p in status.people}
            if waiting_for is not None and waiting_for.pk not in asked:
                continue
            signed = [
                person.decision.signed_at
                for person in status.people
                if person.standing == Standing.APPROVED and person.decision
            ]
            approved_at = max(signed)
            if start <= timezone.localdate(approved_at) <= end:
                seconds = (approved_at - request.created).total_seconds()
                approval_days.append(seconds / 86400)
            continue
        if status.state != DocState.IN_REVIEW:
            continue
        waiting = [
            p.stakeholder_id for p in status.people if p.standing in STILL_WAITING
        ]
        if waiting_for is not None and waiting_for.pk not in waiting:
            continue
        open_requests.append(
            OpenRequest(
                request_id=request.pk,
                document=str(request.doc.title),
                age_days=(today - timezone.localdate(request.created)).days,
                due=request.due,
                overdue=request.due is not None and request.due < today,
                waiting_for=sorted(names.get(pk, "?") for pk in waiting),
            )
        )
    return SignOffData(open=open_requests, approval_days=approval_days)


# Figure (no ORM) ----------------------------------------------------------------


def signoffs_figure(*, ages: Sequence[int], url: str) -> go.Figure:
    """Return a histogram of open requests by age bucket; a click on a bar
    opens ``url`` (the list of those requests). Without open requests it has
    nothing to draw (the page shows its empty state)."""
    labels = [label for label, _, _ in AGE_BUCKETS]
    counts = dict.fromkeys(labels, 0)
    for age in ages:
        counts[age_bucket(age)] += 1
    drawn = labels if ages else []
    figure = go.Figure(
        go.Bar(
            x=drawn,
            y=[counts[label] for label in drawn],
            marker={"color": BAR_COLOUR},
            customdata=[url] * len(drawn),
            hovertemplate="Open for %{x}: %{y} requests<extra></extra>",
        )
    )
    figure.update_layout(
        template="plotly_white",
        height=300,
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        xaxis={
            "title": "Days since requested",
            "categoryorder": "array",
            "categoryarray": labels,
        },
        yaxis={"title": "Open requests", "rangemode": "tozero", "tickformat": "d"},
        showlegend=False,
    )
    return figure


def _when(item: OpenRequest) -> str:
    if item.due is None:
        return f"{item.age_days} days old"
    if item.overdue:
        return f"due {item.due:%d %b %Y}, {item.age_days} days old"
    return f"due {item.due:%d %b %Y}"


def _caption(approval_days: Sequence[float], mine: bool) -> str:
    whose = "waiting for you" if mine else "open"
    if approval_days:
        median = statistics.median(approval_days)
        of = "of the requests you were asked to sign " if mine else ""
        return (
            f"Sign-off requests {whose}, by days since requested; median time to "
            f"approval {of}in the period: {median:.1f} days "
            f"({len(approval_days)} approved); click a bar for the list."
        )
    return (
        f"Sign-off requests {whose}, by days since requested; none approved in "
        "the period; click a bar for the list."
    )


@chart(
    "signoffs",
    title="Sign-offs",
    order=50,
    roles=(Role.MANAGER, Role.STAKEHOLDER, Role.DATA_SCIENTIST),
    depends_on=("requirements", "initiatives", "people", "core"),
    per_viewer=True,
)
def signoffs(*, filters: DashboardFilters, viewer: User) -> Chart:
    # Managers (and admins) see every request; stakeholders and data scientists
    # those waiting for their own sign-off.
    mine = not user_has_role(viewer, Role.MANAGER)
    data = signoff_data(
        team_id=filters.team_id,
        start=filters.start,
        end=filters.end,
        waiting_for=viewer if mine else None,
    )
    if mine:
        # Everything waiting for them, the overdue first, then the oldest.
        listed = sorted(
            data.open,
            key=lambda item: (not item.overdue, -item.age_days, item.request_id),
        )
        heading, url = "Waiting for you", reverse("requirements:inbox")
    else:
        listed = sorted(
            (item for item in data.open if item.overdue),
            key=lambda item: (item.due or filters.end, item.request_id),
        )
        heading = "Overdue"
        url = f"{reverse('requirements:docs')}?{urlencode({'state': 'in_review'})}"
    items = [
        (
            f"{item.document} — {_when(item)}; "
            f"waiting for {', '.join(item.waiting_for) or 'nobody'}",
            reverse("requirements:signoff", args=[item.request_id]),
        )
        for item in listed
    ]
    return Chart(
        key="signoffs",
        title="Sign-offs waiting for you" if mine else "Sign-offs",
        caption=_caption(data.approval_days, mine),
        figure=signoffs_figure(ages=[item.age_days for item in data.open], url=url),
        columns=("request_id", "document", "age_days", "status"),
        rows=[
            {
                "request_id": item.request_id,
                "document": item.document,
                "age_days": item.age_days,
                "status": "overdue" if item.overdue else "open",
            }
            for item in data.open
        ],
        lists=[(heading, items)],
        empty_text=(
            "Nothing is waiting for your sign-off."
            if mine
            else "No sign-off request is open for these filters."
        ),
    )

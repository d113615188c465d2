"""Demo requirement documents in every sign-off state (through the services)."""

import datetime as dt

from django.utils import timezone

from teamhub.core.models import User
from teamhub.initiatives.models import Initiative, Stage
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.people.demo.data import DEMO_PASSWORD
from teamhub.requirements.models import DocVersion, SignOff, SignOffRequest
from teamhub.requirements.services import doc_create, doc_version_create
from teamhub.requirements.services_signoff import (
    signoff_decide,
    signoff_request_create,
    signoff_revoke,
)


def _decide(
    request: SignOffRequest, user: User, decision: str = "approved", comment: str = ""
) -> None:
    request.refresh_from_db()
    signoff_decide(
        request=request,
        stakeholder=user,
        decision=decision,
        password=DEMO_PASSWORD,
        version_number=request.version.number,
        comment=comment,
    )


# The states the demo shows, one document each, on initiatives past scoping.
STATES = ["approved", "waiting", "stale", "changes_requested", "draft", "withdrawn"]
# Each request's due date, in days from today: the "waiting" one is overdue, so
# the worker's hourly reminder task mails the demo stakeholder about it.
DUE_IN_DAYS = {
    "approved": -7,
    "waiting": -2,
    "stale": 7,
    "changes_requested": 14,
    "withdrawn": 10,
}

# When each request was made (days ago) and the days between its answers, so the
# dashboard shows requests of several ages and a real time to approval (the
# services stamp everything "now"; the demo moves it into the past).
ASKED = {
    "approved": (24, 3),
    "waiting": (12, 2),
    "stale": (9, 2),
    "changes_requested": (6, 1),
    "withdrawn": (15, 2),
}


def _backdate(
    request: SignOffRequest, today: dt.date, days_ago: int, gap_days: int
) -> None:
    """Move ``request`` to ``days_ago`` before ``today``, the versions it was
    asked for a day before it, and its answers ``gap_days`` apart after it."""
    now = timezone.now()
    now -= dt.timedelta(days=(timezone.localdate(now) - today).days)  # on ``today``
    asked = now - dt.timedelta(days=days_ago)
    SignOffRequest.objects.filter(pk=request.pk).update(created=asked)
    versions = DocVersion.objects.filter(doc=request.doc_id)
    asked_for = request.version.number  # a later version came after the answers
    versions.filter(number__lte=asked_for).update(created=asked - dt.timedelta(days=1))
    versions.filter(number__gt=asked_for).update(created=now)
    for step, pk in enumerate(
        request.signoffs.order_by("signed_at", "id").values_list("pk", flat=True),
        start=1,
    ):
        at = asked + dt.timedelta(days=gap_days * step, hours=step)
        SignOff.objects.filter(pk=pk).update(signed_at=min(at, now))


def write_requirements(
    *,
    author: User,
    signers: list[User],
    today: dt.date | None = None,
    scientist: User | None = None,
) -> int:
    """Write one document per state in ``STATES``; return how many.

    ``signers[0]`` is the demo stakeholder: the "waiting" and "stale" documents
    wait for them (the "waiting" one is overdue). Every signer needs the demo
    password (demo logins only). Due dates count from ``today`` (default: now).
    The demo ``scientist`` writes, and asks sign-off for, the documents of the
    initiatives they work on (those come first); ``author`` the others.
    """
    today = today or timezone.localdate()
    stages = [Stage.DATA_EDA, Stage.EXPERIMENTATION, Stage.DEPLOYMENT]
    theirs = (
        Initiative.objects.filter(
            stage__in=stages, assignments__person__user=scientist
        ).distinct()
        if scientist is not None
        else Initiative.objects.none()
    )
    mine = list(theirs.order_by("key")[:2])
    others = Initiative.objects.filter(stage__in=stages).exclude(
        pk__in=[i.pk for i in mine]
    )
    initiatives = mine + list(others.order_by("key")[: len(STATES) - len(mine)])
    for state, initiative in zip(STATES, initiatives, strict=False):
        writer = (
            scientist
            if scientist is not None and can_work_on_initiative(scientist, initiative)
            else author
        )
        doc = doc_create(
            actor=writer,
            initiative=initiative,
            title=f"{initiative.title}: requirements",
        )
        version = doc.versions.get()
        problem = (initiative.summary or initiative.title).rstrip(".")
        fields = dict(
            version.fields,
            problem_statement=f"{problem}.",
            ml_metric=initiative.model_metric_name or "AUC",
            acceptance_criteria="Beats the non-ML baseline on the KPI for 4 weeks.",
        )
        version = doc_version_create(
            actor=writer,
            doc=doc,
            body_markdown=version.body_markdown,
            fields=fields,
            based_on=1,
        )
        if state == "draft":
            continue
        request = signoff_request_create(
            actor=writer,
            doc=doc,
            stakeholders=signers,
            due=today + dt.timedelta(days=DUE_IN_DAYS[state]),
        )

        if state in ("approved", "stale"):
            for user in signers:
                _decide(request, user)
        if state == "stale":
            doc_version_create(
                actor=writer,
                doc=doc,
                body_markdown=version.body_markdown
                + "\n## Update\n\nNew data source.\n",
                fields=dict(fields, monitoring_plan="Weekly drift report."),
                based_on=2,
            )
        if state == "waiting":
            for user in signers[1:]:
                _decide(request, user)
        if state in ("changes_requested", "withdrawn"):
            _decide(request, signers[0], "rejected", "What is the fallback?")
        if state == "withdrawn":
            signoff_revoke(
                request=request,
                stakeholder=signers[0],
                reason="Fallback agreed in the review meeting.",
            )
        _backdate(request, today, *ASKED[state])
    return min(len(STATES), len(initiatives))

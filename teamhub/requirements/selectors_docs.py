"""Reads behind the requirement document pages: the filtered list, a document
with its versions and sign-off panel, and the documents of one initiative.

Every function here runs a fixed number of queries whatever the number of
documents, versions or decisions; long bodies are only loaded for the version
a page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.initiatives.models import Assignment, Card, Initiative
from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffRequest,
)
from teamhub.requirements.selectors import (
    RequestStatus,
    doc_states,
    request_statuses,
)
from teamhub.requirements.state import DocState, Standing, approvals_needed

# The version columns a list or history shows (never the body or the fields).
_VERSION_HEAD = ("pk", "doc_id", "number", "content_sha256", "author", "created")


# Who may write ------------------------------------------------------------------


def writable_initiatives(user: User) -> QuerySet[Initiative]:
    """Return the initiatives whose documents ``user`` may write: every one for
    managers, the ones they own or are assigned to (proposed or confirmed) for a
    data scientist, none otherwise — ``can_work_on_initiative`` as a query."""
    initiatives = Initiative.objects.order_by("key")
    if user_has_role(user, Role.MANAGER):
        return initiatives
    person_id = getattr(getattr(user, "person", None), "pk", None)
    if not user_has_role(user, Role.DATA_SCIENTIST) or person_id is None:
        return initiatives.none()
    assigned = Assignment.objects.filter(
        initiative=OuterRef("pk"),
        person_id=person_id,
        status__in=[Assignment.Status.PROPOSED, Assignment.Status.CONFIRMED],
    )
    return initiatives.filter(Q(owner_id=person_id) | Exists(assigned))


def can_write_some_initiative(user: User) -> bool:
    if user_has_role(user, Role.MANAGER):
        return True
    return writable_initiatives(user).exists()


# Sign-off progress ----------------------------------------------------------------


@dataclass(frozen=True)
class SignOffProgress:
    """The numbers of a request's panel: "2 of 3 approved", due, overdue."""

    status: RequestStatus
    approved: int
    needed: int  # approvals the policy needs (all of them, or the quorum)
    asked: int
    rejected: int
    stale: int
    overdue: bool

    @property
    def request(self) -> SignOffRequest:
        return self.status.request

    @property
    def due(self) -> dt.date | None:
        return self.status.request.due

    @property
    def percent(self) -> int:
        return (
            round(100 * min(self.approved, self.needed) / self.needed)
            if (self.needed)
            else 0
        )

    @classmethod
    def of(cls, status: RequestStatus, today: dt.date) -> SignOffProgress:
        people = status.people
        request = status.request
        asked = len(people)
        return cls(
            status=status,
            approved=sum(p.standing == Standing.APPROVED for p in people),
            needed=approvals_needed(request, asked),
            asked=asked,
            rejected=sum(p.standing == Standing.REJECTED for p in people),
            stale=sum(p.standing == Standing.STALE for p in people),
            overdue=bool(
                request.due
                and request.due < today
                and status.state != DocState.APPROVED
            ),
        )


# The list ------------------------------------------------------------------------


@dataclass(frozen=True)
class DocRow:
    doc: RequirementDoc  # with its initiative
    latest: DocVersion  # its head only (number, hash, author, created)
    state: str
    progress: SignOffProgress | None


def doc_search(
    *,
    user: User,
    q: str = "",
    initiative_id: int | None = None,
    mine: bool = False,
) -> QuerySet[RequirementDoc]:
    """Return the documents matching the filters, most recently edited first."""
    docs = RequirementDoc.objects.annotate(last_edited=Max("versions__created"))
    q = q.strip()
    if q:
        docs = docs.filter(
            Q(title__icontains=q)
            | Q(initiative__key__icontains=q)
            | Q(initiative__title__icontains=q)
        )
    if initiative_id is not None:
        docs = docs.filter(initiative_id=initiative_id)
    if mine:
        wrote = DocVersion.objects.filter(doc=OuterRef("pk"), author=user)
        asked = SignOffRequest.objects.filter(doc=OuterRef("pk"), stakeholders=user)
        docs = docs.filter(Q(created_by=user) | Exists(wrote) | Exists(asked))
    return docs.order_by("-last_edited", "-pk")


def doc_ids_in_state(docs: QuerySet[RequirementDoc], state: str) -> list[int]:
    """Return the ids of ``docs`` (in their order) whose computed state is
    ``state``: the state is never stored, so it is worked out for all of them,
    in a fixed number of queries."""
    ordered = list(docs.values_list("pk", flat=True))
    states = doc_states(ordered)
    return [pk for pk in ordered if states.get(pk) == state]


def doc_rows(doc_ids: Sequence[int]) -> list[DocRow]:
    """Return the list rows of these documents, in this order."""
    if not doc_ids:
        return []
    latest_id = (
        DocVersion.objects.filter(doc=OuterRef("pk")).order_by("-number").values("pk")
    )
    docs = {
        doc.pk: doc
        for doc in RequirementDoc.objects.filter(pk__in=list(doc_ids))
        .select_related("initiative")
        .annotate(latest_id=Subquery(latest_id[:1]))
    }
    versions = {
        version.pk: version
        for version in DocVersion.objects.filter(
            pk__in=[doc.latest_id for doc in docs.values()]
        )
        .select_related("author")
        .only(*_VERSION_HEAD)
    }
    ordered = [docs[pk] for pk in doc_ids if pk in docs]
    statuses = request_statuses(ordered)
    today = timezone.localdate()
    rows = []
    for doc in ordered:
        status = statuses.get(doc.pk)
        rows.append(
            DocRow(
                doc=doc,
                latest=versions[doc.latest_id],
                state=status.state if status else DocState.DRAFT,
                progress=SignOffProgress.of(status, today) if status else None,
            )
        )
    return rows


def initiative_doc_rows(initiative_id: int) -> list[DocRow]:
    """Return the rows of one initiative's documents, by title."""
    ids = list(
        RequirementDoc.objects.filter(initiative_id=initiative_id)
        .order_by("title", "pk")
        .values_list("pk", flat=True)
    )
    return doc_rows(ids)


# One document ------------------------------------------------------------------------


@dataclass(frozen=True)
class StakeholderRow:
    user: User
    standing: str
    decision: SignOff | None  # the latest decision, if any
    decided_version: int | None  # the version number that decision was given on


@dataclass(frozen=True)
class SignOffPanel:
    progress: SignOffProgress
    people: list[StakeholderRow]

    @property
    def status(self) -> RequestStatus:
        return self.progress.status

    @property
    def request(self) -> SignOffRequest:
        return self.progress.request

    def standing_of(self, user: User) -> StakeholderRow | None:
        return next((row for row in self.people if row.user.pk == user.pk), None)


@dataclass(frozen=True)
class DocDetail:
    doc: RequirementDoc  # with its initiative
    versions: list[DocVersion]  # heads only, oldest first
    shown: DocVersion  # the version the page shows, in full
    state: str
    panel: SignOffPanel | None  # the latest sign-off request, if any
    card: Card | None  # the initiative's card on a board, if it is on one

    @property
    def latest(self) -> DocVersion:
        return self.versions[-1]

    @property
    def is_latest(self) -> bool:
        return self.shown.number == self.latest.number

    @property
    def previous(self) -> DocVersion | None:
        """The version before the shown one."""
        return next(
            (v for v in reversed(self.versions) if v.number < self.shown.number), None
        )

    @property
    def latest_requested(self) -> bool:
        """Whether sign-off of the latest version has been requested."""
        return self.panel is not None and (
            self.panel.request.version_id == self.latest.pk
        )


def doc_versions(doc: RequirementDoc) -> list[DocVersion]:
    """Return the heads of the document's versions (no body), oldest first."""
    return list(
        doc.versions.select_related("author").only(*_VERSION_HEAD).order_by("number")
    )


def doc_detail(*, doc_id: int, version_number: int | None = None) -> DocDetail:
    """Return a document for its page: the shown version (the latest unless a
    number is given), every version's head, the sign-off panel and the card.

    Raise ``RequirementDoc.DoesNotExist`` or ``DocVersion.DoesNotExist``.
    """
    doc = RequirementDoc.objects.select_related("initiative").get(pk=doc_id)
    versions = doc_versions(doc)
    number = versions[-1].number if version_number is None else version_number
    shown = DocVersion.objects.select_related("author").get(doc=doc, number=number)
    statuses = request_statuses([doc])
    status = statuses.get(doc.pk)
    panel = None
    if status is not None:
        panel = _panel(status, {v.pk: v.number for v in versions})
    card = (
        Card.objects.filter(initiative_id=doc.initiative_id)
        .select_related("board")
        .order_by("board__name", "pk")
        .first()
    )
    return DocDetail(
        doc=doc,
        versions=versions,
        shown=shown,
        state=status.state if status else DocState.DRAFT,
        panel=panel,
        card=card,
    )


def _panel(status: RequestStatus, numbers: dict[int, int]) -> SignOffPanel:
    users = User.objects.in_bulk([p.stakeholder_id for p in status.people])
    people = [
        StakeholderRow(
            user=users[p.stakeholder_id],
            standing=p.standing,
            decision=p.decision,
            decided_version=numbers.get(p.decision.version_id) if p.decision else None,
        )
        for p in status.people
        if p.stakeholder_id in users
    ]
    return SignOffPanel(
        progress=SignOffProgress.of(status, timezone.localdate()), people=people
    )

"""Reads of the sign-off pages: request statuses in bulk, the sign page, the
inbox page and the printable sign-off record of one version -- each in a fixed
number of queries, whatever the number of requests, people or decisions."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from teamhub.core.models import AuditEvent, User
from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffRequest,
    SignOffRule,
)
from teamhub.requirements.rules import applicable_rules, doc_criticality
from teamhub.requirements.selectors import (
    InboxItem,
    RequestStatus,
    signoff_inbox,
    statuses_of,
)
from teamhub.requirements.state import (
    DocState,
    Standing,
    approvals_needed,
)

# The related rows every function here expects a request to come with.
REQUEST_RELATED = ("version__author", "doc__initiative", "requested_by")


@dataclass(frozen=True)
class Progress:
    """How far a request is: approvals in on the version under review, of how
    many its policy needs."""

    status: RequestStatus
    approvals: int
    needed: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.approvals / self.needed)) if self.needed else 0


def _progress(status: RequestStatus) -> Progress:
    request = status.request
    approvals = sum(p.standing == Standing.APPROVED for p in status.people)
    needed = approvals_needed(request, len(status.people))
    return Progress(status=status, approvals=approvals, needed=needed)


def request_progress(requests: Sequence[SignOffRequest]) -> dict[int, Progress]:
    """Return each request's status and progress by id, in a fixed number of
    queries (see ``selectors.statuses_of`` for what the requests need loaded)."""
    return {pk: _progress(status) for pk, status in statuses_of(requests).items()}


# The sign page ----------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """A stakeholder of a request with their standing, as the sign page lists them."""

    user: User
    standing: str
    decision: SignOff | None


@dataclass(frozen=True)
class SignOffDetail:
    request: SignOffRequest
    progress: Progress
    signers: list[Signer]
    decisions: list[SignOff]  # every decision on the request, oldest first
    rules: list[SignOffRule]

    @property
    def status(self) -> RequestStatus:
        return self.progress.status

    @property
    def rule_checks(self) -> list[tuple[SignOffRule, bool]]:
        """Return each rule that applies with whether an approval meets it."""
        unmet = set(self.status.unmet_rules)
        return [(rule, str(rule) not in unmet) for rule in self.rules]

    def signer(self, user: User) -> Signer | None:
        return next((s for s in self.signers if s.user.pk == user.pk), None)


def signoff_detail(*, request: SignOffRequest) -> SignOffDetail:
    """Return what the sign page shows of ``request`` (loaded with
    ``REQUEST_RELATED``): its stakeholders' standings, every decision, the
    rules that apply."""
    progress = request_progress([request])[request.pk]
    users = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=[p.stakeholder_id for p in progress.status.people]
        ).select_related("person__team")
    }
    signers = [
        Signer(user=users[p.stakeholder_id], standing=p.standing, decision=p.decision)
        for p in progress.status.people
        if p.stakeholder_id in users
    ]
    signers.sort(key=lambda s: (str(s.user).lower(), s.user.pk))
    decisions = list(
        SignOff.objects.filter(request=request)
        .select_related("stakeholder", "version")
        .order_by("signed_at", "id")
    )
    return SignOffDetail(
        request=request,
        progress=progress,
        signers=signers,
        decisions=decisions,
        rules=applicable_rules(doc_criticality(request.doc, request.version.fields)),
    )


# The inbox --------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    item: InboxItem
    requested_by: User | None

    @property
    def request(self) -> SignOffRequest:
        return self.item.request


@dataclass(frozen=True)
class InboxPage:
    waiting: list[InboxRow]
    asked: list[Progress]  # the requests the user asked for, newest first


def signoff_inbox_page(*, user: User, asked_limit: int = 100) -> InboxPage:
    """Return the requests waiting for ``user``'s decision and the ones they
    asked for, with their progress (a fixed number of queries)."""
    items = signoff_inbox(user=user)
    asked = list(
        SignOffRequest.objects.filter(requested_by=user)
        .select_related("version", "doc__initiative")
        .order_by("-created", "-id")[:asked_limit]
    )
    requester_ids = {i.request.requested_by_id for i in items} - {None}
    requesters = (
        {u.pk: u for u in User.objects.filter(pk__in=requester_ids)}
        if requester_ids
        else {}
    )
    statuses = request_progress(asked)
    return InboxPage(
        waiting=[
            InboxRow(
                item=item,
                requested_by=requesters.get(item.request.requested_by_id or 0),
            )
            for item in items
        ],
        asked=[statuses[request.pk] for request in asked],
    )


# The printable record ---------------------------------------------------------

_TARGETS = {
    "doc": RequirementDoc._meta.label_lower,
    "version": DocVersion._meta.label_lower,
    "request": SignOffRequest._meta.label_lower,
    "signoff": SignOff._meta.label_lower,
}


@dataclass(frozen=True)
class RecordedDecision:
    signoff: SignOff
    hash_matches: bool


@dataclass(frozen=True)
class TimelineEntry:
    event: AuditEvent
    text: str
    this_version: bool  # the event is about the version of the record


@dataclass(frozen=True)
class SignOffRecord:
    version: DocVersion
    versions: list[DocVersion]  # every version of the document, oldest first
    decisions: list[RecordedDecision]
    statuses: list[Progress]  # the requests now on this version
    timeline: list[TimelineEntry]

    @property
    def doc(self) -> RequirementDoc:
        return self.version.doc

    @property
    def latest(self) -> DocVersion:
        return self.versions[-1]

    @property
    def approved(self) -> bool:
        """Whether this is the approved version (a request on it is approved)."""
        return any(p.status.state == DocState.APPROVED for p in self.statuses)

    @property
    def interim_reason(self) -> str:
        """Say why this version is not the approved one."""
        if self.version.number != self.latest.number:
            return (
                f"Version {self.latest.number} has replaced it; sign-off concerns "
                "the latest version only."
            )
        states = {p.status.state for p in self.statuses}
        if DocState.CHANGES_REQUESTED in states:
            return "A stakeholder rejected it: changes are requested."
        if states:
            return "Its sign-off is still in review."
        return "Nobody has been asked to sign it yet."


def _event_text(event: AuditEvent, target: str) -> str:
    """Return what an audit event of the document records, in words."""
    data: dict[str, Any] = event.data or {}
    verb = event.verb
    if verb == "requirements.doc_created":
        return f"created the document “{data.get('title', '')}”"
    if verb == "requirements.version_created":
        return f"saved version {data.get('number', '?')}"
    if verb == "signoff.requested":
        count = len(data.get("stakeholders") or [])
        text = (
            f"asked {count} stakeholder{'s' if count != 1 else ''} to sign "
            f"version {data.get('version', '?')}"
        )
        if data.get("policy") == SignOffRequest.Policy.QUORUM:
            text += f" (a quorum of {data.get('quorum')})"
        if data.get("due"):
            text += f", due {data['due']}"
        return text
    if verb == "signoff.request_moved":
        return (
            f"the sign-off request moved from version {data.get('from', '?')} "
            f"to version {data.get('to', '?')}"
        )
    if verb in ("signoff.approved", "signoff.rejected"):
        word = "approved" if verb == "signoff.approved" else "rejected"
        return f"{word} version {data.get('version', '?')}"
    if verb == "signoff.revoked":
        return f"revoked their decision: {data.get('reason', '')}"
    return f"{verb} ({target})"


def signoff_record(*, version: DocVersion) -> SignOffRecord:
    """Return the sign-off record of ``version`` (loaded with ``doc__initiative``
    and ``author``): its decisions, the requests on it and the document's audit
    trail, in nine queries at most."""
    doc = version.doc
    versions = list(
        DocVersion.objects.filter(doc=doc)
        .only("pk", "doc_id", "number", "content_sha256", "created")
        .order_by("number")
    )
    decisions = [
        RecordedDecision(
            signoff=signoff,
            hash_matches=signoff.content_sha256 == version.content_sha256,
        )
        for signoff in SignOff.objects.filter(version=version)
        .select_related("stakeholder")
        .order_by("signed_at", "id")
    ]
    on_version = list(
        SignOffRequest.objects.filter(version=version).select_related(
            "version", "doc__initiative"
        )
    )
    # request_statuses needs the version with its fields: ``version`` has them.
    statuses = request_progress(on_version)

    def ids_of(rows: QuerySet[Any]) -> QuerySet[Any]:
        # Audit targets name their row by its id as text.
        return rows.annotate(text_id=Cast("pk", CharField())).values("text_id")

    wanted = (
        Q(target_type=_TARGETS["doc"], target_id=str(doc.pk))
        | Q(
            target_type=_TARGETS["version"],
            target_id__in=[str(v.pk) for v in versions],
        )
        | Q(
            target_type=_TARGETS["request"],
            target_id__in=ids_of(SignOffRequest.objects.filter(doc=doc)),
        )
        | Q(
            target_type=_TARGETS["signoff"],
            target_id__in=ids_of(SignOff.objects.filter(request__doc=doc)),
        )
    )
    this_version = {str(version.pk)}
    own_signoffs = {str(d.signoff.pk) for d in decisions}
    timeline = []
    for event in (
        AuditEvent.objects.filter(wanted).select_related("actor").order_by("id")
    ):
        about_this = (
            event.target_type == _TARGETS["version"] and event.target_id in this_version
        ) or (
            event.target_type == _TARGETS["signoff"] and event.target_id in own_signoffs
        )
        if event.verb == "signoff.requested" or event.verb == "signoff.request_moved":
            data = event.data or {}
            about_this = version.number in (
                data.get("version"),
                data.get("to"),
            )
        timeline.append(
            TimelineEntry(
                event=event,
                text=_event_text(event, event.target_repr),
                this_version=about_this,
            )
        )
    return SignOffRecord(
        version=version,
        versions=versions,
        decisions=decisions,
        statuses=[statuses[r.pk] for r in on_version],
        timeline=timeline,
    )

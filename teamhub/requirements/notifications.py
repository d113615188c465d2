"""E-mails of the sign-off workflow: who gets what when a sign-off is requested,
a request moves to a new version, or a stakeholder decides (the daily overdue
reminder is in ``reminders.py``).

Celery tasks (``tasks.py``) call these functions, queued by the services with
``transaction.on_commit``: a slow mail server never slows a page, and an action
that failed or rolled back sends nothing. Messages are plain text with absolute
links built from ``settings.TEAMHUB_BASE_URL``; users without an e-mail address
(or no longer active) are skipped. Every send is logged to "teamhub.requirements"
by user id, never with the message or any credential.
"""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import User
from teamhub.requirements.diff import VersionDiff, version_diff
from teamhub.requirements.models import (
    DocVersion,
    SignOff,
    SignOffRequest,
)
from teamhub.requirements.selectors import request_status
from teamhub.requirements.state import (
    DocState,
    StakeholderStanding,
    Standing,
)

logger = logging.getLogger("teamhub.requirements")


@dataclass(frozen=True)
class Mail:
    to: User
    subject: str
    body: str


# -- building blocks ---------------------------------------------------------------


def absolute_url(name: str, *args: object, query: str = "") -> str:
    """Return the absolute link to the page ``name`` (a URL name) for e-mails."""
    base = settings.TEAMHUB_BASE_URL.rstrip("/")
    return f"{base}{reverse(name, args=args)}" + (f"?{query}" if query else "")


def user_name(user: User | None) -> str:
    return str(user) if user is not None else "Someone (account removed)"


def doc_label(request: SignOffRequest) -> str:
    return f"{request.doc.initiative.key} “{request.doc.title}”"


def _one_line(text: str) -> str:
    """Header-safe: a subject is one line (a title could hold a line break)."""
    return " ".join(text.split())


def day_text(day: dt.date | None) -> str:
    return f"{day:%A %d %B %Y}" if day else "no due date"


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{local:%Y-%m-%d %H:%M} {settings.TIME_ZONE}"


def _policy(request: SignOffRequest, count: int) -> str:
    if request.policy == SignOffRequest.Policy.QUORUM and request.quorum:
        return f"{request.quorum} of the {count} stakeholders must approve"
    return f"all {count} stakeholders must approve"


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.strip().splitlines())


def mail_signature() -> str:
    return (
        "\n-- \nTeamHub sign-off. Everything waiting for you: "
        f"{absolute_url('requirements:inbox')}\n"
    )


def mail_connection_open(*, kind: str) -> BaseEmailBackend | None:
    """Return an open connection for a batch of mails; None (logged) when the
    mail server cannot be reached."""
    connection = get_connection()
    try:
        connection.open()
    except Exception:
        logger.exception("E-mail %s: cannot reach the mail server", kind)
        return None
    return connection


def mail_send(connection: BaseEmailBackend, mail: Mail, *, kind: str) -> bool:
    """Send ``mail``; log and return False if the server refused it."""
    message = EmailMessage(
        subject=_one_line(mail.subject),
        body=mail.body,
        to=[mail.to.email],
        connection=connection,
        # RFC 3834: out-of-office replies should not answer a machine.
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        accepted = bool(message.send())
    except Exception:  # a mail failure must not stop the other recipients
        logger.exception("E-mail %s to user %s failed", kind, mail.to.pk)
        return False
    if accepted:
        logger.info("E-mail %s sent to user %s", kind, mail.to.pk)
    return accepted


def mails_deliver(mails: Sequence[Mail], *, kind: str) -> int:
    """Send ``mails`` on one connection; return how many the server accepted.

    These are notices of something the pages show anyway (the inbox, the sign
    page), so a failure is logged, not retried: a retry could mail twice the
    people the first attempt reached.
    """
    addressed = []
    for mail in mails:
        if mail.to.email and mail.to.is_active:
            addressed.append(mail)
        else:
            logger.info(
                "E-mail %s skipped: user %s has no address or is inactive",
                kind,
                mail.to.pk,
            )
    if not addressed:
        return 0
    connection = mail_connection_open(kind=kind)
    if connection is None:
        return 0
    try:
        return sum(mail_send(connection, mail, kind=kind) for mail in addressed)
    finally:
        connection.close()


def _change_summary(diff: VersionDiff) -> str:
    lines = []
    if diff.fields:
        labels = ", ".join(change.label for change in diff.fields)
        lines.append(f"- Fields changed: {labels}")
    counts = {kind: 0 for kind in ("changed", "added", "removed")}
    for row in diff.body:
        if row.kind in counts:
            counts[row.kind] += 1
    body = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    if body:
        lines.append(f"- Body lines: {body}")
    return "\n".join(lines) or "- Nothing in the content (a re-save)."


# -- a sign-off is requested -------------------------------------------------------


def signoff_requested_mails(*, request: SignOffRequest) -> list[Mail]:
    """Return the mails telling each stakeholder their sign-off is asked for."""
    version, doc = request.version, request.doc
    initiative = doc.initiative
    stakeholders = list(request.stakeholders.order_by("pk"))
    asker = user_name(request.requested_by)
    subject = f"Sign-off requested: {doc_label(request)} version {version.number}"
    mails = []
    for user in stakeholders:
        if user.pk == request.requested_by_id:
            continue
        body = (
            f"Hello {user_name(user)},\n\n"
            f"{asker} asks you to sign off version {version.number} of "
            f"“{doc.title}”, the requirements for {initiative.key} "
            f"{initiative.title}.\n\n"
            f"Due: {day_text(request.due)}\n"
            f"Policy: {_policy(request, len(stakeholders))}\n"
            f"Version SHA-256: {version.content_sha256}\n\n"
            "Read it, then approve or reject it (you sign with your password):\n"
            f"{absolute_url('requirements:signoff', request.pk)}\n\n"
            f"The document: {absolute_url('requirements:doc', doc.pk)}\n"
            f"{mail_signature()}"
        )
        mails.append(Mail(user, subject, body))
    return mails


def signoff_requested_notify(*, request: SignOffRequest) -> int:
    """E-mail each stakeholder (but the requester) that their sign-off is asked
    for; return how many mails were sent."""
    sent = mails_deliver(
        signoff_requested_mails(request=request), kind="signoff.requested"
    )
    logger.info("Sign-off request %s: %s stakeholders notified", request.pk, sent)
    return sent


# -- a new version moves a request -------------------------------------------------


def signoff_moved_mails(
    *, request: SignOffRequest, from_number: int, to_number: int
) -> list[Mail]:
    """Return the mails telling stakeholders that version ``to_number`` replaced
    ``from_number`` under review: stale approvers must sign again, those waiting
    still decide, and a standing rejection is asked to check the new version.
    Nothing if the request has moved on again (that move sends its own)."""
    version, doc = request.version, request.doc
    if version.number != to_number:
        return []
    status = request_status(request)
    earlier = {
        person.decision.version_id
        for person in status.people
        if person.decision is not None
    }
    versions = {
        row.pk: row
        for row in DocVersion.objects.filter(
            Q(pk__in=earlier) | Q(doc=doc, number=from_number)
        )
    }
    previous = next(v for v in versions.values() if v.number == from_number)
    users = User.objects.in_bulk([person.stakeholder_id for person in status.people])
    subject = (
        f"Sign-off: version {to_number} of {doc_label(request)} "
        f"replaces version {from_number}"
    )
    sign = absolute_url("requirements:signoff", request.pk)
    summaries: dict[int, str] = {}  # by base version: stakeholders share them
    mails = []
    for person in status.people:
        user = users[person.stakeholder_id]
        if user.pk == version.author_id or person.standing == Standing.APPROVED:
            continue
        base = previous
        if person.decision is not None and person.standing != Standing.WAITING:
            base = versions[person.decision.version_id]
        what = _moved_what(person, base=base, previous=previous, new=version)
        if base.pk not in summaries:
            summaries[base.pk] = _change_summary(version_diff(base, version))
        diff = absolute_url(
            "requirements:doc_diff", doc.pk, query=f"from={base.number}&to={to_number}"
        )
        body = (
            f"Hello {user_name(user)},\n\n"
            f"{user_name(version.author)} saved version {to_number} of “{doc.title}” "
            f"({doc.initiative.key} {doc.initiative.title}); it replaces version "
            f"{from_number} under review.\n\n"
            f"{what}\n\n"
            f"What changed since version {base.number}:\n"
            f"{summaries[base.pk]}\n\n"
            f"Side by side: {diff}\n"
            f"Sign: {sign}\n"
            f"Due: {day_text(request.due)}\n"
            f"{mail_signature()}"
        )
        mails.append(Mail(user, subject, body))
    return mails


def _moved_what(
    person: StakeholderStanding,
    *,
    base: DocVersion,
    previous: DocVersion,
    new: DocVersion,
) -> str:
    if person.standing == Standing.STALE:
        return (
            f"Your approval of version {base.number} no longer counts: read what "
            f"changed and sign version {new.number} again."
        )
    if person.standing == Standing.REJECTED:
        assert person.decision is not None
        return (
            f"Your rejection of version {base.number} still stands:\n"
            f"{_indent(person.decision.comment)}\n"
            f"Check whether version {new.number} addresses your comment; then "
            "approve it, or revoke your rejection."
        )
    return (
        f"Your decision is still needed, now on version {new.number} instead "
        f"of version {previous.number}."
    )


def signoff_moved_notify(
    *, request: SignOffRequest, from_number: int, to_number: int
) -> int:
    """E-mail the stakeholders of a request moved to a new version; return how
    many mails were sent."""
    mails = signoff_moved_mails(
        request=request, from_number=from_number, to_number=to_number
    )
    sent = mails_deliver(mails, kind="signoff.moved")
    logger.info(
        "Sign-off request %s moved v%s -> v%s: %s stakeholders notified",
        request.pk,
        from_number,
        to_number,
        sent,
    )
    return sent


# -- a stakeholder decides ---------------------------------------------------------

_STATE_LINES = {
    DocState.APPROVED: "The request is now APPROVED: every approval it needs is in.",
    DocState.CHANGES_REQUESTED: (
        "CHANGES ARE REQUESTED: a rejection stands. Address it in a new version, "
        "or ask its author to revoke it."
    ),
}


def signoff_decided_mails(*, signoff: SignOff) -> list[Mail]:
    """Return the mail telling the requester about a decision (none when the
    requester decided, or is gone)."""
    request = signoff.request
    requester = request.requested_by
    if requester is None or requester.pk == signoff.stakeholder_id:
        return []
    who = user_name(signoff.stakeholder)
    label = doc_label(request)
    number = signoff.version.number
    if signoff.decision == SignOff.Decision.REVOKED:
        subject = f"{who} revoked their decision on {label}"
        said = f"{who} revoked their decision on “{request.doc.title}”"
        comment_label = "Reason"
    else:
        subject = f"{who} {signoff.decision} version {number} of {label}"
        said = f"{who} {signoff.decision} version {number} of “{request.doc.title}”"
        comment_label = "Comment"
    status = request_status(request)
    approvals = sum(p.standing == Standing.APPROVED for p in status.people)
    state_line = _STATE_LINES.get(
        DocState(status.state),
        f"Still in review: {approvals} of {len(status.people)} stakeholders "
        f"approve version {request.version.number} so far "
        f"({_policy(request, len(status.people))}).",
    )
    comment = (
        f"{comment_label}:\n{_indent(signoff.comment)}\n\n" if signoff.comment else ""
    )
    body = (
        f"Hello {user_name(requester)},\n\n"
        f"{said} ({request.doc.initiative.key} {request.doc.initiative.title}) "
        f"at {_when(signoff.signed_at)}.\n\n"
        f"They signed: {signoff.meaning}\n\n"
        f"{comment}"
        f"{state_line}\n\n"
        f"The request: {absolute_url('requirements:signoff', request.pk)}\n"
        f"{mail_signature()}"
    )
    return [Mail(requester, subject, body)]


def signoff_decided_notify(*, signoff: SignOff) -> int:
    """E-mail the requester a stakeholder's decision or revocation, and whether
    the request is now approved or changes are requested; return mails sent."""
    sent = mails_deliver(signoff_decided_mails(signoff=signoff), kind="signoff.decided")
    logger.info(
        "Sign-off %s (%s on request %s): requester notified: %s",
        signoff.pk,
        signoff.decision,
        signoff.request_id,
        bool(sent),
    )
    return sent

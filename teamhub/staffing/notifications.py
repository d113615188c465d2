"""E-mails of staffing: the person a manager accepted for a role is told.

Queued by the services with ``transaction.on_commit`` through a Celery task
(``tasks.py``), built with the sign-off workflow's mail helpers: plain text,
absolute links, skipped for users without an address, logged by user id only.
"""

import logging

from teamhub.requirements.notifications import (
    Mail,
    absolute_url,
    mails_deliver,
    user_name,
)
from teamhub.staffing.models import Suggestion

logger = logging.getLogger("teamhub.staffing")


def _day(day: object) -> str:
    return f"{day:%A %d %B %Y}" if day else "open-ended"


def suggestion_accepted_mails(*, suggestion: Suggestion) -> list[Mail]:
    """Return the mail telling the person they are proposed for the role (none
    unless the suggestion is accepted)."""
    if suggestion.status != Suggestion.Status.ACCEPTED:
        return []
    person = suggestion.person
    role = suggestion.role
    initiative = role.request.initiative
    by = user_name(suggestion.decided_by)
    subject = f"Proposed for {role.role} on {initiative.key} {initiative.title}"
    body = (
        f"Hello {person.name},\n\n"
        f"{by} proposed you as {role.role} on {initiative.key} "
        f"“{initiative.title}”:\n\n"
        f"- Allocation: {role.allocation}% of your week\n"
        f"- From {_day(role.start)} to {_day(role.end)}\n\n"
        "This is a proposed assignment, not a confirmed one: talk it over with "
        f"{by} before it is confirmed.\n\n"
        f"Your profile and assignments: {absolute_url('people:profile', person.pk)}\n"
        "\n-- \nTeamHub staffing\n"
    )
    return [Mail(person.user, subject, body)]


def suggestion_accepted_notify(*, suggestion: Suggestion) -> int:
    """E-mail the person accepted for a role; return how many mails were sent."""
    sent = mails_deliver(
        suggestion_accepted_mails(suggestion=suggestion), kind="staffing.accepted"
    )
    logger.info(
        "Suggestion %s accepted: person notified: %s", suggestion.pk, bool(sent)
    )
    return sent

"""External identities (Jira accountIds, Git author e-mails) and the people
they belong to: matched by lower-cased e-mail; the rest wait for a manager."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models.functions import Lower

from teamhub.integrations.models import ExternalIdentity
from teamhub.people.models import Person


@dataclass(frozen=True)
class SeenIdentity:
    """Someone as a source reports them: ``external_id`` is the accountId
    (Jira) or the lower-cased author e-mail (Git)."""

    external_id: str
    email: str = ""
    display_name: str = ""


# GitHub's private commit e-mails: "12345+login@users.noreply.github.com" (since
# 2017) and "login@users.noreply.github.com" (older accounts).
GITHUB_NOREPLY = re.compile(
    r"^(?:(?P<id>\d+)\+)?(?P<login>[a-z0-9][a-z0-9-]*(?:\[bot\])?)"
    r"@users\.noreply\.github\.com$",
    re.IGNORECASE,
)


def email_normalise(email: str) -> str:
    return email.strip().lower()


def github_noreply_login(email: str) -> str | None:
    """Return the GitHub login of a noreply commit e-mail, else None."""
    match = GITHUB_NOREPLY.match(email_normalise(email))
    return match["login"] if match else None


def identity_hint(email: str) -> str:
    """Return a hint for a reviewer about who an e-mail belongs to ("GitHub
    user @login" for noreply addresses), or "" when the e-mail says it all.

    A noreply address never matches a person's e-mail, so such identities wait
    for a manager; the login is what helps them decide (and it is offered as a
    suggestion when a TeamHub username equals it, never linked automatically).
    """
    login = github_noreply_login(email)
    return f"GitHub user @{login}" if login else ""


def identities_resolve(
    *, source: str, seen: Iterable[SeenIdentity]
) -> dict[str, ExternalIdentity]:
    """Return the identity of each external id seen, creating the new ones and
    linking them to a person by e-mail where one matches (a fixed number of
    queries whatever the number seen)."""
    by_id: dict[str, SeenIdentity] = {}
    for entry in seen:
        by_id.setdefault(entry.external_id, entry)
    if not by_id:
        return {}
    existing = {
        identity.external_id: identity
        for identity in ExternalIdentity.objects.filter(
            source=source, external_id__in=list(by_id)
        )
    }
    new = [entry for key, entry in by_id.items() if key not in existing]
    if new:
        emails = {email_normalise(entry.email) for entry in new if entry.email}
        people = dict(
            Person.objects.annotate(email_lower=Lower("user__email"))
            .filter(email_lower__in=emails)
            .values_list("email_lower", "pk")
        )
        ExternalIdentity.objects.bulk_create(
            [
                ExternalIdentity(
                    source=source,
                    external_id=entry.external_id,
                    email=email_normalise(entry.email),
                    display_name=(entry.display_name or _noreply_name(entry.email))[
                        :255
                    ],
                    person_id=people.get(email_normalise(entry.email)),
                )
                for entry in new
            ],
            ignore_conflicts=True,  # a concurrent run created it: fine
        )
        existing.update(
            {
                identity.external_id: identity
                for identity in ExternalIdentity.objects.filter(
                    source=source, external_id__in=[entry.external_id for entry in new]
                )
            }
        )
    return existing


def _noreply_name(email: str) -> str:
    login = github_noreply_login(email)
    return f"@{login}" if login else ""

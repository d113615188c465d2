"""External identities (Jira accountIds, Git author e-mails) and the people
they belong to: matched by lower-cased e-mail; the rest wait for a manager."""

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


def email_normalise(email: str) -> str:
    return email.strip().lower()


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
                    display_name=entry.display_name[:255],
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

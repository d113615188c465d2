"""Reads of integrations data: connections, the activity list, a person's recent
activity and evidence, activity counts per initiative, and the identity review
lists."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from teamhub.integrations.evidence import evidence_summary
from teamhub.integrations.identities import github_noreply_login
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    JiraConnection,
    JiraMapping,
)
from teamhub.people.models import Person, PersonSkill, Skill

# What "recent" means on board cards.
ACTIVITY_WINDOW = dt.timedelta(days=30)


def jira_connections() -> QuerySet[JiraConnection]:
    """Return Jira connections with their mapping rules and the rules' initiatives
    (two more queries, whatever the number of connections)."""
    return JiraConnection.objects.prefetch_related(
        Prefetch("mappings", JiraMapping.objects.select_related("initiative"))
    )


def activity_list() -> QuerySet[ActivityEvent]:
    """Return activity events, newest first, with what a list row shows."""
    return ActivityEvent.objects.select_related("person__user", "initiative").order_by(
        "-occurred_at", "-id"
    )


def person_activity(person_id: int, limit: int = 10) -> list[ActivityEvent]:
    """Return the person's latest events (one query)."""
    return list(
        ActivityEvent.objects.filter(person_id=person_id)
        .select_related("initiative")
        .defer("data")
        .order_by("-occurred_at", "-id")[:limit]
    )


def initiative_activity_counts(
    initiative_ids: list[int], since: dt.datetime | None = None
) -> dict[int, int]:
    """Return {initiative id: events since ``since``} (default: the last 30
    days), orphaned commits left out; one query. Initiatives without events
    are absent (read them as 0)."""
    if not initiative_ids:
        return {}
    since = since or timezone.now() - ACTIVITY_WINDOW
    return dict(
        ActivityEvent.objects.filter(
            initiative_id__in=initiative_ids, occurred_at__gte=since, orphaned=False
        )
        .order_by()
        .values("initiative_id")
        .annotate(n=Count("id"))
        .values_list("initiative_id", "n")
    )


@dataclass(frozen=True)
class EvidenceRow:
    """Inferred evidence of one skill, with the level the person holds (self
    or manager) beside it, if any."""

    skill: Skill
    count: int
    last_at: dt.datetime
    weight: float
    level: int | None
    level_source: str | None

    @property
    def strength_percent(self) -> int:
        """The weight as a bar: 10 recent uses (or more) fill it."""
        return max(4, min(100, round(self.weight * 10)))


def person_evidence(person: Person) -> list[EvidenceRow]:
    """Return the person's evidence per skill, strongest first (two queries)."""
    summary = evidence_summary(person)
    if not summary:
        return []
    held = {
        skill_id: (level, source)
        for skill_id, level, source in PersonSkill.objects.filter(
            person=person, skill_id__in=[row.skill.pk for row in summary]
        ).values_list("skill_id", "level", "source")
    }
    return [
        EvidenceRow(
            skill=row.skill,
            count=row.count,
            last_at=row.last_at,
            weight=row.weight,
            level=held.get(row.skill.pk, (None, None))[0],
            level_source=held.get(row.skill.pk, (None, None))[1],
        )
        for row in summary
    ]


def profile_activity_context(person: Person, *, limit: int = 10) -> dict[str, object]:
    """Return what the profile's activity and evidence sections show (three
    queries): ``activity`` (latest events) and ``evidence`` (EvidenceRows)."""
    return {
        "activity": person_activity(person.pk, limit),
        "evidence": person_evidence(person),
    }


# Identity review ----------------------------------------------------------------


def identities_for_review(*, linked: bool) -> QuerySet[ExternalIdentity]:
    """Return unlinked (or linked) identities with their event count and when
    they were last seen, most active first (one query per page)."""
    identities = ExternalIdentity.objects.filter(person__isnull=not linked)
    if linked:
        identities = identities.select_related("person__user", "linked_by")
    return identities.annotate(
        event_count=Count("events"), last_seen=Max("events__occurred_at")
    ).order_by("-last_seen", "source", "display_name", "pk")


@dataclass(frozen=True)
class PersonChoice:
    pk: int
    name: str
    email: str
    username: str


def people_for_linking() -> list[PersonChoice]:
    """Return active people (id, name, e-mail, username) by name: the choices
    of the link pickers (one query)."""
    rows = (
        Person.objects.filter(active=True)
        .values_list(
            "pk",
            "user__first_name",
            "user__last_name",
            "user__username",
            "user__email",
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return [
        PersonChoice(pk, f"{first} {last}".strip() or username, email, username)
        for pk, first, last, username, email in rows
    ]


def link_suggestion(
    identity: ExternalIdentity, people: list[PersonChoice]
) -> PersonChoice | None:
    """Return the person an identity most likely is: the same name, or a
    username equal to its GitHub noreply login; None when unsure."""
    login = github_noreply_login(identity.email) or ""
    name = identity.display_name.strip().casefold()
    by_name = [p for p in people if name and p.name.casefold() == name]
    if len(by_name) == 1:
        return by_name[0]
    by_login = [p for p in people if login and p.username.casefold() == login]
    return by_login[0] if len(by_login) == 1 else None

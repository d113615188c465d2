"""Writing activity events: upserts under (source, kind, external_id), in bulk,
so replaying the same pages twice leaves the database identical."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from teamhub.integrations.models import ActivityEvent, ExternalIdentity

UPSERT_BATCH = 1000


@dataclass
class EventData:
    source: str
    kind: str
    external_id: str
    occurred_at: dt.datetime
    identity: ExternalIdentity | None = None
    initiative_id: int | None = None
    jira_id: int | None = None
    git_id: int | None = None
    title: str = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def activity_upsert(events: list[EventData]) -> list[int]:
    """Insert or update each event (matched by source, kind and external id);
    return their ids. One statement per batch of 1,000 plus one read."""
    rows = [
        ActivityEvent(
            source=event.source,
            kind=event.kind,
            external_id=event.external_id,
            occurred_at=event.occurred_at,
            identity=event.identity,
            person_id=event.identity.person_id if event.identity else None,
            initiative_id=event.initiative_id,
            jira_id=event.jira_id,
            git_id=event.git_id,
            title=event.title[:500],
            url=event.url[:500],
            data=event.data,
        )
        for event in events
    ]
    if not rows:
        return []
    ActivityEvent.objects.bulk_create(
        rows,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["source", "kind", "external_id"],
        update_fields=[
            "occurred_at",
            "identity",
            "person",
            "initiative",
            "jira",
            "git",
            "title",
            "url",
            "data",
        ],
    )
    ids: list[int] = []
    by_source_kind: dict[tuple[str, str], list[str]] = {}
    for event in events:
        by_source_kind.setdefault((event.source, event.kind), []).append(
            event.external_id
        )
    for (source, kind), external_ids in by_source_kind.items():
        for start in range(0, len(external_ids), UPSERT_BATCH):
            ids += ActivityEvent.objects.filter(
                source=source,
                kind=kind,
                external_id__in=external_ids[start : start + UPSERT_BATCH],
            ).values_list("pk", flat=True)
    return ids

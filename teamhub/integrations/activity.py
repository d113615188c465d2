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
    # Of events with the same key the last wins, as SQLite leaves it; PostgreSQL
    # refuses to update one row twice in a statement (a replay's worklog pages
    # can repeat a worklog).
    by_key = {(event.source, event.kind, event.external_id): event for event in events}
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
        for event in by_key.values()
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
    for source, kind, external_id in by_key:
        by_source_kind.setdefault((source, kind), []).append(external_id)
    for (source, kind), external_ids in by_source_kind.items():
        for start in range(0, len(external_ids), UPSERT_BATCH):
            ids += ActivityEvent.objects.filter(
                source=source,
                kind=kind,
                external_id__in=external_ids[start : start + UPSERT_BATCH],
            ).values_list("pk", flat=True)
    return ids

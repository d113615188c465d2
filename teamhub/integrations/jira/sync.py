"""The Jira sync of one run: fetch the issues of a connection's JQL updated since
the run's watermark, keep each response as a raw payload, and upsert one
activity event per issue created, per status change and per worklog.

Each search page is written in its own transaction, so a run that dies half-way
keeps the pages it finished; the next run starts from the same watermark and the
upserts make the overlap harmless (no duplicates, no gaps).
"""

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from teamhub.integrations.activity import EventData, activity_upsert
from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.evidence import evidence_record
from teamhub.integrations.identities import SeenIdentity, identities_resolve
from teamhub.integrations.jira.adf import adf_to_text
from teamhub.integrations.jira.client import DATA_CENTER, JiraClient, JiraNotFound
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    JiraConnection,
    JiraMapping,
    RawPayload,
    Source,
    SyncRun,
)
from teamhub.integrations.secrets import SecretUnreadable

logger = logging.getLogger(__name__)

FIELDS = [
    "summary",
    "status",
    "issuetype",
    "created",
    "updated",
    "reporter",
    "assignee",
    "creator",
    "labels",
    "components",
    "project",
    "parent",
    "description",
]
PAGE_SIZE = 100
# Ask for a little more than the watermark: clocks differ and JQL has minutes.
SAFETY_MARGIN = dt.timedelta(minutes=2)
DESCRIPTION_MAX = 2000
COMMENT_MAX = 500
ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)

Kind = ActivityEvent.Kind


@dataclass
class Rules:
    """A connection's mapping rules, keyed by lower-cased value."""

    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    # The classic Epic Link custom field's id ("customfield_10014"), if any.
    epic_link_field: str = ""

    @classmethod
    def of(cls, connection: JiraConnection) -> "Rules":
        rules = cls(
            {kind: {} for kind in JiraMapping.Kind.values},
            epic_link_field=connection.epic_link_field,
        )
        for kind, value, initiative_id in JiraMapping.objects.filter(
            connection=connection
        ).values_list("kind", "value", "initiative_id"):
            rules.by_kind[kind][value.strip().lower()] = initiative_id
        return rules

    def initiative_for(self, issue: dict[str, Any]) -> int | None:
        """The first rule that matches: epic, then project, label, component.

        The epic is the parent when that is an epic, then the classic Epic Link
        field, then the parent whatever its type, then the issue if an epic."""
        fields = issue.get("fields") or {}
        parent = fields.get("parent") or {}
        epic_link = _key(fields.get(self.epic_link_field))
        if _is_epic((parent.get("fields") or {}).get("issuetype")):
            epics = [parent.get("key"), epic_link]
        else:
            epics = [epic_link, parent.get("key")]
        if _is_epic(fields.get("issuetype")):
            epics.append(issue.get("key"))
        candidates = {
            JiraMapping.Kind.EPIC: epics,
            JiraMapping.Kind.PROJECT: [(fields.get("project") or {}).get("key")],
            JiraMapping.Kind.LABEL: list(fields.get("labels") or []),
            JiraMapping.Kind.COMPONENT: _names(fields.get("components")),
        }
        for kind, values in candidates.items():
            table = self.by_kind.get(kind) or {}
            for value in values:
                if value and str(value).lower() in table:
                    return table[str(value).lower()]
        return None


@dataclass
class IssueRef:
    """What a worklog event needs of its issue."""

    key: str
    initiative_id: int | None
    data: dict[str, Any]


@dataclass
class Ingest:
    """The state of one run (or replay) as pages go through it."""

    connection: JiraConnection
    rules: Rules
    issues: dict[str, IssueRef] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "pages": 0,
            "issues": 0,
            "events": 0,
            "changelogs": 0,
            "worklogs": 0,
        }
    )

    def page(
        self,
        issues: list[dict[str, Any]],
        changelogs: dict[str, list[dict[str, Any]]],
    ) -> None:
        """Upsert the events of one page of issues (with any full changelogs)."""
        users: list[dict[str, Any] | None] = []
        for issue in issues:
            fields = issue.get("fields") or {}
            users += [fields.get("creator"), fields.get("reporter")]
            users += [h.get("author") for h in _histories(issue, changelogs)]
        identities = _resolve(users)
        events: list[EventData] = []
        for issue in issues:
            events += self._issue_events(issue, changelogs, identities)
        self._upsert(events)
        self.counts["pages"] += 1
        self.counts["issues"] += len(issues)

    def worklogs(self, worklogs: list[dict[str, Any]]) -> None:
        """Upsert the worklogs that belong to issues of this run."""
        mine = [w for w in worklogs if str(w.get("issueId")) in self.issues]
        identities = _resolve([w.get("author") for w in mine])
        events: list[EventData] = []
        for worklog in mine:
            issue = self.issues[str(worklog.get("issueId"))]
            started = _time(worklog.get("started") or worklog.get("created"))
            if started is None:
                continue
            comment = adf_to_text(worklog.get("comment"))[:COMMENT_MAX]
            events.append(
                self._event(
                    kind=Kind.WORKLOG,
                    external_id=f"{self.connection.pk}:{worklog.get('id')}",
                    occurred_at=started,
                    identity=_identity(worklog.get("author"), identities),
                    issue=issue,
                    title=f"{issue.key}: {worklog.get('timeSpent') or ''} logged",
                    data={
                        **issue.data,
                        "time_spent_seconds": worklog.get("timeSpentSeconds") or 0,
                        "comment": comment,
                    },
                )
            )
        self._upsert(events)
        self.counts["worklogs"] += len(events)

    def _issue_events(
        self,
        issue: dict[str, Any],
        changelogs: dict[str, list[dict[str, Any]]],
        identities: dict[str, ExternalIdentity],
    ) -> list[EventData]:
        issue_id = str(issue.get("id"))
        key = str(issue.get("key"))
        fields = issue.get("fields") or {}
        ref = IssueRef(
            key=key,
            initiative_id=self.rules.initiative_for(issue),
            data={
                "key": key,
                "issue_id": issue_id,
                "summary": str(fields.get("summary") or ""),
                "project": (fields.get("project") or {}).get("key", ""),
                "issue_type": _name(fields.get("issuetype")),
                "status": _name(fields.get("status")),
                "parent": (fields.get("parent") or {}).get("key", ""),
                "labels": list(fields.get("labels") or []),
                "components": _names(fields.get("components")),
            },
        )
        self.issues[issue_id] = ref
        events: list[EventData] = []
        created = _time(fields.get("created"))
        if created is not None:
            description = adf_to_text(fields.get("description"))
            events.append(
                self._event(
                    kind=Kind.ISSUE_CREATED,
                    external_id=f"{self.connection.pk}:{issue_id}",
                    occurred_at=created,
                    identity=_identity(
                        fields.get("creator") or fields.get("reporter"), identities
                    ),
                    issue=ref,
                    title=f"{key}: {ref.data['summary']}",
                    data={**ref.data, "description": description[:DESCRIPTION_MAX]},
                )
            )
        for history in _histories(issue, changelogs):
            at = _time(history.get("created"))
            if at is None:
                continue
            for index, item in enumerate(history.get("items") or []):
                if (item.get("fieldId") or item.get("field")) != "status":
                    continue
                before = str(item.get("fromString") or "")
                after = str(item.get("toString") or "")
                events.append(
                    self._event(
                        kind=Kind.STATUS_CHANGED,
                        external_id=(
                            f"{self.connection.pk}:{issue_id}:"
                            f"{history.get('id')}:{index}"
                        ),
                        occurred_at=at,
                        identity=_identity(history.get("author"), identities),
                        issue=ref,
                        title=f"{key}: {before} → {after}",
                        data={**ref.data, "from": before, "to": after},
                    )
                )
        return events

    def _event(
        self,
        *,
        kind: str,
        external_id: str,
        occurred_at: dt.datetime,
        identity: ExternalIdentity | None,
        issue: IssueRef,
        title: str,
        data: dict[str, Any],
    ) -> EventData:
        return EventData(
            source=Source.JIRA,
            kind=kind,
            external_id=external_id,
            occurred_at=occurred_at,
            identity=identity,
            initiative_id=issue.initiative_id,
            jira_id=self.connection.pk,
            title=title,
            url=f"{self.connection.base_url.rstrip('/')}/browse/{issue.key}",
            data=data,
        )

    def _upsert(self, events: list[EventData]) -> None:
        ids = activity_upsert(events)
        self.event_ids += ids
        self.counts["events"] += len(ids)


def jira_client_for(connection: JiraConnection, **options: Any) -> JiraClient:
    """A client for a connection, with its token (SyncFailed when it has none)."""
    try:
        token = connection.token()
    except SecretUnreadable as error:
        raise SyncFailed(str(error)) from error
    if not token:
        where = (
            f"the environment variable {connection.token_env} is empty"
            if connection.token_env
            else "no token is stored"
        )
        raise SyncFailed(f"The connection has no API token: {where}.")
    return JiraClient(
        base_url=connection.base_url,
        deployment=connection.deployment,
        email=connection.email,
        token=token,
        **options,
    )


def jira_jql(*, scope: str, since: dt.datetime | None, tz: dt.tzinfo) -> str:
    """The run's JQL: the connection's scope, issues updated since the
    watermark (minus a margin, in the Jira user's time zone), oldest first."""
    scope = ORDER_BY.split(scope, maxsplit=1)[0].strip()
    clauses = [f"({scope})"] if scope else []
    if since is not None:
        local = (since - SAFETY_MARGIN).astimezone(tz)
        clauses.append(f'updated >= "{local:%Y-%m-%d %H:%M}"')
    if not clauses:
        # Jira Cloud refuses an unbounded search: bound it by the dawn of time.
        clauses.append('created >= "1970-01-01"')
    return " AND ".join(clauses) + " ORDER BY created ASC"


def jira_sync(run: SyncRun, *, client: JiraClient | None = None) -> dict[str, int]:
    """Fetch and store what changed in Jira since ``run.since``; return counts.

    Raises SyncFailed with a message for the run on any fault. Does not touch
    the run's status or the connection's watermark (the runner does).
    """
    connection = run.jira
    if connection is None:
        raise ValueError("jira_sync needs a Jira run")
    client = client or jira_client_for(connection)
    # The Epic Link is a custom field: Jira sends it only when asked for it.
    epic_link = connection.epic_link_field
    fields = [*FIELDS, epic_link] if epic_link else FIELDS
    with client:
        tz = _timezone_remember(connection, client.myself())
        jql = jira_jql(scope=connection.jql, since=run.since, tz=tz)
        logger.info("Jira sync of %s: %s", connection, jql)
        ingest = Ingest(connection=connection, rules=Rules.of(connection))
        for page in client.search(
            jql=jql, fields=fields, page_size=PAGE_SIZE, page_cap=connection.page_cap
        ):
            changelogs: dict[str, list[dict[str, Any]]] = {}
            changelog_pages: list[RawPayload] = []
            for issue in page.issues:
                if _changelog_truncated(issue):
                    try:
                        histories, raw = client.changelog_pages(
                            issue_id=str(issue.get("id")),
                            issue_key=str(issue.get("key")),
                        )
                    except JiraNotFound:
                        # Deleted since the search: keep what the search sent.
                        logger.warning(
                            "Jira sync of %s: %s was deleted during the run: "
                            "skipped its full changelog (kept what the search "
                            "sent)",
                            connection,
                            issue.get("key"),
                        )
                        ingest.counts["skipped_deleted"] = (
                            ingest.counts.get("skipped_deleted", 0) + 1
                        )
                        continue
                    changelogs[str(issue.get("id"))] = histories
                    changelog_pages.append(
                        RawPayload(
                            run=run,
                            kind="changelog",
                            key=str(issue.get("id")),
                            payload={"deployment": connection.deployment, "pages": raw},
                        )
                    )
            with transaction.atomic():
                RawPayload.objects.create(
                    run=run, kind="search", key=str(page.number), payload=page.body
                )
                RawPayload.objects.bulk_create(changelog_pages)
                ingest.page(page.issues, changelogs)
            ingest.counts["changelogs"] += len(changelogs)
        if ingest.issues:
            _sync_worklogs(run, client, ingest)
    return _finish(ingest)


def jira_replay(run: SyncRun) -> dict[str, int]:
    """Rebuild a run's events from its stored payloads, without fetching."""
    connection = run.jira
    if connection is None:
        raise ValueError("jira_replay needs a Jira run")
    ingest = Ingest(connection=connection, rules=Rules.of(connection))
    pending: list[dict[str, Any]] | None = None
    changelogs: dict[str, list[dict[str, Any]]] = {}
    worklogs: list[dict[str, Any]] = []
    with transaction.atomic():
        for payload in run.payloads.order_by("id").iterator():
            body = payload.payload
            if payload.kind == "search":
                if pending is not None:
                    ingest.page(pending, changelogs)
                pending, changelogs = list(body.get("issues") or []), {}
            elif payload.kind == "changelog":
                changelogs[payload.key] = _changelog_from_pages(body)
            elif payload.kind == "worklogs":
                worklogs += body.get("worklogs") or []
        if pending is not None:
            ingest.page(pending, changelogs)
        ingest.worklogs(worklogs)
    return _finish(ingest)


def _sync_worklogs(run: SyncRun, client: JiraClient, ingest: Ingest) -> None:
    since = (
        run.since - SAFETY_MARGIN
        if run.since
        else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    )
    for number, page in enumerate(client.worklogs_updated(since=since), start=1):
        ids = [
            int(entry["worklogId"])
            for entry in page.get("values") or []
            if isinstance(entry, dict) and str(entry.get("worklogId", "")).isdigit()
        ]
        worklogs = client.worklogs_list(ids=ids) if ids else []
        with transaction.atomic():
            RawPayload.objects.create(
                run=run, kind="worklog_updated", key=str(number), payload=page
            )
            RawPayload.objects.create(
                run=run,
                kind="worklogs",
                key=str(number),
                payload={"worklogs": worklogs},
            )
            ingest.worklogs(worklogs)


def _finish(ingest: Ingest) -> dict[str, int]:
    ingest.counts["evidence"] = evidence_record(event_ids=ingest.event_ids)
    return ingest.counts


def _timezone_remember(connection: JiraConnection, myself: dict[str, Any]) -> dt.tzinfo:
    """The Jira user's time zone (JQL dates are read in it), kept on the
    connection for the pages; UTC when Jira names one we do not know."""
    name = str(myself.get("timeZone") or "UTC")
    try:
        tz: dt.tzinfo = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Unknown Jira time zone %r: using UTC", name)
        name, tz = "UTC", dt.UTC
    if connection.jira_timezone != name:
        connection.jira_timezone = name
        connection.save(update_fields=["jira_timezone"])
    return tz


def _changelog_truncated(issue: dict[str, Any]) -> bool:
    changelog = issue.get("changelog")
    if not isinstance(changelog, dict):
        return False
    total = changelog.get("total")
    histories = changelog.get("histories") or []
    return isinstance(total, int) and total > len(histories)


def _changelog_from_pages(body: dict[str, Any]) -> list[dict[str, Any]]:
    pages = body.get("pages") or []
    if body.get("deployment") == DATA_CENTER:
        return [
            h
            for page in pages
            for h in (page.get("changelog") or {}).get("histories") or []
        ]
    return [h for page in pages for h in page.get("values") or []]


def _histories(
    issue: dict[str, Any], changelogs: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """An issue's histories: the full changelog when fetched, else embedded;
    deduplicated by id."""
    histories = changelogs.get(str(issue.get("id")))
    if histories is None:
        histories = (issue.get("changelog") or {}).get("histories") or []
    unique: dict[str, dict[str, Any]] = {}
    for history in histories:
        unique.setdefault(str(history.get("id")), history)
    return list(unique.values())


def _user_id(user: Any) -> str:
    """accountId (Cloud), else key or name (Data Center); "" for nobody."""
    if not isinstance(user, dict):
        return ""
    return str(user.get("accountId") or user.get("key") or user.get("name") or "")


def _resolve(users: Iterable[Any]) -> dict[str, ExternalIdentity]:
    seen = [
        SeenIdentity(
            external_id=_user_id(user),
            email=str(user.get("emailAddress") or ""),
            display_name=str(user.get("displayName") or ""),
        )
        for user in users
        if _user_id(user)
    ]
    return identities_resolve(source=Source.JIRA, seen=seen)


def _identity(
    user: Any, identities: dict[str, ExternalIdentity]
) -> ExternalIdentity | None:
    return identities.get(_user_id(user))


def _key(value: Any) -> str:
    """An issue key from a field: the Epic Link's string, or an {"key": …}."""
    if isinstance(value, dict):
        value = value.get("key")
    return value.strip() if isinstance(value, str) else ""


def _is_epic(issuetype: Any) -> bool:
    """Whether an issue type is an epic: by name, or by its level (Cloud)."""
    if not isinstance(issuetype, dict):
        return False
    return _name(issuetype).lower() == "epic" or issuetype.get("hierarchyLevel") == 1


def _name(value: Any) -> str:
    return str(value.get("name") or "") if isinstance(value, dict) else ""


def _names(values: Any) -> list[str]:
    return [_name(v) for v in values or [] if _name(v)]


def _time(value: Any) -> dt.datetime | None:
    """Jira's timestamps ("2026-03-01T10:15:30.123+0000") as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

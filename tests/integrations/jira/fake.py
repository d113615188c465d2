"""A Jira-compatible server for tests and benchmarks: fixture builders for
realistic Cloud v3 / Data Center v2 payloads, and ``FakeJira``, which serves
them from a pytest-httpserver on 127.0.0.1 (search with token or startAt paging,
changelogs, worklogs, /myself) and can inject faults."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EMBEDDED_CHANGELOG_MAX = 20
STATUSES = [
    ("10000", "To Do"),
    ("3", "In Progress"),
    ("10001", "In Review"),
    ("10002", "Done"),
]


def jira_time(moment: dt.datetime) -> str:
    """Jira's timestamp format: 2026-03-02T10:00:00.000+0100."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}" + moment.strftime("%z")
    )


def user(n: int, *, email: bool = True, tz: str = "Europe/Berlin") -> dict[str, Any]:
    account_id = f"712020:{n:08x}-4c1e-4b7e-9f3a-6c2d9e1f{n:04x}"
    body: dict[str, Any] = {
        "self": f"https://example.atlassian.net/rest/api/3/user?accountId={account_id}",
        "accountId": account_id,
        "avatarUrls": {"48x48": "https://avatar-management.example/48.png"},
        "displayName": f"User {n}",
        "active": True,
        "timeZone": tz,
        "accountType": "atlassian",
    }
    if email:
        body["emailAddress"] = f"user{n}@example.com"
    return body


def dc_user(n: int) -> dict[str, Any]:
    return {
        "self": f"https://jira.example.com/rest/api/2/user?username=user{n}",
        "name": f"user{n}",
        "key": f"JIRAUSER{10000 + n}",
        "emailAddress": f"user{n}@example.com",
        "displayName": f"User {n}",
        "active": True,
        "timeZone": "Europe/Berlin",
    }


def adf(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def paragraph(*inline: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "type": "paragraph",
        "content": [
            {"type": "text", "text": part} if isinstance(part, str) else part
            for part in inline
        ],
    }


def status_history(
    history_id: int, author: dict[str, Any], at: dt.datetime, step: int
) -> dict[str, Any]:
    """A changelog entry moving an issue one status along (wrapping round)."""
    before = STATUSES[step % len(STATUSES)]
    after = STATUSES[(step + 1) % len(STATUSES)]
    return {
        "id": str(history_id),
        "author": author,
        "created": jira_time(at),
        "items": [
            {
                "field": "status",
                "fieldtype": "jira",
                "fieldId": "status",
                "from": before[0],
                "fromString": before[1],
                "to": after[0],
                "toString": after[1],
            }
        ],
    }


def label_history(history_id: int, author: dict[str, Any], at: dt.datetime) -> dict:
    return {
        "id": str(history_id),
        "author": author,
        "created": jira_time(at),
        "items": [
            {
                "field": "labels",
                "fieldtype": "jira",
                "fieldId": "labels",
                "from": None,
                "fromString": "",
                "to": None,
                "toString": "nlp",
            }
        ],
    }


def issue(
    n: int,
    *,
    project: str = "ML",
    created: dt.datetime | None = None,
    updated: dt.datetime | None = None,
    creator: dict[str, Any] | None = None,
    labels: list[str] | None = None,
    components: list[str] | None = None,
    parent: str | None = None,
    parent_type: str = "Epic",
    epic_link: tuple[str, str] | None = None,
    issue_type: str = "Story",
    status_changes: int = 2,
    description: Any = "default",
    data_center: bool = False,
) -> dict[str, Any]:
    """An issue as Jira stores it: every history (the server truncates).
    ``epic_link`` is (custom field id, epic key): the classic Epic Link."""
    created = created or T0 + dt.timedelta(minutes=n)
    creator = creator or (dc_user(1) if data_center else user(1))
    issue_id = str(10000 + n)
    histories = [
        status_history(
            int(issue_id) * 100 + step,
            creator,
            created + dt.timedelta(hours=step + 1),
            step,
        )
        for step in range(status_changes)
    ]
    if description == "default":
        description = (
            f"Train the model for {project}-{n}."
            if data_center
            else adf(paragraph(f"Train the model for {project}-{n}."))
        )
    fields: dict[str, Any] = {
        "summary": f"Issue {n} of {project}",
        "status": {"name": STATUSES[status_changes % len(STATUSES)][1], "id": "3"},
        "issuetype": {"name": issue_type, "id": "10001", "subtask": False},
        "created": jira_time(created),
        "updated": jira_time(updated or created + dt.timedelta(hours=status_changes)),
        "creator": creator,
        "reporter": creator,
        "assignee": creator,
        "labels": labels or [],
        "components": [
            {"id": str(i), "name": c} for i, c in enumerate(components or [])
        ],
        "project": {"id": "10000", "key": project, "name": f"Project {project}"},
        "description": description,
    }
    if parent:
        fields["parent"] = {
            "id": "9999",
            "key": parent,
            "fields": {"summary": "A parent", "issuetype": {"name": parent_type}},
        }
    if epic_link:
        fields[epic_link[0]] = epic_link[1]
    return {
        "expand": "renderedFields,names,schema,operations,changelog",
        "id": issue_id,
        "self": f"https://example.atlassian.net/rest/api/3/issue/{issue_id}",
        "key": f"{project}-{n}",
        "fields": fields,
        "changelog": {"histories": histories},
    }


def worklog(
    worklog_id: int, issue_id: str, author: dict[str, Any], at: dt.datetime
) -> dict[str, Any]:
    return {
        "self": f"https://example.atlassian.net/rest/api/3/issue/{issue_id}/worklog/{worklog_id}",
        "author": author,
        "updateAuthor": author,
        "comment": adf(paragraph("Tuned the learning rate")),
        "created": jira_time(at),
        "updated": jira_time(at),
        "started": jira_time(at),
        "timeSpent": "3h",
        "timeSpentSeconds": 10800,
        "id": str(worklog_id),
        "issueId": issue_id,
    }


@dataclass
class Fault:
    status: int
    body: str = '{"errorMessages": ["Internal server error"], "errors": {}}'
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeJira:
    """Jira on 127.0.0.1. ``faults[endpoint]`` are answered, in order, before
    the normal response; ``fail_on_page`` answers one search page with a fault
    every time (a run that dies there)."""

    server: HTTPServer
    deployment: str = "cloud"
    issues: list[dict[str, Any]] = field(default_factory=list)
    worklogs: list[dict[str, Any]] = field(default_factory=list)
    me: dict[str, Any] = field(default_factory=lambda: user(0, tz="Europe/Berlin"))
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    requests: list[dict[str, Any]] = field(default_factory=list)
    empty_last_page: bool = False
    endless: bool = False
    fail_on_page: int | None = None
    changelog_page_max: int = 100
    worklog_page_size: int = 2

    def __post_init__(self) -> None:
        # Every path: one Jira does not serve (e.g. a wrong context path) is 404.
        self.server.expect_request(re.compile(r"/.*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def search_bodies(self) -> list[dict[str, Any]]:
        return [r["json"] for r in self.requests if r["endpoint"] == "search"]

    # -- dispatch --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path
        body = json.loads(request.data) if request.data else None
        routes = [
            ("POST", r"/rest/api/3/search/jql", "search", self._search_cloud),
            ("GET", r"/rest/api/2/search", "search", self._search_dc),
            ("GET", r"/rest/api/[23]/myself", "myself", self._myself),
            ("GET", r"/rest/api/3/issue/(\d+)/changelog", "changelog", self._changelog),
            ("GET", r"/rest/api/2/issue/([A-Z]+-\d+)", "changelog", self._issue_dc),
            ("GET", r"/rest/api/[23]/worklog/updated", "worklog_updated", self._wl_upd),
            ("POST", r"/rest/api/[23]/worklog/list", "worklog_list", self._wl_list),
        ]
        for method, pattern, endpoint, handler in routes:
            match = re.fullmatch(pattern, path)
            if request.method == method and match:
                self.requests.append(
                    {
                        "endpoint": endpoint,
                        "path": path,
                        "args": dict(request.args),
                        "json": body,
                        "authorization": request.headers.get("Authorization", ""),
                    }
                )
                if self.faults[endpoint]:
                    return self._fault(self.faults[endpoint].pop(0))
                return handler(request, body, *match.groups())
        return Response('{"errorMessages": ["Not found"]}', status=404)

    def _fault(self, fault: Fault) -> Response:
        return Response(
            fault.body,
            status=fault.status,
            headers=fault.headers,
            content_type="application/json",
        )

    def _json(self, value: Any) -> Response:
        return Response(json.dumps(value), content_type="application/json")

    # -- endpoints -------------------------------------------------------------

    def _myself(self, request: Request, body: Any) -> Response:
        return self._json(self.me)

    def _matching(self, jql: str) -> list[dict[str, Any]]:
        """Honour the one clause a sync adds: updated >= "yyyy-MM-dd HH:mm",
        read in the token user's time zone."""
        match = re.search(r'updated >= "(\d{4}-\d\d-\d\d \d\d:\d\d)"', jql)
        if not match:
            return self.issues
        since = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(
            tzinfo=ZoneInfo(self.me.get("timeZone", "UTC"))
        )
        return [
            i
            for i in self.issues
            if dt.datetime.fromisoformat(i["fields"]["updated"]) >= since
        ]

    def _as_returned(
        self, full: dict[str, Any], fields: list[str] | None = None
    ) -> dict[str, Any]:
        """An issue as a search returns it: at most 20 histories embedded, and
        custom fields only when asked for (as Jira does)."""
        histories = full["changelog"]["histories"]
        return {
            **full,
            "fields": {
                name: value
                for name, value in full["fields"].items()
                if not name.startswith("customfield_") or name in (fields or [])
            },
            "changelog": {
                "startAt": 0,
                "maxResults": EMBEDDED_CHANGELOG_MAX,
                "total": len(histories),
                "histories": histories[:EMBEDDED_CHANGELOG_MAX],
            },
        }

    def _search_cloud(self, request: Request, body: dict[str, Any]) -> Response:
        token = body.get("nextPageToken")
        offset = int(base64.b64decode(token)) if token else 0
        size = int(body.get("maxResults", 50))
        number = offset // size + 1
        if self.fail_on_page == number:
            return self._fault(Fault(500))
        if self.endless:
            return self._json(
                {
                    "issues": [self._as_returned(self.issues[0])],
                    "nextPageToken": _token(offset + size),
                    "isLast": False,
                }
            )
        matching = self._matching(body["jql"])
        page = matching[offset : offset + size]
        more = offset + size < len(matching)
        response: dict[str, Any] = {
            "issues": [self._as_returned(i, body.get("fields")) for i in page]
        }
        if more or (self.empty_last_page and page):
            response["nextPageToken"] = _token(offset + size)
            response["isLast"] = False
        else:
            response["isLast"] = True
        return self._json(response)

    def _search_dc(self, request: Request, body: Any) -> Response:
        start = int(request.args.get("startAt", 0))
        size = int(request.args.get("maxResults", 50))
        number = start // size + 1
        if self.fail_on_page == number:
            return self._fault(Fault(500))
        matching = self._matching(request.args["jql"])
        return self._json(
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(matching),
                "issues": [
                    self._as_returned(i, request.args.get("fields", "").split(","))
                    for i in matching[start : start + size]
                ],
            }
        )

    def _by_id(self, issue_id: str) -> dict[str, Any]:
        return next(
            i for i in self.issues if i["id"] == issue_id or i["key"] == issue_id
        )

    def _changelog(self, request: Request, body: Any, issue_id: str) -> Response:
        histories = self._by_id(issue_id)["changelog"]["histories"]
        start = int(request.args.get("startAt", 0))
        size = min(int(request.args.get("maxResults", 100)), self.changelog_page_max)
        values = histories[start : start + size]
        return self._json(
            {
                "self": f"{self.base_url}/rest/api/3/issue/{issue_id}/changelog",
                "maxResults": size,
                "startAt": start,
                "total": len(histories),
                "isLast": start + size >= len(histories),
                "values": values,
            }
        )

    def _issue_dc(self, request: Request, body: Any, key: str) -> Response:
        full = self._by_id(key)
        histories = full["changelog"]["histories"]
        return self._json(
            {
                **full,
                "changelog": {
                    "startAt": 0,
                    "maxResults": len(histories),
                    "total": len(histories),
                    "histories": histories,
                },
            }
        )

    def _wl_upd(self, request: Request, body: Any) -> Response:
        since = int(request.args.get("since", 0))
        ordered = sorted(
            (
                (int(dt.datetime.fromisoformat(w["updated"]).timestamp() * 1000), w)
                for w in self.worklogs
            ),
            key=lambda pair: (pair[0], int(pair[1]["id"])),
        )
        ordered = [(ms, w) for ms, w in ordered if ms >= since]
        page = ordered[: self.worklog_page_size]
        last = len(ordered) <= self.worklog_page_size
        response: dict[str, Any] = {
            "values": [
                {"worklogId": int(w["id"]), "updatedTime": ms, "properties": []}
                for ms, w in page
            ],
            "since": since,
            "until": page[-1][0] if page else since,
            "self": f"{self.base_url}{request.full_path}",
            "lastPage": last,
        }
        if not last:
            next_since = page[-1][0] + 1
            response["nextPage"] = (
                f"https://example.atlassian.net/rest/api/3/worklog/updated?"
                f"{urlencode({'since': next_since})}"
            )
        return self._json(response)

    def _wl_list(self, request: Request, body: dict[str, Any]) -> Response:
        ids = {str(i) for i in body["ids"]}
        return self._json([w for w in self.worklogs if w["id"] in ids])


def _token(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()

"""The one place TeamHub talks HTTP to Jira: Cloud (REST v3, e-mail + API
token) or Data Center (REST v2, personal access token), with timeouts,
retries, rate limits and clear error messages.

Every fault a run cannot get past raises ``SyncFailed`` with a message meant for
the integrations page. The token is never logged nor put in a message.
"""

import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from teamhub.integrations.errors import SyncFailed

logger = logging.getLogger(__name__)

CLOUD = "cloud"
DATA_CENTER = "data_center"

# Waits: Retry-After is honoured up to this; exponential back-off is capped too.
MAX_RETRY_AFTER_SECONDS = 300.0
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
# Jira's limit for POST /worklog/list.
WORKLOG_LIST_BATCH = 1000

REFUSALS = {
    401: "Jira refused the token (401): check the e-mail and API token "
    "(or the personal access token on Data Center)",
    403: "Jira refused access (403): the token's account lacks permission, or "
    "Jira blocked it after failed logins (a CAPTCHA); log in to Jira in a "
    "browser and check the account's permissions",
    410: "Jira says this API is gone (410 Gone) for {path}: the Jira site no "
    "longer offers it (check the deployment type: Cloud or Data Center)",
}


class JiraNotFound(SyncFailed):
    """Jira answered 404: nothing at that path. Fatal for a search (a wrong
    base URL); for one issue's changelog, the issue was deleted meanwhile."""


@dataclass
class Page:
    """One page of a search: the response as Jira sent it, and its issues."""

    number: int
    body: dict[str, Any]
    issues: list[dict[str, Any]]


class JiraClient:
    """Typed access to the few Jira endpoints a sync needs."""

    def __init__(
        self,
        *,
        base_url: str,
        deployment: str = CLOUD,
        email: str = "",
        token: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if deployment not in (CLOUD, DATA_CENTER):
            raise ValueError(f"unknown Jira deployment {deployment!r}")
        self.base_url = base_url.rstrip("/")
        self.deployment = deployment
        self.max_retries = max_retries
        self.sleep = sleep
        self.api = "/rest/api/3" if deployment == CLOUD else "/rest/api/2"
        headers = {"Accept": "application/json", "User-Agent": "TeamHub"}
        auth: httpx.Auth | None = None
        if deployment == CLOUD:
            auth = httpx.BasicAuth(email, token)
        else:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "JiraClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- endpoints -------------------------------------------------------------

    def myself(self) -> dict[str, Any]:
        """The token's user (``timeZone`` is what JQL dates are read in)."""
        return self._object(self._request("GET", f"{self.api}/myself"), "myself")

    def search(
        self, *, jql: str, fields: list[str], page_size: int = 100, page_cap: int
    ) -> Iterator[Page]:
        """Yield the pages of a search with changelogs embedded; raise SyncFailed
        when it runs past ``page_cap`` pages (a page that never ends)."""
        if self.deployment == CLOUD:
            yield from self._search_cloud(
                jql=jql, fields=fields, page_size=page_size, page_cap=page_cap
            )
        else:
            yield from self._search_data_center(
                jql=jql, fields=fields, page_size=page_size, page_cap=page_cap
            )

    def _search_cloud(
        self, *, jql: str, fields: list[str], page_size: int, page_cap: int
    ) -> Iterator[Page]:
        token: str | None = None
        seen_tokens: set[str] = set()
        number = 0
        while True:
            if number >= page_cap:
                raise _page_cap_reached(page_cap)
            body: dict[str, Any] = {
                "jql": jql,
                "fields": fields,
                "expand": "changelog",
                "maxResults": page_size,
            }
            if token:
                body["nextPageToken"] = token
            page = self._object(
                self._request("POST", f"{self.api}/search/jql", json=body), "search"
            )
            number += 1
            issues = _list(page.get("issues"), "search issues")
            yield Page(number=number, body=page, issues=issues)
            token = page.get("nextPageToken")
            if page.get("isLast") is True or not token or not issues:
                return
            if token in seen_tokens:
                raise SyncFailed(
                    "Jira returned the same page token twice: the search would "
                    f"never end (stopped after {number} pages)"
                )
            seen_tokens.add(token)

    def _search_data_center(
        self, *, jql: str, fields: list[str], page_size: int, page_cap: int
    ) -> Iterator[Page]:
        start_at = 0
        number = 0
        while True:
            if number >= page_cap:
                raise _page_cap_reached(page_cap)
            page = self._object(
                self._request(
                    "GET",
                    f"{self.api}/search",
                    params={
                        "jql": jql,
                        "fields": ",".join(fields),
                        "expand": "changelog",
                        "startAt": start_at,
                        "maxResults": page_size,
                    },
                ),
                "search",
            )
            number += 1
            issues = _list(page.get("issues"), "search issues")
            yield Page(number=number, body=page, issues=issues)
            start_at += len(issues)
            total = page.get("total")
            if not issues or (isinstance(total, int) and start_at >= total):
                return

    def changelog_pages(
        self, *, issue_id: str, issue_key: str, page_cap: int = 1000
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Return (histories, raw pages) of an issue's full changelog; raise
        JiraNotFound when the issue is gone (deleted since the search)."""
        if self.deployment == DATA_CENTER:
            issue = self._object(
                self._request(
                    "GET",
                    f"{self.api}/issue/{issue_key}",
                    params={"expand": "changelog", "fields": "summary"},
                ),
                "issue",
            )
            changelog = issue.get("changelog") or {}
            return _list(changelog.get("histories"), "changelog"), [issue]
        histories: list[dict[str, Any]] = []
        pages: list[dict[str, Any]] = []
        start_at = 0
        while len(pages) < page_cap:
            page = self._object(
                self._request(
                    "GET",
                    f"{self.api}/issue/{issue_id}/changelog",
                    params={"startAt": start_at, "maxResults": 100},
                ),
                "changelog",
            )
            pages.append(page)
            values = _list(page.get("values"), "changelog values")
            histories += values
            start_at += len(values)
            total = page.get("total")
            if (
                not values
                or page.get("isLast") is True
                or (isinstance(total, int) and start_at >= total)
            ):
                return histories, pages
        raise SyncFailed(
            f"The changelog of {issue_key} never ended: stopped after {page_cap} pages"
        )

    def worklogs_updated(
        self, *, since: dt.datetime, page_cap: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Yield the pages of ids of worklogs updated since a time."""
        since_ms = max(0, int(since.timestamp() * 1000))
        for _ in range(page_cap):
            page = self._object(
                self._request(
                    "GET", f"{self.api}/worklog/updated", params={"since": since_ms}
                ),
                "worklog/updated",
            )
            yield page
            values = _list(page.get("values"), "worklog/updated values")
            if page.get("lastPage", True) is not False or not values:
                return
            next_since = _next_since(page)
            if next_since is None or next_since <= since_ms:
                return
            since_ms = next_since
        raise _page_cap_reached(page_cap, what="The list of updated worklogs")

    def worklogs_list(self, *, ids: list[int]) -> list[dict[str, Any]]:
        """Return the worklogs with these ids (in batches of 1,000)."""
        worklogs: list[dict[str, Any]] = []
        for start in range(0, len(ids), WORKLOG_LIST_BATCH):
            batch = ids[start : start + WORKLOG_LIST_BATCH]
            worklogs += _list(
                self._request("POST", f"{self.api}/worklog/list", json={"ids": batch}),
                "worklog/list",
            )
        return worklogs

    # -- transport -------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one request with retries; return the decoded JSON."""
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as error:
                if attempt >= self.max_retries:
                    raise SyncFailed(
                        f"Jira at {self.base_url} is unreachable "
                        f"({type(error).__name__}: {error}) after "
                        f"{attempt + 1} attempts"
                    ) from error
                self._wait(self._backoff(attempt), f"{type(error).__name__}", path)
                attempt += 1
                continue
            status = response.status_code
            if status in REFUSALS:
                raise SyncFailed(REFUSALS[status].format(path=path))
            if status in (429, 503) or status >= 500:
                if attempt >= self.max_retries:
                    raise SyncFailed(
                        f"Jira kept answering {status} for {path} after "
                        f"{attempt + 1} attempts; try again later"
                    )
                wait = _retry_after(response) if status in (429, 503) else None
                self._wait(
                    wait if wait is not None else self._backoff(attempt),
                    str(status),
                    path,
                )
                attempt += 1
                continue
            if status == 404:
                raise JiraNotFound(
                    f"Jira found nothing at {self.base_url}{path} (404: "
                    f"{_jira_messages(response)}): check the base URL (the "
                    "site's address, with its context path on Data Center, "
                    "e.g. https://jira.example.com/jira) and the deployment type"
                )
            if status >= 400:
                raise SyncFailed(
                    f"Jira rejected the request ({status}) for {path}: "
                    f"{_jira_messages(response)}"
                )
            if 300 <= status < 400:
                raise SyncFailed(
                    f"Jira redirected {path} to {response.headers.get('location')!r}: "
                    "check the base URL"
                )
            try:
                return response.json()
            except ValueError as error:
                raise SyncFailed(
                    f"Jira sent something that is not JSON for {path} "
                    f"(status {status}, {len(response.content)} bytes, starting "
                    f"{response.text[:60]!r})"
                ) from error

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with jitter: 1 s, 2 s, 4 s … (times 0.5 to 1)."""
        ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
        return ceiling * random.uniform(0.5, 1.0)

    def _wait(self, seconds: float, why: str, path: str) -> None:
        logger.warning("Jira %s for %s: retrying in %.1f s", why, path, seconds)
        self.sleep(seconds)

    def _object(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise SyncFailed(
                f"Jira sent an unexpected {what} response: a JSON "
                f"{type(value).__name__} instead of an object"
            )
        return value


def _list(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SyncFailed(f"Jira sent an unexpected {what}: not a list of objects")
    return value


def _page_cap_reached(page_cap: int, what: str = "The Jira search") -> SyncFailed:
    return SyncFailed(
        f"{what} did not end: stopped after {page_cap} pages (the connection's "
        "page cap). Narrow the JQL or raise the cap."
    )


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(MAX_RETRY_AFTER_SECONDS, max(0.0, seconds))


def _next_since(page: dict[str, Any]) -> int | None:
    """The ``since`` of the next page of /worklog/updated: from ``nextPage``
    (asked of our base URL, whatever host Jira put in it), else ``until``."""
    next_page = page.get("nextPage")
    if isinstance(next_page, str):
        values = parse_qs(urlsplit(next_page).query).get("since")
        if values:
            try:
                return int(values[0])
            except ValueError:
                pass
    until = page.get("until")
    return until if isinstance(until, int) else None


def _jira_messages(response: httpx.Response) -> str:
    """Jira's own words from an error body ({errorMessages, errors})."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:200]
    messages = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages += [f"{field}: {message}" for field, message in errors.items()]
    return "; ".join(messages)[:500] or response.reason_phrase

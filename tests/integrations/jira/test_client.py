"""The real client against a Jira-compatible server on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable

import pytest

from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.jira.client import JiraClient
from tests.integrations.jira.conftest import TOKEN
from tests.integrations.jira.fake import T0, FakeJira, Fault, issue, user, worklog
from tests.services import free_port

FIELDS = ["summary", "status"]


def _keys(
    client: JiraClient, page_cap: int = 50, page_size: int = 100
) -> list[list[str]]:
    return [
        [i["key"] for i in page.issues]
        for page in client.search(
            jql="project = ML", fields=FIELDS, page_size=page_size, page_cap=page_cap
        )
    ]


def test_cloud_search_follows_page_tokens_until_the_last_page(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.issues = [issue(n) for n in range(1, 251)]

    pages = _keys(make_client())

    assert [len(p) for p in pages] == [100, 100, 50]
    assert pages[0][0] == "ML-1" and pages[2][-1] == "ML-250"
    bodies = fake_jira.search_bodies()
    assert [b.get("nextPageToken") for b in bodies] == [
        None,
        base64.b64encode(b"100").decode(),
        base64.b64encode(b"200").decode(),
    ]
    assert bodies[0] == {
        "jql": "project = ML",
        "fields": FIELDS,
        "expand": "changelog",
        "maxResults": 100,
    }


def test_cloud_search_stops_on_an_empty_page_that_still_has_a_token(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.issues = [issue(n) for n in range(1, 101)]
    fake_jira.empty_last_page = True

    pages = _keys(make_client())

    assert [len(p) for p in pages] == [100, 0]
    assert len(fake_jira.search_bodies()) == 2


def test_a_search_that_never_ends_fails_at_the_page_cap(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.issues = [issue(1)]
    fake_jira.endless = True

    with pytest.raises(SyncFailed, match="stopped after 5 pages"):
        _keys(make_client(), page_cap=5)
    assert len(fake_jira.search_bodies()) == 5


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limits_wait_as_long_as_retry_after_says(
    status: int,
    fake_jira: FakeJira,
    make_client: Callable[..., JiraClient],
    waits: list[float],
) -> None:
    fake_jira.issues = [issue(n) for n in range(1, 4)]
    fake_jira.faults["search"] = [
        Fault(status, headers={"Retry-After": "7"}),
        Fault(status, headers={"Retry-After": "2"}),
    ]

    pages = _keys(make_client())

    assert pages == [["ML-1", "ML-2", "ML-3"]]
    assert waits == [7.0, 2.0]


def test_a_server_error_is_retried_with_backoff_then_succeeds(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient], waits: list[float]
) -> None:
    fake_jira.issues = [issue(1)]
    fake_jira.faults["search"] = [Fault(500), Fault(502, body="<html>Bad gateway")]

    assert _keys(make_client()) == [["ML-1"]]
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0


def test_server_errors_beyond_the_retries_fail_the_run(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient], waits: list[float]
) -> None:
    fake_jira.faults["search"] = [Fault(500)] * 5

    with pytest.raises(SyncFailed, match=r"kept answering 500 .* after 4 attempts"):
        _keys(make_client(max_retries=3))
    assert len(waits) == 3


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, r"Jira refused the token \(401\): check the e-mail and API token"),
        (403, r"Jira refused access \(403\)"),
        (410, r"Jira says this API is gone \(410 Gone\) for /rest/api/3/search/jql"),
    ],
)
def test_refusals_fail_at_once_with_a_clear_message(
    status: int,
    message: str,
    fake_jira: FakeJira,
    make_client: Callable[..., JiraClient],
    waits: list[float],
) -> None:
    fake_jira.faults["search"] = [Fault(status)]

    with pytest.raises(SyncFailed, match=message):
        _keys(make_client())
    assert waits == []
    assert len(fake_jira.search_bodies()) == 1


def test_a_bad_jql_reports_jiras_own_words(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.faults["search"] = [
        Fault(400, body='{"errorMessages": ["Field \'sprintz\' does not exist."]}')
    ]

    with pytest.raises(SyncFailed, match=r"rejected the request \(400\).*sprintz"):
        _keys(make_client())


def test_malformed_json_fails_the_run(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.faults["search"] = [Fault(200, body='{"issues": [')]

    with pytest.raises(SyncFailed, match="not JSON"):
        _keys(make_client())


def test_a_response_of_the_wrong_shape_fails_the_run(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.faults["search"] = [Fault(200, body='{"issues": "none"}')]

    with pytest.raises(SyncFailed, match="unexpected search issues"):
        _keys(make_client())


def test_an_unreachable_host_fails_after_the_retries(
    waits: list[float],
) -> None:
    client = JiraClient(
        base_url=f"http://127.0.0.1:{free_port()}",
        email="bot@example.com",
        token=TOKEN,
        timeout=2,
        max_retries=2,
        sleep=waits.append,
    )

    with pytest.raises(SyncFailed, match=r"unreachable .*after 3 attempts"):
        client.myself()
    assert len(waits) == 2


def test_cloud_uses_basic_auth_and_data_center_a_bearer_token(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    make_client().myself()
    make_client(deployment="data_center").myself()

    basic, bearer = (r["authorization"] for r in fake_jira.requests)
    expected = base64.b64encode(f"bot@example.com:{TOKEN}".encode()).decode()
    assert basic == f"Basic {expected}"
    assert bearer == f"Bearer {TOKEN}"
    assert [r["path"] for r in fake_jira.requests] == [
        "/rest/api/3/myself",
        "/rest/api/2/myself",
    ]


def test_the_token_is_never_logged_nor_in_a_message(
    fake_jira: FakeJira,
    make_client: Callable[..., JiraClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_jira.faults["search"] = [Fault(500), Fault(401)]

    with pytest.raises(SyncFailed) as failure:
        _keys(make_client())

    assert caplog.records  # the retry was logged
    assert TOKEN not in caplog.text
    assert TOKEN not in str(failure.value)


def test_data_center_search_pages_with_start_at(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.deployment = "data_center"
    fake_jira.issues = [issue(n, data_center=True) for n in range(1, 251)]

    pages = _keys(make_client())

    assert [len(p) for p in pages] == [100, 100, 50]
    starts = [r["args"]["startAt"] for r in fake_jira.requests]
    assert starts == ["0", "100", "200"]
    assert fake_jira.requests[0]["args"]["expand"] == "changelog"


def test_a_long_changelog_is_fetched_in_full_over_several_pages(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    fake_jira.issues = [issue(1, status_changes=25)]
    fake_jira.changelog_page_max = 10

    histories, pages = make_client().changelog_pages(issue_id="10001", issue_key="ML-1")

    assert len(histories) == 25
    assert len({h["id"] for h in histories}) == 25
    assert len(pages) == 3
    assert [r["args"]["startAt"] for r in fake_jira.requests] == ["0", "10", "20"]


def test_worklogs_follow_next_page_then_are_listed_by_id(
    fake_jira: FakeJira, make_client: Callable[..., JiraClient]
) -> None:
    author = user(3)
    fake_jira.worklogs = [
        worklog(500 + n, "10001", author, T0 + dt.timedelta(hours=n)) for n in range(5)
    ]
    client = make_client()

    pages = list(client.worklogs_updated(since=T0 - dt.timedelta(days=1)))
    ids = [v["worklogId"] for page in pages for v in page["values"]]
    worklogs = client.worklogs_list(ids=ids)

    assert len(pages) == 3
    assert ids == [500, 501, 502, 503, 504]
    assert sorted(w["id"] for w in worklogs) == ["500", "501", "502", "503", "504"]
    # nextPage named another host: the client asked its own base URL.
    assert all(
        r["path"] == "/rest/api/3/worklog/updated"
        for r in fake_jira.requests
        if r["endpoint"] == "worklog_updated"
    )

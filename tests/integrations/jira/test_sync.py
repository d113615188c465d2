"""jira_sync against a Jira-compatible server on 127.0.0.1: events, identities,
initiatives, raw payloads, incremental JQL, faults, resumes and replays."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict

from teamhub.integrations.errors import SyncFailed
from teamhub.integrations.jira.sync import jira_client_for, jira_replay, jira_sync
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    JiraConnection,
    JiraMapping,
    RawPayload,
    SyncRun,
)
from tests.factories import InitiativeFactory, PersonFactory, UserFactory
from tests.integrations.jira.fake import (
    T0,
    FakeJira,
    Fault,
    adf,
    dc_user,
    issue,
    label_history,
    paragraph,
    user,
    worklog,
)

pytestmark = pytest.mark.django_db

Run = Callable[..., SyncRun]


def _sync(run: SyncRun, waits: list[float] | None = None) -> dict[str, int]:
    assert run.jira is not None
    sleep = (waits if waits is not None else []).append
    return jira_sync(run, client=jira_client_for(run.jira, sleep=sleep, max_retries=0))


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Every domain row a sync writes, as plain values."""
    return {
        "events": [
            model_to_dict(e) | {"id": e.pk}
            for e in ActivityEvent.objects.order_by("pk")
        ],
        "identities": [
            model_to_dict(i) | {"id": i.pk, "updated": None}
            for i in ExternalIdentity.objects.order_by("pk")
        ],
    }


def test_first_run_records_creation_status_changes_and_worklogs(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    ada = PersonFactory(user=UserFactory(email="User1@Example.com"))
    fake_jira.issues = [
        issue(
            1,
            labels=["pytorch", "nlp"],
            components=["Training"],
            description=adf(
                paragraph("Fine-tune ", {"type": "mention", "attrs": {"text": "@Bob"}})
            ),
        ),
        issue(2, status_changes=25, creator=user(2, email=False)),
    ]
    fake_jira.issues[1]["changelog"]["histories"].insert(
        3, label_history(9999, user(2), T0)
    )
    fake_jira.worklogs = [
        worklog(700, "10001", user(1), T0 + dt.timedelta(days=1)),
        worklog(701, "99999", user(1), T0),  # an issue outside the scope
    ]

    counts = _sync(make_run())

    created = ActivityEvent.objects.get(
        kind="issue_created", external_id=f"{connection.pk}:10001"
    )
    assert created.title == "ML-1: Issue 1 of ML"
    assert created.url == f"{fake_jira.base_url}/browse/ML-1"
    assert created.person == ada
    assert created.occurred_at == T0 + dt.timedelta(minutes=1)
    assert created.data["labels"] == ["pytorch", "nlp"]
    assert created.data["components"] == ["Training"]
    assert created.data["description"] == "Fine-tune @Bob"
    # All 25 status changes, though only 20 histories came with the search.
    changes = ActivityEvent.objects.filter(kind="status_changed", data__key="ML-2")
    assert changes.count() == 25
    first = changes.order_by("occurred_at").first()
    assert first is not None
    assert (first.data["from"], first.data["to"]) == ("To Do", "In Progress")
    assert first.title == "ML-2: To Do → In Progress"
    work = ActivityEvent.objects.get(kind="worklog")
    assert work.external_id == f"{connection.pk}:700"
    assert work.person == ada
    assert work.data["time_spent_seconds"] == 10800
    assert work.data["comment"] == "Tuned the learning rate"
    assert counts == {
        "pages": 1,
        "issues": 2,
        "events": 2 + 2 + 25 + 1,
        "changelogs": 1,
        "worklogs": 1,
        "evidence": counts["evidence"],
    }
    # Identities: one per accountId; the one without a visible e-mail waits.
    identities = {i.display_name: i for i in ExternalIdentity.objects.all()}
    assert identities["User 1"].person == ada
    assert identities["User 2"].person is None
    assert identities["User 2"].external_id == user(2)["accountId"]
    assert connection.__class__.objects.get().jira_timezone == "Europe/Berlin"


def test_each_response_is_kept_as_a_raw_payload(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [
        issue(n, status_changes=22 if n == 5 else 1) for n in range(1, 231)
    ]
    fake_jira.worklogs = [worklog(700, "10001", user(1), T0)]
    run = make_run()

    counts = _sync(run)

    kinds = list(RawPayload.objects.filter(run=run).values_list("kind", "key"))
    assert kinds == [
        ("search", "1"),
        ("changelog", "10005"),
        ("search", "2"),
        ("search", "3"),
        ("worklog_updated", "1"),
        ("worklogs", "1"),
    ]
    assert counts["pages"] == 3 and counts["issues"] == 230


def test_first_run_asks_for_the_scope_and_later_runs_for_updates_since_the_watermark(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [
        issue(1, updated=dt.datetime(2026, 3, 10, 11, 57, tzinfo=dt.UTC)),
        issue(2, updated=dt.datetime(2026, 3, 10, 11, 59, tzinfo=dt.UTC)),
    ]
    _sync(make_run())
    # 12:00 UTC is 13:00 in Berlin; minus the 2-minute margin.
    counts = _sync(make_run(since=dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)))

    first, second = (b["jql"] for b in fake_jira.search_bodies())
    assert first == "(project = ML) ORDER BY created ASC"
    assert second == (
        '(project = ML) AND updated >= "2026-03-10 12:58" ORDER BY created ASC'
    )
    assert counts["issues"] == 1


def test_mapping_rules_pick_the_initiative_epic_then_project_label_component(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    by_epic, by_project, by_label, by_component = InitiativeFactory.create_batch(4)
    for kind, value, initiative in [
        ("epic", "ML-100", by_epic),
        ("project", "ml", by_project),
        ("label", "Forecasting", by_label),
        ("component", "Serving", by_component),
    ]:
        JiraMapping.objects.create(
            connection=connection, kind=kind, value=value, initiative=initiative
        )
    fake_jira.issues = [
        issue(1, parent="ML-100", labels=["forecasting"], components=["Serving"]),
        issue(2, labels=["forecasting"], components=["Serving"]),
        issue(3, project="DS", labels=["forecasting"], components=["Serving"]),
        issue(4, project="DS", components=["Serving"]),
        issue(5, project="DS"),
        issue(100, issue_type="Epic", project="OPS"),
    ]

    _sync(make_run())

    initiative_of = {
        e.data["key"]: e.initiative
        for e in ActivityEvent.objects.filter(kind="issue_created")
    }
    assert initiative_of == {
        "ML-1": by_epic,
        "ML-2": by_project,
        "DS-3": by_label,
        "DS-4": by_component,
        "DS-5": None,
        "OPS-100": None,  # an epic, but its own key has no rule
    }


def test_an_epic_maps_by_its_own_key(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    initiative = InitiativeFactory()
    JiraMapping.objects.create(
        connection=connection, kind="epic", value="DS-7", initiative=initiative
    )
    fake_jira.issues = [issue(7, project="DS", issue_type="Epic")]

    _sync(make_run())

    assert {e.initiative for e in ActivityEvent.objects.all()} == {initiative}


def test_replaying_the_same_pages_leaves_the_database_identical(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    PersonFactory(user=UserFactory(email="user1@example.com"))
    fake_jira.issues = [issue(n, status_changes=n % 23) for n in range(1, 151)]
    fake_jira.worklogs = [
        worklog(700 + n, str(10000 + n), user(n % 3), T0 + dt.timedelta(minutes=n))
        for n in range(1, 9)
    ]
    first = make_run()
    _sync(first)
    before = _rows()

    _sync(make_run())
    assert _rows() == before
    jira_replay(first)
    assert _rows() == before
    assert len(before["events"]) == 150 + sum(n % 23 for n in range(1, 151)) + 8


def test_a_run_killed_half_way_is_resumed_without_duplicates_or_gaps(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [issue(n, status_changes=n % 4) for n in range(1, 451)]
    fake_jira.fail_on_page = 3
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    with pytest.raises(SyncFailed, match="500"):
        _sync(make_run(since=since))
    kept = ActivityEvent.objects.filter(kind="issue_created").count()
    assert kept == 200  # pages 1 and 2 stay

    fake_jira.fail_on_page = None
    _sync(make_run(since=since))  # the watermark did not move

    created = ActivityEvent.objects.filter(kind="issue_created")
    assert created.count() == 450
    assert sorted(int(e.data["issue_id"]) for e in created) == list(range(10001, 10451))
    expected = 450 + sum(n % 4 for n in range(1, 451))
    assert ActivityEvent.objects.count() == expected
    assert (
        ActivityEvent.objects.values("source", "kind", "external_id").distinct().count()
        == expected
    )


def test_a_refused_token_fails_before_anything_is_written(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [issue(1)]
    fake_jira.faults["myself"] = [Fault(401)]

    with pytest.raises(SyncFailed, match="Jira refused the token \\(401\\)"):
        _sync(make_run())
    assert not ActivityEvent.objects.exists()
    assert not RawPayload.objects.exists()


def test_a_connection_without_a_token_fails_with_a_message(
    connection: JiraConnection, make_run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection.token_env = "TEAMHUB_TEST_JIRA_TOKEN"
    connection.save()
    monkeypatch.delenv("TEAMHUB_TEST_JIRA_TOKEN", raising=False)

    with pytest.raises(SyncFailed, match="TEAMHUB_TEST_JIRA_TOKEN is empty"):
        jira_sync(make_run())


def test_data_center_sync_reads_v2_payloads(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.deployment = "data_center"
    connection.deployment = "data_center"
    connection.save()
    fake_jira.me = dc_user(0)
    fake_jira.issues = [
        issue(n, data_center=True, status_changes=21 if n == 1 else 1)
        for n in range(1, 4)
    ]
    fake_jira.worklogs = [worklog(700, "10002", dc_user(2), T0)]

    counts = _sync(make_run())

    assert counts["issues"] == 3 and counts["changelogs"] == 1
    assert ActivityEvent.objects.filter(kind="status_changed").count() == 23
    created = ActivityEvent.objects.get(kind="issue_created", data__key="ML-1")
    assert created.data["description"] == "Train the model for ML-1."
    assert created.identity is not None
    assert created.identity.external_id == "JIRAUSER10001"
    assert ActivityEvent.objects.filter(kind="worklog").count() == 1
    assert {r["path"] for r in fake_jira.requests} >= {
        "/rest/api/2/search",
        "/rest/api/2/issue/ML-1",
        "/rest/api/2/worklog/updated",
    }
    assert all(r["authorization"].startswith("Bearer ") for r in fake_jira.requests)


def test_evidence_is_recorded_for_every_event_of_the_run(
    fake_jira: FakeJira,
    connection: JiraConnection,
    make_run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded: list[int] = []

    def evidence_record(*, event_ids: list[int]) -> int:
        recorded.extend(event_ids)
        return 7

    monkeypatch.setattr(
        "teamhub.integrations.jira.sync.evidence_record", evidence_record
    )
    fake_jira.issues = [issue(n) for n in range(1, 4)]

    counts = _sync(make_run())

    assert sorted(recorded) == sorted(
        ActivityEvent.objects.values_list("pk", flat=True)
    )
    assert counts["evidence"] == 7


NOT_FOUND = (
    '{"errorMessages": ["Issue does not exist or you do not have permission '
    'to see it."], "errors": {}}'
)


def _initiative_of() -> dict[str, Any]:
    return {
        e.data["key"]: e.initiative
        for e in ActivityEvent.objects.filter(kind="issue_created")
    }


def test_the_classic_epic_link_field_maps_data_center_issues_to_the_epics_initiative(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.deployment = "data_center"
    fake_jira.me = dc_user(0)
    connection.deployment = "data_center"
    connection.epic_link_field = "customfield_10100"
    connection.save()
    linked, parented, by_project = InitiativeFactory.create_batch(3)
    for kind, value, initiative in [
        ("epic", "ML-100", linked),
        ("epic", "ML-200", parented),
        ("project", "ML", by_project),
    ]:
        JiraMapping.objects.create(
            connection=connection, kind=kind, value=value, initiative=initiative
        )
    link = ("customfield_10100", "ML-100")
    fake_jira.issues = [
        issue(1, data_center=True, epic_link=link),
        # A parent that is an epic comes first ...
        issue(2, data_center=True, epic_link=link, parent="ML-200"),
        # ... one that is not (a sub-task's story) comes after the Epic Link.
        issue(
            3, data_center=True, epic_link=link, parent="ML-200", parent_type="Story"
        ),
        issue(4, data_center=True),
    ]

    _sync(make_run())

    assert _initiative_of() == {
        "ML-1": linked,
        "ML-2": parented,
        "ML-3": linked,
        "ML-4": by_project,
    }
    (search,) = [r for r in fake_jira.requests if r["endpoint"] == "search"]
    assert search["args"]["fields"].split(",")[-1] == "customfield_10100"


def test_the_epic_link_field_is_requested_only_when_set(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    initiative = InitiativeFactory()
    JiraMapping.objects.create(
        connection=connection, kind="epic", value="ML-100", initiative=initiative
    )
    fake_jira.issues = [issue(1, epic_link=("customfield_10014", "ML-100"))]

    _sync(make_run())
    assert _initiative_of() == {"ML-1": None}

    connection.epic_link_field = "customfield_10014"
    connection.save()
    _sync(make_run())
    assert _initiative_of() == {"ML-1": initiative}

    without, with_link = (b["fields"] for b in fake_jira.search_bodies())
    assert not any(f.startswith("customfield_") for f in without)
    assert with_link == [*without, "customfield_10014"]


@pytest.mark.parametrize("deployment", ["cloud", "data_center"])
def test_an_issue_deleted_during_the_run_keeps_what_the_search_sent_and_the_run_goes_on(
    fake_jira: FakeJira,
    connection: JiraConnection,
    make_run: Run,
    caplog: pytest.LogCaptureFixture,
    deployment: str,
) -> None:
    data_center = deployment == "data_center"
    fake_jira.deployment = connection.deployment = deployment
    connection.save()
    if data_center:
        fake_jira.me = dc_user(0)
    fake_jira.issues = [
        issue(n, data_center=data_center, status_changes=25) for n in (1, 2)
    ] + [issue(3, data_center=data_center)]
    # ML-1 is deleted between the search and the fetch of its full changelog.
    fake_jira.faults["changelog"] = [Fault(404, body=NOT_FOUND)]
    run = make_run()

    counts = _sync(run)

    assert counts["skipped_deleted"] == 1
    assert counts["issues"] == 3 and counts["changelogs"] == 1
    changes = ActivityEvent.objects.filter(kind="status_changed")
    assert changes.filter(data__key="ML-1").count() == 20  # the embedded ones
    assert changes.filter(data__key="ML-2").count() == 25
    assert set(_initiative_of()) == {"ML-1", "ML-2", "ML-3"}
    assert list(
        RawPayload.objects.filter(run=run, kind="changelog").values_list(
            "key", flat=True
        )
    ) == ["10002"]
    assert "ML-1 was deleted during the run" in caplog.text
    assert [r["endpoint"] for r in fake_jira.requests].count("changelog") == 2
    before = _rows()
    jira_replay(run)  # the replay rebuilds the same rows from the payloads
    assert _rows() == before


def test_a_run_with_nothing_deleted_reports_no_skipped_issues(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [issue(1, status_changes=25)]

    assert "skipped_deleted" not in _sync(make_run())


def test_a_404_on_the_search_still_fails_the_run_with_a_clear_message(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [issue(1)]
    fake_jira.faults["search"] = [Fault(404, body='{"errorMessages": ["Nope"]}')]

    with pytest.raises(
        SyncFailed,
        match=r"Jira found nothing at http://\S+/rest/api/3/search/jql \(404: Nope\): "
        r"check the base URL",
    ):
        _sync(make_run())
    assert not ActivityEvent.objects.exists()
    assert not RawPayload.objects.exists()


def test_a_wrong_base_url_fails_the_run_with_a_clear_message(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [issue(1)]
    connection.base_url = f"{fake_jira.base_url}/jira"
    connection.save()

    with pytest.raises(
        SyncFailed,
        match=rf"nothing at {re.escape(connection.base_url)}/rest/api/3/myself .*base",
    ):
        _sync(make_run())
    assert not ActivityEvent.objects.exists()


def test_a_404_on_the_worklogs_still_fails_the_run(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    """Worklogs are fetched for the whole site, not per issue: a worklog of a
    deleted issue is simply left out of /worklog/list, so a 404 there means
    the endpoint itself is missing."""
    fake_jira.issues = [issue(1)]
    fake_jira.faults["worklog_updated"] = [Fault(404)]

    with pytest.raises(
        SyncFailed, match=r"found nothing at \S+/rest/api/3/worklog/updated"
    ):
        _sync(make_run())


def test_a_worklog_of_an_issue_deleted_during_the_run_is_left_out(
    fake_jira: FakeJira, connection: JiraConnection, make_run: Run
) -> None:
    fake_jira.issues = [issue(1), issue(2)]
    fake_jira.worklogs = [
        worklog(700, "10001", user(1), T0),
        worklog(701, "10002", user(1), T0 + dt.timedelta(minutes=1)),
    ]
    # ML-2 and its worklog are deleted after /worklog/updated listed it.
    fake_jira.faults["worklog_list"] = [
        Fault(200, body=json.dumps([fake_jira.worklogs[0]]))
    ]

    counts = _sync(make_run())

    assert counts["worklogs"] == 1
    assert list(
        ActivityEvent.objects.filter(kind="worklog").values_list(
            "external_id", flat=True
        )
    ) == [f"{connection.pk}:700"]

"""jira_sync against a Jira-compatible server on 127.0.0.1: events, identities,
initiatives, raw payloads, incremental JQL, faults, resumes and replays."""

from __future__ import annotations

import datetime as dt
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

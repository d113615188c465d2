"""The connections API: who may read, write and sync; bad input gives 400 with
field messages and writes nothing; tokens and secrets never come back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import AuditEvent
from teamhub.integrations.models import GitRepository, JiraConnection, SyncRun
from tests.conftest import ROLES
from tests.factories import InitiativeFactory
from tests.integrations.test_runs import TOKEN, make_git, make_jira

pytestmark = pytest.mark.django_db

JIRA_INPUT = {
    "name": "Acme",
    "base_url": "https://acme.atlassian.net",
    "deployment": "cloud",
    "email": "bot@acme.example",
    "api_token": TOKEN,
    "jql": "project = ML",
    "webhook_secret": "hook-secret-xyz",
}

# role -> expected status for: list, detail, create, patch, sync, run status
MATRIX = {
    None: (401, 401, 401, 401, 401, 401, 401),
    "stakeholder": (403, 403, 403, 403, 403, 403, 403),
    "data_scientist": (403, 403, 403, 403, 403, 403, 403),
    "manager": (200, 200, 403, 403, 202, 200, 200),
    "admin": (200, 200, 201, 200, 202, 200, 200),
}


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize("source", ["jira", "git"])
def test_permission_matrix(api_as, role, source):
    connection = make_jira() if source == "jira" else make_git()
    run = SyncRun.objects.create(**{source: connection}, status="succeeded")
    client = api_as(role)
    create_input = (
        {**JIRA_INPUT, "name": "New"}
        if source == "jira"
        else {"name": "new", "url": "/srv/git/new"}
    )
    list_url = reverse(
        "api-jira-connections" if source == "jira" else "api-git-repositories"
    )
    detail_url = reverse(
        "api-jira-connection" if source == "jira" else "api-git-repository",
        args=[connection.pk],
    )
    sync_url = reverse(f"api-{source}-sync", args=[connection.pk])
    statuses = (
        client.get(list_url).status_code,
        client.get(detail_url).status_code,
        client.post(list_url, create_input, format="json").status_code,
        client.patch(detail_url, {"active": True}, format="json").status_code,
        client.post(sync_url).status_code,
        client.get(reverse("api-sync-run", args=[run.pk])).status_code,
        client.get(reverse("api-sync-runs")).status_code,
    )
    assert statuses == MATRIX[role]


def test_admin_creates_a_jira_connection_and_never_sees_the_secrets(api_as):
    client = api_as("admin")
    initiative = InitiativeFactory()
    response = client.post(
        reverse("api-jira-connections"),
        {
            **JIRA_INPUT,
            "mappings": [
                {"kind": "project", "value": "ML", "initiative": initiative.pk}
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["has_token"] is True
    assert body["has_webhook_secret"] is True
    assert body["mappings"] == [
        {
            "kind": "project",
            "value": "ML",
            "initiative": initiative.pk,
            "initiative_key": initiative.key,
        }
    ]
    connection = JiraConnection.objects.get()
    assert connection.token() == TOKEN
    assert connection.webhook_secret() == "hook-secret-xyz"
    assert TOKEN not in connection.token_encrypted  # stored encrypted
    for url in (
        reverse("api-jira-connections"),
        reverse("api-jira-connection", args=[connection.pk]),
    ):
        text = client.get(url).content.decode()
        assert TOKEN not in text
        assert "hook-secret-xyz" not in text
        assert connection.token_encrypted not in text
    audit = AuditEvent.objects.get(verb="jira_connection.created")
    assert TOKEN not in json.dumps(audit.data)


def test_patch_keeps_the_token_unless_a_new_one_is_given(api_as):
    client = api_as("admin")
    connection = make_jira()
    url = reverse("api-jira-connection", args=[connection.pk])
    response = client.patch(
        url, {"jql": "project = DS", "api_token": ""}, format="json"
    )
    assert response.status_code == 200
    connection.refresh_from_db()
    assert (connection.jql, connection.token()) == ("project = DS", TOKEN)

    client.patch(url, {"api_token": "brand-new"}, format="json")
    connection.refresh_from_db()
    assert connection.token() == "brand-new"
    assert AuditEvent.objects.filter(verb="jira_connection.updated").count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"base_url": "ftp://acme.example"}, "base_url"),
        ({"base_url": "not a url"}, "base_url"),
        ({"deployment": "server"}, "deployment"),
        ({"email": ""}, "email"),
        ({"api_token": "", "token_env": ""}, "api_token"),
        ({"token_env": "not a name!", "api_token": ""}, "token_env"),
        ({"name": ""}, "name"),
        ({"mappings": [{"kind": "epic", "value": "X", "initiative": 999}]}, "mappings"),
    ],
)
def test_bad_jira_input_is_400_with_field_messages(api_as, change, field):
    response = api_as("admin").post(
        reverse("api-jira-connections"), {**JIRA_INPUT, **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not JiraConnection.objects.exists()


def test_data_center_accepts_a_token_from_the_environment(api_as):
    response = api_as("admin").post(
        reverse("api-jira-connections"),
        {
            "name": "DC",
            "base_url": "https://jira.internal.example",
            "deployment": "data_center",
            "token_env": "JIRA_DC_TOKEN",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["has_token"] is True
    assert response.json()["token_env"] == "JIRA_DC_TOKEN"


def test_duplicate_name_is_400(api_as):
    make_jira(name="Acme")
    response = api_as("admin").post(
        reverse("api-jira-connections"), JIRA_INPUT, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()


def test_admin_adds_a_git_repository_with_one_branch(api_as):
    initiative = InitiativeFactory()
    response = api_as("admin").post(
        reverse("api-git-repositories"),
        {
            "name": "models",
            "url": "https://bot:pa55word@git.example/ml/models.git",
            "branch": "main",
            "initiative": initiative.pk,
            "webhook_secret": "hook",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["branches"] == ["main"]
    assert body["url"] == "https://bot:***@git.example/ml/models.git"
    assert body["has_webhook_secret"] is True
    assert "pa55word" not in response.content.decode()
    repository = GitRepository.objects.get()
    assert repository.url == "https://bot:pa55word@git.example/ml/models.git"
    assert repository.webhook_secret() == "hook"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "x", "url": "--upload-pack=touch /tmp/pwned"}, "url"),
        ({"name": "x", "url": "ext::sh -c touch% /tmp/pwned"}, "url"),
        ({"name": "x", "url": ""}, "url"),
        ({"name": "x", "url": "/srv/repo", "branches": ["-x"]}, "branches"),
        ({"name": "x", "url": "/srv/repo", "branches": ["a..b"]}, "branches"),
        ({"name": "x", "url": "/srv/repo", "branch": "main", "branches": []}, "branch"),
        ({"url": "/srv/repo"}, "name"),
    ],
)
def test_bad_git_input_is_400_with_field_messages(api_as, data, field):
    response = api_as("admin").post(
        reverse("api-git-repositories"), data, format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not GitRepository.objects.exists()


def test_patch_git_keeps_a_redacted_url(api_as):
    repository = make_git(url="https://bot:pa55word@git.example/ml/models.git")
    response = api_as("admin").patch(
        reverse("api-git-repository", args=[repository.pk]),
        {"url": "https://bot:***@git.example/ml/models.git", "branches": ["dev"]},
        format="json",
    )
    assert response.status_code == 200
    repository.refresh_from_db()
    assert repository.url == "https://bot:pa55word@git.example/ml/models.git"
    assert repository.branches == ["dev"]


def test_sync_now_returns_the_run_then_409_while_open(api_as):
    client = api_as("manager")
    connection = make_jira()
    url = reverse("api-jira-sync", args=[connection.pk])
    first = client.post(url)
    assert first.status_code == 202
    run = first.json()["run"]
    assert (run["status"], run["source"], run["trigger"]) == (
        "queued",
        "jira",
        "manual",
    )
    second = client.post(url)
    assert second.status_code == 409
    assert (
        second.json()["detail"] == "A sync of Acme Jira is already queued or running."
    )
    assert second.json()["run_id"] == run["id"]
    assert SyncRun.objects.count() == 1


def test_sync_run_status(api_as):
    connection = make_git()
    run = SyncRun.objects.create(
        git=connection, status="failed", error="branch 'main' not found"
    )
    body = api_as("manager").get(reverse("api-sync-run", args=[run.pk])).json()
    assert body["status"] == "failed"
    assert body["error"] == "branch 'main' not found"
    assert {"counts", "started_at", "finished_at", "duration"} <= set(body)


def test_unknown_ids_are_404(api_as):
    client = api_as("admin")
    assert client.get(reverse("api-jira-connection", args=[9])).status_code == 404
    assert client.post(reverse("api-git-sync", args=[9])).status_code == 404
    assert client.get(reverse("api-sync-run", args=[9])).status_code == 404


def test_sync_runs_are_listed_newest_first_and_filtered(api_as):
    jira, git, other = make_jira(), make_git(), make_git(name="other")
    now = timezone.now()
    runs = {}
    for name, owner, status, trigger, minutes in [
        ("jira_ok", {"jira": jira}, "succeeded", "schedule", 50),
        ("git_failed", {"git": git}, "failed", "webhook", 40),
        ("git_ok", {"git": git}, "succeeded", "manual", 30),
        ("other_queued", {"git": other}, "queued", "manual", 20),
    ]:
        runs[name] = SyncRun.objects.create(
            **owner,
            status=status,
            trigger=trigger,
            queued_at=now - dt.timedelta(minutes=minutes),
        )
    client = api_as("manager")
    url = reverse("api-sync-runs")

    def ids(**params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    def of(*names):
        return [runs[name].pk for name in names]

    assert ids() == of("other_queued", "git_ok", "git_failed", "jira_ok")
    assert client.get(url).json()["count"] == 4
    assert ids(source="jira") == of("jira_ok")
    assert ids(git=git.pk) == of("git_ok", "git_failed")
    assert ids(status="failed") == of("git_failed")
    assert ids(trigger="manual", source="git") == of("other_queued", "git_ok")
    row = client.get(url, {"jira": jira.pk}).json()["results"][0]
    assert (row["source"], row["connection"]) == ("jira", jira.pk)


@pytest.mark.parametrize(
    "params", [{"source": "svn"}, {"git": 999}, {"status": "done"}, {"jira": "x"}]
)
def test_sync_run_list_refuses_bad_filters(api_as, params):
    response = api_as("manager").get(reverse("api-sync-runs"), params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_sync_run_list_costs_the_same_queries_for_3_and_30_runs(api_as):
    client = api_as("manager")
    repository = make_git()
    counts = []
    for total in (3, 30):
        SyncRun.objects.bulk_create(
            SyncRun(git=repository, status="succeeded")
            for _ in range(total - SyncRun.objects.count())
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("api-sync-runs")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

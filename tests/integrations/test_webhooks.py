"""Webhooks: a valid signature from Jira, GitHub, Gitea or GitLab queues an
incremental sync (202); a bad or missing one, or no secret, gets 403 and
queues nothing; a push to a branch the repository does not follow gets 200
and queues nothing."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from teamhub.integrations.models import SyncRun
from tests.integrations.test_runs import make_git, make_jira

pytestmark = pytest.mark.django_db

SECRET = "hook-secret-123"
BODY = json.dumps({"ref": "refs/heads/main", "after": "abc123"}).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, headers: dict[str, str], body: bytes = BODY) -> object:
    # enforce_csrf_checks: the hooks must work without a session or CSRF token.
    client = APIClient(enforce_csrf_checks=True)
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def repository():
    repository = make_git()
    repository.webhook_secret_set(SECRET)
    repository.save()
    return repository


@pytest.fixture
def jira():
    connection = make_jira()
    connection.webhook_secret_set(SECRET)
    connection.save()
    return connection


GIT_VALID = {
    "github": {"X-Hub-Signature-256": f"sha256={sign(BODY)}", "X-GitHub-Event": "push"},
    "gitea": {"X-Gitea-Signature": sign(BODY), "X-Gitea-Event": "push"},
    "gitlab": {"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Push Hook"},
}


@pytest.mark.parametrize("host", list(GIT_VALID))
def test_valid_git_webhook_queues_a_sync(repository, host):
    response = post(reverse("api-webhook-git", args=[repository.pk]), GIT_VALID[host])
    assert response.status_code == 202, response.content
    run = SyncRun.objects.get()
    assert (run.git, run.trigger, run.status) == (repository, "webhook", "queued")
    assert response.json()["run"]["id"] == run.pk


def test_valid_jira_webhook_queues_a_sync(jira):
    response = post(
        reverse("api-webhook-jira", args=[jira.pk]),
        {"X-Hub-Signature": f"sha256={sign(BODY)}"},
    )
    assert response.status_code == 202
    run = SyncRun.objects.get()
    assert (run.jira, run.trigger) == (jira, "webhook")


GIT_INVALID = {
    "missing": {},
    "github wrong": {"X-Hub-Signature-256": f"sha256={sign(BODY, 'other')}"},
    "github no prefix": {"X-Hub-Signature-256": sign(BODY)},
    "github sha1": {"X-Hub-Signature-256": f"sha1={sign(BODY)}"},
    "gitea wrong": {"X-Gitea-Signature": sign(b"another body")},
    "gitlab wrong": {"X-Gitlab-Token": "guess"},
    "one good one bad": {
        "X-Gitea-Signature": sign(BODY),
        "X-Gitlab-Token": "guess",
    },
}


@pytest.mark.parametrize("case", list(GIT_INVALID))
def test_bad_git_signature_gets_403_and_queues_nothing(repository, case):
    response = post(reverse("api-webhook-git", args=[repository.pk]), GIT_INVALID[case])
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature": f"sha256={sign(BODY, 'other')}"},
        {"X-Hub-Signature": "sha256="},
        {"X-Hub-Signature-256": f"sha256={sign(BODY)}"},  # GitHub's header
    ],
)
def test_bad_jira_signature_gets_403_and_queues_nothing(jira, headers):
    response = post(reverse("api-webhook-jira", args=[jira.pk]), headers)
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_tampered_body_gets_403(repository):
    headers = GIT_VALID["github"]
    response = post(
        reverse("api-webhook-git", args=[repository.pk]), headers, body=b"{}"
    )
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_connection_without_a_secret_refuses_every_webhook():
    repository = make_git()
    for headers in [
        {"X-Hub-Signature-256": f"sha256={sign(BODY, '')}"},
        {"X-Gitlab-Token": ""},
    ]:
        response = post(reverse("api-webhook-git", args=[repository.pk]), headers)
        assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_webhook_while_a_sync_is_open_answers_already_queued(repository):
    open_run = SyncRun.objects.create(git=repository, status="running")
    response = post(
        reverse("api-webhook-git", args=[repository.pk]), GIT_VALID["github"]
    )
    assert response.status_code == 202
    assert response.json()["detail"] == "A sync is already queued or running."
    assert response.json()["run"]["id"] == open_run.pk
    assert SyncRun.objects.count() == 1


def test_github_ping_is_answered_without_queueing(repository):
    headers = {**GIT_VALID["github"], "X-GitHub-Event": "ping"}
    response = post(reverse("api-webhook-git", args=[repository.pk]), headers)
    assert response.status_code == 200
    assert not SyncRun.objects.exists()


def test_inactive_repository_queues_nothing(repository):
    repository.active = False
    repository.save()
    response = post(
        reverse("api-webhook-git", args=[repository.pk]), GIT_VALID["github"]
    )
    assert response.status_code == 409
    assert not SyncRun.objects.exists()


def test_unknown_connection_is_404():
    response = post(reverse("api-webhook-git", args=[999]), GIT_VALID["github"])
    assert response.status_code == 404


def push(repository, payload: dict) -> object:
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": f"sha256={sign(body)}", "X-GitHub-Event": "push"}
    return post(reverse("api-webhook-git", args=[repository.pk]), headers, body=body)


def test_a_push_to_a_branch_the_repository_does_not_follow_queues_nothing(
    repository,
):
    repository.branches = ["main", "release"]
    repository.save()

    response = push(repository, {"ref": "refs/heads/feature/x", "after": "abc"})

    assert response.status_code == 200
    assert response.json()["detail"] == (
        "A push to feature/x, which models does not follow (main, release); "
        "nothing queued."
    )
    assert not SyncRun.objects.exists()
    assert push(repository, {"ref": "refs/heads/release"}).status_code == 202
    assert SyncRun.objects.count() == 1


def test_without_branches_only_the_default_branch_is_synced(repository):
    github = {"ref": "refs/heads/dev", "repository": {"default_branch": "main"}}
    gitlab = {"ref": "refs/heads/dev", "project": {"default_branch": "trunk"}}

    for payload in (github, gitlab):
        response = push(repository, payload)
        assert response.status_code == 200
        assert "not the default branch" in response.json()["detail"]
    assert not SyncRun.objects.exists()
    assert push(repository, {**gitlab, "ref": "refs/heads/trunk"}).status_code == 202


def test_a_tag_push_queues_nothing(repository):
    response = push(repository, {"ref": "refs/tags/v1.0"})
    assert response.status_code == 200
    assert (
        response.json()["detail"] == "refs/tags/v1.0 is not a branch; nothing queued."
    )
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"after": "abc"}'])
def test_a_payload_naming_no_ref_still_queues_a_sync(repository, body):
    headers = {"X-Hub-Signature-256": f"sha256={sign(body)}", "X-GitHub-Event": "push"}
    response = post(reverse("api-webhook-git", args=[repository.pk]), headers, body)
    assert response.status_code == 202
    assert SyncRun.objects.count() == 1

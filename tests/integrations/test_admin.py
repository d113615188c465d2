"""The admin: every integrations model is registered and its pages open; tokens
and webhook secrets are write-only there."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    JiraMapping,
    RawPayload,
    SkillEvidence,
    SkillEvidenceRule,
    SyncRun,
)
from tests.factories import InitiativeFactory, PersonFactory, SkillFactory
from tests.integrations.test_runs import TOKEN, make_git, make_jira

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret-abc"


def test_every_integrations_model_is_registered():
    models = apps.get_app_config("integrations").get_models()
    missing = [m.__name__ for m in models if not admin.site.is_registered(m)]
    assert missing == []


@pytest.fixture
def one_of_each():
    jira = make_jira()
    jira.webhook_secret_set(SECRET)
    jira.save()
    git = make_git(url="https://bot:pa55word@git.example/ml/models.git")
    git.webhook_secret_set(SECRET)
    git.save()
    JiraMapping.objects.create(
        connection=jira, kind="project", value="ML", initiative=InitiativeFactory()
    )
    run = SyncRun.objects.create(jira=jira, status="succeeded")
    RawPayload.objects.create(run=run, kind="search", payload={"issues": []})
    person = PersonFactory()
    identity = ExternalIdentity.objects.create(
        source="git", external_id="ada@example.com", person=person
    )
    event = ActivityEvent.objects.create(
        source="git",
        kind="commit",
        external_id="1:abc",
        git=git,
        identity=identity,
        person=person,
        occurred_at=timezone.now(),
    )
    skill = SkillFactory(name="PyTorch")
    SkillEvidenceRule.objects.create(kind="import", pattern="torch", skill=skill)
    SkillEvidence.objects.create(
        person=person, skill=skill, event=event, at=timezone.now(), reason="torch"
    )
    return jira, git


def test_every_admin_page_opens_and_never_shows_a_secret(client_as, one_of_each):
    jira, _ = one_of_each
    client = client_as("admin")
    for model in apps.get_app_config("integrations").get_models():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, model
        obj = model.objects.first()
        change = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        assert change.status_code == 200, model
        for response in (changelist, change):
            text = response.content.decode()
            assert TOKEN not in text
            assert SECRET not in text
            assert "pa55word" not in text
            assert jira.token_encrypted not in text
            assert jira.webhook_secret_encrypted not in text


def test_new_token_field_replaces_the_token(client_as):
    jira = make_jira()
    client = client_as("admin")
    url = reverse("admin:integrations_jiraconnection_change", args=[jira.pk])
    data = {
        "name": jira.name,
        "base_url": jira.base_url,
        "deployment": "cloud",
        "email": jira.email,
        "token_env": "",
        "jql": "",
        "active": "on",
        "watermark_0": "",
        "watermark_1": "",
        "jira_timezone": "",
        "page_cap": "1000",
        "new_token": "replaced-token",
        "new_webhook_secret": "",
        "mappings-TOTAL_FORMS": "0",
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "0",
        "mappings-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    jira.refresh_from_db()
    assert jira.token() == "replaced-token"

    client.post(url, {**data, "new_token": ""})  # empty keeps it
    jira.refresh_from_db()
    assert jira.token() == "replaced-token"


def test_git_admin_keeps_the_redacted_password(client_as):
    git = make_git(url="https://bot:pa55word@git.example/ml/models.git")
    client = client_as("admin")
    url = reverse("admin:integrations_gitrepository_change", args=[git.pk])
    response = client.post(
        url,
        {
            "name": git.name,
            "url": "https://bot:***@git.example/ml/models.git",
            "branches": '["main"]',
            "initiative": "",
            "active": "on",
            "new_webhook_secret": SECRET,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    git.refresh_from_db()
    assert git.url == "https://bot:pa55word@git.example/ml/models.git"
    assert git.branches == ["main"]
    assert git.webhook_secret() == SECRET

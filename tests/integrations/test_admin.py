"""The admin: every integrations model is registered and its pages open; tokens
and webhook secrets are write-only there."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import AuditEvent
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    GitRepository,
    JiraConnection,
    JiraMapping,
    RawPayload,
    SkillEvidence,
    SkillEvidenceRule,
    SyncRun,
)
from teamhub.integrations.services_connections import connection_delete, url_redacted
from teamhub.staffing.models import StaffingRequest
from tests.factories import InitiativeFactory, PersonFactory, SkillFactory
from tests.integrations.test_runs import TOKEN, make_git, make_jira
from tests.staffing.builders import request_build

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


# --- saving goes through the connection services ---------------------------


def jira_post(jira=None, **overrides):
    """Return the admin form data of a Jira connection (no mapping rows)."""
    data = {
        "name": jira.name if jira else "New Jira",
        "base_url": jira.base_url if jira else "https://new.atlassian.net",
        "deployment": "cloud",
        "email": jira.email if jira else "bot@new.example",
        "token_env": "",
        "jql": "",
        "active": "on",
        "page_cap": "1000",
        "new_token": "",
        "new_webhook_secret": "",
        "mappings-TOTAL_FORMS": "0",
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "0",
        "mappings-MAX_NUM_FORMS": "1000",
    }
    return {**data, **overrides}


def git_post(git=None, **overrides):
    data = {
        "name": git.name if git else "pipelines",
        "url": url_redacted(git.url) if git else "https://git.example/ml/pipes.git",
        "branches": '["main"]',
        "initiative": "",
        "active": "on",
        "new_webhook_secret": "",
    }
    return {**data, **overrides}


def audit_events(verb):
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def form_errors(response):
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def test_changing_a_jira_token_in_the_admin_is_audited_without_the_token(client_as):
    jira = make_jira()
    client = client_as("admin")
    url = reverse("admin:integrations_jiraconnection_change", args=[jira.pk])

    response = client.post(url, jira_post(jira, new_token="new-token-value"))

    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = audit_events("jira_connection.updated")
    assert event.data == {"changed": ["api_token"]}
    assert event.actor.is_superuser
    assert "new-token-value" not in str(event.data)
    jira.refresh_from_db()
    assert jira.token() == "new-token-value"


def test_saving_an_unchanged_connection_writes_no_audit_event(client_as):
    jira = make_jira()
    client = client_as("admin")
    url = reverse("admin:integrations_jiraconnection_change", args=[jira.pk])

    response = client.post(url, jira_post(jira))

    assert response.status_code == 302
    assert audit_events("jira_connection.updated") == []


def test_a_jira_url_the_service_refuses_is_a_form_error_and_nothing_is_saved(
    client_as,
):
    jira = make_jira()
    client = client_as("admin")
    url = reverse("admin:integrations_jiraconnection_change", args=[jira.pk])

    response = client.post(
        url, jira_post(jira, base_url="ftp://acme.example", new_token="other-token")
    )

    assert form_errors(response)["base_url"] == [
        "Enter an http:// or https:// address."
    ]
    assert "other-token" not in response.content.decode()
    jira.refresh_from_db()
    assert jira.base_url == "https://acme.atlassian.net"
    assert jira.token() == TOKEN
    assert not AuditEvent.objects.filter(verb__startswith="jira_connection").exists()


def test_adding_a_jira_connection_without_a_token_shows_the_error_at_the_token(
    client_as,
):
    client = client_as("admin")

    response = client.post(
        reverse("admin:integrations_jiraconnection_add"), jira_post()
    )

    assert form_errors(response)["new_token"] == [
        "Enter an API token, or the environment variable that holds it."
    ]
    assert not JiraConnection.objects.exists()
    assert not AuditEvent.objects.exists()


def test_adding_a_jira_connection_with_mappings_uses_the_services(client_as):
    initiative = InitiativeFactory()
    client = client_as("admin")
    data = jira_post(
        new_token="a-token",
        new_webhook_secret=SECRET,
        **{
            "mappings-TOTAL_FORMS": "1",
            "mappings-0-kind": "project",
            "mappings-0-value": "ML",
            "mappings-0-initiative": str(initiative.pk),
        },
    )

    response = client.post(reverse("admin:integrations_jiraconnection_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    jira = JiraConnection.objects.get()
    assert jira.created_by.is_superuser
    assert jira.token() == "a-token"
    assert jira.webhook_secret() == SECRET
    assert [(m.kind, m.value, m.initiative) for m in jira.mappings.all()] == [
        ("project", "ML", initiative)
    ]
    [created] = audit_events("jira_connection.created")
    assert created.target_id == str(jira.pk)
    [updated] = audit_events("jira_connection.updated")
    assert updated.data == {"changed": ["mappings"]}
    assert SECRET not in str(created.data) + str(updated.data)


def test_mapping_rows_edited_in_the_inline_are_replaced_and_audited(client_as):
    jira = make_jira()
    ml, ds = InitiativeFactory(), InitiativeFactory()
    kept = JiraMapping.objects.create(
        connection=jira, kind="project", value="ML", initiative=ml
    )
    gone = JiraMapping.objects.create(
        connection=jira, kind="label", value="old", initiative=ml
    )
    client = client_as("admin")
    url = reverse("admin:integrations_jiraconnection_change", args=[jira.pk])
    data = jira_post(
        jira,
        **{
            "mappings-TOTAL_FORMS": "3",
            "mappings-INITIAL_FORMS": "2",
            "mappings-0-id": str(kept.pk),
            "mappings-0-connection": str(jira.pk),
            "mappings-0-kind": "project",
            "mappings-0-value": "ML",
            "mappings-0-initiative": str(ds.pk),
            "mappings-1-id": str(gone.pk),
            "mappings-1-connection": str(jira.pk),
            "mappings-1-kind": "label",
            "mappings-1-value": "old",
            "mappings-1-initiative": str(ml.pk),
            "mappings-1-DELETE": "on",
            "mappings-2-connection": str(jira.pk),
            "mappings-2-kind": "component",
            "mappings-2-value": "mlops",
            "mappings-2-initiative": str(ml.pk),
        },
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    rows = {(m.kind, m.value, m.initiative) for m in jira.mappings.all()}
    assert rows == {("project", "ML", ds), ("component", "mlops", ml)}
    [event] = audit_events("jira_connection.updated")
    assert event.data == {"changed": ["mappings"]}


def test_a_git_url_the_service_refuses_is_a_form_error_and_nothing_is_saved(
    client_as,
):
    git = make_git(url="https://git.example/ml/models.git")
    client = client_as("admin")
    url = reverse("admin:integrations_gitrepository_change", args=[git.pk])

    response = client.post(
        url,
        git_post(git, url="ext::sh -c touch% /tmp/pwned", new_webhook_secret=SECRET),
    )

    assert form_errors(response)["url"] == [
        "Enter a remote URL (https://, ssh://, git@…) or a path."
    ]
    assert SECRET not in response.content.decode()
    git.refresh_from_db()
    assert git.url == "https://git.example/ml/models.git"
    assert git.webhook_secret_encrypted == ""
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("branches", "message"),
    [
        ('"main"', 'Enter a list of branch names, e.g. ["main"].'),
        ('["--upload-pack=evil"]', "'--upload-pack=evil' is not a branch name."),
    ],
)
def test_bad_branches_are_a_form_error(client_as, branches, message):
    client = client_as("admin")

    response = client.post(
        reverse("admin:integrations_gitrepository_add"), git_post(branches=branches)
    )

    assert form_errors(response)["branches"] == [message]
    assert not GitRepository.objects.exists()


def test_adding_and_changing_a_git_repository_is_audited_with_a_redacted_url(
    client_as,
):
    client = client_as("admin")
    response = client.post(
        reverse("admin:integrations_gitrepository_add"),
        git_post(url="https://bot:pa55word@git.example/ml/pipes.git"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    git = GitRepository.objects.get()
    [created] = audit_events("git_repository.created")
    assert created.data == {
        "url": "https://bot:***@git.example/ml/pipes.git",
        "branches": ["main"],
    }

    url = reverse("admin:integrations_gitrepository_change", args=[git.pk])
    response = client.post(url, git_post(git, new_webhook_secret=SECRET))

    assert response.status_code == 302, response.content.decode()[:3000]
    [updated] = audit_events("git_repository.updated")
    assert updated.data == {"changed": ["webhook_secret"]}
    git.refresh_from_db()
    assert git.url == "https://bot:pa55word@git.example/ml/pipes.git"

    response = client.post(url, git_post(git, remove_webhook_secret="on"))

    assert response.status_code == 302
    git.refresh_from_db()
    assert git.webhook_secret_encrypted == ""
    assert len(audit_events("git_repository.updated")) == 2


def test_mapping_rules_are_read_only_outside_their_connection(client_as):
    jira = make_jira()
    mapping = JiraMapping.objects.create(
        connection=jira, kind="project", value="ML", initiative=InitiativeFactory()
    )
    client = client_as("admin")

    add = client.get(reverse("admin:integrations_jiramapping_add"))
    change = client.post(
        reverse("admin:integrations_jiramapping_change", args=[mapping.pk]),
        {"connection": jira.pk, "kind": "label", "value": "x", "initiative": ""},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    mapping.refresh_from_db()
    assert mapping.value == "ML"


def recomputed_requests():
    """Open requests computed since (tasks run eagerly here: a request marked stale
    is recomputed on commit)."""
    return set(
        StaffingRequest.objects.filter(computed_at__isnull=False).values_list(
            "pk", flat=True
        )
    )


def test_deleting_a_repository_in_the_admin_takes_its_activity_and_is_audited(
    client_as, one_of_each, django_capture_on_commit_callbacks
):
    _, git = one_of_each
    other = make_git(name="other")
    kept = ActivityEvent.objects.create(
        source="git",
        kind="commit",
        external_id="2:def",
        git=other,
        occurred_at=timezone.now(),
    )
    staffing_request = request_build()
    client = client_as("admin")
    url = reverse("admin:integrations_gitrepository_delete", args=[git.pk])
    assert client.get(url).status_code == 200  # the confirmation page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not GitRepository.objects.filter(pk=git.pk).exists()
    assert list(ActivityEvent.objects.filter(source="git")) == [kept]
    assert not SkillEvidence.objects.exists()  # drawn from the deleted commit
    [event] = audit_events("git_repository.deleted")
    assert event.data == {
        "url": "https://bot:***@git.example/ml/models.git",
        "events": 1,
    }
    assert event.target_repr == "models"
    assert recomputed_requests() == {staffing_request.pk}  # its evidence is gone


def test_deleting_jira_connections_in_bulk_audits_each(client_as):
    first, second = make_jira("First"), make_jira("Second")
    client = client_as("admin")

    response = client.post(
        reverse("admin:integrations_jiraconnection_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [first.pk, second.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert not JiraConnection.objects.exists()
    events = audit_events("jira_connection.deleted")
    assert sorted(e.target_repr for e in events) == ["First", "Second"]
    assert all(e.data["url"] == "https://acme.atlassian.net" for e in events)


def test_only_admins_delete_connections(make_user):
    git = make_git()
    manager = make_user("manager")

    with pytest.raises(PermissionDenied):
        connection_delete(actor=manager, connection=git)

    assert GitRepository.objects.filter(pk=git.pk).exists()
    assert audit_events("git_repository.deleted") == []


def test_deleting_evidence_in_the_admin_recomputes_open_requests(
    client_as, one_of_each, django_capture_on_commit_callbacks
):
    staffing_request = request_build()
    evidence = SkillEvidence.objects.get()
    client = client_as("admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:integrations_skillevidence_delete", args=[evidence.pk]),
            {"post": "yes"},
        )

    assert response.status_code == 302
    assert not SkillEvidence.objects.exists()
    assert recomputed_requests() == {staffing_request.pk}

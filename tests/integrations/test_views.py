"""The integrations pages: who sees them, what a connection's runs show, "Sync
now", the admins' settings forms (secrets write-only), constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from teamhub.integrations.models import GitRepository, JiraConnection, SyncRun
from tests.conftest import ROLES
from tests.factories import InitiativeFactory
from tests.integrations.test_runs import TOKEN, make_git, make_jira

pytestmark = pytest.mark.django_db


def pages(jira: JiraConnection, git: GitRepository) -> dict[str, tuple[str, str]]:
    return {
        "index": ("get", reverse("integrations:index")),
        "runs": ("get", reverse("integrations:runs", args=["git", git.pk])),
        "sync": ("post", reverse("integrations:sync_now", args=["jira", jira.pk])),
        "settings": ("get", reverse("integrations:settings")),
        "jira_add": ("get", reverse("integrations:jira_add")),
        "jira_edit": ("get", reverse("integrations:jira_edit", args=[jira.pk])),
        "git_add": ("get", reverse("integrations:git_add")),
        "git_edit": ("get", reverse("integrations:git_edit", args=[git.pk])),
    }


MANAGER_PAGES = {"index": 200, "runs": 200, "sync": 302}
ADMIN_PAGES = {"settings": 200, "jira_add": 200, "jira_edit": 200}
ADMIN_PAGES |= {"git_add": 200, "git_edit": 200}
EXPECTED = {
    None: dict.fromkeys([*MANAGER_PAGES, *ADMIN_PAGES], 302),  # to the login page
    "stakeholder": dict.fromkeys([*MANAGER_PAGES, *ADMIN_PAGES], 403),
    "data_scientist": dict.fromkeys([*MANAGER_PAGES, *ADMIN_PAGES], 403),
    "manager": {**MANAGER_PAGES, **dict.fromkeys(ADMIN_PAGES, 403)},
    "admin": {**MANAGER_PAGES, **ADMIN_PAGES},
}


@pytest.mark.parametrize("role", [None, *ROLES])
def test_page_permission_matrix(client_as, role):
    client = client_as(role)
    urls = pages(make_jira(), make_git())
    got = {
        name: getattr(client, method)(url).status_code
        for name, (method, url) in urls.items()
    }
    assert got == EXPECTED[role]


def test_index_shows_runs_with_status_counts_error_and_lag(client_as):
    connection = make_jira()
    now = timezone.now()
    SyncRun.objects.create(
        jira=connection,
        status="succeeded",
        trigger="schedule",
        queued_at=now - dt.timedelta(hours=2),
        started_at=now - dt.timedelta(hours=2),
        finished_at=now - dt.timedelta(hours=2) + dt.timedelta(seconds=42),
        counts={"issues": 120, "events": 340},
    )
    SyncRun.objects.create(
        jira=connection,
        status="failed",
        trigger="webhook",
        queued_at=now - dt.timedelta(minutes=5),
        started_at=now - dt.timedelta(minutes=5),
        finished_at=now - dt.timedelta(minutes=4),
        error="Jira said 401: the token is wrong or expired.",
    )
    page = client_as("manager").get(reverse("integrations:index")).content.decode()
    assert "Acme Jira" in page
    assert "Succeeded" in page and "Failed" in page
    assert "issues <strong>120</strong>" in page
    assert "42.0 s" in page
    assert "Jira said 401: the token is wrong or expired." in page
    assert "Last good sync started" in page and "2\xa0hours ago" in page
    assert "behind" in page  # two hours is more than two 15-minute periods
    assert "hx-get" not in page  # nothing open: no polling
    assert TOKEN not in page


def test_open_run_is_polled_and_sync_now_disabled(client_as):
    repository = make_git()
    SyncRun.objects.create(git=repository, status="running", started_at=timezone.now())
    client = client_as("manager")
    page = client.get(reverse("integrations:index")).content.decode()
    poll = reverse("integrations:runs", args=["git", repository.pk])
    assert f'hx-get="{poll}"' in page
    partial = client.get(poll).content.decode()
    assert "Running" in partial
    assert "<html" not in partial


def test_empty_state_tells_what_to_do(client_as):
    manager_page = client_as("manager").get(reverse("integrations:index"))
    assert "ask an admin to add one" in manager_page.content.decode()
    admin_page = client_as("admin").get(reverse("integrations:index")).content.decode()
    assert reverse("integrations:jira_add") in admin_page


def test_sync_now_queues_and_a_second_press_shows_the_conflict(client_as):
    connection = make_jira()
    client = client_as("manager")
    url = reverse("integrations:sync_now", args=["jira", connection.pk])
    first = client.post(url, follow=True)
    assert "A sync of Acme Jira is queued" in first.content.decode()
    assert SyncRun.objects.filter(status="queued", trigger="manual").count() == 1
    second = client.post(url, follow=True)
    assert "A sync of Acme Jira is already queued or running." in (
        second.content.decode()
    )
    assert SyncRun.objects.count() == 1


def test_sync_now_of_an_unknown_source_is_404(client_as):
    response = client_as("manager").post("/integrations/svn/1/sync/")
    assert response.status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_index_uses_a_constant_number_of_queries(
    client_as, django_assert_max_num_queries, count
):
    client = client_as("admin")
    now = timezone.now()
    for n in range(count):
        jira = make_jira(name=f"Jira {n}")
        git = make_git(name=f"repo {n}")
        for connection in ({"jira": jira}, {"git": git}):
            for k in range(3):
                SyncRun.objects.create(
                    **connection,
                    status="succeeded",
                    queued_at=now - dt.timedelta(hours=k + 1),
                    started_at=now - dt.timedelta(hours=k + 1),
                    finished_at=now - dt.timedelta(hours=k),
                    counts={"commits": k},
                )
    with django_assert_max_num_queries(10):
        response = client.get(reverse("integrations:index"))
    assert response.content.decode().count('data-testid="connection"') == 2 * count


# --- settings (admins) ------------------------------------------------------


def jira_form(**change: str) -> dict[str, str]:
    data = {
        "name": "Acme",
        "base_url": "https://acme.atlassian.net",
        "deployment": "cloud",
        "email": "bot@acme.example",
        "api_token": TOKEN,
        "token_env": "",
        "jql": "project = ML",
        "page_cap": "1000",
        "active": "on",
        "webhook_secret": "",
        "mappings-TOTAL_FORMS": "3",
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "0",
        "mappings-MAX_NUM_FORMS": "1000",
    }
    for n in range(3):
        data |= {f"mappings-{n}-kind": "", f"mappings-{n}-value": ""}
        data |= {f"mappings-{n}-initiative": ""}
    return {**data, **change}


def test_admin_adds_a_jira_connection_with_a_mapping(client_as):
    initiative = InitiativeFactory()
    client = client_as("admin")
    response = client.post(
        reverse("integrations:jira_add"),
        jira_form(
            **{
                "mappings-0-kind": "project",
                "mappings-0-value": "ML",
                "mappings-0-initiative": str(initiative.pk),
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()
    connection = JiraConnection.objects.get()
    assert connection.token() == TOKEN
    assert [(m.kind, m.value) for m in connection.mappings.all()] == [("project", "ML")]
    edit = client.get(reverse("integrations:jira_edit", args=[connection.pk]))
    text = edit.content.decode()
    assert "A token is set — enter a new one to replace it." in text
    assert TOKEN not in text
    assert connection.token_encrypted not in text


def test_editing_without_a_token_keeps_it(client_as):
    connection = make_jira(name="Acme")
    response = client_as("admin").post(
        reverse("integrations:jira_edit", args=[connection.pk]),
        jira_form(api_token="", jql="project = DS"),
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.jql, connection.token()) == ("project = DS", TOKEN)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"base_url": "ftp://acme.example"}, "Enter an http:// or https:// address."),
        ({"email": ""}, "Jira Cloud needs the e-mail of the token"),
        ({"api_token": ""}, "Enter an API token, or the environment variable"),
        (
            {"mappings-0-kind": "label", "mappings-0-value": "spark"},
            "Fill in the kind, the value and the initiative",
        ),
    ],
)
def test_bad_jira_form_shows_errors_and_writes_nothing(client_as, change, message):
    response = client_as("admin").post(
        reverse("integrations:jira_add"), jira_form(**change)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not JiraConnection.objects.exists()


def test_admin_adds_and_edits_a_git_repository(client_as):
    client = client_as("admin")
    data = {
        "name": "models",
        "url": "https://bot:pa55word@git.example/ml/models.git",
        "branches": "main, release",
        "initiative": "",
        "webhook_secret": "zz-hook-value-9",
        "active": "on",
    }
    assert client.post(reverse("integrations:git_add"), data).status_code == 302
    repository = GitRepository.objects.get()
    assert repository.branches == ["main", "release"]
    assert repository.webhook_secret() == "zz-hook-value-9"

    edit = client.get(reverse("integrations:git_edit", args=[repository.pk]))
    text = edit.content.decode()
    assert "pa55word" not in text
    assert "zz-hook-value-9" not in text
    assert "A webhook secret is set — enter a new one to replace it." in text

    shown = {**data, "url": "https://bot:***@git.example/ml/models.git"}
    shown |= {"webhook_secret": "", "branches": "main"}
    response = client.post(
        reverse("integrations:git_edit", args=[repository.pk]), shown
    )
    assert response.status_code == 302
    repository.refresh_from_db()
    assert repository.url == data["url"]  # the password kept
    assert repository.branches == ["main"]
    assert repository.webhook_secret() == "zz-hook-value-9"


def test_bad_git_form_shows_the_error_next_to_the_field(client_as):
    response = client_as("admin").post(
        reverse("integrations:git_add"),
        {"name": "x", "url": "--upload-pack=evil", "branches": "", "active": "on"},
    )
    assert response.status_code == 200
    assert 'data-testid="error-url"' in response.content.decode()
    assert not GitRepository.objects.exists()


@pytest.mark.parametrize("rows", [1, 12])
def test_jira_edit_page_loads_the_initiatives_once_for_all_mapping_rows(
    client_as, django_assert_max_num_queries, rows
):
    client = client_as("admin")
    connection = make_jira()
    for n in range(rows):
        connection.mappings.create(
            kind="label", value=f"label-{n}", initiative=InitiativeFactory()
        )
    with django_assert_max_num_queries(9):
        response = client.get(reverse("integrations:jira_edit", args=[connection.pk]))
    assert response.content.decode().count('data-testid="mapping-row"') == rows + 3

"""The Epic Link field of a Jira connection through the connections API and the
settings form: set, read back, changed, and refused when it is not a field id.

(These belong with tests/integrations/test_connection_apis.py; they live here
while that file is someone else's.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from teamhub.core.models import AuditEvent
from teamhub.integrations.forms import JiraConnectionForm
from teamhub.integrations.models import JiraConnection
from tests.integrations.test_connection_apis import JIRA_INPUT
from tests.integrations.test_runs import make_jira

pytestmark = pytest.mark.django_db


def test_admin_sets_reads_and_changes_the_epic_link_field(api_as):
    client = api_as("admin")
    response = client.post(
        reverse("api-jira-connections"),
        {**JIRA_INPUT, "epic_link_field": " customfield_10014 "},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["epic_link_field"] == "customfield_10014"
    url = reverse("api-jira-connection", args=[response.json()["id"]])
    assert client.get(url).json()["epic_link_field"] == "customfield_10014"

    response = client.patch(url, {"epic_link_field": "customfield_10100"}, "json")
    assert response.status_code == 200
    assert response.json()["epic_link_field"] == "customfield_10100"
    assert AuditEvent.objects.get(verb="jira_connection.updated").data == {
        "changed": ["epic_link_field"]
    }

    response = client.patch(url, {"epic_link_field": ""}, format="json")
    assert response.json()["epic_link_field"] == ""
    (listed,) = client.get(reverse("api-jira-connections")).json()
    assert listed["epic_link_field"] == ""


@pytest.mark.parametrize("value", ["Epic Link", "customfield_", "10014", "x" * 51])
def test_an_epic_link_field_that_is_not_a_field_id_is_400_and_changes_nothing(
    api_as, value
):
    connection = make_jira(epic_link_field="customfield_10014")
    response = api_as("admin").patch(
        reverse("api-jira-connection", args=[connection.pk]),
        {"epic_link_field": value, "jql": "project = DS"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["epic_link_field"]
    connection.refresh_from_db()
    assert (connection.epic_link_field, connection.jql) == ("customfield_10014", "")


def test_the_settings_form_passes_the_epic_link_field_on():
    data = {
        "name": "Acme",
        "base_url": "https://acme.atlassian.net",
        "deployment": "cloud",
        "page_cap": "1000",
        "epic_link_field": "customfield_10014",
    }
    form = JiraConnectionForm(data)
    assert form.is_valid(), form.errors
    assert form.fields_input()["epic_link_field"] == "customfield_10014"
    assert "customfield_10014" in str(form["epic_link_field"].help_text)


def test_a_settings_page_without_the_field_keeps_the_stored_one():
    """A page that does not render the field posts nothing for it: that must
    not clear it."""
    data = {
        "name": "Acme",
        "base_url": "https://acme.atlassian.net",
        "deployment": "cloud",
        "page_cap": "1000",
    }
    form = JiraConnectionForm(data, connection=JiraConnection(name="Acme"))
    assert form.is_valid(), form.errors
    assert "epic_link_field" not in form.fields_input()

"""Refusals and missing records get pages in the TeamHub shell, not bare text."""

import pytest

pytestmark = pytest.mark.django_db


def test_refused_page_explains_itself_inside_the_shell(client_as):
    response = client_as("stakeholder").get("/people/search/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You can&#x27;t open this page" in body or "You can't open this page" in body
    assert 'aria-label="Main"' in body  # the navigation bar is there


def test_missing_record_page_is_404_inside_the_shell(client_as):
    response = client_as("data_scientist").get("/people/999999/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()

"""Log-in, log-out, pages behind login and API token auth."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_redirect_anonymous_users_to_login(client):
    response = client.get("/people/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_api_answers_anonymous_requests_with_401_json(client):
    response = client.get("/api/people/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_login_with_wrong_password_shows_error(client, manager):
    response = client.post(reverse("login"), {"username": "boss", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_then_logout(client, manager):
    response = client.post(
        reverse("login"), {"username": "boss", "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/people/").status_code == 302


def test_token_auth_issues_a_token_that_authenticates(client, manager):
    response = client.post(
        "/api/auth/token/",
        {"username": "boss", "password": "secret-pass-123"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    response = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_token_auth_with_bad_password_is_400_with_message(client, manager):
    response = client.post(
        "/api/auth/token/",
        {"username": "boss", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_the_header_names_the_users_roles(client_as):
    html = client_as("data_scientist").get("/people/").content.decode()
    header = html.split('data-testid="current-user"')[1].split("</form>")[0]
    assert ">Data scientist</span>" in header

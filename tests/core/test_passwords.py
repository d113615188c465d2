"""Setting, resetting and changing a password: people a manager added (no
password yet) set their first one from an e-mailed link; nobody learns from the
page whether an address has a login."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from teamhub.core.models import AuditEvent
from teamhub.people.services_registry import person_create

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")
SENT = "check your e-mail"
NEW = "a-long-new-passphrase"


@pytest.fixture
def newcomer(manager):
    """Added by a manager: a login without a password."""
    person = person_create(
        actor=manager,
        username="nia",
        email="Nia.Okafor@example.com",
        first_name="Nia",
        last_name="Okafor",
    )
    assert not person.user.has_usable_password()
    return person.user


def link_in(message) -> str:
    [url] = re.findall(r"https?://\S+", message.body)
    return url


def ask(client: Client, email: str):
    response = client.post(RESET, {"email": email}, follow=True)
    assert response.status_code == 200
    assert SENT in response.content.decode().lower()
    return response


def test_a_newcomer_sets_a_first_password_from_the_mailed_link(newcomer, settings):
    settings.TEAMHUB_BASE_URL = "https://teamhub.example.org/"
    client = Client()
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{RESET}"' in login_page

    ask(client, "nia.okafor@EXAMPLE.com")  # any case

    [message] = mail.outbox
    assert message.to == ["Nia.Okafor@example.com"]
    assert message.subject == "Choose your TeamHub password"
    assert "Hello Nia Okafor" in message.body
    url = link_in(message)
    assert url.startswith("https://teamhub.example.org/accounts/password/reset/")
    path = url.removeprefix("https://teamhub.example.org")
    form_page = client.get(path, follow=True)
    assert "Choose a password" in form_page.content.decode()
    assert "For your TeamHub login nia." in form_page.content.decode()
    done = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "Password saved" in done.content.decode()
    assert Client().login(username="nia", password=NEW)
    # The link works once.
    again = client.get(path, follow=True).content.decode()
    assert "This link no longer works" in again


@pytest.mark.parametrize("who", ["unknown", "inactive"])
def test_no_mail_and_the_same_page_for_an_address_without_an_active_login(
    who, newcomer
):
    if who == "inactive":
        newcomer.is_active = False
        newcomer.save()
        email = newcomer.email
    else:
        email = "nobody@example.com"
    ask(Client(), email)
    assert mail.outbox == []


def test_a_bad_address_is_a_form_error(newcomer):
    response = Client().post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


def test_a_tampered_link_sets_nothing(newcomer):
    ask(Client(), newcomer.email)
    path = link_in(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    bad = "/" + path.rstrip("/") + "x/"
    response = Client().post(bad, {"new_password1": NEW, "new_password2": NEW})
    assert "This link no longer works" in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


@pytest.mark.parametrize(
    ("first", "second", "error"),
    [
        (NEW, NEW + "x", "The two password fields"),
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
    ],
)
def test_a_weak_or_mistyped_password_is_refused(newcomer, first, second, error):
    client = Client()
    ask(client, newcomer.email)
    path = "/" + link_in(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    form_path = client.get(path, follow=True).request["PATH_INFO"]
    response = client.post(form_path, {"new_password1": first, "new_password2": second})
    assert response.status_code == 200
    assert error in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_changing_a_password_needs_the_current_one(client_as, make_user):
    user = make_user("data_scientist", username="ada")
    user.set_password("old-passphrase-1")
    user.save()
    client = Client()
    client.force_login(user)
    url = reverse("password_change")
    assert f'href="{url}"' in client.get(reverse("people:directory")).content.decode()

    wrong = client.post(
        url,
        {"old_password": "nope", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    done = client.post(
        url,
        {
            "old_password": "old-passphrase-1",
            "new_password1": NEW,
            "new_password2": NEW,
        },
        follow=True,
    )
    assert "Your password is changed." in done.content.decode()
    assert Client().login(username="ada", password=NEW)
    # Still logged in here (the session was kept).
    assert client.get(reverse("people:directory")).status_code == 200


def test_changing_a_password_needs_a_login():
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# A manager e-mails someone they added a link (people/<id>/password-link/) ------


def link_url(person_pk: int) -> str:
    return reverse("people:password_link", args=[person_pk])


def test_a_manager_sends_a_newcomer_a_link_from_the_profile(
    client_as, newcomer, django_capture_on_commit_callbacks
):
    client = client_as("manager")
    profile = reverse("people:profile", args=[newcomer.person.pk])
    assert 'data-testid="password-link"' in client.get(profile).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link_url(newcomer.person.pk), follow=True)

    assert response.status_code == 200
    assert "A link to choose a password is on its way" in response.content.decode()
    [message] = mail.outbox
    assert message.to == [newcomer.email]
    assert "/accounts/password/reset/" in link_in(message)
    event = AuditEvent.objects.get(verb="person.password_link_sent")
    assert event.data == {"had_password": False}


def test_the_offer_is_not_shown_to_whom_has_a_password_or_to_non_managers(
    client_as, newcomer, scientist
):
    scientist_page = reverse("people:profile", args=[scientist.person.pk])
    assert 'data-testid="password-link"' not in (
        client_as("manager").get(scientist_page).content.decode()
    )
    newcomer_page = reverse("people:profile", args=[newcomer.person.pk])
    assert 'data-testid="password-link"' not in (
        client_as("data_scientist").get(newcomer_page).content.decode()
    )


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder"])
def test_only_managers_send_links(client_as, newcomer, role):
    response = client_as(role).post(link_url(newcomer.person.pk))
    assert response.status_code == 403
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(verb="person.password_link_sent").exists()


def test_no_link_for_a_deactivated_login_or_an_unknown_person(client_as, newcomer):
    newcomer.is_active = False
    newcomer.save()
    client = client_as("manager")
    response = client.post(link_url(newcomer.person.pk))
    assert response.status_code == 409
    assert "login is deactivated: no link sent" in response.content.decode()
    assert client.post(link_url(10**9)).status_code == 404
    assert client.get(link_url(newcomer.person.pk)).status_code == 405
    assert mail.outbox == []

"""Adding a person from the People page: managers only; their login is
created and, unless unticked, they are e-mailed a link to set a password; bad
input is shown at its field and writes nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from teamhub.core.models import AuditEvent, User
from teamhub.people.models import Person
from tests.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

URL = reverse("people:add")


def form(**overrides):
    data = {
        "first_name": "Nia",
        "last_name": "Okafor",
        "email": "nia.okafor@example.com",
        "username": "nia",
        "title": "Data Scientist",
        "location": "Lagos",
        "timezone": "Africa/Lagos",
        "capacity_fte": "0.80",
        "send_link": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_manager_adds_a_person_who_gets_a_link(
    client_as, django_capture_on_commit_callbacks
):
    team = TeamFactory(name="NLP")
    client = client_as("manager")
    directory = client.get(reverse("people:directory")).content.decode()
    assert f'href="{URL}"' in directory

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form(team=team.pk), follow=True)

    person = Person.objects.get(user__username="nia")
    assert response.redirect_chain[-1][0] == person.get_absolute_url()
    page = response.content.decode()
    assert "Added Nia Okafor." in page
    assert "No skills yet — add Nia Okafor's first skill below." in page
    assert "on its way to nia.okafor@example.com" in page
    assert (person.team, person.title, person.timezone, str(person.capacity_fte)) == (
        team,
        "Data Scientist",
        "Africa/Lagos",
        "0.80",
    )
    assert not person.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["nia.okafor@example.com"]
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"person.created", "person.password_link_sent"} <= verbs


def test_without_the_tick_no_mail_is_sent(
    client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("manager").post(URL, form(send_link=None))
    assert response.status_code == 302
    assert Person.objects.filter(user__username="nia").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"capacity_fte": "1.5"}, "capacity_fte", "less than or equal to 1.00"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"username": "taken"}, "username", "already exists"),
        ({"email": "TAKEN@example.com"}, "email", "already"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_added(
    client_as, overrides, field, message, django_capture_on_commit_callbacks
):
    PersonFactory(user__username="taken", user__email="taken@example.com")
    client = client_as("manager")
    people, users = Person.objects.count(), User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form(**overrides))

    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'data-testid="error-{field}"')[1].split("</div>")[0]
    assert message in error
    assert (Person.objects.count(), User.objects.count()) == (people, users)
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["data_scientist", "stakeholder"])
def test_only_managers_add_people(client_as, role):
    client = client_as(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403
    assert not Person.objects.filter(user__username="nia").exists()
    directory = client.get(reverse("people:directory")).content.decode()
    assert f'href="{URL}"' not in directory

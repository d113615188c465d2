"""The home page sends each role where it starts its day."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("manager", "/dashboard/"),
        ("admin", "/dashboard/"),
        ("data_scientist", "/people/"),
        ("stakeholder", "/people/"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client_as, role, target):
    response = client_as(role).get("/")
    assert response.status_code == 302
    assert response["Location"] == target


def test_home_asks_a_visitor_to_log_in(client_as):
    response = client_as(None).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

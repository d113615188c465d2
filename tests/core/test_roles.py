"""Roles are groups; admins hold every role."""

import pytest

from teamhub.core.roles import Role, user_has_role, user_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_four_role_groups_exist_after_migrations():
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert set(Role.values) <= names


@pytest.mark.django_db(transaction=True)
def test_the_role_groups_come_back_after_a_flush():
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert set(Role.values) <= set(Group.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("held", "asked", "expected"),
    [
        ("manager", "manager", True),
        ("data_scientist", "manager", False),
        ("stakeholder", "data_scientist", False),
        ("admin", "manager", True),
        ("admin", "stakeholder", True),
    ],
)
def test_user_has_role(held, asked, expected):
    user = UserFactory(roles=[held])
    assert user_has_role(user, asked) is expected


def test_user_without_groups_has_no_roles():
    assert user_roles(UserFactory()) == frozenset()

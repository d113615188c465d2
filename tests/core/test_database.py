"""The suite really runs on the database it was asked for."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_suite_runs_on_the_requested_database(request):
    expected = "postgresql" if request.config.getoption("--postgres") else "sqlite"
    assert connection.vendor == expected

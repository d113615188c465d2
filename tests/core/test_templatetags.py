"""Relative dates read the way people say them."""

import datetime as dt

import pytest

from teamhub.core.templatetags.teamhub import ago

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 23), "today"),
        (dt.date(2026, 11, 30), "today"),
        (dt.date(2026, 11, 20), "3 days ago"),
        (dt.date(2026, 6, 1), "5 months ago"),
        (dt.date(2024, 1, 1), "2 years ago"),
        (dt.datetime(2026, 11, 16, 9, 30, tzinfo=dt.UTC), "1 week ago"),
        (None, ""),
    ],
)
def test_ago_keeps_only_the_largest_unit(value, expected):
    # timesince joins number and unit with a no-break space, so they never wrap apart.
    assert ago(value, TODAY).replace("\xa0", " ") == expected

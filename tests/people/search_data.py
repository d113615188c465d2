"""Shared test data for the skill search's API and page tests."""

import datetime as dt

from teamhub.people.models import Person, Skill
from tests.factories import PersonFactory, PersonSkillFactory

FROM = dt.date(2026, 3, 1)
TO = dt.date(2026, 3, 31)
WINDOW = {"available_from": FROM.isoformat(), "available_to": TO.isoformat()}


def member(
    first: str,
    last: str,
    *has: tuple[Skill, int],
    team: object = None,
    title: str = "ML Engineer",
) -> Person:
    """Make a person holding ``has``: (skill, level) pairs."""
    extra = {"team": team} if team else {}
    person = PersonFactory(
        user__first_name=first, user__last_name=last, title=title, **extra
    )
    for skill, level in has:
        PersonSkillFactory(person=person, skill=skill, level=level)
    return person

"""``any_of``: the same rows as ``__in``, the list in one parameter on
PostgreSQL, on integer columns and foreign keys alike."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teamhub.people.models import Person, PersonSkill
from tests.factories import PersonFactory, PersonSkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return [PersonFactory() for _ in range(5)]


def test_any_of_keeps_the_same_rows_as_in(people):
    wanted = [people[0].pk, people[3].pk, 10**9]
    found = Person.objects.filter(pk__any_of=wanted)
    assert (
        set(found)
        == set(Person.objects.filter(pk__in=wanted))
        == {
            people[0],
            people[3],
        }
    )


def test_any_of_works_on_a_foreign_key_and_through_a_join(people):
    rows = [PersonSkillFactory(person=person) for person in people[:3]]
    by_key = PersonSkill.objects.filter(person_id__any_of=[people[1].pk])
    through = PersonSkill.objects.filter(person__user_id__any_of=[people[2].user_id])
    assert list(by_key) == [rows[1]]
    assert list(through) == [rows[2]]


def test_an_empty_list_matches_nothing_without_a_query(people):
    with CaptureQueriesContext(connection) as queries:
        assert list(Person.objects.filter(pk__any_of=[])) == []
    assert len(queries) == 0


def test_a_thousand_ids_take_one_parameter_on_postgresql(people):
    ids = [person.pk for person in people] + list(range(10**8, 10**8 + 1000))
    with CaptureQueriesContext(connection) as queries:
        assert Person.objects.filter(pk__any_of=ids).count() == 5
    [query] = queries.captured_queries
    if connection.vendor == "postgresql":
        assert "= ANY(" in query["sql"]
    else:
        assert " IN (" in query["sql"]


@pytest.mark.parametrize("bad", ["12", 12, None])
def test_anything_but_a_list_of_ids_is_refused(bad):
    with pytest.raises(TypeError, match="list of ids"):
        Person.objects.filter(pk__any_of=bad)

"""activity_upsert: events are written once per key, whatever a batch repeats."""

import pytest
from django.utils import timezone

from teamhub.integrations.activity import EventData, activity_upsert
from teamhub.integrations.models import ActivityEvent, Source

pytestmark = pytest.mark.django_db


def worklog(title: str) -> EventData:
    return EventData(
        source=Source.JIRA,
        kind=ActivityEvent.Kind.WORKLOG,
        external_id="1:10042",
        occurred_at=timezone.now(),
        title=title,
    )


def test_a_key_repeated_in_one_batch_keeps_its_last_event():
    # The same worklog listed on two stored pages, replayed in one call.
    ids = activity_upsert([worklog("first seen"), worklog("seen again")])

    event = ActivityEvent.objects.get()
    assert ids == [event.pk]
    assert event.title == "seen again"


def test_upserting_again_updates_the_row_instead_of_adding_one():
    (first,) = activity_upsert([worklog("before")])
    (second,) = activity_upsert([worklog("after")])

    assert first == second
    assert ActivityEvent.objects.get().title == "after"

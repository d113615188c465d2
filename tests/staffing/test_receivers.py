"""Changes to skills, goals, assignments, people and evidence mark open requests
stale and queue one debounced recompute."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction

from teamhub.people.models import LearningGoal, PersonSkill
from teamhub.staffing import receivers
from teamhub.staffing.models import StaffingRequest
from teamhub.staffing.tasks import RECOMPUTE_QUEUED_KEY, staffing_recompute_stale_task
from tests.factories import SkillFactory
from tests.staffing.builders import booking_build, evidence_build, request_build

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queued(settings):
    """The recompute task's apply_async, recorded instead of run."""
    settings.TEAMHUB_STAFFING_DEBOUNCE_SECONDS = 45
    with mock.patch.object(staffing_recompute_stale_task, "apply_async") as spy:
        yield spy


def stale_ids():
    return set(
        StaffingRequest.objects.filter(stale_since__isnull=False).values_list(
            "pk", flat=True
        )
    )


def test_a_skill_change_marks_open_requests_stale_and_queues_a_recompute(
    staffing_request, candidates, queued, django_capture_on_commit_callbacks
):
    closed = request_build(status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        PersonSkill.objects.filter(person=candidates["ana"]).update(level=5)
        skill = PersonSkill.objects.filter(person=candidates["ana"]).first()
        skill.level = 2
        skill.save()
    assert stale_ids() == {staffing_request.pk}
    assert closed.pk not in stale_ids()
    queued.assert_called_once_with(countdown=45)


@pytest.mark.parametrize(
    "change",
    [
        "skill added",
        "skill removed",
        "goal set",
        "assignment made",
        "assignment removed",
        "person changed",
        "evidence found",
    ],
)
def test_every_watched_change_marks_stale(
    change, staffing_request, candidates, queued, pytorch
):
    ana = candidates["ana"]
    booking = booking_build(ana) if change == "assignment removed" else None
    actions = {
        "skill added": lambda: PersonSkill.objects.create(
            person=ana, skill=SkillFactory(name="Rust"), level=2
        ),
        "skill removed": lambda: (
            PersonSkill.objects.filter(person=ana).first().delete()
        ),
        "goal set": lambda: LearningGoal.objects.create(
            person=ana, skill=pytorch, target_level=5
        ),
        "assignment made": lambda: booking_build(ana),
        "assignment removed": lambda: booking.delete(),
        "person changed": lambda: (setattr(ana, "title", "Lead"), ana.save()),
        "evidence found": lambda: evidence_build(ana, pytorch),
    }
    with transaction.atomic():
        actions[change]()
        # Nothing is marked before the change is committed.
        assert stale_ids() == set()
    # (pytest-django's transaction never commits: run what commit would.)
    receivers._mark_and_queue()
    assert stale_ids() == {staffing_request.pk}


def test_a_burst_of_changes_queues_one_recompute(
    staffing_request, candidates, queued, django_capture_on_commit_callbacks
):
    ana, ben = candidates["ana"], candidates["ben"]
    with django_capture_on_commit_callbacks(execute=True):
        for level in (1, 2, 3):
            for row in PersonSkill.objects.filter(person=ana):
                row.level = level
                row.save()
    # Two more changes, each committed on its own, within the debounce window.
    with django_capture_on_commit_callbacks(execute=True):
        booking_build(ana)
    with django_capture_on_commit_callbacks(execute=True):
        booking_build(ben)
    queued.assert_called_once_with(countdown=45)
    assert stale_ids() == {staffing_request.pk}


def test_once_the_recompute_runs_the_next_change_queues_again(
    staffing_request, candidates, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking_build(candidates["ana"])
    assert cache.get(RECOMPUTE_QUEUED_KEY)
    assert staffing_recompute_stale_task.run() == 1  # the queued run, by hand
    assert stale_ids() == set()
    with django_capture_on_commit_callbacks(execute=True):
        booking_build(candidates["ben"])
    assert queued.call_count == 2
    assert stale_ids() == {staffing_request.pk}


def test_a_rolled_back_change_marks_nothing(
    staffing_request, candidates, queued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        booking_build(candidates["ana"])
        raise RuntimeError("changed my mind")
    assert stale_ids() == set()
    queued.assert_not_called()


def test_without_open_requests_nothing_is_queued(
    candidates, queued, django_capture_on_commit_callbacks
):
    request_build(status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        booking_build(candidates["ana"])
    queued.assert_not_called()


def test_staffing_mark_stale_is_for_bulk_writes(
    staffing_request, candidates, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        PersonSkill.objects.filter(person=candidates["ana"]).update(level=1)
        assert stale_ids() == set()  # bulk updates send no signal
        receivers.staffing_mark_stale()
    assert stale_ids() == {staffing_request.pk}
    queued.assert_called_once()


def test_a_change_recomputes_the_request_end_to_end(
    staffing_request, ml_role, candidates, django_capture_on_commit_callbacks
):
    """Celery runs eagerly in tests: the debounced task runs on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        booking_build(candidates["ana"], allocation=100)
    found = StaffingRequest.objects.get()
    assert found.computed_at is not None
    assert found.stale_since is None
    ana = ml_role.suggestions.get(person=candidates["ana"])
    assert ana.in_team is False  # fully booked now
    assert ana.terms["free"] == 0

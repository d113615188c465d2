"""The sign-off Celery tasks: the hourly reminder of overdue sign-offs (one a
day per person, safe to run twice) and its beat schedule, eager and through a
real worker."""

import datetime as dt
import time

import pytest
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from teamhub.celery import app as celery_app
from teamhub.requirements.models import SignOffReminder, SignOffRule
from teamhub.requirements.reminders import (
    reminder_today,
    signoff_overdue_by_user,
    signoff_reminders_send,
)
from teamhub.requirements.services import doc_create, doc_version_create
from teamhub.requirements.services_signoff import (
    signoff_request_create,
    signoff_revoke,
)
from teamhub.requirements.tasks import signoff_reminders_send_task
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory, UserFactory
from tests.requirements.builders import decide, named_signers
from tests.threads import run_threads

pytestmark = pytest.mark.django_db
TODAY = dt.date(2030, 6, 10)
YESTERDAY = TODAY - dt.timedelta(days=1)


class FlakyBackend(EmailBackend):
    """The mail server refuses the first message it is given, then recovers."""

    refused = 0

    def send_messages(self, messages):
        if FlakyBackend.refused == 0:
            FlakyBackend.refused += 1
            raise ConnectionResetError("try again later")
        return super().send_messages(messages)


@pytest.fixture
def signers():
    return named_signers()


def overdue_request(manager, signers, *, due=YESTERDAY, title="Spec", **kwargs):
    initiative = InitiativeFactory(mission_criticality=1)
    doc = doc_create(actor=manager, initiative=initiative, title=title)
    return signoff_request_create(
        actor=manager, doc=doc, stakeholders=signers, due=due, **kwargs
    )


def reminded():
    """Return {address: body} of the reminders sent (one each, or it fails);
    other mails (a committed request notifies its stakeholders) are ignored."""
    result = {}
    for message in mail.outbox:
        if not message.subject.startswith("Reminder:"):
            continue
        (address,) = message.to
        assert address not in result, f"two reminders to {address}"
        result[address] = message.body
    return result


# -- who is reminded of what --------------------------------------------------------


def test_only_requests_past_due_remind(manager, signers):
    overdue_request(manager, signers[:1], due=YESTERDAY, title="Late")
    overdue_request(manager, signers[:1], due=TODAY, title="Due today")
    overdue_request(manager, signers[:1], due=None, title="No due date")
    overdue_request(manager, signers[:1], due=TODAY + dt.timedelta(days=3))

    assert signoff_reminders_send(today=TODAY) == 1

    (body,) = reminded().values()
    assert "“Late”" in body
    assert "Due today" not in body and "No due date" not in body
    (message,) = mail.outbox
    assert message.subject.startswith("Reminder: sign-off of ")
    assert message.subject.endswith("“Late” is overdue")


def test_one_email_per_person_lists_all_their_overdue_requests(manager, signers):
    ann, ben, cat = signers
    first = overdue_request(
        manager, [ann, ben], title="First", due=TODAY.replace(day=1)
    )
    second = overdue_request(manager, [ann, cat], title="Second")

    assert signoff_reminders_send(today=TODAY) == 3

    bodies = reminded()
    assert set(bodies) == {ann.email, ben.email, cat.email}
    ann_body = bodies[ann.email]
    assert ann_body.startswith("Hello Ann Signer,")
    assert ann_body.index("“First”") < ann_body.index("“Second”")  # soonest due first
    assert "(9 days overdue)" in ann_body and "(1 day overdue)" in ann_body
    assert f"{settings.TEAMHUB_BASE_URL}/requirements/signoffs/{first.pk}/" in ann_body
    assert f"/requirements/signoffs/{second.pk}/" in ann_body
    assert "Waiting for your decision." in ann_body
    ann_mail = next(m for m in mail.outbox if m.to == [ann.email])
    assert ann_mail.subject == "Reminder: 2 sign-offs are overdue"
    assert "“Second”" not in bodies[ben.email]
    assert "“First”" not in bodies[cat.email]
    record = SignOffReminder.objects.get(user=ann)
    assert record.sent_on == TODAY
    assert record.requests == [first.pk, second.pk]
    assert record.sent_at is not None


def test_only_stakeholders_still_waiting_or_stale_are_reminded(manager, signers):
    ann, ben, cat = signers
    request = overdue_request(manager, signers)
    decide(request, ann)  # approved version 1, then version 2 makes it stale
    decide(request, ben, "rejected", comment="Where is the fallback?")
    doc = request.doc
    latest = doc.versions.get()
    doc_version_create(
        actor=manager,
        doc=doc,
        body_markdown="v2",
        fields=latest.fields,
        based_on=1,
    )
    decide(request, cat)  # approved the version under review

    assert signoff_reminders_send(today=TODAY) == 1

    bodies = reminded()
    assert list(bodies) == [ann.email]
    assert (
        "You approved version 1; version 2 needs your approval again."
        in (bodies[ann.email])
    )


def test_someone_who_decided_meanwhile_is_not_reminded(manager, signers):
    ann, ben, _ = signers
    request = overdue_request(manager, [ann, ben])
    assert signoff_reminders_send(today=YESTERDAY + dt.timedelta(days=2)) == 2
    decide(request, ann)
    mail.outbox.clear()

    assert signoff_reminders_send(today=TODAY + dt.timedelta(days=2)) == 1
    assert list(reminded()) == [ben.email]


def test_a_revoked_decision_makes_the_stakeholder_waiting_again(manager, signers):
    request = overdue_request(manager, signers[:2])
    decide(request, signers[0])
    signoff_revoke(request=request, stakeholder=signers[0], reason="Misread it.")
    signoff_reminders_send(today=TODAY)
    assert set(reminded()) == {signers[0].email, signers[1].email}


def test_requests_already_approved_remind_nobody(manager, signers):
    request = overdue_request(manager, signers, policy="quorum", quorum=2)
    decide(request, signers[0])
    decide(request, signers[1])  # the quorum is met: Cat need not sign any more
    assert signoff_reminders_send(today=TODAY) == 0
    assert mail.outbox == []
    assert not SignOffReminder.objects.exists()


def test_a_quorum_still_short_of_its_criticality_rule_keeps_reminding(manager, signers):
    engineering = TeamFactory(name="Engineering")
    SignOffRule.objects.create(min_criticality=3, team=engineering)
    engineer = PersonFactory(team=engineering).user
    initiative = InitiativeFactory(mission_criticality=3)
    doc = doc_create(actor=manager, initiative=initiative, title="Fraud")
    request = signoff_request_create(
        actor=manager,
        doc=doc,
        stakeholders=[*signers[:2], engineer],
        policy="quorum",
        quorum=1,
        due=YESTERDAY,
    )
    decide(request, signers[0])  # the quorum, but no engineer yet

    signoff_reminders_send(today=TODAY)

    assert set(reminded()) == {signers[1].email, engineer.email}


def test_people_without_an_address_or_no_longer_active_are_skipped(manager, signers):
    ann, ben, cat = signers
    overdue_request(manager, signers)
    ann.email = ""
    ann.save()
    ben.is_active = False
    ben.save()
    assert signoff_reminders_send(today=TODAY) == 1
    assert list(reminded()) == [cat.email]


# -- at most one a day ----------------------------------------------------------------


def test_run_twice_the_same_day_sends_once_and_again_the_next_day(manager, signers):
    overdue_request(manager, signers[:2])

    assert signoff_reminders_send(today=TODAY) == 2
    assert signoff_reminders_send(today=TODAY) == 0
    assert len(mail.outbox) == 2
    assert SignOffReminder.objects.filter(sent_on=TODAY).count() == 2

    tomorrow = TODAY + dt.timedelta(days=1)
    assert signoff_reminders_send(today=tomorrow) == 2
    assert len(mail.outbox) == 4
    assert SignOffReminder.objects.filter(sent_on=tomorrow).count() == 2


def test_a_reminder_recorded_by_another_run_is_not_sent_again(manager, signers):
    """The other run recorded Ann's reminder, then this one started."""
    overdue_request(manager, signers[:2])
    SignOffReminder.objects.create(user=signers[0], sent_on=TODAY, requests=[])

    assert signoff_reminders_send(today=TODAY) == 1
    assert list(reminded()) == [signers[1].email]


def test_a_refused_reminder_is_retried_by_the_next_run(manager, signers, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.refused = 0
    overdue_request(manager, signers[:1])

    assert signoff_reminders_send(today=TODAY) == 0
    assert mail.outbox == []
    assert not SignOffReminder.objects.exists()  # released for the next run

    assert signoff_reminders_send(today=TODAY) == 1
    assert list(reminded()) == [signers[0].email]
    assert signoff_reminders_send(today=TODAY) == 0


def test_today_is_the_date_in_the_configured_time_zone(settings, monkeypatch):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14
    late_evening_utc = dt.datetime(2030, 6, 9, 20, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)
    assert reminder_today() == dt.date(2030, 6, 10)


@pytest.mark.parametrize("overdue", [2, 30])
def test_the_reminder_run_takes_a_fixed_number_of_queries(
    manager, signers, overdue, django_assert_max_num_queries
):
    for index in range(overdue):
        request = overdue_request(manager, signers, title=f"Spec {index}")
        if index % 3 == 0:
            decide(request, signers[0])
    # 8 queries find what is due (whatever the number of requests), then 4
    # record and mark each of the 3 people's reminder.
    with django_assert_max_num_queries(8 + 3 * 4):
        assert signoff_reminders_send(today=TODAY) == 3
    assert reminded()[signers[1].email].count("  Sign: ") == overdue


def test_the_overdue_selection_leaves_out_what_needs_no_reminder(manager, signers):
    ann, ben, _ = signers
    late = overdue_request(manager, [ann, ben], title="Late")
    decide(late, ben)
    overdue_request(manager, [ben], title="Not yet", due=TODAY)
    by_user = signoff_overdue_by_user(today=TODAY)
    assert {
        user.pk: [item.request.pk for item in items] for user, items in by_user.items()
    } == {ann.pk: [late.pk]}


# -- the task and its schedule -------------------------------------------------------


def test_the_beat_schedule_names_tasks_celery_knows():
    celery_app.loader.import_default_modules()  # what a worker does at start
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
    entry = settings.CELERY_BEAT_SCHEDULE["signoff-reminders"]
    assert entry["task"] == signoff_reminders_send_task.name


def test_the_task_reminds_as_of_today(manager, signers):
    overdue_request(manager, signers[:1], due=reminder_today() - dt.timedelta(days=1))
    assert signoff_reminders_send_task.delay().get() == 1
    assert signoff_reminders_send_task.delay().get() == 0
    assert list(reminded()) == [signers[0].email]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(make_user):
    manager = make_user("manager")
    signers = [UserFactory(roles=["stakeholder"]) for _ in range(4)]
    for index in range(3):
        overdue_request(manager, signers, title=f"Spec {index}")

    results = run_threads(2, lambda _: signoff_reminders_send(today=TODAY))

    assert all(isinstance(sent, int) for sent in results), results
    assert sum(results) == 4
    assert set(reminded()) == {user.email for user in signers}
    assert SignOffReminder.objects.filter(sent_at__isnull=False).count() == 4


@pytest.mark.celery_worker
@pytest.mark.redis
def test_the_reminder_task_runs_on_a_real_worker(celery_worker, make_user):
    manager = make_user("manager")
    signers = [UserFactory(roles=["stakeholder"]) for _ in range(2)]
    overdue_request(manager, signers, due=reminder_today() - dt.timedelta(days=2))
    finished: list[int] = []

    def collect(sender=None, retval=None, **kwargs):
        if sender.name == signoff_reminders_send_task.name:
            finished.append(retval)

    task_postrun.connect(collect, weak=False)
    try:
        signoff_reminders_send_task.delay()
        signoff_reminders_send_task.delay()  # the second run the same day
        deadline = time.monotonic() + 30
        while len(finished) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        task_postrun.disconnect(collect)

    assert finished == [2, 0]
    assert set(reminded()) == {user.email for user in signers}
    assert SignOffReminder.objects.filter(sent_at__isnull=False).count() == 2

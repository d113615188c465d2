"""The sign-offs chart: open requests by age, median days to approval, overdue."""

import csv
import datetime as dt
import io
import statistics

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

# The role matrix below downloads every chart of this module's engineer.
import teamhub.dashboard.builders.activity
import teamhub.dashboard.builders.pipeline  # noqa: F401 (registers its chart)
from teamhub.dashboard.builders.signoffs import AGE_BUCKETS, signoffs
from teamhub.dashboard.charts import DashboardFilters
from teamhub.requirements.models import SignOff, SignOffRequest
from teamhub.requirements.services import doc_create
from tests.factories import InitiativeFactory, TeamFactory
from tests.requirements.builders import ask, decide, named_signers

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()


def days_ago(days):
    return NOW - dt.timedelta(days=days)


def filters(team=None, start_days=30):
    return DashboardFilters(
        team_id=team.pk if team else None,
        start=TODAY - dt.timedelta(days=start_days),
        end=TODAY,
    )


def make_request(manager, team, signers, *, age, due_in=None, title="Spec"):
    doc = doc_create(
        actor=manager, initiative=InitiativeFactory(team=team), title=title
    )
    due = TODAY + dt.timedelta(days=due_in) if due_in is not None else None
    request = ask(manager, doc, signers, due=due)
    SignOffRequest.objects.filter(pk=request.pk).update(created=days_ago(age))
    return request


def sign(request, user, decision="approved", *, at):
    decide(
        request, user, decision, comment="Change it." if decision == "rejected" else ""
    )
    SignOff.objects.filter(request=request, stakeholder=user).update(signed_at=at)


@pytest.fixture
def world(manager):
    ann, ben, cat = named_signers()
    team_a, team_b = TeamFactory(name="A"), TeamFactory(name="B")
    sub_a = TeamFactory(name="A1", parent=team_a)
    r = {}
    r["new"] = make_request(manager, team_a, [ann, ben], age=1, title="New")
    r["late"] = make_request(manager, sub_a, [ann], age=10, due_in=-3, title="Late")
    r["old"] = make_request(manager, team_b, [ben, cat], age=40, due_in=-1, title="Old")
    sign(r["old"], ben, at=days_ago(39))
    r["ok"] = make_request(manager, team_a, [ann], age=20, title="Ok")
    sign(r["ok"], ann, at=days_ago(5))
    r["ok_b"] = make_request(manager, team_b, [cat, ben], age=12, title="OkB")
    sign(r["ok_b"], cat, at=days_ago(9))
    sign(r["ok_b"], ben, at=days_ago(8))  # approved 4 days after the request
    r["long_ago"] = make_request(manager, team_b, [cat], age=60, title="Ancient")
    sign(r["long_ago"], cat, at=days_ago(50))
    r["rejected"] = make_request(manager, team_a, [ben], age=3, title="No")
    sign(r["rejected"], ben, "rejected", at=days_ago(2))
    return (ann, ben, cat), (team_a, team_b), r


def histogram(chart):
    (trace,) = chart.figure.data
    return dict(zip(trace.x, trace.y, strict=True))


def expected_histogram(ages):
    result = {label: 0 for label, _, _ in AGE_BUCKETS}
    for age in ages:
        for label, low, high in AGE_BUCKETS:
            if low <= age and (high is None or age <= high):
                result[label] += 1
    return result


def test_manager_sees_every_open_request_by_age(world, manager):
    *_, r = world
    chart = signoffs(filters=filters(), viewer=manager)
    assert histogram(chart) == expected_histogram([1, 10, 40])
    assert {
        row["request_id"]: (row["age_days"], row["status"]) for row in chart.rows
    } == {
        r["new"].pk: (1, "open"),
        r["late"].pk: (10, "overdue"),
        r["old"].pk: (40, "overdue"),
    }
    assert list(chart.columns) == ["request_id", "document", "age_days", "status"]


def test_caption_gives_the_median_days_to_approval_in_the_range(world, manager):
    chart = signoffs(filters=filters(start_days=30), viewer=manager)
    median = statistics.median([20 - 5, 12 - 8])
    assert f"{median:.1f} days (2 approved)" in chart.caption
    chart = signoffs(filters=filters(start_days=60), viewer=manager)
    median = statistics.median([15, 4, 10])
    assert f"{median:.1f} days (3 approved)" in chart.caption
    narrow = DashboardFilters(None, TODAY - dt.timedelta(days=2), TODAY)
    assert "none approved" in signoffs(filters=narrow, viewer=manager).caption


def test_overdue_list_says_who_is_waiting_and_links_the_signoff_page(world, manager):
    (ann, _ben, cat), _, r = world
    ((heading, items),) = signoffs(filters=filters(), viewer=manager).lists
    assert heading == "Overdue"
    assert [url for _, url in items] == [
        reverse("requirements:signoff", args=[r["late"].pk]),
        reverse("requirements:signoff", args=[r["old"].pk]),
    ]
    assert items[0][0].endswith(f"waiting for {ann}")
    assert items[1][0].endswith(f"waiting for {cat}")  # Ben approved


def test_a_stakeholder_lists_everything_waiting_for_them_overdue_first(world):
    (ann, ben, _cat), _, r = world
    chart = signoffs(filters=filters(), viewer=ann)
    ((heading, items),) = chart.lists
    assert heading == "Waiting for you"
    assert [url for _, url in items] == [
        reverse("requirements:signoff", args=[r["late"].pk]),  # overdue
        reverse("requirements:signoff", args=[r["new"].pk]),
    ]
    assert items[1][0] == f"New — 1 days old; waiting for {ann}, {ben}"
    # A bar opens their inbox; a manager's the documents in review.
    assert set(chart.figure.data[0].customdata) == {reverse("requirements:inbox")}
    manager_chart = signoffs(filters=filters(), viewer=r["new"].requested_by)
    assert set(manager_chart.figure.data[0].customdata) == {
        reverse("requirements:docs") + "?state=in_review"
    }


def test_a_stakeholders_median_counts_only_requests_they_were_asked_to_sign(world):
    (ann, _ben, cat), _, _r = world
    # Ann signed "Ok" (15 days); Cat and Ben "OkB" (4 days): 60 days back.
    assert (
        "15.0 days (1 approved)"
        in signoffs(filters=filters(start_days=60), viewer=ann).caption
    )
    assert "of the requests you were asked to sign" in (
        signoffs(filters=filters(start_days=60), viewer=ann).caption
    )
    median = statistics.median([4, 10])  # OkB, and Ancient (Cat alone)
    caption = signoffs(filters=filters(start_days=60), viewer=cat).caption
    assert f"{median:.1f} days (2 approved)" in caption


def test_team_filter_keeps_the_team_and_its_sub_teams(world, manager):
    _, (team_a, team_b), r = world
    chart = signoffs(filters=filters(team_a), viewer=manager)
    assert {row["request_id"] for row in chart.rows} == {r["new"].pk, r["late"].pk}
    assert "15.0 days (1 approved)" in chart.caption
    chart = signoffs(filters=filters(team_b), viewer=manager)
    assert {row["request_id"] for row in chart.rows} == {r["old"].pk}
    assert histogram(chart) == expected_histogram([40])


def test_a_stakeholder_sees_only_the_requests_waiting_for_them(world):
    (ann, ben, cat), _, r = world
    mine = {
        ann: {r["new"].pk, r["late"].pk},
        ben: {r["new"].pk},
        cat: {r["old"].pk},
    }
    for user, expected in mine.items():
        chart = signoffs(filters=filters(), viewer=user)
        assert {row["request_id"] for row in chart.rows} == expected
        assert sum(histogram(chart).values()) == len(expected)
        assert "waiting for you" in chart.caption


def build(manager, count):
    signers = named_signers()
    team = TeamFactory()
    for index in range(count):
        request = make_request(
            manager,
            team,
            signers[:2],
            age=index % 40,
            due_in=-1 if index % 3 else None,
            title=f"S{index}",
        )
        if index % 2:
            sign(request, signers[0], at=days_ago(0))
        if index % 4 == 1:
            sign(request, signers[1], at=days_ago(0))


def test_query_count_is_the_same_at_10_and_200_requests(manager):
    counts = []
    for size in (10, 200):
        build(manager, size)
        with CaptureQueriesContext(connection) as queries:
            chart = signoffs(filters=filters(), viewer=manager)
        counts.append(len(queries))
        assert chart.rows
    assert counts[0] == counts[1]


def test_a_stakeholders_csv_holds_only_the_requests_waiting_for_them(world):
    (_ann, _ben, cat), _, r = world
    client = Client()
    client.force_login(cat)
    response = client.get(reverse("dashboard:csv", args=["signoffs"]))
    lines = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [int(line["request_id"]) for line in lines] == [r["old"].pk]
    assert lines[0]["status"] == "overdue"

"""A data scientist's own charts (allocations, goals, sign-offs they asked for),
and a check of the stakeholder's view of the sign-offs chart."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

# The page and the role matrix need every chart registered, this module's too.
import teamhub.dashboard.builders  # noqa: F401
from teamhub.dashboard.builders.mine.allocations import my_allocations
from teamhub.dashboard.builders.mine.asked import my_signoffs
from teamhub.dashboard.builders.mine.common import NO_PERSON
from teamhub.dashboard.builders.mine.goals import my_goals
from teamhub.dashboard.builders.signoffs import AGE_BUCKETS, signoffs
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models import Assignment, Board, Card, Column
from teamhub.people.models import PersonSkill
from teamhub.requirements.models import SignOff, SignOffRequest
from teamhub.requirements.services import doc_create
from teamhub.staffing.models import RequiredSkill, RoleRequirement, StaffingRequest
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    LearningGoalFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)
from tests.requirements.builders import decide, named_signers, new_version

pytestmark = pytest.mark.django_db

MINE = ("my_allocations", "my_goals", "my_signoffs")
NOW = timezone.now()
TODAY = timezone.localdate()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())
WEEKS = [MONDAY + dt.timedelta(weeks=i) for i in range(12)]
DAY = dt.timedelta(days=1)
FILTERS = DashboardFilters(None, TODAY - dt.timedelta(days=90), TODAY)


def scientist_named(username, capacity="1.00", team=None):
    user = UserFactory(
        username=username,
        first_name=username.title(),
        last_name="Sci",
        roles=["data_scientist"],
    )
    PersonFactory(user=user, team=team or TeamFactory(), capacity_fte=Decimal(capacity))
    return user


def read_csv(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def login(user):
    client = Client()
    client.force_login(user)
    return client


# -- the world --------------------------------------------------------------------


@pytest.fixture
def world():
    team = TeamFactory(name="ML")
    ada = scientist_named("ada", "0.80", team)
    bob = scientist_named("bob", "1.00", team)
    carded = InitiativeFactory(key="ML-1", title="Churn", team=team)
    bare = InitiativeFactory(key="ML-2", title="Search", team=team)
    other = InitiativeFactory(key="ML-3", title="Vision", team=team)
    board = Board.objects.create(name="B")
    column = Column.objects.create(board=board, name="Idea", position=0)
    card = Card.objects.create(board=board, column=column, initiative=carded, rank="m")
    # user, initiative, allocation, start, end, status
    assignments = [
        (ada, carded, 50, MONDAY - dt.timedelta(days=30), None, "confirmed"),
        (ada, bare, 40, WEEKS[2], WEEKS[4] + 6 * DAY, "proposed"),
        (ada, bare, 30, WEEKS[3] + 2 * DAY, WEEKS[5] + DAY, "confirmed"),
        (ada, carded, 100, MONDAY - dt.timedelta(days=60), None, "finished"),
        (ada, carded, 20, MONDAY - dt.timedelta(days=60), MONDAY - DAY, "confirmed"),
        (ada, other, 10, WEEKS[11] + 7 * DAY, None, "confirmed"),  # after week 12
        (bob, carded, 90, MONDAY - dt.timedelta(days=10), None, "confirmed"),
        (bob, other, 20, WEEKS[1], WEEKS[2], "proposed"),  # 90 + 10: full
    ]
    for user, initiative, allocation, start, end, status in assignments:
        AssignmentFactory(
            person=user.person,
            initiative=initiative,
            allocation=allocation,
            start=start,
            end=end,
            status=status,
        )
    return {
        "ada": ada,
        "bob": bob,
        "carded": carded,
        "bare": bare,
        "other": other,
        "card": card,
        "assignments": assignments,
    }


def expected_weekly(assignments, user):
    """(initiative key, status) -> busiest day of each week, day by day."""
    out = {}
    for key in {(a[1].key, a[5]) for a in assignments if a[0] == user}:
        if key[1] == "finished":
            continue
        weekly = []
        for monday in WEEKS:
            busiest = 0
            for offset in range(7):
                day = monday + offset * DAY
                halves = sum(
                    (2 if status == "confirmed" else 1) * allocation
                    for who, initiative, allocation, start, end, status in assignments
                    if who == user
                    and (initiative.key, status) == key
                    and start <= day
                    and (end is None or day <= end)
                )
                busiest = max(busiest, (halves + 1) // 2)
            weekly.append(busiest)
        if any(weekly):
            out[key] = weekly
    return out


def expected_total(assignments, user):
    totals = []
    for monday in WEEKS:
        busiest = 0
        for offset in range(7):
            day = monday + offset * DAY
            halves = sum(
                (2 if status == "confirmed" else 1) * allocation
                for who, _i, allocation, start, end, status in assignments
                if who == user
                and status != "finished"
                and start <= day
                and (end is None or day <= end)
            )
            busiest = max(busiest, (halves + 1) // 2)
        totals.append(busiest)
    return totals


def bars(chart):
    """(initiative key, status) -> y values, from the figure's bar traces."""
    out = {}
    for trace in chart.figure.data:
        if trace.type == "bar":
            key, status = trace.name.split(" ")
            out[(key, status.strip("()"))] = list(trace.y)
    return out


# -- my allocations ---------------------------------------------------------------


def test_my_charts_are_registered_for_data_scientists():
    assert [(CHARTS[k].order, CHARTS[k].roles) for k in MINE] == [
        (110, ("data_scientist",)),
        (120, ("data_scientist",)),
        (130, ("data_scientist",)),
    ]
    assert {CHARTS[k].title for k in MINE} == {
        "My allocations",
        "My learning goals",
        "Sign-offs I asked for",
    }


def test_my_allocations_stack_my_bookings_per_week(world):
    ada = world["ada"]
    chart = my_allocations(filters=FILTERS, viewer=ada)
    expected = expected_weekly(world["assignments"], ada)
    assert bars(chart) == expected
    assert set(expected) == {
        ("ML-1", "confirmed"),
        ("ML-2", "confirmed"),
        ("ML-2", "proposed"),
    }
    # Hand-checked: ML-2 proposed 40 % counts 20 in weeks 3-5.
    assert expected[("ML-2", "proposed")] == [0, 0, 20, 20, 20] + [0] * 7
    week_axis = [monday.isoformat() for monday in WEEKS]
    for trace in chart.figure.data:
        assert list(trace.x) == week_axis
    [line] = [t for t in chart.figure.data if t.type == "scatter"]
    assert list(line.y) == [80] * 12
    # Proposed bars are hatched, confirmed solid.
    shapes = {
        t.name: t.marker.pattern.shape for t in chart.figure.data if t.type == "bar"
    }
    assert shapes == {
        "ML-1 (confirmed)": "",
        "ML-2 (confirmed)": "",
        "ML-2 (proposed)": "/",
    }


def test_a_click_opens_the_initiatives_card(world):
    chart = my_allocations(filters=FILTERS, viewer=world["ada"])
    urls = {t.name: set(t.customdata) for t in chart.figure.data if t.type == "bar"}
    card = reverse("initiatives:card", args=[world["card"].pk])
    assert urls == {
        "ML-1 (confirmed)": {card},
        "ML-2 (confirmed)": {reverse("initiatives:boards")},  # not on a board
        "ML-2 (proposed)": {reverse("initiatives:boards")},
    }
    assert login(world["ada"]).get(card).status_code == 200


def test_weeks_over_capacity_are_listed(world):
    ada = world["ada"]
    chart = my_allocations(filters=FILTERS, viewer=ada)
    totals = expected_total(world["assignments"], ada)
    over = [(w, t) for w, t in zip(WEEKS, totals, strict=True) if t > 80]
    assert len(over) == 2  # weeks 4 and 5: 50 + 20 + 30; week 6 is exactly 80
    [(heading, items)] = chart.lists
    assert heading == "Weeks over your capacity (2)"
    profile = reverse("people:profile", args=[ada.person.pk])
    assert items == [
        (
            f"Week of {week:%d %b}: {total}% booked, {100 * total / 80:.0f}% of "
            "your capacity",
            profile,
        )
        for week, total in over
    ]


def test_no_list_when_never_over_capacity(world):
    chart = my_allocations(filters=FILTERS, viewer=world["bob"])
    assert chart.lists == []
    assert bars(chart) == expected_weekly(world["assignments"], world["bob"])


def test_without_capacity_every_booked_week_is_over_it():
    zoe = scientist_named("zoe", "0.00")
    AssignmentFactory(
        person=zoe.person, allocation=30, start=WEEKS[10], end=None, status="confirmed"
    )
    chart = my_allocations(filters=FILTERS, viewer=zoe)
    [(heading, items)] = chart.lists
    assert heading == "Weeks over your capacity (2)"
    assert [text for text, _url in items] == [
        f"Week of {week:%d %b}: 30% booked, and you have no capacity set"
        for week in WEEKS[10:]
    ]


def test_allocation_csv_holds_the_non_zero_cells(world):
    ada = world["ada"]
    lines = read_csv(login(ada).get(reverse("dashboard:csv", args=["my_allocations"])))
    expected = expected_weekly(world["assignments"], ada)
    assert sorted(
        (line["week"], line["initiative"], line["status"], int(line["allocation"]))
        for line in lines
    ) == sorted(
        (WEEKS[i].isoformat(), key, status, value)
        for (key, status), weekly in expected.items()
        for i, value in enumerate(weekly)
        if value
    )
    assert {line["capacity"] for line in lines} == {"80"}


def test_allocations_ignore_the_team_and_date_filters(world):
    ada = world["ada"]
    elsewhere = TeamFactory(name="Elsewhere")
    narrow = DashboardFilters(
        elsewhere.pk, TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=300)
    )
    assert bars(my_allocations(filters=narrow, viewer=ada)) == bars(
        my_allocations(filters=FILTERS, viewer=ada)
    )
    assert (
        "next 12 weeks from today"
        in my_allocations(filters=FILTERS, viewer=ada).caption
    )


def test_a_viewer_without_a_person_gets_an_empty_chart_saying_so():
    nobody = UserFactory(roles=["data_scientist"])
    for build in (my_allocations, my_goals, my_signoffs):
        chart = build(filters=FILTERS, viewer=nobody)
        if build is my_signoffs:  # asking for sign-offs needs no person
            assert list(chart.rows) == [] and list(chart.figure.data) == []
            continue
        assert chart.caption == NO_PERSON
        assert list(chart.figure.data) == []
        assert list(chart.rows) == []


# -- my goals ---------------------------------------------------------------------


@pytest.fixture
def goals(world):
    ada, bob = world["ada"], world["bob"]
    torch, spark, nlp = (SkillFactory(name=n) for n in ("PyTorch", "Spark", "NLP"))
    PersonSkillFactory(person=ada.person, skill=torch, level=2)
    PersonSkillFactory(person=bob.person, skill=spark, level=4)  # bob's, not ada's
    LearningGoalFactory(person=ada.person, skill=torch, target_level=4)
    LearningGoalFactory(person=ada.person, skill=spark, target_level=3)
    LearningGoalFactory(person=bob.person, skill=nlp, target_level=5)

    def request(initiative, status, *needs):
        staffing = StaffingRequest.objects.create(initiative=initiative, status=status)
        role = RoleRequirement.objects.create(
            request=staffing,
            role="ML engineer",
            allocation=50,
            start=TODAY,
            end=TODAY + dt.timedelta(days=90),
        )
        for skill, level, importance in needs:
            RequiredSkill.objects.create(
                role=role, skill=skill, min_level=level, importance=importance
            )
        return staffing

    r1 = request(world["carded"], "open", (torch, 3, "must"), (spark, 2, "nice"))
    r2 = request(world["bare"], "open", (spark, 3, "must"))
    request(world["carded"], "closed", (torch, 3, "must"))
    request(world["other"], "open", (nlp, 4, "must"))  # bob's goal only
    return {"skills": (torch, spark, nlp), "requests": (r1, r2)}


def test_my_goals_show_level_now_against_target(world, goals):
    ada = world["ada"]
    chart = my_goals(filters=FILTERS, viewer=ada)
    level, target = chart.figure.data
    expected = {
        goal.skill.name: (
            PersonSkill.objects.filter(person=ada.person, skill=goal.skill)
            .values_list("level", flat=True)
            .first()
            or 0,
            goal.target_level,
        )
        for goal in ada.person.learning_goals.all()
    }
    assert expected == {"PyTorch": (2, 4), "Spark": (0, 3)}
    assert dict(zip(level.y, level.x, strict=True)) == {
        k: v[0] for k, v in expected.items()
    }
    assert dict(zip(target.y, target.x, strict=True)) == {
        k: v[1] for k, v in expected.items()
    }
    counts = {
        skill.name: RequiredSkill.objects.filter(
            skill=skill, role__request__status="open"
        )
        .values("role__request")
        .distinct()
        .count()
        for skill in goals["skills"][:2]
    }
    assert counts == {"PyTorch": 1, "Spark": 2}
    assert [
        (r["skill"], r["current_level"], r["target_level"], r["open_requests"])
        for r in chart.rows
    ] == [(skill, *expected[skill], counts[skill]) for skill in ("PyTorch", "Spark")]
    torch = goals["skills"][0]
    assert level.customdata[0] == reverse("people:skill", args=[torch.pk])


def test_open_requests_for_my_goals_link_to_the_initiative(world, goals):
    ada = world["ada"]
    chart = my_goals(filters=FILTERS, viewer=ada)
    [(heading, items)] = chart.lists
    assert heading == "Open staffing requests needing your goals"
    card = reverse("initiatives:card", args=[world["card"].pk])
    boards = reverse("initiatives:boards")
    assert items == [
        (
            "PyTorch (2 → 4): ML-1 Churn, ML engineer at level 3 (must have)",
            card,
        ),
        (
            "Spark (not held → 3): ML-1 Churn, ML engineer at level 2 (nice to have)",
            card,
        ),
        (
            "Spark (not held → 3): ML-2 Search, ML engineer at level 3 (must have)",
            boards,
        ),
    ]
    # Why not the staffing request's page: a data scientist may not open it.
    client = login(ada)
    r1 = goals["requests"][0]
    assert client.get(reverse("staffing:request", args=[r1.pk])).status_code == 403
    assert client.get(card).status_code == 200


def test_goals_csv_and_another_scientists_goals(world, goals):
    lines = read_csv(
        login(world["bob"]).get(reverse("dashboard:csv", args=["my_goals"]))
    )
    assert [
        (x["skill"], x["current_level"], x["target_level"], x["open_requests"])
        for x in lines
    ] == [("NLP", "0", "5", "1")]
    chart = my_goals(filters=FILTERS, viewer=world["bob"])
    assert [item for _heading, items in chart.lists for item in items] == [
        (
            "NLP (not held → 5): ML-3 Vision, ML engineer at level 4 (must have)",
            reverse("initiatives:boards"),
        )
    ]


def test_no_goals_says_what_to_do():
    ada = scientist_named("ada")
    chart = my_goals(filters=FILTERS, viewer=ada)
    assert chart.caption.startswith("You have no learning goals yet")
    assert list(chart.rows) == [] and chart.lists == []


# -- sign-offs I asked for --------------------------------------------------------


def make_request(author, initiative, signers, *, age, title, due_in=None):
    doc = doc_create(actor=author, initiative=initiative, title=title)
    due = TODAY + dt.timedelta(days=due_in) if due_in is not None else None
    from teamhub.requirements.services_signoff import signoff_request_create

    request = signoff_request_create(
        actor=author, doc=doc, stakeholders=signers, due=due
    )
    SignOffRequest.objects.filter(pk=request.pk).update(
        created=NOW - dt.timedelta(days=age)
    )
    request.refresh_from_db()
    return request


@pytest.fixture
def asked(world, manager):
    ada, bob = world["ada"], world["bob"]
    carded, bare = world["carded"], world["bare"]
    ann, ben, cat = named_signers()
    r = {}
    r["new"] = make_request(ada, carded, [ann, ben], age=1, title="New")
    r["part"] = make_request(ada, carded, [ann, ben], age=10, title="Part", due_in=-2)
    decide(r["part"], ann)
    r["rej"] = make_request(ada, bare, [cat], age=5, title="Rej")
    decide(r["rej"], cat, "rejected", comment="No.")
    r["ok"] = make_request(ada, bare, [ben], age=20, title="Ok")
    decide(r["ok"], ben)
    r["old"] = make_request(ada, carded, [cat], age=120, title="Old")
    r["stale"] = make_request(ada, carded, [ann], age=3, title="Stale")
    decide(r["stale"], ann)
    new_version(ada, r["stale"].doc)  # Ann approved the version before
    r["boss"] = make_request(manager, carded, [ann], age=2, title="Boss's")
    r["bob"] = make_request(bob, carded, [cat, ben], age=4, title="Bob's")
    return (ann, ben, cat), r


def bucket_of(age):
    for label, low, high in AGE_BUCKETS:
        if low <= age and (high is None or age <= high):
            return label
    raise AssertionError(age)


def stacked(chart):
    """(state label, age bucket) -> count, from the figure (zeros left out)."""
    return {
        (x, trace.name): y
        for trace in chart.figure.data
        for x, y in zip(trace.x, trace.y, strict=True)
        if y
    }


def test_my_signoffs_count_by_state_and_age(world, asked):
    _, r = asked
    chart = my_signoffs(filters=FILTERS, viewer=world["ada"])
    mine_in_range = {
        "In review": [1, 10, 3],
        "Changes requested": [5],
        "Approved": [20],
    }
    expected: dict[tuple[str, str], int] = {}
    for state, ages in mine_in_range.items():
        for age in ages:
            key = (state, bucket_of(age))
            expected[key] = expected.get(key, 0) + 1
    assert stacked(chart) == expected
    assert {row["request_id"]: row["state"] for row in chart.rows} == {
        r["new"].pk: "in_review",
        r["part"].pk: "in_review",
        r["stale"].pk: "in_review",
        r["rej"].pk: "changes_requested",
        r["ok"].pk: "approved",
    }
    docs = reverse("requirements:docs")
    [review] = [t for t in chart.figure.data if t.name == bucket_of(1)]
    assert review.customdata[0] == f"{docs}?state=in_review&mine=on"


def test_the_date_range_narrows_the_counts_not_the_open_list(world, asked):
    (ann, ben, cat), r = asked
    narrow = DashboardFilters(None, TODAY - dt.timedelta(days=4), TODAY)
    chart = my_signoffs(filters=narrow, viewer=world["ada"])
    assert stacked(chart) == {
        ("In review", bucket_of(1)): 1,
        ("In review", bucket_of(3)): 1,
    }
    assert {row["request_id"] for row in chart.rows} == {r["new"].pk, r["stale"].pk}
    (waiting_heading, waiting), (changes_heading, changes) = chart.lists
    assert waiting_heading == "Waiting for answers (4)"
    doc = lambda key: reverse("requirements:doc", args=[r[key].doc_id])  # noqa: E731
    overdue = f"{TODAY - dt.timedelta(days=2):%d %b %Y}"
    assert waiting == [
        (f"ML-1 New — asked 1 day ago; waiting for {ann}, {ben}", doc("new")),
        (f"ML-1 Stale — asked 3 days ago; waiting for {ann}", doc("stale")),
        (
            f"ML-1 Part — asked 10 days ago, overdue since {overdue}; "
            f"waiting for {ben}",
            doc("part"),
        ),
        (f"ML-1 Old — asked 120 days ago; waiting for {cat}", doc("old")),
    ]
    assert changes_heading == "Changes requested (1)"
    assert changes == [(f"ML-2 Rej — changes asked by {cat}", doc("rej"))]
    assert login(world["ada"]).get(doc("part")).status_code == 200


def test_signoff_csv_and_another_scientists_requests(world, asked):
    (_ann, ben, cat), r = asked
    lines = read_csv(
        login(world["ada"]).get(reverse("dashboard:csv", args=["my_signoffs"]))
    )
    assert {int(x["request_id"]) for x in lines} == {
        r[k].pk for k in ("new", "part", "rej", "ok", "stale")
    }
    part = next(x for x in lines if int(x["request_id"]) == r["part"].pk)
    assert (part["waiting_for"], part["age_days"], part["state"]) == (
        str(ben),
        "10",
        "in_review",
    )
    bobs = my_signoffs(filters=FILTERS, viewer=world["bob"])
    assert [(row["request_id"], row["waiting_for"]) for row in bobs.rows] == [
        (r["bob"].pk, "; ".join(sorted([str(ben), str(cat)])))
    ]


# -- the stakeholder's view (signoffs.py) -----------------------------------------


def waiting_for(user):
    """Requests in review with ``user`` still to answer, worked out by hand."""
    ids = set()
    for request in SignOffRequest.objects.all():
        latest = {}
        for signoff in SignOff.objects.filter(request=request).order_by(
            "signed_at", "id"
        ):
            latest[signoff.stakeholder_id] = signoff
        standing = {}
        for pk in request.stakeholders.values_list("pk", flat=True):
            last = latest.get(pk)
            if last is None or last.decision == "revoked":
                standing[pk] = "waiting"
            elif last.decision == "rejected":
                standing[pk] = "rejected"
            else:
                standing[pk] = (
                    "approved" if last.version_id == request.version_id else "stale"
                )
        in_review = "rejected" not in standing.values() and not all(
            s == "approved" for s in standing.values()
        )
        if in_review and standing.get(user.pk) in ("waiting", "stale"):
            ids.add(request.pk)
    return ids


def test_a_stakeholder_sees_exactly_the_requests_waiting_for_them(asked):
    (ann, ben, cat), r = asked
    expected = {
        ann: {r["new"].pk, r["stale"].pk, r["boss"].pk},
        ben: {r["new"].pk, r["part"].pk, r["bob"].pk},
        cat: {r["old"].pk, r["bob"].pk},
    }
    for user, ids in expected.items():
        assert waiting_for(user) == ids
        chart = signoffs(filters=FILTERS, viewer=user)
        assert {row["request_id"] for row in chart.rows} == ids, user
        assert sum(sum(t.y) for t in chart.figure.data) == len(ids)
        lines = read_csv(login(user).get(reverse("dashboard:csv", args=["signoffs"])))
        assert {int(x["request_id"]) for x in lines} == ids


def test_a_scientist_asked_to_sign_sees_it_waiting_for_them(world, asked):
    (ann, _, _), r = asked
    ada, bob = world["ada"], world["bob"]
    mine = make_request(ada, world["bare"], [bob, ann], age=6, title="Mine")

    response = login(bob).get(reverse("dashboard:index"))

    built = {chart.key: chart for chart in response.context["charts"]}
    waiting = built["signoffs"]
    assert waiting.title == "Sign-offs waiting for you"
    assert [row["request_id"] for row in waiting.rows] == [mine.pk]
    # What Bob asked others to sign stays in his own chart.
    assert [row["request_id"] for row in built["my_signoffs"].rows] == [r["bob"].pk]
    # Ada, who asked, has nothing waiting for her: no bars, the empty state.
    html = login(ada).get(reverse("dashboard:index")).content.decode()
    section = html.split('data-chart="signoffs"')[1].split("</section>")[0]
    assert 'data-testid="empty">Nothing is waiting for your sign-off.' in section
    assert "Waiting for you" in section
    assert signoffs(filters=FILTERS, viewer=ada).rows == []


# -- who sees what ----------------------------------------------------------------


def test_a_scientist_gets_403_on_every_managers_chart_csv(client_as):
    client = client_as("data_scientist")
    others = [k for k, spec in CHARTS.items() if "data_scientist" not in spec.roles]
    assert {"capacity", "pipeline", "outcomes", "activity"} <= set(others)
    for key in others:
        assert client.get(reverse("dashboard:csv", args=[key])).status_code == 403, key


def test_a_scientists_page_shows_their_own_charts_only(world, goals):
    response = login(world["ada"]).get(reverse("dashboard:index"))
    assert response.status_code == 200
    keys = [built.key for built in response.context["charts"]]
    assert set(MINE) <= set(keys)
    assert all("data_scientist" in CHARTS[key].roles for key in keys)
    assert (
        keys.index("my_allocations")
        < keys.index("my_goals")
        < keys.index("my_signoffs")
    )


def test_an_admin_without_a_person_sees_my_charts_empty(client_as):
    response = client_as("admin").get(reverse("dashboard:index"))
    assert response.status_code == 200
    mine = {b.key: b for b in response.context["charts"] if b.key in MINE}
    assert set(mine) == set(MINE)
    assert mine["my_allocations"].caption == NO_PERSON
    assert mine["my_goals"].empty and mine["my_allocations"].empty
    assert NO_PERSON in response.content.decode()


# -- queries ----------------------------------------------------------------------


def grow(n, initiative, skill, mine_too):
    """``n`` more people with bookings and goals; the viewer gets n // 10 more
    bookings, goals and sign-off requests of their own."""
    team = TeamFactory(name="Grown")
    for i in range(n):
        person = PersonFactory(team=team)
        AssignmentFactory(person=person, initiative=initiative, allocation=10 + i % 50)
        LearningGoalFactory(person=person, skill=skill)
    ada = mine_too
    stakeholder = UserFactory(roles=["stakeholder"])
    for i in range(n // 10):
        AssignmentFactory(
            person=ada.person,
            initiative=initiative,
            allocation=5,
            start=TODAY - dt.timedelta(days=i),
            status=Assignment.Status.PROPOSED if i % 2 else Assignment.Status.CONFIRMED,
        )
        LearningGoalFactory(person=ada.person, skill=SkillFactory(), target_level=4)
        request = make_request(
            ada, initiative, [stakeholder], age=i % 30, title=f"D{i}-{n}"
        )
        if i % 3 == 0:
            decide(request, stakeholder)


def test_query_counts_are_the_same_at_10_and_200_people(world, goals):
    ada = world["ada"]
    counts = []
    for size in (10, 190):
        grow(size, world["carded"], goals["skills"][0], ada)
        queries = {}
        for build in (my_allocations, my_goals, my_signoffs):
            with CaptureQueriesContext(connection) as captured:
                chart = build(filters=FILTERS, viewer=ada)
            queries[build.__name__] = len(captured)
            assert chart.rows
        counts.append(queries)
    assert counts[0] == counts[1]
    assert counts[0]["my_allocations"] <= 2 and counts[0]["my_goals"] <= 3

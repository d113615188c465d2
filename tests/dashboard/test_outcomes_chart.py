"""The outcomes chart: success rate per team (the level of the team tree below
the filter) and quarter, learning goals list."""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.dashboard.builders.outcomes import outcomes
from teamhub.dashboard.charts import CHARTS, DashboardFilters
from teamhub.initiatives.models.initiatives import Outcome
from teamhub.staffing.models import RequiredSkill, RoleRequirement, StaffingRequest
from tests.factories import (
    InitiativeFactory,
    LearningGoalFactory,
    PersonFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FILTERS = DashboardFilters(
    team_id=None, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
)
WEIGHT = {"success": 1.0, "partial": 0.5, "failed": 0.0}


def figure_rates(chart):
    """(team, quarter start) -> success rate, read back from the figure."""
    rates = {}
    for trace in chart.figure.data:
        for x, y in zip(trace.x, trace.y, strict=True):
            rates[(trace.name, dt.date.fromisoformat(str(x)[:10]))] = y
    return rates


@pytest.fixture
def org():
    parent = TeamFactory(name="ML")
    child = TeamFactory(name="NLP", parent=parent)
    other = TeamFactory(name="Vision")
    spec = [
        (parent, dt.date(2026, 2, 10), Outcome.SUCCESS),
        (parent, dt.date(2026, 3, 31), Outcome.PARTIAL),
        (parent, dt.date(2026, 3, 1), Outcome.FAILED),
        (parent, dt.date(2026, 3, 2), Outcome.CANCELLED),  # left out
        (parent, dt.date(2026, 5, 5), Outcome.SUCCESS),
        (child, dt.date(2026, 4, 1), Outcome.FAILED),
        (child, dt.date(2026, 6, 30), Outcome.PARTIAL),
        (child, dt.date(2026, 8, 15), Outcome.SUCCESS),
        (child, dt.date(2026, 9, 1), None),  # not finished
        (other, dt.date(2026, 1, 20), Outcome.PARTIAL),
        (other, dt.date(2026, 11, 11), Outcome.FAILED),
        (other, dt.date(2025, 12, 31), Outcome.SUCCESS),  # before the range
        (other, dt.date(2027, 1, 1), Outcome.SUCCESS),  # after the range
        (other, None, Outcome.SUCCESS),  # no target date
    ]
    initiatives = [
        InitiativeFactory(team=team, start=None, target_date=target, outcome=outcome)
        for team, target, outcome in spec
    ]
    return parent, child, other, initiatives


def quarter_of(day):
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def expected(initiatives, filters, row_of=None):
    """(row name, quarter start) -> success rate over the row's initiatives, all
    pooled. ``row_of`` maps each team counted to its row's name; without it
    every team is its own row."""
    scores = defaultdict(list)
    for i in initiatives:
        if (
            i.outcome in WEIGHT
            and i.target_date
            and filters.start <= i.target_date <= filters.end
            and (row_of is None or i.team_id in row_of)
        ):
            name = i.team.name if row_of is None else row_of[i.team_id]
            scores[(name, quarter_of(i.target_date))].append(WEIGHT[i.outcome])
    return {key: sum(values) / len(values) for key, values in scores.items()}


def unfiltered_rows(org):
    """Without a filter the top teams are the rows: NLP counts in ML."""
    parent, child, other, _ = org
    return {parent.pk: "ML", child.pk: "ML", other.pk: "Vision"}


def test_outcomes_is_registered_for_managers():
    spec = CHARTS["outcomes"]
    assert (spec.order, spec.roles) == (70, ("manager",))


def test_flat_teams_are_each_their_own_line(manager):
    """Teams with no parent and no sub-teams: one line per team, as before."""
    vision, audio = TeamFactory(name="Vision"), TeamFactory(name="Audio")
    initiatives = [
        InitiativeFactory(team=team, start=None, target_date=day, outcome=outcome)
        for team, day, outcome in [
            (vision, dt.date(2026, 1, 5), Outcome.SUCCESS),
            (vision, dt.date(2026, 2, 5), Outcome.PARTIAL),
            (audio, dt.date(2026, 2, 5), Outcome.FAILED),
            (audio, dt.date(2026, 7, 5), Outcome.SUCCESS),
        ]
    ]
    chart = outcomes(filters=FILTERS, viewer=manager)
    assert figure_rates(chart) == pytest.approx(expected(initiatives, FILTERS))
    assert [trace.name for trace in chart.figure.data] == ["Audio", "Vision"]


def test_figure_rates_equal_independently_computed_rates(org, manager):
    *_, initiatives = org
    chart = outcomes(filters=FILTERS, viewer=manager)
    rates = expected(initiatives, FILTERS, unfiltered_rows(org))
    assert figure_rates(chart) == pytest.approx(rates)
    assert rates[("ML", dt.date(2026, 1, 1))] == pytest.approx(0.5)  # (1+.5+0)/3
    # Q2: ML's success, NLP's failure and partial, pooled: (1+0+.5)/3.
    assert rates[("ML", dt.date(2026, 4, 1))] == pytest.approx(0.5)
    assert [trace.name for trace in chart.figure.data] == ["ML", "Vision"]
    assert chart.columns == ("quarter", "team", "initiatives", "success_rate")
    assert chart.rows[0] == {
        "quarter": "2026-01-01",
        "team": "ML",
        "initiatives": 3,
        "success_rate": 0.5,
    }
    assert sum(row["initiatives"] for row in chart.rows) == 9
    assert "partial" in chart.caption


def test_team_filter_shows_the_team_and_each_sub_team(org, manager):
    parent, child, other, initiatives = org
    filters = DashboardFilters(parent.pk, FILTERS.start, FILTERS.end)
    chart = outcomes(filters=filters, viewer=manager)
    assert figure_rates(chart) == pytest.approx(
        expected(initiatives, filters, {parent.pk: "ML (own members)", child.pk: "NLP"})
    )
    assert [trace.name for trace in chart.figure.data] == ["ML (own members)", "NLP"]
    filters = DashboardFilters(other.pk, FILTERS.start, FILTERS.end)
    rates = figure_rates(outcomes(filters=filters, viewer=manager))
    assert rates == pytest.approx(expected(initiatives, filters, {other.pk: "Vision"}))
    assert set(rates) == {
        ("Vision", dt.date(2026, 1, 1)),
        ("Vision", dt.date(2026, 10, 1)),
    }
    filters = DashboardFilters(10**9, FILTERS.start, FILTERS.end)  # no such team
    assert outcomes(filters=filters, viewer=manager).rows == []


def test_a_tree_pools_each_departments_teams_into_one_line(manager):
    """A top team, two departments, one with two teams below it: each line's
    rate pools the initiatives of its whole sub-tree (not an average of its
    teams' rates), with and without a team filter."""
    top = TeamFactory(name="Data & AI")
    own_team = manager.person.team  # would be a second top team
    manager.person.team = top
    manager.person.save()
    own_team.delete()
    fraud = TeamFactory(name="Fraud", parent=top)
    payments = TeamFactory(name="Fraud · Payments", parent=fraud)
    identity = TeamFactory(name="Fraud · Identity", parent=fraud)
    nlp = TeamFactory(name="NLP", parent=top)
    q1 = dt.date(2026, 2, 1)
    spec = [
        (top, Outcome.SUCCESS),
        (fraud, Outcome.FAILED),
        (payments, Outcome.SUCCESS),
        (payments, Outcome.SUCCESS),
        (payments, Outcome.SUCCESS),
        (identity, Outcome.FAILED),
        (nlp, Outcome.PARTIAL),
        (nlp, Outcome.FAILED),
    ]
    for team, outcome in spec:
        InitiativeFactory(team=team, start=None, target_date=q1, outcome=outcome)
    quarter = dt.date(2026, 1, 1)

    rates = figure_rates(outcomes(filters=FILTERS, viewer=manager))
    # Fraud: 3 successes of 5 initiatives (averaging its teams' rates, 0, 1
    # and 0, would give 1/3).
    assert rates == pytest.approx(
        {
            ("Data & AI (own members)", quarter): 1.0,
            ("Fraud", quarter): 3 / 5,
            ("NLP", quarter): 0.5 / 2,
        }
    )
    chart = outcomes(filters=FILTERS, viewer=manager)
    fraud_row = next(row for row in chart.rows if row["team"] == "Fraud")
    assert fraud_row["initiatives"] == 5
    assert [trace.name for trace in chart.figure.data] == [
        "Data & AI (own members)",
        "Fraud",
        "NLP",
    ]

    filters = DashboardFilters(fraud.pk, FILTERS.start, FILTERS.end)
    chart = outcomes(filters=filters, viewer=manager)
    assert figure_rates(chart) == pytest.approx(
        {
            ("Fraud (own members)", quarter): 0.0,
            ("Fraud · Identity", quarter): 0.0,
            ("Fraud · Payments", quarter): 1.0,
        }
    )
    assert [row["initiatives"] for row in chart.rows] == [1, 1, 3]


def test_date_filter_changes_the_data(org, manager):
    *_, initiatives = org
    filters = DashboardFilters(None, dt.date(2025, 10, 1), dt.date(2026, 3, 15))
    rates = figure_rates(outcomes(filters=filters, viewer=manager))
    assert rates == pytest.approx(expected(initiatives, filters, unfiltered_rows(org)))
    # The 31 March partial falls outside; December 2025 now counts.
    assert rates[("ML", dt.date(2026, 1, 1))] == pytest.approx(0.5)  # (1+0)/2
    assert rates[("Vision", dt.date(2025, 10, 1))] == 1.0


def open_request(initiative, skills, status=StaffingRequest.Status.OPEN):
    request = StaffingRequest.objects.create(initiative=initiative, status=status)
    role = RoleRequirement.objects.create(
        request=request,
        role="ML engineer",
        allocation=50,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
    )
    for skill, importance in skills:
        RequiredSkill.objects.create(
            role=role, skill=skill, min_level=3, importance=importance
        )
    return request


def test_learning_goals_open_requests_could_satisfy(org, manager):
    parent, *_ = org
    spark, torch, sql = (SkillFactory(name=n) for n in ("Spark", "PyTorch", "SQL"))
    rec = InitiativeFactory(key="REC-4", team=parent)
    request = open_request(
        rec, [(spark, RequiredSkill.Importance.MUST), (torch, "nice")]
    )
    open_request(
        InitiativeFactory(key="OLD-1", team=parent),
        [(sql, "must")],
        status=StaffingRequest.Status.CLOSED,
    )
    ana = PersonFactory(user=UserFactory(first_name="Ana", last_name="Ruiz"))
    bo = PersonFactory(user=UserFactory(first_name="Bo", last_name="Lee"))
    gone = PersonFactory(
        active=False, user=UserFactory(first_name="Cy", last_name="Old")
    )
    LearningGoalFactory(person=ana, skill=spark, target_level=3)
    LearningGoalFactory(person=bo, skill=torch, target_level=4)  # nice to have
    LearningGoalFactory(person=bo, skill=sql, target_level=2)  # closed request
    LearningGoalFactory(person=gone, skill=spark, target_level=5)  # inactive

    chart = outcomes(filters=FILTERS, viewer=manager)
    ((heading, items),) = chart.lists
    assert heading == "Learning goals open requests could satisfy"
    url = reverse("staffing:request", args=[request.pk])
    assert items == [
        ("Bo Lee wants PyTorch 4 — asked by REC-4", url),
        ("Ana Ruiz wants Spark 3 — asked by REC-4", url),
    ]


def test_a_goal_names_the_oldest_open_request_for_its_skill(manager):
    spark = SkillFactory(name="Spark")
    open_request(  # the oldest request for the skill, but closed
        InitiativeFactory(key="OLD-1"),
        [(spark, "must")],
        status=StaffingRequest.Status.CLOSED,
    )
    first = open_request(InitiativeFactory(key="REC-1"), [(spark, "nice")])
    open_request(InitiativeFactory(key="REC-2"), [(spark, "must")])
    ana = PersonFactory(user=UserFactory(first_name="Ana", last_name="Ruiz"))
    LearningGoalFactory(person=ana, skill=spark, target_level=3)

    ((_heading, items),) = outcomes(filters=FILTERS, viewer=manager).lists
    assert items == [
        (
            "Ana Ruiz wants Spark 3 — asked by REC-1",
            reverse("staffing:request", args=[first.pk]),
        )
    ]


def test_learning_goals_list_stops_at_twenty(manager):
    skill = SkillFactory(name="Spark")
    open_request(InitiativeFactory(), [(skill, "must")])
    for _ in range(25):
        LearningGoalFactory(skill=skill)
    ((_, items),) = outcomes(filters=FILTERS, viewer=manager).lists
    assert len(items) == 20


def build(count):
    team = TeamFactory()
    outcomes_cycle = list(Outcome.values)
    skill = SkillFactory()
    open_request(InitiativeFactory(team=team), [(skill, "must")])
    for index in range(count):
        InitiativeFactory(
            team=TeamFactory(parent=team) if index % 3 == 0 else team,
            target_date=dt.date(2026, index % 12 + 1, 1),
            outcome=outcomes_cycle[index % len(outcomes_cycle)],
        )
        LearningGoalFactory(person=PersonFactory(team=team), skill=skill)
    return team


@pytest.mark.parametrize("team_filter", [False, True])
def test_query_count_is_the_same_at_10_and_200_initiatives(manager, team_filter):
    counts = []
    for size in (10, 200):
        team = build(size)
        filters = DashboardFilters(
            team.pk if team_filter else None, FILTERS.start, FILTERS.end
        )
        with CaptureQueriesContext(connection) as queries:
            outcomes(filters=filters, viewer=manager)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3

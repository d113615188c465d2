"""The rows team-by-X charts show: one level of the team tree at a time."""

import pytest

from teamhub.dashboard.teams import group_of, team_groups, teams_in_scope
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    top = TeamFactory(name="Data & AI", parent=None)
    fraud = TeamFactory(name="Fraud", parent=top)
    payments = TeamFactory(name="Fraud · Payments", parent=fraud)
    identity = TeamFactory(name="Fraud · Identity", parent=fraud)
    cards = TeamFactory(name="Payments · Cards", parent=payments)
    nlp = TeamFactory(name="NLP", parent=top)
    return top, fraud, payments, identity, cards, nlp


def rows(groups):
    return [(g.name, set(g.team_ids)) for g in groups]


def test_without_a_filter_the_rows_are_the_level_below_the_top_team(
    tree, django_assert_num_queries
):
    top, fraud, payments, identity, cards, nlp = tree
    with django_assert_num_queries(1):
        groups = team_groups(None)
    assert rows(groups) == [
        ("Data & AI (own members)", {top.pk}),
        ("Fraud", {fraud.pk, payments.pk, identity.pk, cards.pk}),
        ("NLP", {nlp.pk}),
    ]


def test_a_filter_shows_its_own_members_and_each_team_below_it(tree):
    _top, fraud, payments, identity, cards, nlp = tree
    assert rows(team_groups(fraud.pk)) == [
        ("Fraud (own members)", {fraud.pk}),
        ("Fraud · Identity", {identity.pk}),
        ("Fraud · Payments", {payments.pk, cards.pk}),
    ]
    assert rows(team_groups(nlp.pk)) == [("NLP", {nlp.pk})]
    assert team_groups(10**9) == []


def test_several_top_teams_are_each_a_row(tree):
    top, fraud, *_ = tree
    other = TeamFactory(name="Operations", parent=None)
    assert [g.name for g in team_groups(None)] == ["Data & AI", "Operations"]
    assert group_of(team_groups(None))[fraud.pk].id == top.pk
    assert group_of(team_groups(None))[other.pk].id == other.pk


def test_every_team_in_scope_falls_in_exactly_one_row(tree):
    top, fraud, *_ = tree
    for scope in (None, top.pk, fraud.pk):
        groups = team_groups(scope)
        counted = [pk for g in groups for pk in g.team_ids]
        assert len(counted) == len(set(counted))
        expected = {row.id for row in teams_in_scope(scope)}
        assert set(counted) == expected

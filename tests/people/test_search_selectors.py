"""people_matching_skills: levels, modes, free capacity, ranking and facets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teamhub.initiatives.models import Assignment
from teamhub.people.search.query import Term
from teamhub.people.search.resolve import (
    SkillRequirement,
    skill_catalog_load,
    skill_requirements,
    skills_resolve,
)
from teamhub.people.search.selectors import (
    peak_allocation,
    people_cards,
    people_matching_skills,
    search_window,
)
from tests.factories import (
    AssignmentFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

FROM = dt.date(2026, 3, 1)
TO = dt.date(2026, 3, 31)


@pytest.fixture
def pytorch():
    return SkillFactory(name="PyTorch", aliases=["torch"])


@pytest.fixture
def nlp():
    return SkillFactory(name="Natural language processing", aliases=["NLP"])


def person(name, *, team=None, capacity="1.00", **skills_and_levels):
    first, _, last = name.partition(" ")
    extra = {"team": team} if team else {}
    p = PersonFactory(
        user__first_name=first,
        user__last_name=last,
        capacity_fte=Decimal(capacity),
        **extra,
    )
    for skill, level in skills_and_levels.items():
        if isinstance(level, tuple):
            level, last_used = level
        else:
            last_used = None
        PersonSkillFactory(person=p, skill=skill, level=level, last_used=last_used)
    return p


def add_skills(p, *pairs):
    for skill, level, *rest in pairs:
        PersonSkillFactory(
            person=p, skill=skill, level=level, last_used=rest[0] if rest else None
        )
    return p


def search(q, **kw):
    kw.setdefault("available_from", FROM)
    kw.setdefault("available_to", TO)
    terms = [Term(text, level) for text, level in q]
    requirements = skill_requirements(skills_resolve(terms))
    return people_matching_skills(requirements=requirements, **kw)


def names(result):
    return [m.name for m in result.matches]


def test_alias_and_typo_terms_find_the_same_people(pytorch, nlp):
    add_skills(person("Ada Lovelace"), (pytorch, 4), (nlp, 3))
    person("Bob Nobody")
    for q in (
        [("pytorch", 4), ("nlp", 3)],
        [("torch", 4), ("natural language processing", 3)],
        [("pytorh", 4), ("NLP", 3)],
    ):
        assert names(search(q)) == ["Ada Lovelace"]


def test_min_level_excludes_people_below_it(pytorch):
    add_skills(person("Ada Lovelace"), (pytorch, 4))
    add_skills(person("Bea Beginner"), (pytorch, 3))
    assert names(search([("pytorch", 4)])) == ["Ada Lovelace"]
    assert names(search([("pytorch", 3)])) == ["Ada Lovelace", "Bea Beginner"]


def test_term_without_level_means_level_one(pytorch):
    add_skills(person("Ada Lovelace"), (pytorch, 1))
    assert names(search([("pytorch", 1)])) == ["Ada Lovelace"]


def test_inactive_people_are_not_found(pytorch):
    gone = add_skills(person("Gone Away"), (pytorch, 5))
    gone.active = False
    gone.save()
    assert search([("pytorch", 1)]).count == 0


def test_mode_all_lists_partial_matches_after_full_ones_with_what_they_miss(
    pytorch, nlp
):
    add_skills(person("Full Match"), (pytorch, 4), (nlp, 3))
    add_skills(person("Low Nlp"), (pytorch, 5), (nlp, 2))
    add_skills(person("No Nlp"), (pytorch, 5))
    add_skills(person("Neither Here"), (nlp, 1))  # meets no term: not listed
    result = search([("pytorch", 4), ("nlp", 3)])

    assert names(result) == ["Full Match", "Low Nlp", "No Nlp"]
    full, low, none = result.matches
    assert (full.full, low.full, none.full) == (True, False, False)
    assert [(h.skill_name, h.level, h.min_level) for h in low.matched] == [
        ("PyTorch", 5, 4)
    ]
    assert [(h.skill_name, h.level, h.min_level) for h in low.missing] == [
        ("Natural language processing", 2, 3)
    ]
    assert [(h.level, h.min_level) for h in none.missing] == [(None, 3)]
    assert (result.full_count, result.partial_count) == (1, 2)


def test_mode_any_counts_anyone_meeting_a_term_ranked_by_terms_met(pytorch, nlp):
    sql = SkillFactory(name="SQL")
    add_skills(person("One Term"), (sql, 5))
    add_skills(person("Two Terms"), (pytorch, 4), (nlp, 3))
    add_skills(person("Three Terms"), (pytorch, 4), (nlp, 3), (sql, 1))
    result = search([("pytorch", 4), ("nlp", 3), ("sql", 1)], mode="any")
    assert names(result) == ["Three Terms", "Two Terms", "One Term"]
    assert all(m.full for m in result.matches)
    assert [m.terms_met for m in result.matches] == [3, 2, 1]
    assert [h.skill_name for h in result.matches[2].missing] == [
        "PyTorch",
        "Natural language processing",
    ]


def test_ranking_applies_each_tie_breaker_in_turn(pytorch):
    """Each neighbour pair is decided by a later key that the earlier key beats."""
    recent, older = dt.date(2026, 2, 1), dt.date(2025, 6, 1)
    # Most levels above the minimum wins, though least recent and fully booked.
    a = add_skills(person("Zed Expert"), (pytorch, 5, dt.date(2020, 1, 1)))
    AssignmentFactory(person=a, allocation=100, start=FROM, end=TO)
    # Same excess: more recent use beats more free capacity.
    b = add_skills(person("Yan Recent"), (pytorch, 4, recent))
    AssignmentFactory(person=b, allocation=80, start=FROM, end=TO)
    add_skills(person("Xia Free"), (pytorch, 4, older))
    # Same excess and last use: more free capacity beats the name.
    d = add_skills(person("Abe Half"), (pytorch, 4, older))
    AssignmentFactory(person=d, allocation=50, start=FROM, end=TO)
    # All else equal: by name.
    e = add_skills(person("Bea Half"), (pytorch, 4, older))
    AssignmentFactory(person=e, allocation=50, start=FROM, end=TO)

    result = search([("pytorch", 4)])
    assert names(result) == [
        "Zed Expert",
        "Yan Recent",
        "Xia Free",
        "Abe Half",
        "Bea Half",
    ]
    assert [m.free_fraction for m in result.matches] == [0.0, 0.2, 1.0, 0.5, 0.5]


def test_full_match_outranks_a_partial_one_with_higher_levels(pytorch, nlp):
    add_skills(person("Partial Star"), (pytorch, 5))
    add_skills(person("Full Basic"), (pytorch, 1), (nlp, 1))
    assert names(search([("pytorch", 1), ("nlp", 1)])) == [
        "Full Basic",
        "Partial Star",
    ]


def test_free_fraction_uses_confirmed_assignments_overlapping_the_window(pytorch):
    overlapping = add_skills(person("Over Lapping"), (pytorch, 3))
    AssignmentFactory(
        person=overlapping, allocation=60, start=dt.date(2026, 2, 1), end=FROM
    )
    outside = add_skills(person("Out Side"), (pytorch, 3))
    AssignmentFactory(
        person=outside,
        allocation=60,
        start=dt.date(2026, 1, 1),
        end=FROM - dt.timedelta(days=1),
    )
    AssignmentFactory(person=outside, allocation=60, start=TO + dt.timedelta(days=1))
    proposed = add_skills(person("Pro Posed"), (pytorch, 3))
    AssignmentFactory(
        person=proposed, allocation=100, start=FROM, status=Assignment.Status.PROPOSED
    )
    finished = add_skills(person("Fin Ished"), (pytorch, 3))
    AssignmentFactory(
        person=finished, allocation=100, start=FROM, status=Assignment.Status.FINISHED
    )
    open_ended = add_skills(person("Open Ended"), (pytorch, 3))
    AssignmentFactory(person=open_ended, allocation=30, start=dt.date(2025, 1, 1))
    part_time = add_skills(person("Part Time", capacity="0.80"), (pytorch, 3))
    AssignmentFactory(person=part_time, allocation=50, start=dt.date(2026, 3, 10))
    overbooked = add_skills(person("Over Booked", capacity="0.50"), (pytorch, 3))
    AssignmentFactory(person=overbooked, allocation=80, start=FROM, end=TO)

    free = {m.name: m.free_fraction for m in search([("pytorch", 3)]).matches}
    assert free == {
        "Over Lapping": 0.4,  # ends on the window's first day: still overlaps
        "Out Side": 1.0,  # one ends the day before, one starts the day after
        "Pro Posed": 1.0,  # proposed assignments are ignored
        "Fin Ished": 1.0,
        "Open Ended": 0.7,  # no end: runs through the window
        "Part Time": 0.3,  # 0.8 capacity minus 50 %
        "Over Booked": 0.0,  # never below zero
    }


def test_free_fraction_is_capacity_minus_peak_concurrent_allocation(pytorch):
    stacked = add_skills(person("Stacked Up"), (pytorch, 3))
    AssignmentFactory(person=stacked, allocation=30, start=FROM, end=TO)
    AssignmentFactory(person=stacked, allocation=30, start=dt.date(2026, 3, 10), end=TO)
    serial = add_skills(person("Serial Worker"), (pytorch, 3))
    AssignmentFactory(
        person=serial, allocation=50, start=FROM, end=dt.date(2026, 3, 10)
    )
    AssignmentFactory(person=serial, allocation=50, start=dt.date(2026, 3, 11), end=TO)
    free = {m.name: m.free_fraction for m in search([("pytorch", 3)]).matches}
    assert free == {"Stacked Up": 0.4, "Serial Worker": 0.5}


def test_min_free_drops_people_with_less_free_capacity(pytorch):
    busy = add_skills(person("Busy Bee"), (pytorch, 3))
    AssignmentFactory(person=busy, allocation=70, start=FROM, end=TO)
    add_skills(person("Free Bird"), (pytorch, 3))
    assert names(search([("pytorch", 3)], min_free=0.5)) == ["Free Bird"]
    assert names(search([("pytorch", 3)], min_free=0.3)) == ["Free Bird", "Busy Bee"]


def test_default_window_is_today_and_the_next_thirty_days(pytorch):
    today = dt.date(2026, 5, 1)
    assert search_window(available_from=None, available_to=None, today=today) == (
        today,
        dt.date(2026, 5, 31),
    )
    p = add_skills(person("Later On"), (pytorch, 3))
    AssignmentFactory(person=p, allocation=50, start=dt.date(2026, 5, 31))
    AssignmentFactory(person=p, allocation=50, start=dt.date(2026, 6, 1))
    requirements = [SkillRequirement(pytorch.pk, "PyTorch", 3)]
    result = people_matching_skills(requirements=requirements, today=today)
    assert result.matches[0].free_fraction == 0.5


def test_window_ending_before_it_starts_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        search_window(available_from=TO, available_to=FROM)
    assert "available_to" in exc.value.message_dict


def test_peak_allocation_counts_only_overlapping_days():
    day = dt.date(2026, 1, 1)
    nxt = dt.date(2026, 1, 2)
    assert peak_allocation([]) == 0
    assert peak_allocation([(day, day, 40), (nxt, nxt, 40)]) == 40
    assert peak_allocation([(day, nxt, 40), (nxt, nxt, 40)]) == 80


def test_team_filter_keeps_team_facets_for_every_team(pytorch, nlp):
    ml, vision = TeamFactory(name="ML Platform"), TeamFactory(name="Vision")
    add_skills(person("Ann One", team=ml), (pytorch, 4), (nlp, 3))
    add_skills(person("Ben Two", team=ml), (pytorch, 5), (nlp, 1))
    add_skills(person("Cat Three", team=vision), (pytorch, 4), (nlp, 4))

    result = search([("pytorch", 4), ("nlp", 3)], team_id=vision.pk)
    assert names(result) == ["Cat Three"]
    assert [(f.team_name, f.count) for f in result.team_facets] == [
        ("ML Platform", 2),
        ("Vision", 1),
    ]
    # Level counts are over the people listed.
    levels = {f.skill_name: dict(f.counts) for f in result.level_facets}
    assert levels["PyTorch"] == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    assert levels["Natural language processing"] == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}


def test_level_facets_count_every_level_held_by_the_people_listed(pytorch, nlp):
    team = TeamFactory(name="ML Platform")
    add_skills(person("Ann One", team=team), (pytorch, 4), (nlp, 3))
    add_skills(person("Ben Two", team=team), (pytorch, 5), (nlp, 1))
    add_skills(person("Cat Three", team=team), (pytorch, 4))
    add_skills(person("Dan Four", team=team), (pytorch, 2))  # meets nothing
    result = search([("pytorch", 4), ("nlp", 3)])
    levels = {f.skill_name: dict(f.counts) for f in result.level_facets}
    assert levels["PyTorch"] == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert levels["Natural language processing"] == {1: 1, 2: 0, 3: 1, 4: 0, 5: 0}
    assert [(f.team_name, f.count) for f in result.team_facets] == [("ML Platform", 3)]


def test_people_cards_load_the_page_people_in_one_query(
    pytorch, django_assert_num_queries
):
    team = TeamFactory(name="Vision")
    p = person("Ada Lovelace", team=team)
    with django_assert_num_queries(1):
        cards = people_cards(person_ids=[p.pk])
    card = cards[p.pk]
    assert (card.name, card.email, card.team_name) == (
        "Ada Lovelace",
        p.user.email,
        "Vision",
    )


def test_catalog_loads_in_one_query(pytorch, nlp, django_assert_num_queries):
    with django_assert_num_queries(1):
        catalog = skill_catalog_load()
    assert catalog.names == ["Natural language processing", "PyTorch"]


def build_people(count, pytorch, nlp):
    teams = [TeamFactory(name=f"Team {i}") for i in range(3)]
    for i in range(count):
        p = person(f"P{i:03d} Person", team=teams[i % 3])
        add_skills(p, (pytorch, 1 + i % 5), (nlp, 1 + (i * 3) % 5, FROM))
        AssignmentFactory(person=p, allocation=10 + i % 50, start=FROM)


def count_queries(pytorch, nlp):
    requirements = [
        SkillRequirement(pytorch.pk, "PyTorch", 3),
        SkillRequirement(nlp.pk, "NLP", 2),
    ]
    with CaptureQueriesContext(connection) as ctx:
        result = people_matching_skills(
            requirements=requirements, available_from=FROM, available_to=TO
        )
    return len(ctx.captured_queries), result.count


def test_selector_query_count_does_not_grow_with_people(pytorch, nlp):
    build_people(10, pytorch, nlp)
    small, found_small = count_queries(pytorch, nlp)
    build_people(190, pytorch, nlp)
    large, found_large = count_queries(pytorch, nlp)
    assert found_large > found_small > 0
    assert small == large == 3

"""people_matching_skills: levels, modes, free capacity, ranking and facets."""

import datetime as dt
import random
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
    date_from_db,
    peak_allocation,
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


def test_matches_read_carry_name_email_and_title(pytorch, django_assert_num_queries):
    team = TeamFactory(name="Vision")
    p = add_skills(person("Ada Lovelace", team=team), (pytorch, 3))
    nameless = add_skills(person(""), (pytorch, 3))
    result = search([("pytorch", 3)])
    with django_assert_num_queries(1):
        ada, other = result.matches[0:2]
    assert (ada.name, ada.email, ada.title, ada.team_name) == (
        "Ada Lovelace",
        p.user.email,
        p.title,
        "Vision",
    )
    assert other.name == nameless.user.username  # no full name: the username


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
        page = result.matches[:25]
    assert all(0 <= m.free_fraction <= 1 for m in page)
    return len(ctx.captured_queries), result.count


def test_selector_query_count_does_not_grow_with_people(pytorch, nlp):
    build_people(10, pytorch, nlp)
    small, found_small = count_queries(pytorch, nlp)
    build_people(190, pytorch, nlp)
    large, found_large = count_queries(pytorch, nlp)
    assert found_large > 25 > found_small > 0
    # The search, then the free capacity of the page read (and its ties).
    assert small == large == 2


def test_dates_from_either_backend_become_dates():
    assert date_from_db("2026-03-01") == dt.date(2026, 3, 1)  # SQLite: ISO text
    assert date_from_db(dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)  # PostgreSQL
    assert date_from_db(None) is None


def test_last_used_is_the_latest_use_of_a_skill_met_as_a_date(pytorch, nlp):
    """Whatever the database returns for MAX(last_used), a match holds a date."""
    add_skills(
        person("Ada Lovelace"),
        (pytorch, 4, dt.date(2025, 12, 24)),
        (nlp, 1, dt.date(2026, 2, 1)),  # below the minimum: not counted
    )
    add_skills(person("Bob Nodate"), (pytorch, 4))
    result = search([("pytorch", 4), ("nlp", 3)])
    assert [(m.name, m.last_used) for m in result.matches] == [
        ("Ada Lovelace", dt.date(2025, 12, 24)),
        ("Bob Nodate", None),
    ]
    assert type(result.matches[0].last_used) is dt.date


def make_ties(pytorch):
    """People tied on everything ranked before free capacity; return the order."""
    used = dt.date(2026, 1, 15)
    people = []
    for name, allocation in [
        ("bea Lower", 50),
        ("Ádám Accent", 50),
        ("Abe Upper", 50),
        ("Zoe Free", None),
        ("Cy Busy", 90),
        ("Dee Half", 50),
        ("Eve Half", 50),
        ("Fay Tenth", 10),
        ("Gus Tenth", 10),
        ("Hal Full", 100),
        ("Ivy Free", None),
        ("Abe Upper", 50),  # same name: the lower id first
    ]:
        p = add_skills(person(name), (pytorch, 3, used))
        if allocation:
            AssignmentFactory(person=p, allocation=allocation, start=FROM, end=TO)
        people.append((p, name, 1 - (allocation or 0) / 100))
    # More free first, then name ignoring case (Python's casefold), then id.
    people.sort(key=lambda t: (-t[2], t[1].casefold(), t[0].pk))
    # Someone ranked above every tie, and someone below.
    top = add_skills(person("Top Expert"), (pytorch, 5, used))
    old = add_skills(person("Old Hand"), (pytorch, 3, dt.date(2020, 1, 1)))
    return [top.pk, *(p.pk for p, _name, _free in people), old.pk]


def ids(result):
    return [m.person_id for m in result.matches]


def test_ties_are_ordered_by_free_capacity_then_name_then_id(pytorch):
    expected = make_ties(pytorch)
    result = search([("pytorch", 3)])
    assert ids(result) == expected
    assert [m.free_fraction for m in result.matches][:4] == [1.0, 1.0, 1.0, 0.9]


def test_every_page_and_item_read_sees_the_same_order(pytorch):
    expected = make_ties(pytorch)
    result = search([("pytorch", 3)])
    # Pages read out of order, across tie boundaries, then single items.
    pages = {start: result.matches[start : start + 4] for start in (8, 4, 12, 0)}
    assert [m.person_id for start in sorted(pages) for m in pages[start]] == expected
    fresh = search([("pytorch", 3)])
    assert [fresh.matches[i].person_id for i in (5, -1, 0, 9)] == [
        expected[5],
        expected[-1],
        expected[0],
        expected[9],
    ]
    assert [m.person_id for m in reversed(fresh.matches)] == expected[::-1]
    assert [m.person_id for m in fresh.matches[1::3]] == expected[1::3]


def test_min_free_ranks_and_counts_like_the_search_without_it(pytorch):
    expected = make_ties(pytorch)
    without = search([("pytorch", 3)])
    with_zero = search([("pytorch", 3)], min_free=0)
    assert ids(with_zero) == ids(without) == expected
    assert [m.free_fraction for m in with_zero.matches] == [
        m.free_fraction for m in without.matches
    ]
    assert ids(search([("pytorch", 3)], min_free=0.5))[:3] == expected[:3]


def test_page_read_loads_its_ties_in_one_query(pytorch, django_assert_num_queries):
    make_ties(pytorch)
    result = search([("pytorch", 3)])
    with django_assert_num_queries(1):
        page = result.matches[0:3]
    with django_assert_num_queries(0):  # loaded with the tie the page touched
        rest_of_tie = result.matches[3:12]
    assert len(page) + len(rest_of_tie) == 12


def test_capacity_with_two_decimals_is_exact(pytorch):
    add_skills(person("Odd Capacity", capacity="0.29"), (pytorch, 3))
    booked = add_skills(person("Odd Booked", capacity="0.29"), (pytorch, 3))
    AssignmentFactory(person=booked, allocation=7, start=FROM, end=TO)
    free = {m.name: m.free_fraction for m in search([("pytorch", 3)]).matches}
    assert free == {"Odd Capacity": 0.29, "Odd Booked": 0.22}


def share_a_day(intervals):
    return max(first for first, _last, _a in intervals) <= min(
        last for _first, last, _a in intervals
    )


def test_free_capacity_matches_the_peak_of_random_schedules(pytorch):
    """The SQL peak agrees with peak_allocation on windows clamped by hand."""
    rng = random.Random(7)
    statuses = [Assignment.Status.CONFIRMED] * 3 + [Assignment.Status.PROPOSED]
    expected = {}
    disjoint = 0
    for i in range(40):
        p = add_skills(person(f"P{i:02d} Random"), (pytorch, 3))
        intervals = []
        for _ in range(rng.randint(0, 4)):
            start = FROM + dt.timedelta(days=rng.randint(-20, 35))
            end = (
                None
                if rng.random() < 0.2
                else start + dt.timedelta(days=rng.randint(0, 25))
            )
            allocation = rng.choice([10, 20, 25, 40, 50])
            status = rng.choice(statuses)
            AssignmentFactory(
                person=p, allocation=allocation, start=start, end=end, status=status
            )
            overlaps = start <= TO and (end is None or end >= FROM)
            if status == Assignment.Status.CONFIRMED and overlaps:
                first = max(start, FROM)
                last = TO if end is None else min(end, TO)
                intervals.append((first, last, allocation))
        peak = peak_allocation(intervals) if intervals else 0
        expected[f"P{i:02d} Random"] = max(0.0, round(1 - peak / 100, 2))
        if intervals and not share_a_day(intervals):
            disjoint += 1  # the SQL's exact path, not the sum of all bookings
    assert disjoint >= 5
    for min_free in (None, 0):  # computed later for the page, or with the search
        result = search([("pytorch", 3)], min_free=min_free)
        assert {m.name: m.free_fraction for m in result.matches} == expected

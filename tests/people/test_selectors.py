"""Reads behind the people pages: directory filters, profile, skill holders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teamhub.initiatives.models import Assignment
from teamhub.people.models import Person, Skill
from teamhub.people.selectors import (
    people_directory,
    people_directory_details,
    person_profile,
    skill_catalogue,
    skill_holders,
)
from tests.factories import (
    AssignmentFactory,
    LearningGoalFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillCategoryFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def person(first: str, last: str = "Doe", **kw):
    user = UserFactory(
        first_name=first,
        last_name=last,
        username=f"{first}.{last}".lower(),
        **kw.pop("user", {}),
    )
    return PersonFactory(user=user, **kw)


def names(people) -> list[str]:
    return sorted(p.user.first_name for p in people)


# --- people_directory ---------------------------------------------------------


def details(people, **kw) -> dict[str, Person]:
    """Return ``people_directory_details`` of ``people`` by first name."""
    return {p.user.first_name: p for p in people_directory_details(people=people, **kw)}


def test_directory_filters_by_team():
    vision, nlp = TeamFactory(name="Vision"), TeamFactory(name="NLP")
    person("Ada", team=vision)
    person("Bob", team=nlp)
    assert names(people_directory(team_id=vision.pk)) == ["Ada"]


def test_directory_filters_by_skill_and_min_level():
    torch = SkillFactory(name="PyTorch")
    ada, bob, cy = person("Ada"), person("Bob"), person("Cy")
    PersonSkillFactory(person=ada, skill=torch, level=4)
    PersonSkillFactory(person=bob, skill=torch, level=2)
    PersonSkillFactory(person=cy, skill=SkillFactory(name="SQL"), level=5)
    assert names(people_directory(skill_id=torch.pk)) == ["Ada", "Bob"]
    found = details(people_directory(skill_id=torch.pk, min_level=3), skill_id=torch.pk)
    assert list(found) == ["Ada"]
    assert found["Ada"].matched_level == 4


def test_min_level_without_a_skill_means_any_skill_at_that_level():
    ada, bob = person("Ada"), person("Bob")
    PersonSkillFactory(person=ada, level=5)
    PersonSkillFactory(person=bob, level=3)
    assert names(people_directory(min_level=4)) == ["Ada"]


def test_directory_search_matches_every_word_in_name_or_email():
    person("Ada", "Lovelace", user={"email": "countess@analytical.org"})
    person("Ada", "Byron")
    person("Grace", "Hopper")
    assert names(people_directory(search="ada")) == ["Ada", "Ada"]
    assert [p.user.last_name for p in people_directory(search="ada love")] == [
        "Lovelace"
    ]
    assert names(people_directory(search="ANALYTICAL")) == ["Ada"]
    assert names(people_directory(search="nobody")) == []


def test_directory_hides_inactive_people_unless_asked():
    person("Ada")
    person("Bob", active=False)
    assert names(people_directory()) == ["Ada"]
    assert names(people_directory(active_only=False)) == ["Ada", "Bob"]


def test_directory_is_in_name_order():
    person("Cy", "Adams")
    person("Ada", "Byron")
    person("Bob", "Adams")
    assert [p.user.first_name for p in people_directory()] == ["Bob", "Cy", "Ada"]


def test_directory_count_is_a_plain_count_of_the_filtered_people():
    for name in ("Ada", "Bob", "Cy"):
        p = person(name, team=TeamFactory())
        PersonSkillFactory.create_batch(2, person=p)
        AssignmentFactory(person=p)
    with CaptureQueriesContext(connection) as captured:
        assert people_directory().count() == 3
    (sql,) = [query["sql"] for query in captured]
    assert "COUNT(*)" in sql
    # no per-person subqueries and no joins: the filtered person table only
    assert sql.count("SELECT") == 1
    assert "JOIN" not in sql
    assert "personskill" not in sql and "assignment" not in sql


def test_directory_counts_confirmed_current_allocation_and_skills():
    ada = person("Ada")
    current = {"person": ada, "start": TODAY - dt.timedelta(days=30)}
    AssignmentFactory(**current, allocation=60)
    AssignmentFactory(**current, allocation=50, end=TODAY)  # last day counts
    AssignmentFactory(**current, allocation=20, status=Assignment.Status.PROPOSED)
    AssignmentFactory(**current, allocation=30, end=TODAY - dt.timedelta(days=1))
    AssignmentFactory(person=ada, allocation=40, start=TODAY + dt.timedelta(days=1))
    AssignmentFactory(**current, allocation=10, status=Assignment.Status.FINISHED)
    for level in (1, 5, 3, 4):
        PersonSkillFactory(person=ada, level=level)
    person("Bob")
    found = details(people_directory(), today=TODAY)
    assert found["Ada"].current_allocation == 110
    assert found["Ada"].skill_count == 4
    assert [ps.level for ps in found["Ada"].top_skills] == [5, 4, 3]
    assert found["Ada"].matched_level is None  # no skill filter
    assert found["Bob"].current_allocation == 0
    assert found["Bob"].skill_count == 0
    assert found["Bob"].top_skills == []


def test_directory_top_skills_break_level_ties_by_name_and_say_their_level():
    ada = person("Ada")
    for name, level in [("SQL", 4), ("Airflow", 4), ("PyTorch", 5), ("Go", 4)]:
        PersonSkillFactory(person=ada, skill=SkillFactory(name=name), level=level)
    (top,) = people_directory_details(people=people_directory())
    assert [(s.name, s.level, s.level_label) for s in top.top_skills] == [
        ("PyTorch", 5, "Authority"),
        ("Airflow", 4, "Expert"),
        ("Go", 4, "Expert"),
    ]
    assert top.top_skills[0].skill_id == Skill.objects.get(name="PyTorch").pk
    assert top.skill_count == 4


def test_directory_details_read_only_the_given_page_in_name_order():
    for first, last in [("Ada", "D"), ("Bob", "B"), ("Cy", "C"), ("Di", "A")]:
        person(first, last)
    page = people_directory()[1:3]  # B, C
    assert [p.user.first_name for p in people_directory_details(people=page)] == [
        "Bob",
        "Cy",
    ]


@pytest.mark.parametrize("size", [12, 60])
def test_directory_page_is_two_queries_whatever_the_size(
    size, django_assert_num_queries
):
    torch = SkillFactory(name="PyTorch")
    for i in range(size):
        p = person(f"P{i}")
        PersonSkillFactory(person=p, skill=torch, level=3)
        PersonSkillFactory.create_batch(3, person=p)
        AssignmentFactory(person=p)
    with django_assert_num_queries(2):
        people = people_directory_details(
            people=people_directory(skill_id=torch.pk)[:50], skill_id=torch.pk
        )
        assert len(people) == min(size, 50)
        assert all(len(p.top_skills) == 3 for p in people)
        assert all(p.matched_level == 3 and p.skill_count == 4 for p in people)
        assert all(p.user.first_name and p.team for p in people)


# --- person_profile -----------------------------------------------------------


@pytest.fixture
def history():
    """A person with current, upcoming and past work; returns (person, assignments)."""
    ada = person("Ada", capacity_fte=Decimal("0.80"))
    made = {
        "current": AssignmentFactory(
            person=ada, allocation=30, start=TODAY - dt.timedelta(days=10)
        ),
        "current_proposed": AssignmentFactory(
            person=ada,
            allocation=20,
            start=TODAY - dt.timedelta(days=1),
            status=Assignment.Status.PROPOSED,
        ),
        "upcoming": AssignmentFactory(
            person=ada, allocation=50, start=TODAY + dt.timedelta(days=7)
        ),
        "lapsed_proposal": AssignmentFactory(
            person=ada,
            start=TODAY - dt.timedelta(days=90),
            end=TODAY - dt.timedelta(days=60),
            status=Assignment.Status.PROPOSED,
        ),
    }
    outcomes = ["success", "success", "partial", "failed", "cancelled", None]
    for i, outcome in enumerate(outcomes):
        made[f"past_{i}"] = AssignmentFactory(
            person=ada,
            start=dt.date(2024, 1 + i, 1),
            end=dt.date(2024, 2 + i, 1),
            status=Assignment.Status.FINISHED,
            outcome=outcome,
        )
    made["ended_confirmed"] = AssignmentFactory(
        person=ada,
        start=dt.date(2025, 1, 1),
        end=TODAY - dt.timedelta(days=1),
        outcome="success",
    )
    return ada, made


def test_profile_splits_current_upcoming_and_past_work(history):
    ada, made = history
    profile = person_profile(person_id=ada.pk, today=TODAY)
    assert {a.pk for a in profile.current_assignments} == {
        made["current"].pk,
        made["current_proposed"].pk,
    }
    assert [a.pk for a in profile.upcoming_assignments] == [made["upcoming"].pk]
    expected_past = {made[f"past_{i}"].pk for i in range(6)} | {
        made["ended_confirmed"].pk
    }
    assert {a.pk for a in profile.past_projects} == expected_past
    assert made["lapsed_proposal"].pk not in {a.pk for a in profile.past_projects}
    # newest first
    starts = [a.start for a in profile.past_projects]
    assert starts == sorted(starts, reverse=True)


def test_profile_free_capacity_counts_confirmed_current_work_only(history):
    ada, _ = history
    profile = person_profile(person_id=ada.pk, today=TODAY)
    assert profile.allocated_percent == 30
    assert profile.free_capacity == Decimal("0.80") - Decimal("0.30")


def test_profile_free_capacity_goes_negative_when_overbooked():
    bob = person("Bob", capacity_fte=Decimal("0.50"))
    AssignmentFactory(person=bob, allocation=80, start=TODAY)
    assert person_profile(person_id=bob.pk, today=TODAY).free_capacity == Decimal(
        "-0.30"
    )


def test_profile_success_rate_ignores_cancelled_and_missing_outcomes(history):
    ada, made = history
    profile = person_profile(person_id=ada.pk, today=TODAY)
    outcomes = [a.outcome for a in made.values()]
    counted = [o for o in outcomes if o is not None and o != "cancelled"]
    expected = counted.count("success") / len(counted)
    assert profile.success_rate == pytest.approx(expected)
    assert profile.success_rate == pytest.approx(3 / 5)
    assert (profile.successes, profile.outcomes_counted) == (3, 5)


def test_profile_success_rate_is_none_without_outcomes():
    bob = person("Bob")
    AssignmentFactory(person=bob, status=Assignment.Status.FINISHED, outcome=None)
    AssignmentFactory(
        person=bob, status=Assignment.Status.FINISHED, outcome="cancelled"
    )
    assert person_profile(person_id=bob.pk, today=TODAY).success_rate is None


def test_profile_groups_skills_by_category_and_goals_carry_current_level():
    ada = person("Ada")
    ml = SkillCategoryFactory(name="ML technique")
    tools = SkillCategoryFactory(name="Language/tool")
    torch = SkillFactory(name="PyTorch", category=tools)
    PersonSkillFactory(person=ada, skill=SkillFactory(name="NLP", category=ml))
    PersonSkillFactory(person=ada, skill=torch, level=2)
    PersonSkillFactory(
        person=ada, skill=SkillFactory(name="Python", category=tools), level=5
    )
    LearningGoalFactory(person=ada, skill=torch, target_level=4)
    LearningGoalFactory(person=ada, skill=SkillFactory(name="Rust"), target_level=2)
    profile = person_profile(person_id=ada.pk, today=TODAY)
    assert [
        (g.category.name, [ps.skill.name for ps in g.skills])
        for g in profile.skill_groups
    ] == [("Language/tool", ["Python", "PyTorch"]), ("ML technique", ["NLP"])]
    assert [(g.skill.name, g.current_level) for g in profile.learning_goals] == [
        ("PyTorch", 2),
        ("Rust", None),
    ]


def test_profile_is_four_queries_whatever_the_size(django_assert_num_queries):
    ada = person("Ada", manager=person("Boss"))
    PersonSkillFactory.create_batch(8, person=ada)
    LearningGoalFactory.create_batch(3, person=ada)
    AssignmentFactory.create_batch(6, person=ada)
    with django_assert_num_queries(4):
        profile = person_profile(person_id=ada.pk, today=TODAY)
        assert profile.person.manager.name == "Boss Doe"
        assert profile.person.team.name
        assert all(
            ps.validated_by is None for g in profile.skill_groups for ps in g.skills
        )
        assert all(
            a.initiative.key
            for a in profile.past_projects + profile.current_assignments
        )


def test_profile_of_unknown_person_raises():
    with pytest.raises(Person.DoesNotExist):
        person_profile(person_id=999)


# --- skill_holders and skill_catalogue ---------------------------------------


def test_skill_holders_grouped_by_level_with_learners():
    torch = SkillFactory(name="PyTorch")
    ada, bob, cy, dee = person("Ada"), person("Bob"), person("Cy"), person("Dee")
    PersonSkillFactory(person=ada, skill=torch, level=5)
    PersonSkillFactory(person=bob, skill=torch, level=3)
    PersonSkillFactory(person=cy, skill=torch, level=3)
    PersonSkillFactory(person=person("Gone", active=False), skill=torch, level=4)
    LearningGoalFactory(person=bob, skill=torch, target_level=5)
    LearningGoalFactory(person=dee, skill=torch, target_level=2)
    holders = skill_holders(skill_id=torch.pk)
    assert [g.level for g in holders.levels] == [5, 4, 3, 2, 1]
    by_level = {g.level: names(ps.person for ps in g.holders) for g in holders.levels}
    assert by_level == {5: ["Ada"], 4: [], 3: ["Bob", "Cy"], 2: [], 1: []}
    assert holders.holder_count == 3
    assert [
        (g.person.user.first_name, g.target_level, g.current_level)
        for g in holders.learners
    ] == [("Bob", 5, 3), ("Dee", 2, None)]


def test_skill_catalogue_groups_by_category_counts_and_searches_aliases():
    ml = SkillCategoryFactory(name="ML technique")
    tools = SkillCategoryFactory(name="Language/tool")
    sklearn = SkillFactory(name="scikit-learn", category=tools, aliases=["sklearn"])
    SkillFactory(name="Transformers", category=ml)
    PersonSkillFactory(skill=sklearn)
    PersonSkillFactory(skill=sklearn)
    PersonSkillFactory(skill=sklearn, person=person("Gone", active=False))
    LearningGoalFactory(skill=sklearn)
    groups = skill_catalogue()
    assert [(g.category.name, [s.name for s in g.skills]) for g in groups] == [
        ("Language/tool", ["scikit-learn"]),
        ("ML technique", ["Transformers"]),
    ]
    found = skill_catalogue(search="SKLEARN")
    assert [s.name for g in found for s in g.skills] == ["scikit-learn"]
    assert (found[0].skills[0].holder_count, found[0].skills[0].learner_count) == (
        2,
        1,
    )
    assert [s.name for g in skill_catalogue(search="transf") for s in g.skills] == [
        "Transformers"
    ]


def test_skill_holders_lists_the_first_few_per_level_and_counts_everyone():
    from teamhub.people.selectors import HOLDERS_PER_LEVEL, skill_holders

    skill = SkillFactory(name="Pandas")
    for _ in range(HOLDERS_PER_LEVEL + 5):
        PersonSkillFactory(skill=skill, level=3)
    validated = PersonSkillFactory(
        skill=skill, level=3, source="manager", validated_at=timezone.now()
    )
    PersonSkillFactory(skill=skill, level=5)

    result = skill_holders(skill_id=skill.pk)
    by_level = {group.level: group for group in result.levels}
    assert by_level[3].count == HOLDERS_PER_LEVEL + 6
    assert len(by_level[3].holders) == HOLDERS_PER_LEVEL
    assert by_level[3].more == 6
    assert by_level[3].holders[0] == validated  # validated levels first
    assert by_level[5].count == 1 and by_level[5].more == 0
    assert result.holder_count == HOLDERS_PER_LEVEL + 7

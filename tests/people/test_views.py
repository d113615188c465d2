"""People pages: directory, profile, skills, the editors and who may use them."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import AuditEvent, User
from teamhub.initiatives.models import Assignment, Initiative
from teamhub.people.forms import DirectoryFilterForm
from teamhub.people.models import LearningGoal, Person, PersonSkill, Skill, Team
from tests.conftest import ROLES
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

LEVEL_ERROR = "Choose a level from 1 (Aware) to 5 (Authority)."


def html(response) -> str:
    return response.content.decode()


def field_error(response, field_id: str) -> str | None:
    """Return the error shown right below the control ``field_id``, if any."""
    match = re.search(rf'id="{field_id}_error"[^>]*>([^<]*)<', html(response))
    return match.group(1).strip() if match else None


def rows(response) -> list[int]:
    """Return the person ids of the directory's table rows, in order."""
    return [int(pk) for pk in re.findall(r'<tr data-person="(\d+)"', html(response))]


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def named(first: str, last: str, **kw) -> Person:
    user = UserFactory(
        first_name=first, last_name=last, username=f"{first}.{last}".lower()
    )
    return PersonFactory(user=user, **kw)


@pytest.fixture
def reader(make_user) -> Client:
    """A stakeholder: reads every page and is not in the directory themselves."""
    return login(make_user("stakeholder"))


# --- directory ------------------------------------------------------------------


def test_directory_lists_people_with_team_top_skills_and_allocation(reader):
    ada = named("Ada", "Lovelace", team=TeamFactory(name="Vision"), title="ML Lead")
    PersonSkillFactory(person=ada, skill=SkillFactory(name="PyTorch"), level=5)
    AssignmentFactory(person=ada, allocation=120 // 2, start=timezone.localdate())
    AssignmentFactory(person=ada, allocation=60, start=timezone.localdate())
    response = reader.get(reverse("people:directory"))
    assert response.status_code == 200
    page = html(response)
    assert f'href="/people/{ada.pk}/">Ada Lovelace</a>' in page
    assert "Vision" in page and "ML Lead" in page
    assert "PyTorch" in page
    # 120 % allocated: shown as a red bar and as over-booked
    assert 'aria-valuenow="120"' in page
    assert "progress-bar bg-danger" in page
    assert "over by 20 %" in page


def test_directory_filters_by_team(reader):
    vision = TeamFactory(name="Vision")
    ada = named("Ada", "Lovelace", team=vision)
    named("Bob", "Smith", team=TeamFactory(name="NLP"))
    response = reader.get(reverse("people:directory"), {"team": vision.pk})
    assert rows(response) == [ada.pk]
    assert "1 person match the filters" in html(response)


def test_directory_filters_by_skill_and_min_level(reader):
    torch = SkillFactory(name="PyTorch")
    ada, bob = named("Ada", "Lovelace"), named("Bob", "Smith")
    PersonSkillFactory(person=ada, skill=torch, level=4)
    PersonSkillFactory(person=bob, skill=torch, level=2)
    named("Cy", "Young")
    url = reverse("people:directory")
    assert sorted(rows(reader.get(url, {"skill": torch.pk}))) == sorted(
        [ada.pk, bob.pk]
    )
    response = reader.get(url, {"skill": torch.pk, "min_level": 3})
    assert rows(response) == [ada.pk]
    assert 'aria-label="Filtered skill: level 4 of 5"' in html(response)


def test_directory_searches_name_and_email(reader):
    ada = named("Ada", "Lovelace")
    named("Grace", "Hopper")
    url = reverse("people:directory")
    assert rows(reader.get(url, {"q": "lovel"})) == [ada.pk]
    assert rows(reader.get(url, {"q": "ada.lovelace@example"})) == [ada.pk]
    response = reader.get(url, {"q": "zzz"})
    assert rows(response) == []
    assert "No one matches these filters" in html(response)


def test_directory_with_invalid_filter_shows_error_next_to_it(reader):
    ada = named("Ada", "Lovelace")
    response = reader.get(reverse("people:directory"), {"min_level": 9})
    assert response.status_code == 200
    assert field_error(response, "id_min_level") == LEVEL_ERROR
    assert rows(response) == [ada.pk]  # the bad filter is not applied


def test_directory_is_paginated_50_per_page_keeping_filters(reader):
    team = TeamFactory(name="Big")
    people = [named(f"P{i:02d}", f"Person{i:02d}", team=team) for i in range(55)]
    named("Out", "Sider")
    url = reverse("people:directory")
    first = reader.get(url, {"team": team.pk})
    assert len(rows(first)) == 50
    assert "page 1 of 2" in html(first)
    assert f"?team={team.pk}&amp;page=2" in html(first)
    second = reader.get(url, {"team": team.pk, "page": 2})
    assert len(rows(second)) == 5
    assert set(rows(first)) | set(rows(second)) == {p.pk for p in people}
    # an out-of-range page shows the last one rather than failing
    assert rows(reader.get(url, {"team": team.pk, "page": 99})) == rows(second)


def test_directory_answers_htmx_with_the_results_only(reader):
    named("Ada", "Lovelace")
    response = reader.get(
        reverse("people:directory"),
        {"q": "ada"},
        headers={"HX-Request": "true", "HX-Target": "directory-results"},
    )
    assert response.status_code == 200
    assert "<html" not in html(response)
    assert 'id="directory-results"' in html(response)


def test_directory_shows_top_three_skills_and_how_many_more(reader):
    ada = named("Ada", "Lovelace")
    for name, level in [("SQL", 2), ("Airflow", 4), ("PyTorch", 5), ("Go", 4)]:
        PersonSkillFactory(person=ada, skill=SkillFactory(name=name), level=level)
    page = html(reader.get(reverse("people:directory")))
    badges = re.findall(r'title="([^"]+): level (\d) of 5 \(([^)]+)\)"', page)
    assert badges == [
        ("PyTorch", "5", "Authority"),
        ("Airflow", "4", "Expert"),
        ("Go", "4", "Expert"),
    ]
    assert "+1 more" in page
    torch = Skill.objects.get(name="PyTorch")
    assert f'href="/people/skills/{torch.pk}/"' in page


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"team": "TEAM", "skill": "SKILL", "min_level": "4", "q": "ada"},
        {"skill": "nope", "min_level": "9", "inactive": "on"},
    ],
)
def test_directory_filter_controls_are_the_forms_own(reader, params):
    """The page writes its team and skill selects itself, for speed; the markup,
    options, selection and error state must be exactly what the form renders."""
    team = TeamFactory(name="R&D <core>")
    TeamFactory(name="Vision")
    skill = SkillFactory(
        name='C++ & "Rust"', category=SkillCategoryFactory(name="Languages & tools")
    )
    SkillFactory(name="PyTorch", category=SkillCategoryFactory(name="ML"))
    named("Ada", "Lovelace", team=team)
    ids = {"TEAM": str(team.pk), "SKILL": str(skill.pk)}
    data = {key: ids.get(value, value) for key, value in params.items()}
    page = html(reader.get(reverse("people:directory"), data))
    expected = DirectoryFilterForm(data or None)
    if data:
        expected.is_valid()
    for name in ("q", "team", "skill", "min_level", "inactive"):
        assert str(expected[name]) in page, name
    assert "R&amp;D &lt;core&gt;" in page
    assert '<optgroup label="Languages &amp; tools">' in page


def test_empty_directory_says_what_to_do(reader):
    response = reader.get(reverse("people:directory"))
    assert "No people in the registry yet" in html(response)


# --- profile -------------------------------------------------------------------


@pytest.fixture
def ada(manager) -> Person:
    """A data scientist with skills of every source, goals and a project history."""
    person = named(
        "Ada",
        "Lovelace",
        team=TeamFactory(name="Vision"),
        title="Senior DS",
        location="London",
        capacity_fte=Decimal("0.80"),
        manager=manager.person,
    )
    ml = SkillCategoryFactory(name="ML technique")
    tools = SkillCategoryFactory(name="Language/tool")
    today = timezone.localdate()
    PersonSkillFactory(
        person=person,
        skill=SkillFactory(name="PyTorch", category=tools),
        level=4,
        source=PersonSkill.Source.MANAGER,
        validated_by=manager,
        validated_at=timezone.now() - dt.timedelta(days=2),
    )
    PersonSkillFactory(
        person=person,
        skill=SkillFactory(name="Python", category=tools),
        level=5,
        last_used=today - dt.timedelta(days=3),
    )
    PersonSkillFactory(
        person=person,
        skill=SkillFactory(name="NLP", category=ml),
        level=2,
        source=PersonSkill.Source.INFERRED,
    )
    LearningGoalFactory(
        person=person,
        skill=SkillFactory(name="Causal inference", category=ml),
        target_level=3,
        note="for pricing",
    )
    AssignmentFactory(
        person=person,
        initiative__key="CHURN-1",
        initiative__title="Churn model",
        role="Modeller",
        allocation=30,
        start=today - dt.timedelta(days=20),
    )
    AssignmentFactory(
        person=person,
        initiative__key="PRICE-2",
        allocation=40,
        start=today,
        status=Assignment.Status.PROPOSED,
    )
    for i, outcome in enumerate(["success", "failed", "success", "cancelled", None]):
        AssignmentFactory(
            person=person,
            initiative__key=f"OLD-{i}",
            role=f"Role {i}",
            start=dt.date(2024, i + 1, 1),
            end=dt.date(2024, i + 2, 1),
            status=Assignment.Status.FINISHED,
            outcome=outcome,
        )
    return person


def test_profile_shows_header_with_team_manager_and_capacity(reader, ada, manager):
    page = html(reader.get(reverse("people:profile", args=[ada.pk])))
    assert "Ada Lovelace" in page and "Senior DS" in page and "London" in page
    assert f'<a href="/people/{manager.person.pk}/">{manager.person.name}</a>' in page
    assert "Capacity <strong>80 %</strong>" in page


def test_profile_shows_skills_grouped_by_category_with_source(reader, ada, manager):
    response = reader.get(reverse("people:profile", args=[ada.pk]))
    page = html(response)
    categories = re.findall(r'data-testid="category">([^<]+)<', page)
    assert categories == ["Language/tool", "ML technique"]
    # each category lists its own skills, highest level first
    tools, ml = page.split('data-testid="category">')[1:]
    assert tools.index("Python") < tools.index("PyTorch") and "NLP" not in tools
    assert "NLP" in ml
    assert "Manager-validated" in page
    assert f"validated by {manager}, " in page
    assert "2\xa0days ago" in page
    assert ">Inferred<" in page and ">Self<" in page
    assert 'aria-label="PyTorch: level 4 of 5 (Expert)"' in page
    last_used = timezone.localdate() - dt.timedelta(days=3)
    assert f'title="{last_used:%-d %b %Y}">3\xa0days ago</time>' in page


def test_profile_shows_learning_goals(reader, ada):
    page = html(reader.get(reverse("people:profile", args=[ada.pk])))
    goals = page[page.index('id="goals"') :]
    assert "Causal inference" in goals and "for pricing" in goals
    assert 'aria-label="Target: level 3 of 5 (Practitioner)"' in goals


def test_profile_shows_current_assignments_and_free_capacity(reader, ada):
    page = html(reader.get(reverse("people:profile", args=[ada.pk])))
    current = page[page.index('data-testid="current-assignments"') :]
    current = current[: current.index("</ul>")]
    assert "CHURN-1" in current and "Churn model" in current and "Modeller" in current
    assert "PRICE-2" in current and "Proposed" in current
    # free capacity = 0.80 - confirmed 30 % (the proposal does not count)
    assert '<span data-testid="free-fte">0.50</span>' in page
    assert "50 % free" in page


def test_profile_shows_past_projects_with_outcomes_and_success_rate(reader, ada):
    page = html(reader.get(reverse("people:profile", args=[ada.pk])))
    projects = page[page.index('id="projects"') :]
    for i in range(5):
        assert f"OLD-{i}" in projects and f"Role {i}" in projects
    assert ">Success<" in projects and ">Failed<" in projects
    assert ">Cancelled<" in projects and "No outcome yet" in projects
    outcomes = list(
        Assignment.objects.filter(person=ada).values_list("outcome", flat=True)
    )
    counted = [o for o in outcomes if o not in (None, "cancelled")]
    rate = round(100 * counted.count("success") / len(counted))
    assert f"Success rate <strong>{rate} %</strong>" in projects
    assert f"{counted.count('success')} of {len(counted)} with an outcome" in projects


def test_profile_empty_states_say_what_to_do(scientist):
    client = login(scientist)
    page = html(client.get(reverse("people:profile", args=[scientist.person.pk])))
    assert "No skills yet — add your first skill" in page
    assert "No learning goals yet" in page
    assert "No past projects yet" in page
    assert "Not assigned to anything right now" in page


def test_unknown_person_and_skill_are_404(reader):
    assert reader.get(reverse("people:profile", args=[999])).status_code == 404
    assert reader.get(reverse("people:skill", args=[999])).status_code == 404


# --- what each viewer can do on a profile ----------------------------------------


def test_scientist_sees_editors_on_own_profile_only(scientist, ada):
    client = login(scientist)
    own = html(client.get(reverse("people:profile", args=[scientist.person.pk])))
    assert 'data-testid="skill-form"' in own and 'data-testid="goal-form"' in own
    assert "Edit skills" in own
    theirs = html(client.get(reverse("people:profile", args=[ada.pk])))
    assert 'data-testid="skill-form"' not in theirs
    assert "/remove/" not in theirs and "/validate/" not in theirs


def test_stakeholder_sees_no_editors(reader, ada):
    page = html(reader.get(reverse("people:profile", args=[ada.pk])))
    assert 'data-testid="skill-form"' not in page
    assert 'data-testid="goal-form"' not in page
    assert "Validate" not in page


def test_manager_sees_validate_for_unvalidated_skills_of_others_only(manager, ada):
    client = login(manager)
    page = html(client.get(reverse("people:profile", args=[ada.pk])))
    buttons = re.findall(r'data-testid="validate-(\d+)"', page)
    expected = PersonSkill.objects.filter(person=ada).exclude(source="manager")
    assert sorted(map(int, buttons)) == sorted(ps.skill_id for ps in expected)
    PersonSkillFactory(person=manager.person)
    own = html(client.get(reverse("people:profile", args=[manager.person.pk])))
    assert 'data-testid="validate-' not in own


# --- editing -------------------------------------------------------------------


def test_scientist_adds_changes_and_removes_own_skill(scientist):
    client = login(scientist)
    me = scientist.person
    skill = SkillFactory(name="JAX")
    response = client.post(
        reverse("people:skill_set", args=[me.pk]),
        {"skill": skill.pk, "level": 2, "interest": 3, "last_used": "2026-01-31"},
    )
    assert response.status_code == 302
    assert response.url == f"/people/{me.pk}/#skills"
    row = PersonSkill.objects.get(person=me, skill=skill)
    assert (row.level, row.interest, row.source) == (2, 3, "self")
    assert row.last_used == dt.date(2026, 1, 31)
    page = html(client.get(response.url))
    assert "Saved JAX at level 2 (Novice)." in page

    client.post(
        reverse("people:skill_set", args=[me.pk]), {"skill": skill.pk, "level": 4}
    )
    row.refresh_from_db()
    assert (row.level, row.interest) == (4, 3)

    response = client.post(reverse("people:skill_remove", args=[me.pk, skill.pk]))
    assert response.status_code == 302
    assert not PersonSkill.objects.filter(person=me).exists()
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        "person_skill.set",
        "person_skill.set",
        "person_skill.removed",
    ]


def test_scientist_adds_changes_and_removes_own_goal(scientist):
    client = login(scientist)
    me = scientist.person
    skill = SkillFactory(name="Rust")
    url = reverse("people:goal_set", args=[me.pk])
    response = client.post(url, {"skill": skill.pk, "target_level": 3, "note": "CLI"})
    assert response.status_code == 302
    assert response.url == f"/people/{me.pk}/#goals"
    client.post(url, {"skill": skill.pk, "target_level": 5, "note": "CLI tools"})
    goal = LearningGoal.objects.get(person=me)
    assert (goal.target_level, goal.note) == (5, "CLI tools")
    response = client.post(reverse("people:goal_remove", args=[me.pk, goal.pk]))
    assert response.status_code == 302
    assert not LearningGoal.objects.exists()
    assert "Removed the learning goal for Rust." in html(client.get(response.url))


def test_scientist_gets_403_on_someone_elses_skills_and_goals(scientist, ada):
    client = login(scientist)
    skill = PersonSkill.objects.filter(person=ada).first()
    goal = LearningGoal.objects.get(person=ada)
    before = set(PersonSkill.objects.values_list("pk", "level", "source"))
    posts = [
        (
            reverse("people:skill_set", args=[ada.pk]),
            {"skill": skill.skill_id, "level": 1},
        ),
        (reverse("people:skill_remove", args=[ada.pk, skill.skill_id]), {}),
        (reverse("people:skill_validate", args=[ada.pk, skill.skill_id]), {}),
        (
            reverse("people:goal_set", args=[ada.pk]),
            {"skill": goal.skill_id, "target_level": 1},
        ),
        (reverse("people:goal_remove", args=[ada.pk, goal.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert set(PersonSkill.objects.values_list("pk", "level", "source")) == before
    assert LearningGoal.objects.get(pk=goal.pk).target_level == goal.target_level
    assert not AuditEvent.objects.exists()


def test_forbidden_bad_input_is_still_403_not_400(make_user, ada):
    client = login(make_user("stakeholder"))
    response = client.post(reverse("people:skill_set", args=[ada.pk]), {"level": 7})
    assert response.status_code == 403


def test_manager_validates_a_skill_recording_who_and_when(manager, ada):
    client = login(manager)
    nlp = PersonSkill.objects.get(person=ada, skill__name="NLP")
    before = timezone.now()
    response = client.post(
        reverse("people:skill_validate", args=[ada.pk, nlp.skill_id])
    )
    assert response.status_code == 302
    nlp.refresh_from_db()
    assert nlp.source == PersonSkill.Source.MANAGER
    assert nlp.validated_by == manager
    assert before <= nlp.validated_at <= timezone.now()
    assert nlp.level == 2
    event = AuditEvent.objects.get()
    assert (event.verb, event.actor) == ("person_skill.validated", manager)
    page = html(client.get(response.url))
    assert "Validated Ada Lovelace&#x27;s NLP at level 2 (Novice)." in page
    assert f"validated by {manager}, " in page


def test_manager_cannot_validate_own_skill(manager):
    client = login(manager)
    own = PersonSkillFactory(person=manager.person)
    response = client.post(
        reverse("people:skill_validate", args=[manager.person.pk, own.skill_id])
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.source == PersonSkill.Source.SELF and own.validated_by is None


def test_managers_level_change_for_someone_counts_as_validated(manager, ada):
    client = login(manager)
    python = PersonSkill.objects.get(person=ada, skill__name="Python")
    client.post(
        reverse("people:skill_set", args=[ada.pk]),
        {"skill": python.skill_id, "level": 3},
    )
    python.refresh_from_db()
    assert (python.level, python.source, python.validated_by) == (3, "manager", manager)


# --- bad input -------------------------------------------------------------------


def test_level_7_is_400_with_the_message_next_to_the_level(scientist):
    client = login(scientist)
    skill = SkillFactory(name="JAX")
    response = client.post(
        reverse("people:skill_set", args=[scientist.person.pk]),
        {"skill": skill.pk, "level": 7},
    )
    assert response.status_code == 400
    assert field_error(response, "skill_level") == LEVEL_ERROR
    assert 'aria-describedby="skill_level_error"' in html(response)
    assert field_error(response, "skill_skill") is None
    # the chosen skill is kept in the re-rendered form
    assert f'<option value="{skill.pk}" selected>JAX</option>' in html(response)
    assert "Nothing was saved" in html(response)
    assert not PersonSkill.objects.exists()
    assert not AuditEvent.objects.exists()


def test_missing_skill_is_400_with_the_message_next_to_the_skill(scientist):
    client = login(scientist)
    response = client.post(
        reverse("people:skill_set", args=[scientist.person.pk]), {"level": 3}
    )
    assert response.status_code == 400
    assert field_error(response, "skill_skill") == "Choose a skill."
    assert not PersonSkill.objects.exists()


def test_unknown_skill_and_bad_date_are_400(scientist):
    client = login(scientist)
    response = client.post(
        reverse("people:skill_set", args=[scientist.person.pk]),
        {"skill": 999, "level": 3, "last_used": "yesterday"},
    )
    assert response.status_code == 400
    assert "does not exist" in field_error(response, "skill_skill")
    assert field_error(response, "skill_last_used") == "Enter a date as YYYY-MM-DD."
    assert not PersonSkill.objects.exists()


def test_bad_goal_is_400_with_messages_next_to_fields(scientist):
    client = login(scientist)
    response = client.post(
        reverse("people:goal_set", args=[scientist.person.pk]),
        {"skill": "", "target_level": 9, "note": "x" * 301},
    )
    assert response.status_code == 400
    assert field_error(response, "goal_skill") == "Choose a skill."
    assert field_error(response, "goal_target_level") == LEVEL_ERROR
    assert "at most 300 characters" in field_error(response, "goal_note")
    # the skill editor is shown blank, without errors
    assert field_error(response, "skill_skill") is None
    assert not LearningGoal.objects.exists()
    assert not AuditEvent.objects.exists()


def test_service_validation_error_is_shown_next_to_its_field(scientist, monkeypatch):
    from django.core.exceptions import ValidationError

    from teamhub.people import services

    def refuse(**kwargs):
        raise ValidationError({"level": ["Level clashes with the import."]})

    monkeypatch.setattr(services, "person_skill_set", refuse)
    client = login(scientist)
    response = client.post(
        reverse("people:skill_set", args=[scientist.person.pk]),
        {"skill": SkillFactory().pk, "level": 3},
    )
    assert response.status_code == 400
    assert field_error(response, "skill_level") == "Level clashes with the import."


def test_removing_a_skill_the_person_does_not_hold_is_404(scientist):
    client = login(scientist)
    skill = SkillFactory()
    url = reverse("people:skill_remove", args=[scientist.person.pk, skill.pk])
    assert client.post(url).status_code == 404


@pytest.mark.parametrize(
    "name", ["skill_set", "skill_remove", "skill_validate", "goal_set", "goal_remove"]
)
def test_write_routes_refuse_get(scientist, name):
    client = login(scientist)
    args = [scientist.person.pk] + (
        [1] if "remove" in name or "validate" in name else []
    )
    assert client.get(reverse(f"people:{name}", args=args)).status_code == 405


# --- skill pages ---------------------------------------------------------------


def test_skill_page_lists_holders_by_level_and_learners(reader):
    torch = SkillFactory(
        name="PyTorch",
        category=SkillCategoryFactory(name="Language/tool"),
        aliases=["torch"],
        description="Deep learning framework.",
    )
    ada, bob, cy = named("Ada", "L"), named("Bob", "S"), named("Cy", "Y")
    PersonSkillFactory(person=ada, skill=torch, level=5)
    PersonSkillFactory(person=bob, skill=torch, level=3)
    LearningGoalFactory(person=bob, skill=torch, target_level=5)
    LearningGoalFactory(person=cy, skill=torch, target_level=2, note="side project")
    page = html(reader.get(reverse("people:skill", args=[torch.pk])))
    assert "Language/tool" in page and "torch" in page and "Deep learning" in page
    sections = {
        int(level): body
        for level, body in re.findall(
            r'data-level="(\d)">(.*?)(?=data-level=|id="learners-heading")',
            page,
            flags=re.S,
        )
    }
    assert list(sections) == [5, 4, 3, 2, 1]
    assert "Ada L" in sections[5] and "Bob S" not in sections[5]
    assert "Bob S" in sections[3]
    assert "Nobody at this level." in sections[4]
    learners = page[page.index('data-testid="learners"') :]
    assert learners.index("Bob S") < learners.index("Cy Y")  # higher target first
    assert "side project" in learners and "target 5 · Authority" in learners


def test_skill_page_without_holders_or_learners_says_what_to_do(reader):
    skill = SkillFactory(name="Julia")
    page = html(reader.get(reverse("people:skill", args=[skill.pk])))
    assert "Nobody holds Julia yet" in page
    assert "Nobody has set Julia as a learning goal" in page


def test_skill_list_groups_by_category_and_searches_aliases(reader):
    tools = SkillCategoryFactory(name="Language/tool")
    sklearn = SkillFactory(name="scikit-learn", category=tools, aliases=["sklearn"])
    SkillFactory(name="Transformers", category=SkillCategoryFactory(name="NLP"))
    PersonSkillFactory.create_batch(2, skill=sklearn)
    url = reverse("people:skills")
    page = html(reader.get(url))
    assert "Language/tool" in page and "Transformers" in page
    assert '2 <span class="fw-normal">holders</span>' in page
    found = html(reader.get(url, {"q": "SKLEARN"}))
    assert "scikit-learn" in found and "Transformers" not in found
    assert "No skill is called or aliased" in html(reader.get(url, {"q": "cobol"}))


# --- permission matrix ---------------------------------------------------------------

LOGIN = "login"
OK = "ok"  # 302 back to the profile after the change
PAGES = ["directory", "profile", "skills", "skill"]
EDIT = {"manager": OK, "data_scientist": 403, "stakeholder": 403, "admin": OK}
WRITES = {
    "skill_set": EDIT,
    "skill_remove": EDIT,
    "skill_validate": EDIT,
    "goal_set": EDIT,
    "goal_remove": EDIT,
}


@pytest.fixture
def target(make_user):
    """Another data scientist with one skill and one goal: (person, skill, goal)."""
    person = make_user("data_scientist").person
    held = PersonSkillFactory(person=person, level=2)
    goal = LearningGoalFactory(person=person, target_level=4)
    return person, held.skill, goal


def _route(name: str, person: Person, skill: Skill, goal: LearningGoal):
    args = {
        "directory": [],
        "profile": [person.pk],
        "skills": [],
        "skill": [skill.pk],
        "skill_set": [person.pk],
        "skill_remove": [person.pk, skill.pk],
        "skill_validate": [person.pk, skill.pk],
        "goal_set": [person.pk],
        "goal_remove": [person.pk, goal.pk],
    }[name]
    data = {
        "skill_set": {"skill": skill.pk, "level": 4},
        "goal_set": {"skill": skill.pk, "target_level": 5},
    }.get(name, {})
    return reverse(f"people:{name}", args=args), data


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("name", PAGES)
def test_page_permissions(client_as, target, role, name):
    url, _ = _route(name, *target)
    response = client_as(role).get(url)
    if role is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("name", list(WRITES))
def test_write_permissions_on_someone_else(client_as, target, role, name):
    url, data = _route(name, *target)
    response = client_as(role).post(url, data)
    expected = LOGIN if role is None else WRITES[name][role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif expected == OK:
        assert response.status_code == 302
        assert response.url.startswith(reverse("people:profile", args=[target[0].pk]))
    else:
        assert response.status_code == expected
    assert AuditEvent.objects.exists() == (expected == OK)


OWN = {
    "skill_set": OK,
    "skill_remove": OK,
    "skill_validate": 403,  # nobody validates their own level
    "goal_set": OK,
    "goal_remove": OK,
}


@pytest.mark.parametrize("role", ["manager", "data_scientist"])
@pytest.mark.parametrize("name", list(OWN))
def test_write_permissions_on_own_profile(make_user, role, name):
    user = make_user(role)
    held = PersonSkillFactory(person=user.person)
    goal = LearningGoalFactory(person=user.person, skill=held.skill)
    url, data = _route(name, user.person, held.skill, goal)
    response = login(user).post(url, data)
    if OWN[name] == OK:
        assert response.status_code == 302
        assert response.url.startswith(reverse("people:profile", args=[user.person.pk]))
    else:
        assert response.status_code == OWN[name]


# --- constant query counts -----------------------------------------------------------


def populate(count: int, *, start: int = 0) -> list[Person]:
    """Bulk-create ``count`` people, each with 4 skills, 2 goals and 4 assignments."""
    team = TeamFactory(name="Scale")
    category = SkillCategoryFactory(name="Scale skills")
    skills = [
        Skill.objects.get_or_create(name=f"Scale skill {i}", category=category)[0]
        for i in range(8)
    ]
    initiatives = [
        Initiative.objects.get_or_create(key=f"SC-{i}", defaults={"title": f"I{i}"})[0]
        for i in range(4)
    ]
    users = User.objects.bulk_create(
        User(username=f"scale{n}", first_name="Scale", last_name=f"P{n:04d}")
        for n in range(start, start + count)
    )
    people = Person.objects.bulk_create(Person(user=u, team=team) for u in users)
    today = timezone.localdate()
    PersonSkill.objects.bulk_create(
        PersonSkill(person=p, skill=skills[(i + k) % 8], level=1 + (i + k) % 5)
        for i, p in enumerate(people)
        for k in range(4)
    )
    LearningGoal.objects.bulk_create(
        LearningGoal(person=p, skill=skills[(i + 4 + k) % 8], target_level=4)
        for i, p in enumerate(people)
        for k in range(2)
    )
    Assignment.objects.bulk_create(
        Assignment(
            person=p,
            initiative=initiatives[k],
            role="DS",
            allocation=20,
            start=today - dt.timedelta(days=400 * k),
            end=None if k == 0 else today - dt.timedelta(days=400 * k - 100),
            status="confirmed" if k == 0 else "finished",
            outcome=None if k == 0 else ["success", "failed", "cancelled"][k - 1],
        )
        for p in people
        for k in range(4)
    )
    return people


def queries(client: Client, url: str) -> int:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["manager", "stakeholder"])
def test_directory_and_profile_query_counts_do_not_grow_with_people(
    make_user, role, django_assert_max_num_queries
):
    client = login(make_user(role))
    small = populate(10)
    filtered = "{}?team={}&skill={}&min_level=2&q=scale".format(
        reverse("people:directory"),
        Team.objects.get(name="Scale").pk,
        Skill.objects.get(name="Scale skill 0").pk,
    )
    directory_small = queries(client, reverse("people:directory"))
    filtered_small = queries(client, filtered)
    profile_small = queries(client, reverse("people:profile", args=[small[0].pk]))

    big = populate(190, start=10)
    assert Person.objects.count() >= 200
    # one person with many more skills, goals and projects than the others
    heavy = big[-1]
    extra = [
        Skill.objects.create(name=f"Extra {i}", category=SkillCategoryFactory())
        for i in range(20)
    ]
    PersonSkill.objects.bulk_create(
        PersonSkill(person=heavy, skill=s, level=3, validated_by=make_user("manager"))
        for s in extra
    )
    AssignmentFactory.create_batch(
        10, person=heavy, status="finished", outcome="success"
    )
    directory_big = queries(client, reverse("people:directory"))
    filtered_big = queries(client, filtered)
    profile_big = queries(client, reverse("people:profile", args=[heavy.pk]))

    assert directory_big == directory_small
    assert filtered_big == filtered_small
    assert profile_big == profile_small
    with django_assert_max_num_queries(10):
        client.get(reverse("people:directory"))
    with django_assert_max_num_queries(14):
        client.get(reverse("people:profile", args=[heavy.pk]))

"""The registry API: lists, filters, details, writes, JSON errors, query counts."""

import pytest
from django.core import mail
from django.urls import resolve

from teamhub.core.models import AuditEvent, User
from teamhub.people.models import LearningGoal, Person, PersonSkill, Skill, Team
from tests.factories import (
    LearningGoalFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillCategoryFactory,
    SkillFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as):
    return api_as("manager")


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


# People list -------------------------------------------------------------------


def test_people_list_shows_the_documented_fields(api_as):
    boss = PersonFactory(user__first_name="Ann", user__last_name="Boss")
    PersonFactory(
        user__first_name="Ada",
        user__last_name="Lovelace",
        user__email="ada@example.com",
        team=TeamFactory(name="Vision"),
        title="ML engineer",
        manager=boss,
    )
    api = api_as("stakeholder")
    response = api.get("/api/people/", {"search": "lovelace"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) >= {
        "id",
        "name",
        "email",
        "team",
        "title",
        "location",
        "timezone",
        "capacity_fte",
        "manager",
        "active",
        "url",
    }
    assert row["name"] == "Ada Lovelace"
    assert row["email"] == "ada@example.com"
    assert row["team"]["name"] == "Vision"
    assert row["manager"] == {"id": boss.pk, "name": "Ann Boss"}
    assert row["capacity_fte"] == "1.00"
    assert row["active"] is True
    assert row["url"].endswith(f"/api/people/{row['id']}/")
    assert "skills" not in row


def test_people_search_matches_name_and_email(api):
    PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    PersonFactory(
        user__first_name="Grace", user__last_name="Hopper", user__email="gh@navy.mil"
    )
    assert names(api.get("/api/people/", {"search": "ada love"})) == ["Ada Lovelace"]
    assert names(api.get("/api/people/", {"search": "NAVY"})) == ["Grace Hopper"]
    assert names(api.get("/api/people/", {"search": "nobody"})) == []


def test_people_filter_by_team_and_active(api):
    vision = TeamFactory(name="Vision")
    PersonFactory(user__first_name="In", user__last_name="Team", team=vision)
    PersonFactory(
        user__first_name="Gone", user__last_name="Team", team=vision, active=False
    )
    PersonFactory(user__first_name="Other", user__last_name="Team")
    response = api.get("/api/people/", {"team": vision.pk, "ordering": "name"})
    assert names(response) == ["Gone Team", "In Team"]
    response = api.get("/api/people/", {"team": vision.pk, "active": "true"})
    assert names(response) == ["In Team"]


def test_people_filter_by_skill_and_min_level(api):
    torch = SkillFactory(name="PyTorch")
    for first, level in [("Three", 3), ("Four", 4), ("Five", 5)]:
        person = PersonFactory(user__first_name=first, user__last_name="X")
        PersonSkillFactory(person=person, skill=torch, level=level)
    PersonSkillFactory(
        person=PersonFactory(user__first_name="Other", user__last_name="X"), level=5
    )
    response = api.get(
        "/api/people/", {"skill": torch.pk, "min_level": 4, "ordering": "-name"}
    )
    assert names(response) == ["Four X", "Five X"]
    response = api.get("/api/people/", {"skill": torch.pk})
    assert sorted(names(response)) == ["Five X", "Four X", "Three X"]


def test_people_min_level_without_skill_is_a_400_naming_the_parameter(api):
    response = api.get("/api/people/", {"min_level": 3})
    assert response.status_code == 400
    assert "min_level" in response.json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_level": 9, "skill": 1}, "min_level"),
        ({"team": "abc"}, "team"),
        ({"skill": 999999}, "skill"),
        ({"ordering": "password"}, "ordering"),
    ],
)
def test_people_list_bad_filters_are_400_with_field_messages(api, params, field):
    SkillFactory()
    response = api.get("/api/people/", params)
    assert response.status_code == 400
    assert isinstance(response.json()[field], list)


def test_people_list_orders_and_paginates(api):
    team = TeamFactory(name="Ordered")
    for last in ["Cole", "Adams", "Baker"]:
        PersonFactory(user__first_name="P", user__last_name=last, team=team)
    params = {"team": team.pk, "ordering": "name", "page_size": 2}
    body = api.get("/api/people/", params).json()
    assert body["count"] == 3
    assert [row["name"] for row in body["results"]] == ["P Adams", "P Baker"]
    body = api.get(body["next"]).json()
    assert [row["name"] for row in body["results"]] == ["P Cole"]
    params["ordering"] = "-name"
    body = api.get("/api/people/", params).json()
    assert [row["name"] for row in body["results"]] == ["P Cole", "P Baker"]


def _people(count: int) -> None:
    boss = PersonFactory()
    PersonFactory.create_batch(count, manager=boss)


@pytest.mark.parametrize("count", [10, 200])
def test_people_list_takes_a_constant_number_of_queries(
    api, count, django_assert_max_num_queries
):
    _people(count)
    with django_assert_max_num_queries(6):
        response = api.get("/api/people/", {"page_size": 500})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= count


@pytest.mark.parametrize("count", [10, 200])
def test_people_list_filtered_by_skill_takes_a_constant_number_of_queries(
    api, count, django_assert_max_num_queries
):
    skill = SkillFactory()
    PersonSkillFactory.create_batch(count, skill=skill, level=4)
    with django_assert_max_num_queries(8):
        response = api.get(
            "/api/people/",
            {"skill": skill.pk, "min_level": 3, "search": "e", "page_size": 500},
        )
    assert response.status_code == 200


# Person detail -----------------------------------------------------------------


def test_person_detail_shows_skills_and_learning_goals(api_as, manager):
    person = PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    category = SkillCategoryFactory(name="ML technique")
    nlp = SkillFactory(name="NLP", category=category)
    held = PersonSkillFactory(
        person=person,
        skill=nlp,
        level=4,
        interest=3,
        source=PersonSkill.Source.MANAGER,
        validated_by=manager,
    )
    goal = LearningGoalFactory(
        person=person, skill=SkillFactory(name="RL"), target_level=3, note="Next year"
    )
    response = api_as("data_scientist").get(f"/api/people/{person.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Ada Lovelace"
    assert body["skills"] == [
        {
            "id": held.pk,
            "skill": {
                "id": nlp.pk,
                "name": "NLP",
                "category": {"id": category.pk, "name": "ML technique"},
            },
            "level": 4,
            "level_label": "Expert",
            "interest": 3,
            "source": "manager",
            "last_used": None,
            "validated_by": {"id": manager.pk, "name": manager.get_full_name()},
            "validated_at": None,
        }
    ]
    assert body["learning_goals"][0]["id"] == goal.pk
    assert body["learning_goals"][0]["skill"]["name"] == "RL"
    assert body["learning_goals"][0]["target_level"] == 3
    assert body["learning_goals"][0]["note"] == "Next year"


@pytest.mark.parametrize("count", [10, 200])
def test_person_detail_takes_a_constant_number_of_queries(
    api, count, django_assert_max_num_queries, manager
):
    person = PersonFactory(manager=PersonFactory())
    for _ in range(count):
        PersonSkillFactory(person=person, validated_by=manager)
        LearningGoalFactory(person=person)
    with django_assert_max_num_queries(6):
        response = api.get(f"/api/people/{person.pk}/")
    assert len(response.json()["skills"]) == count
    assert len(response.json()["learning_goals"]) == count


def test_unknown_person_is_404_json(api):
    response = api.get("/api/people/999999/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_people_search_route_is_not_a_person_detail():
    match = resolve("/api/people/search/")
    assert match.url_name != "api-person-detail"


# People writes -----------------------------------------------------------------


def test_manager_creates_a_person_with_a_login(api, manager):
    team = TeamFactory(name="Vision")
    response = api.post(
        "/api/people/",
        {
            "username": "grace",
            "email": "grace@example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "team": team.pk,
            "timezone": "America/New_York",
            "capacity_fte": "0.8",
            "manager": manager.person.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Grace Hopper"
    assert body["team"] == {"id": team.pk, "name": "Vision"}
    assert body["capacity_fte"] == "0.80"
    assert body["skills"] == []
    person = Person.objects.get(pk=body["id"])
    assert person.user.username == "grace"
    assert mail.outbox == []  # no link unless asked


def test_a_person_created_with_send_password_link_is_mailed_a_link(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/people/",
            {
                "username": "ada",
                "email": "ada@example.com",
                "first_name": "Ada",
                "send_password_link": True,
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "/accounts/password/reset/" in message.body
    bad = api.post(
        "/api/people/",
        {
            "username": "bo",
            "email": "bo@example.com",
            "first_name": "Bo",
            "send_password_link": "maybe",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "send_password_link" in bad.json()
    assert not Person.objects.filter(user__username="bo").exists()


def test_person_create_with_missing_fields_is_400_and_writes_nothing(api):
    users, people = User.objects.count(), Person.objects.count()
    response = api.post("/api/people/", {"title": "Ghost"}, format="json")
    assert response.status_code == 400
    body = response.json()
    for field in ["username", "email", "first_name"]:
        assert isinstance(body[field], list) and body[field]
    assert (User.objects.count(), Person.objects.count()) == (users, people)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"capacity_fte": "1.5"}, "capacity_fte"),
        ({"team": 999999}, "team"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"username": "boss"}, "username"),
        ({"email": "BOSS@example.com"}, "email"),
    ],
)
def test_person_create_with_invalid_fields_is_400_and_writes_nothing(
    api, manager, changes, field
):
    users = User.objects.count()
    body = {
        "username": "grace",
        "email": "grace@example.com",
        "first_name": "Grace",
        **changes,
    }
    response = api.post("/api/people/", body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()[field], list)
    assert User.objects.count() == users


def test_manager_updates_a_person(api):
    person = PersonFactory(user__first_name="Ada", user__last_name="L")
    response = api.patch(
        f"/api/people/{person.pk}/",
        {"last_name": "Lovelace", "title": "Analyst", "team": None},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Ada Lovelace"
    assert response.json()["team"] is None
    person.refresh_from_db()
    assert person.title == "Analyst"


def test_put_and_delete_of_a_person_are_not_offered(api):
    person = PersonFactory()
    assert api.put(f"/api/people/{person.pk}/", {}, format="json").status_code == 405
    assert api.delete(f"/api/people/{person.pk}/").status_code == 405
    assert Person.objects.filter(pk=person.pk).exists()


def test_manager_deactivates_and_reactivates_a_person(api):
    person = PersonFactory()
    response = api.post(f"/api/people/{person.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["active"] is False
    person.refresh_from_db()
    assert person.active is False
    response = api.post(f"/api/people/{person.pk}/reactivate/")
    assert response.json()["active"] is True


def test_deactivating_an_unknown_person_is_404(api):
    assert api.post("/api/people/999999/deactivate/").status_code == 404


# Teams, categories, skills -----------------------------------------------------


def test_team_list_counts_active_members(api):
    team = TeamFactory(name="Vision")
    PersonFactory.create_batch(2, team=team)
    PersonFactory(team=team, active=False)
    response = api.get("/api/teams/", {"search": "vis"})
    assert response.json()["results"][0]["member_count"] == 2


def test_manager_creates_and_renames_a_team(api):
    parent = TeamFactory(name="ML")
    response = api.post(
        "/api/teams/", {"name": "Vision", "parent": parent.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["parent"] == {"id": parent.pk, "name": "ML"}
    team_id = response.json()["id"]
    response = api.patch(f"/api/teams/{team_id}/", {"name": "CV"}, format="json")
    assert response.status_code == 200
    assert Team.objects.get(pk=team_id).name == "CV"


def test_team_with_taken_name_is_400(api):
    TeamFactory(name="Vision")
    response = api.post("/api/teams/", {"name": "VISION"}, format="json")
    assert response.status_code == 400
    assert response.json()["name"]


def test_manager_creates_a_skill_with_aliases(api):
    category = SkillCategoryFactory(name="Language/tool")
    response = api.post(
        "/api/skills/",
        {"name": "scikit-learn", "category": category.pk, "aliases": ["sklearn"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["aliases"] == ["sklearn"]
    assert body["category"] == {"id": category.pk, "name": "Language/tool"}


@pytest.mark.parametrize(
    "aliases", [["tf"], ["TensorFlow"], ["a", "A"], ["", "x"], "sklearn"]
)
def test_skill_with_bad_aliases_is_400_with_a_message_list(api, aliases):
    SkillFactory(name="TensorFlow", aliases=["tf"])
    category = SkillCategoryFactory()
    response = api.post(
        "/api/skills/",
        {"name": "Keras", "category": category.pk, "aliases": aliases},
        format="json",
    )
    assert response.status_code == 400
    messages = response.json()["aliases"]
    assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    assert not Skill.objects.filter(name="Keras").exists()


def test_skill_list_filters_by_category_and_search(api):
    tools = SkillCategoryFactory(name="Language/tool")
    SkillFactory(name="scikit-learn", category=tools, aliases=["sklearn"])
    SkillFactory(name="NLP", category=SkillCategoryFactory(name="Domain"))
    response = api.get("/api/skills/", {"category": tools.pk})
    assert [row["name"] for row in response.json()["results"]] == ["scikit-learn"]
    response = api.get("/api/skills/", {"search": "SKLEARN"})
    assert [row["name"] for row in response.json()["results"]] == ["scikit-learn"]


def test_skill_category_create_and_list(api):
    response = api.post("/api/skill-categories/", {"name": "MLOps"}, format="json")
    assert response.status_code == 201
    SkillFactory(category_id=response.json()["id"])
    response = api.get(f"/api/skill-categories/{response.json()['id']}/")
    assert response.json()["skill_count"] == 1


# Person skills -----------------------------------------------------------------


def test_data_scientist_sets_their_own_skill_as_self_assessed(api_as):
    api = api_as("data_scientist")
    me = api.user.person
    skill = SkillFactory(name="PyTorch")
    response = api.post(
        "/api/person-skills/",
        {"person": me.pk, "skill": skill.pk, "level": 3, "interest": 2},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["level"], body["source"], body["validated_by"]) == (3, "self", None)
    response = api.post(
        "/api/person-skills/",
        {"person": me.pk, "skill": skill.pk, "level": 4},
        format="json",
    )
    assert response.status_code == 200
    assert PersonSkill.objects.get(person=me, skill=skill).level == 4
    assert AuditEvent.objects.filter(verb="person_skill.set").count() == 2


def test_data_scientist_cannot_set_someone_elses_skill(api_as):
    other = PersonFactory()
    response = api_as("data_scientist").post(
        "/api/person-skills/",
        {"person": other.pk, "skill": SkillFactory().pk, "level": 3},
        format="json",
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not PersonSkill.objects.filter(person=other).exists()


def test_manager_setting_someones_skill_counts_as_validated(api):
    other = PersonFactory()
    response = api.post(
        "/api/person-skills/",
        {"person": other.pk, "skill": SkillFactory().pk, "level": 2},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["source"] == "manager"
    assert response.json()["validated_by"]["id"] == api.user.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": 6}, "level"),
        ({"level": 0}, "level"),
        ({"level": "x"}, "level"),
        ({"level": 3, "interest": 7}, "interest"),
        ({"level": 3, "last_used": "yesterday"}, "last_used"),
        ({"level": 3, "skill": 999999}, "skill"),
        ({}, "level"),
    ],
)
def test_person_skill_with_bad_input_is_400_and_writes_nothing(api, body, field):
    person = PersonFactory()
    payload = {"person": person.pk, "skill": SkillFactory().pk, **body}
    response = api.post("/api/person-skills/", payload, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()[field], list)
    assert not PersonSkill.objects.filter(person=person).exists()


def test_data_scientist_patches_and_deletes_their_own_skill(api_as):
    api = api_as("data_scientist")
    held = PersonSkillFactory(person=api.user.person, level=2)
    response = api.patch(f"/api/person-skills/{held.pk}/", {"level": 3}, format="json")
    assert response.status_code == 200
    assert response.json()["level"] == 3
    assert api.delete(f"/api/person-skills/{held.pk}/").status_code == 204
    assert not PersonSkill.objects.filter(pk=held.pk).exists()
    assert AuditEvent.objects.filter(verb="person_skill.removed").exists()


def test_person_skills_list_filters(api):
    torch = SkillFactory(name="PyTorch")
    ada = PersonFactory()
    PersonSkillFactory(person=ada, skill=torch, level=4)
    PersonSkillFactory(person=ada, level=2, source=PersonSkill.Source.MANAGER)
    PersonSkillFactory(skill=torch, level=2)
    rows = api.get("/api/person-skills/", {"skill": torch.pk, "min_level": 3}).json()
    assert [r["person"]["id"] for r in rows["results"]] == [ada.pk]
    rows = api.get("/api/person-skills/", {"person": ada.pk, "source": "manager"})
    assert rows.json()["count"] == 1


def test_manager_validates_a_level(api):
    held = PersonSkillFactory(level=3)
    response = api.post(
        f"/api/person-skills/{held.pk}/validate/", {"level": 4}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["source"]) == (4, "manager")
    assert body["validated_by"]["id"] == api.user.pk
    assert body["validated_at"]


def test_manager_cannot_validate_their_own_level(api):
    held = PersonSkillFactory(person=api.user.person)
    response = api.post(f"/api/person-skills/{held.pk}/validate/", {}, format="json")
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.source == PersonSkill.Source.SELF


def test_validate_with_bad_level_is_400_and_unknown_is_404(api):
    held = PersonSkillFactory(level=3)
    response = api.post(
        f"/api/person-skills/{held.pk}/validate/", {"level": 8}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["level"]
    held.refresh_from_db()
    assert held.level == 3
    response = api.post("/api/person-skills/999999/validate/", {}, format="json")
    assert response.status_code == 404


# Learning goals ----------------------------------------------------------------


def test_data_scientist_sets_changes_and_removes_a_learning_goal(api_as):
    api = api_as("data_scientist")
    me = api.user.person
    skill = SkillFactory(name="RL")
    response = api.post(
        "/api/learning-goals/",
        {"person": me.pk, "skill": skill.pk, "target_level": 3, "note": "Q3"},
        format="json",
    )
    assert response.status_code == 201
    goal_id = response.json()["id"]
    response = api.patch(
        f"/api/learning-goals/{goal_id}/", {"target_level": 4}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["target_level"], response.json()["note"]) == (4, "Q3")
    assert api.delete(f"/api/learning-goals/{goal_id}/").status_code == 204
    assert not LearningGoal.objects.filter(pk=goal_id).exists()


def test_learning_goal_with_bad_level_is_400(api_as):
    api = api_as("data_scientist")
    response = api.post(
        "/api/learning-goals/",
        {"person": api.user.person.pk, "skill": SkillFactory().pk, "target_level": 9},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["target_level"]
    assert not LearningGoal.objects.exists()


def test_learning_goals_list_filters_by_person(api):
    goal = LearningGoalFactory()
    LearningGoalFactory()
    rows = api.get("/api/learning-goals/", {"person": goal.person_id}).json()
    assert [r["id"] for r in rows["results"]] == [goal.pk]

"""Permission matrix of the registry and initiatives API.

Every role in ROLES, and anonymous, against every endpoint and method, with the
expected status per cell. Refused requests write nothing (no audit event); allowed
writes are audited.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from teamhub.core.models import AuditEvent, User
from teamhub.people.models import Person
from tests.conftest import ROLES
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    LearningGoalFactory,
    PersonFactory,
    PersonSkillFactory,
    SkillCategoryFactory,
    SkillFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = None
# Token authentication comes first in the settings, so a request without credentials
# gets 401 with a WWW-Authenticate header.
ANONYMOUS_REFUSED = (401,)

Setup = Callable[[User | None], tuple[str, dict[str, Any] | None]]


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    setup: Setup
    expected: dict[str, int]

    def __str__(self) -> str:
        return self.name


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def managers(status: int) -> dict[str, int]:
    """Managers and admins may; data scientists and stakeholders may not."""
    return {
        "manager": status,
        "admin": status,
        "data_scientist": 403,
        "stakeholder": 403,
    }


def owners(status: int) -> dict[str, int]:
    """For one's own skills: managers, admins and data scientists may."""
    return {
        "manager": status,
        "admin": status,
        "data_scientist": status,
        "stakeholder": 403,
    }


def own_person(user: User | None) -> Person:
    """Return the person of ``user`` (made if the role has none); anonymous: anyone."""
    if user is None:
        return PersonFactory()
    person = Person.objects.filter(user=user).first()
    return person or PersonFactory(user=user)


def url(path: str) -> Setup:
    return lambda user: (path, None)


def obj(path: str, factory: Callable[[], Any], body: dict[str, Any] | None = None):
    def setup(user: User | None) -> tuple[str, dict[str, Any] | None]:
        return path.format(id=factory().pk), body

    return setup


def with_body(path: str, body: Callable[[User | None], dict[str, Any]]) -> Setup:
    return lambda user: (path, body(user))


def skill_of(person_for: Callable[[User | None], Person], path: str, body=None):
    def setup(user: User | None) -> tuple[str, dict[str, Any] | None]:
        held = PersonSkillFactory(person=person_for(user), level=3)
        return path.format(id=held.pk), body

    return setup


def goal_of(person_for: Callable[[User | None], Person], path: str, body=None):
    def setup(user: User | None) -> tuple[str, dict[str, Any] | None]:
        goal = LearningGoalFactory(person=person_for(user), target_level=3)
        return path.format(id=goal.pk), body

    return setup


def someone_else(user: User | None) -> Person:
    return PersonFactory()


CASES = [
    # Teams
    Case("teams list", "get", url("/api/teams/"), everyone(200)),
    Case("team detail", "get", obj("/api/teams/{id}/", TeamFactory), everyone(200)),
    Case(
        "team create",
        "post",
        with_body("/api/teams/", lambda u: {"name": "New team"}),
        managers(201),
    ),
    Case(
        "team update",
        "patch",
        obj("/api/teams/{id}/", TeamFactory, {"name": "Renamed"}),
        managers(200),
    ),
    # Skill categories
    Case("categories list", "get", url("/api/skill-categories/"), everyone(200)),
    Case(
        "category detail",
        "get",
        obj("/api/skill-categories/{id}/", SkillCategoryFactory),
        everyone(200),
    ),
    Case(
        "category create",
        "post",
        with_body("/api/skill-categories/", lambda u: {"name": "MLOps"}),
        managers(201),
    ),
    Case(
        "category update",
        "patch",
        obj("/api/skill-categories/{id}/", SkillCategoryFactory, {"name": "Ops"}),
        managers(200),
    ),
    # Skills
    Case("skills list", "get", url("/api/skills/"), everyone(200)),
    Case("skill detail", "get", obj("/api/skills/{id}/", SkillFactory), everyone(200)),
    Case(
        "skill create",
        "post",
        with_body(
            "/api/skills/",
            lambda u: {"name": "JAX", "category": SkillCategoryFactory().pk},
        ),
        managers(201),
    ),
    Case(
        "skill update",
        "patch",
        obj("/api/skills/{id}/", SkillFactory, {"aliases": ["jax"]}),
        managers(200),
    ),
    # People
    Case("people list", "get", url("/api/people/"), everyone(200)),
    Case(
        "person detail", "get", obj("/api/people/{id}/", PersonFactory), everyone(200)
    ),
    Case(
        "person create",
        "post",
        with_body(
            "/api/people/",
            lambda u: {
                "username": "grace",
                "email": "grace@example.com",
                "first_name": "Grace",
            },
        ),
        managers(201),
    ),
    Case(
        "person update",
        "patch",
        obj("/api/people/{id}/", PersonFactory, {"title": "Lead"}),
        managers(200),
    ),
    Case(
        "person delete (not offered)",
        "delete",
        obj("/api/people/{id}/", PersonFactory),
        managers(405),
    ),
    Case(
        "person deactivate",
        "post",
        obj("/api/people/{id}/deactivate/", PersonFactory),
        managers(200),
    ),
    Case(
        "person reactivate",
        "post",
        obj("/api/people/{id}/reactivate/", lambda: PersonFactory(active=False)),
        managers(200),
    ),
    # Person skills
    Case("person skills list", "get", url("/api/person-skills/"), everyone(200)),
    Case(
        "person skill detail",
        "get",
        skill_of(someone_else, "/api/person-skills/{id}/"),
        everyone(200),
    ),
    Case(
        "person skill set, own",
        "post",
        with_body(
            "/api/person-skills/",
            lambda u: {
                "person": own_person(u).pk,
                "skill": SkillFactory().pk,
                "level": 3,
            },
        ),
        owners(201),
    ),
    Case(
        "person skill set, someone else's",
        "post",
        with_body(
            "/api/person-skills/",
            lambda u: {
                "person": PersonFactory().pk,
                "skill": SkillFactory().pk,
                "level": 3,
            },
        ),
        managers(201),
    ),
    Case(
        "person skill update, own",
        "patch",
        skill_of(own_person, "/api/person-skills/{id}/", {"level": 4}),
        owners(200),
    ),
    Case(
        "person skill update, someone else's",
        "patch",
        skill_of(someone_else, "/api/person-skills/{id}/", {"level": 4}),
        managers(200),
    ),
    Case(
        "person skill remove, own",
        "delete",
        skill_of(own_person, "/api/person-skills/{id}/"),
        owners(204),
    ),
    Case(
        "person skill remove, someone else's",
        "delete",
        skill_of(someone_else, "/api/person-skills/{id}/"),
        managers(204),
    ),
    Case(
        "person skill validate, someone else's",
        "post",
        skill_of(someone_else, "/api/person-skills/{id}/validate/", {"level": 4}),
        managers(200),
    ),
    Case(
        "person skill validate, own",
        "post",
        skill_of(own_person, "/api/person-skills/{id}/validate/", {}),
        everyone(403),
    ),
    # Learning goals
    Case("learning goals list", "get", url("/api/learning-goals/"), everyone(200)),
    Case(
        "learning goal detail",
        "get",
        goal_of(someone_else, "/api/learning-goals/{id}/"),
        everyone(200),
    ),
    Case(
        "learning goal set, own",
        "post",
        with_body(
            "/api/learning-goals/",
            lambda u: {
                "person": own_person(u).pk,
                "skill": SkillFactory().pk,
                "target_level": 4,
            },
        ),
        owners(201),
    ),
    Case(
        "learning goal set, someone else's",
        "post",
        with_body(
            "/api/learning-goals/",
            lambda u: {
                "person": PersonFactory().pk,
                "skill": SkillFactory().pk,
                "target_level": 4,
            },
        ),
        managers(201),
    ),
    Case(
        "learning goal update, own",
        "patch",
        goal_of(own_person, "/api/learning-goals/{id}/", {"target_level": 5}),
        owners(200),
    ),
    Case(
        "learning goal update, someone else's",
        "patch",
        goal_of(someone_else, "/api/learning-goals/{id}/", {"target_level": 5}),
        managers(200),
    ),
    Case(
        "learning goal remove, own",
        "delete",
        goal_of(own_person, "/api/learning-goals/{id}/"),
        owners(204),
    ),
    Case(
        "learning goal remove, someone else's",
        "delete",
        goal_of(someone_else, "/api/learning-goals/{id}/"),
        managers(204),
    ),
    # Initiatives
    Case("initiatives list", "get", url("/api/initiatives/"), everyone(200)),
    Case(
        "initiative detail",
        "get",
        obj("/api/initiatives/{id}/", InitiativeFactory),
        everyone(200),
    ),
    Case(
        "initiative create",
        "post",
        with_body("/api/initiatives/", lambda u: {"key": "ML-99", "title": "Churn"}),
        managers(201),
    ),
    Case(
        "initiative update",
        "patch",
        obj("/api/initiatives/{id}/", InitiativeFactory, {"stage": "scoping"}),
        managers(200),
    ),
    # Assignments
    Case("assignments list", "get", url("/api/assignments/"), everyone(200)),
    Case(
        "assignment detail",
        "get",
        obj("/api/assignments/{id}/", AssignmentFactory),
        everyone(200),
    ),
    Case(
        "assignment create",
        "post",
        with_body(
            "/api/assignments/",
            lambda u: {
                "person": PersonFactory().pk,
                "initiative": InitiativeFactory().pk,
                "role": "DS",
                "allocation": 50,
                "start": "2026-01-01",
            },
        ),
        managers(201),
    ),
    Case(
        "assignment update",
        "patch",
        obj("/api/assignments/{id}/", AssignmentFactory, {"allocation": 20}),
        managers(200),
    ),
    Case(
        "assignment finish",
        "post",
        obj("/api/assignments/{id}/finish/", AssignmentFactory, {"outcome": "success"}),
        managers(200),
    ),
]


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_matrix(api_as, case: Case, role: str | None):
    client = api_as(role)
    user = getattr(client, "user", None)
    path, body = case.setup(user)
    events = AuditEvent.objects.count()
    response = getattr(client, case.method)(path, body, format="json")
    if role is ANONYMOUS:
        assert response.status_code in ANONYMOUS_REFUSED, response.content
        assert response.json()["detail"]
    else:
        expected = case.expected[role]
        assert response.status_code == expected, response.content
        if expected == 403:
            assert response.json()["detail"]
    written = AuditEvent.objects.count() - events
    if response.status_code in (201, 204) or (
        case.method in ("post", "patch") and response.status_code == 200
    ):
        assert written >= 1, "an allowed write must be audited"
    else:
        assert written == 0, "a refused or read request must write nothing"


def test_matrix_covers_every_route_of_the_registry_and_initiatives_apis():
    """A new route in these modules must get a row in the matrix."""
    from teamhub.initiatives.apis import urlpatterns as initiative_urls
    from teamhub.people.apis import urlpatterns as people_urls

    routes = {str(pattern.pattern) for pattern in [*people_urls, *initiative_urls]}
    covered = {
        "^labels/$",
        "^labels/(?P<pk>\\d+)/$",
        "^teams/$",
        "^teams/(?P<pk>\\d+)/$",
        "^skill-categories/$",
        "^skill-categories/(?P<pk>\\d+)/$",
        "^skills/$",
        "^skills/(?P<pk>\\d+)/$",
        "^people/$",
        "^people/(?P<pk>\\d+)/$",
        "people/<int:pk>/deactivate/",
        "people/<int:pk>/reactivate/",
        "^person-skills/$",
        "^person-skills/(?P<pk>\\d+)/$",
        "person-skills/<int:pk>/validate/",
        "^learning-goals/$",
        "^learning-goals/(?P<pk>\\d+)/$",
        "^initiatives/$",
        "^initiatives/(?P<pk>\\d+)/$",
        "^assignments/$",
        "^assignments/(?P<pk>\\d+)/$",
        "assignments/<int:pk>/finish/",
    }
    assert routes == covered

"""The staffing API under /api/staffing/."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import Assignment
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)
from teamhub.staffing.suggestions import request_compute
from tests.conftest import ROLES
from tests.factories import InitiativeFactory, SkillFactory
from tests.staffing.builders import (
    WINDOW_END,
    WINDOW_START,
    booking_build,
    people_build,
    request_build,
    suggestion_build,
)

pytestmark = pytest.mark.django_db

STATUS_WHEN_REFUSED = {None: 401, "data_scientist": 403, "stakeholder": 403}


def expected(role, ok):
    return STATUS_WHEN_REFUSED.get(role, ok)


def counts():
    return (
        StaffingRequest.objects.count(),
        RoleRequirement.objects.count(),
        RequiredSkill.objects.count(),
        Suggestion.objects.exclude(status="open").count(),
        Assignment.objects.count(),
        AuditEvent.objects.count(),
    )


def role_body(**kw):
    body = {
        "title": "ML engineer",
        "headcount": 1,
        "allocation": 50,
        "start": WINDOW_START.isoformat(),
        "end": WINDOW_END.isoformat(),
        "skills": [{"skill": "PyTorch", "min_level": 3, "importance": "must"}],
    }
    body.update(kw)
    return body


# -- the permission matrix -----------------------------------------------------------


def _endpoints(request, role, suggestion):
    """Every staffing endpoint: (method, url, body, status for a manager)."""
    return {
        "list": ("get", reverse("api-staffing-requests"), None, 200),
        "create": (
            "post",
            reverse("api-staffing-requests"),
            {"initiative": request.initiative_id, "roles": [role_body()]},
            201,
        ),
        "detail": (
            "get",
            reverse("api-staffing-request", args=[request.pk]),
            None,
            200,
        ),
        "recompute": (
            "post",
            reverse("api-staffing-request-recompute", args=[request.pk]),
            None,
            202,
        ),
        "role suggestions": (
            "get",
            reverse("api-staffing-role-suggestions", args=[role.pk]),
            None,
            200,
        ),
        "accept": (
            "post",
            reverse("api-staffing-suggestion-accept", args=[suggestion.pk]),
            None,
            201,
        ),
        "reject": (
            "post",
            reverse("api-staffing-suggestion-reject", args=[suggestion.pk]),
            {"reason": "Busy"},
            200,
        ),
        "lock": (
            "post",
            reverse("api-staffing-suggestion-lock", args=[suggestion.pk]),
            {"locked": True},
            200,
        ),
        "accept team": (
            "post",
            reverse("api-staffing-team-accept", args=[request.pk]),
            None,
            201,
        ),
        "close": (
            "post",
            reverse("api-staffing-request-close", args=[request.pk]),
            None,
            200,
        ),
    }


ENDPOINTS = [
    "list",
    "create",
    "detail",
    "recompute",
    "role suggestions",
    "accept",
    "reject",
    "lock",
    "accept team",
    "close",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role_name", [*ROLES, None])
def test_permission_matrix(
    api_as, role_name, endpoint, staffing_request, ml_role, candidates
):
    suggestion = suggestion_build(ml_role, candidates["ana"], in_team=True)
    method, url, body, ok = _endpoints(staffing_request, ml_role, suggestion)[endpoint]
    client = api_as(role_name)
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected(role_name, ok), response.content
    if response.status_code in (401, 403):
        assert "detail" in response.json()


def test_refused_callers_change_nothing(api_as, staffing_request, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"], in_team=True)
    before = counts()
    for role_name in ("data_scientist", "stakeholder", None):
        client = api_as(role_name)
        for endpoint in ENDPOINTS:
            method, url, body, _ok = _endpoints(staffing_request, ml_role, suggestion)[
                endpoint
            ]
            if method == "post":
                getattr(client, method)(url, body, format="json")
    assert counts() == before
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.locked) == ("open", False)


# -- create ------------------------------------------------------------------------


def test_create_resolves_skills_by_id_name_alias_and_typo(
    api_as, initiative, pytorch, sql, django_capture_on_commit_callbacks
):
    spark = SkillFactory(name="Apache Spark", aliases=["spark"])
    body = {
        "initiative": initiative.pk,
        "note": "Q3",
        "roles": [
            role_body(
                headcount=2,
                skills=[
                    {"skill": pytorch.pk, "min_level": 3},
                    {"skill": "spark", "min_level": 4, "importance": "must"},
                    {"skill": "sqll", "min_level": 2, "importance": "nice"},
                ],
            )
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("manager").post(
            reverse("api-staffing-requests"), body, format="json"
        )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["initiative"]["key"] == "CHURN-1"
    assert data["status"] == "open"
    (role,) = data["roles"]
    assert (role["title"], role["headcount"], role["allocation"]) == (
        "ML engineer",
        2,
        50,
    )
    assert {(s["skill"], s["min_level"], s["importance"]) for s in role["skills"]} == {
        (pytorch.pk, 3, "must"),
        (spark.pk, 4, "must"),
        (sql.pk, 2, "nice"),
    }
    assert "PyTorch" in {s["skill_name"] for s in role["skills"]}
    created = StaffingRequest.objects.get()
    assert created.computed_at is not None  # computed by the task on commit


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"skills": []}, "roles.0.skills"),
        ({"allocation": 0}, "roles.0.allocation"),
        ({"allocation": 150}, "roles.0.allocation"),
        ({"headcount": 0}, "roles.0.headcount"),
        ({"title": ""}, "roles.0.title"),
        ({"end": "2020-01-01"}, "roles.0.end"),
        (
            {"skills": [{"skill": "PyTorch", "min_level": 6}]},
            "roles.0.skills.0.min_level",
        ),
        (
            {"skills": [{"skill": "PyTorch", "min_level": 0}]},
            "roles.0.skills.0.min_level",
        ),
        (
            {"skills": [{"skill": "PyTorch", "min_level": 3, "importance": "often"}]},
            "roles.0.skills.0.importance",
        ),
        (
            {
                "skills": [
                    {"skill": "PyTorch", "min_level": 3},
                    {"skill": "pytorch", "min_level": 2},
                ]
            },
            "roles.0.skills.1.skill",
        ),
        (
            {"skills": [{"skill": "Underwater basket weaving", "min_level": 3}]},
            "roles.0.skills.0.skill",
        ),
        ({"skills": [{"skill": 99999, "min_level": 3}]}, "roles.0.skills.0.skill"),
    ],
)
def test_create_with_bad_input_is_400_naming_the_field_and_writes_nothing(
    api_as, initiative, pytorch, change, key
):
    client = api_as("manager")
    before = counts()
    response = client.post(
        reverse("api-staffing-requests"),
        {"initiative": initiative.pk, "roles": [role_body(**change)]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert key in response.json(), response.json()
    assert all(isinstance(m, str) and m for m in response.json()[key])
    assert counts() == before


def test_create_with_no_roles_or_no_initiative_is_400(api_as, initiative):
    client = api_as("manager")
    url = reverse("api-staffing-requests")
    response = client.post(
        url, {"initiative": initiative.pk, "roles": []}, format="json"
    )
    assert response.status_code == 400
    assert "roles" in response.json()
    response = client.post(url, {"roles": [role_body()]}, format="json")
    assert response.status_code == 400
    assert "initiative" in response.json()
    assert StaffingRequest.objects.count() == 0


def test_unknown_skill_says_what_it_could_mean(api_as, initiative, pytorch):
    response = api_as("manager").post(
        reverse("api-staffing-requests"),
        {
            "initiative": initiative.pk,
            "roles": [role_body(skills=[{"skill": "pytorc", "min_level": 3}])],
        },
        format="json",
    )
    # A close typo resolves (as in the skill search); a far one does not.
    assert response.status_code == 201
    response = api_as("manager").post(
        reverse("api-staffing-requests"),
        {
            "initiative": initiative.pk,
            "roles": [role_body(skills=[{"skill": "pyt", "min_level": 3}])],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "Unknown skill" in response.json()["roles.0.skills.0.skill"][0]


# -- list and detail -------------------------------------------------------------------


def test_list_is_paginated_filtered_and_counts(
    api_as, staffing_request, ml_role, candidates, django_assert_max_num_queries
):
    other = request_build(initiative=InitiativeFactory(), status="closed")
    suggestion_build(ml_role, candidates["ana"], status="accepted")
    client = api_as("manager")
    url = reverse("api-staffing-requests")
    with django_assert_max_num_queries(6):
        data = client.get(url).json()
    assert data["count"] == 2
    by_id = {r["id"]: r for r in data["results"]}
    mine = by_id[staffing_request.pk]
    assert (mine["role_count"], mine["headcount"], mine["accepted"]) == (1, 1, 1)
    assert mine["initiative"]["key"] == "CHURN-1"
    assert mine["stale"] is False
    closed = client.get(url, {"status": "closed"}).json()
    assert [r["id"] for r in closed["results"]] == [other.pk]
    mine_only = client.get(url, {"initiative": staffing_request.initiative_id}).json()
    assert [r["id"] for r in mine_only["results"]] == [staffing_request.pk]
    assert client.get(url, {"status": "nope"}).status_code == 400
    page = client.get(url, {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]


def test_detail_shows_roles_skills_team_and_staleness(
    api_as, staffing_request, candidates
):
    request_compute(request=staffing_request)
    data = (
        api_as("manager")
        .get(reverse("api-staffing-request", args=[staffing_request.pk]))
        .json()
    )
    (role,) = data["roles"]
    assert [s["skill_name"] for s in role["skills"]] == ["PyTorch", "SQL"]
    assert data["team"]["feasible"] is True
    assert data["team"]["members"] == {str(role["id"]): [candidates["ana"].pk]}
    assert data["computed_at"] is not None
    assert data["stale"] is False


def test_detail_of_a_missing_request_is_404(api_as):
    response = api_as("manager").get(reverse("api-staffing-request", args=[999]))
    assert response.status_code == 404


# -- suggestions ---------------------------------------------------------------------


def test_role_suggestions_show_matches_alternatives_terms_and_team(
    api_as, staffing_request, ml_role, candidates
):
    request_compute(request=staffing_request)
    data = (
        api_as("manager")
        .get(reverse("api-staffing-role-suggestions", args=[ml_role.pk]))
        .json()
    )
    assert [m["person"]["name"] for m in data["matches"]] == ["Ana Ruiz", "Ben Okafor"]
    assert [a["person"]["name"] for a in data["alternatives"]] == ["Cleo Park"]
    ana = data["matches"][0]
    assert ana["person"]["team"] == "Data Science"
    assert (ana["status"], ana["locked"], ana["in_team"]) == ("open", False, True)
    terms = ana["terms"]["terms"]
    assert {t["name"] for t in terms} >= {"skill_fit", "availability"}
    assert sum(t["contribution"] for t in terms) == pytest.approx(ana["score"])
    cleo_checks = data["alternatives"][0]["terms"]["checks"]
    assert any(c["skill"] == "PyTorch" and c["level"] == 2 for c in cleo_checks)
    assert [t["person"]["name"] for t in data["team"]] == ["Ana Ruiz"]
    assert (data["match_total"], data["alternative_total"]) == (2, 1)
    assert data["role"]["title"] == "ML engineer"
    assert data["proposal"]["feasible"] is True
    assert data["computed_at"] and data["stale"] is False


def test_role_suggestions_query_count_is_the_same_for_10_and_200_people(
    api_as, staffing_request, ml_role, django_assert_max_num_queries
):
    client = api_as("manager")
    url = reverse("api-staffing-role-suggestions", args=[ml_role.pk])
    people_build(10)
    request_compute(request=staffing_request)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["matches"]) == 10
    people_build(190)
    request_compute(request=staffing_request)
    with CaptureQueriesContext(connection) as many:
        data = client.get(url).json()
    # The best 20 are kept, and the team member if not among them (equal scores).
    assert 20 <= len(data["matches"]) <= 21
    assert data["match_total"] == 200
    assert len(few.captured_queries) == len(many.captured_queries)
    with django_assert_max_num_queries(8):
        client.get(url)


# -- decisions -----------------------------------------------------------------------


def test_accept_returns_the_suggestion_and_the_assignment(
    api_as, ml_role, candidates, initiative
):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    response = api_as("manager").post(
        reverse("api-staffing-suggestion-accept", args=[suggestion.pk])
    )
    assert response.status_code == 201
    data = response.json()
    assert data["suggestion"]["status"] == "accepted"
    assert data["assignment"]["status"] == "proposed"
    assert data["assignment"]["initiative"] == initiative.pk
    assert data["suggestion"]["assignment"] == data["assignment"]["id"]


def test_accepting_twice_is_409_and_writes_nothing(api_as, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    client = api_as("manager")
    url = reverse("api-staffing-suggestion-accept", args=[suggestion.pk])
    assert client.post(url).status_code == 201
    before = counts()
    response = client.post(url)
    assert response.status_code == 409
    assert "Ana Ruiz was already accepted" in response.json()["detail"]
    assert counts() == before


def test_accepting_after_the_person_became_unavailable_is_409(
    api_as, ml_role, candidates
):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    booking_build(candidates["ana"], allocation=80)
    before = counts()
    response = api_as("manager").post(
        reverse("api-staffing-suggestion-accept", args=[suggestion.pk])
    )
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("Ana Ruiz now has 20% free between")
    assert (body["free"], body["needed"]) == (20, 50)
    assert counts() == before


def test_reject_needs_a_reason_then_keeps_it(api_as, ml_role, candidates):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    client = api_as("manager")
    url = reverse("api-staffing-suggestion-reject", args=[suggestion.pk])
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(url, body, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
    assert Suggestion.objects.get(pk=suggestion.pk).status == "open"
    response = client.post(url, {"reason": "On parental leave"}, format="json")
    assert response.status_code == 200
    assert response.json()["reason"] == "On parental leave"
    assert client.post(url, {"reason": "again"}, format="json").status_code == 409


def test_lock_and_unlock(api_as, staffing_request, ml_role, candidates):
    request_compute(request=staffing_request)
    ben = Suggestion.objects.get(role=ml_role, person=candidates["ben"])
    client = api_as("manager")
    url = reverse("api-staffing-suggestion-lock", args=[ben.pk])
    data = client.post(url, {"locked": True}, format="json").json()
    assert (data["locked"], data["in_team"]) == (True, True)
    data = client.post(url, {"locked": False}, format="json").json()
    assert (data["locked"], data["in_team"]) == (False, False)
    assert client.post(url, {}, format="json").status_code == 400


def test_accept_team_all_or_nothing(api_as, staffing_request, ml_role, candidates):
    request_compute(request=staffing_request)
    client = api_as("manager")
    url = reverse("api-staffing-team-accept", args=[staffing_request.pk])
    booking_build(candidates["ana"], allocation=100)
    before = counts()
    response = client.post(url)
    assert response.status_code == 409
    assert "Ana Ruiz" in response.json()["detail"]
    assert counts() == before
    request_compute(request=staffing_request)  # Ben replaces her
    response = client.post(url)
    assert response.status_code == 201
    (assignment,) = response.json()["assignments"]
    assert assignment["person"] == candidates["ben"].pk


def test_recompute_is_202_and_computes(
    api_as, staffing_request, candidates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("manager").post(
            reverse("api-staffing-request-recompute", args=[staffing_request.pk])
        )
    assert response.status_code == 202
    assert StaffingRequest.objects.get().computed_at is not None


def test_decisions_on_missing_rows_are_404(api_as):
    client = api_as("manager")
    for name in (
        "api-staffing-suggestion-accept",
        "api-staffing-suggestion-reject",
        "api-staffing-suggestion-lock",
        "api-staffing-team-accept",
        "api-staffing-request-recompute",
        "api-staffing-role-suggestions",
    ):
        method = client.get if name.endswith("suggestions") else client.post
        assert method(reverse(name, args=[4242])).status_code == 404, name


# -- admin ---------------------------------------------------------------------------


def test_admins_edit_every_staffing_model_in_the_admin(
    client_as, staffing_request, ml_role, candidates
):
    suggestion = suggestion_build(ml_role, candidates["ana"])
    skill = ml_role.skills.first()
    client = client_as("admin")
    for model, pk in (
        ("staffingrequest", staffing_request.pk),
        ("rolerequirement", ml_role.pk),
        ("requiredskill", skill.pk),
        ("suggestion", suggestion.pk),
    ):
        assert (
            client.get(reverse(f"admin:staffing_{model}_changelist")).status_code == 200
        )
        assert (
            client.get(reverse(f"admin:staffing_{model}_change", args=[pk])).status_code
            == 200
        ), model
        assert client.get(reverse(f"admin:staffing_{model}_add")).status_code == 200

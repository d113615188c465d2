"""The staffing pages: the list, the new-request form, a request with its
proposed team, a role with every candidate explained, and the decisions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.initiatives.models import Assignment
from teamhub.initiatives.services_boards import board_create
from teamhub.initiatives.services_cards import card_add
from teamhub.people.models import Person, Skill
from teamhub.staffing import services
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)
from teamhub.staffing.records import (
    EvidenceLink,
    PulledFrom,
    ScoredCandidate,
    SkillCheck,
    Term,
    WeekLoad,
)
from tests.conftest import ROLES
from tests.factories import InitiativeFactory
from tests.staffing.builders import (
    WINDOW_END,
    WINDOW_START,
    booking_build,
    person_build,
    request_build,
    role,
    suggestion_build,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = None
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


# Scenes ----------------------------------------------------------------------------


def terms_for(
    person: Person,
    *,
    checks: list[tuple[Skill, int, str, int | None, str | None, bool]],
    load: float = 0.2,
    pulled: tuple[PulledFrom, ...] = (),
    evidence: tuple[EvidenceLink, ...] = (),
) -> tuple[float, dict[str, Any]]:
    """Return (score, Suggestion.terms) as the engine stores them, built with the
    contract's own records. ``checks``: (skill, min, importance, level, source,
    verified)."""
    terms = (
        Term("skill_fit", "Skill fit", 0.8, 0.45, 0.36, "PyTorch 4 (needs 3)"),
        Term("availability", "Availability", 0.6, 0.2, 0.12, "60% free"),
        Term("track_record", "Track record", 0.5, 0.1, 0.05, "2 of 3 similar"),
        Term("recency", "Recency", 0.7, 0.1, 0.07, "Used PyTorch 10 days ago"),
        Term("growth", "Growth", 0.0, 0.05, 0.0, "No learning goal here"),
        Term("load", "Load", load, -0.25, -0.25 * load, "Booked 80% now"),
    )
    candidate = ScoredCandidate(
        person_id=person.pk,
        name=person.name,
        team_name=person.team.name if person.team else "",
        score=sum(t.contribution for t in terms),
        terms=terms,
        checks=tuple(
            SkillCheck(
                skill_id=skill.pk,
                name=skill.name,
                min_level=min_level,
                importance=importance,  # type: ignore[arg-type]
                level=level,
                source=source,
                verified=verified,
                evidence=evidence if verified else (),
            )
            for skill, min_level, importance, level, source, verified in checks
        ),
        free=60,
        strip=tuple(
            WeekLoad(
                week=WINDOW_START + dt.timedelta(weeks=i), load=load_, free=100 - load_
            )
            for i, load_ in enumerate([40, 40, 100, 0])
        ),
        pulled_from=pulled,
        mentors=(("SQL", "Ana Ruiz"),),
    )
    return candidate.score, candidate.as_json()


@pytest.fixture
def scene(
    staffing_request: StaffingRequest,
    ml_role: RoleRequirement,
    candidates: dict[str, Person],
    pytorch: Skill,
    sql: Skill,
) -> dict[str, Any]:
    """The request as a computation leaves it: Ana (in the team) and Ben match,
    Cleo is an alternative (PyTorch 2 < 3)."""
    ana, ben, cleo = candidates["ana"], candidates["ben"], candidates["cleo"]
    frd = InitiativeFactory(key="FRD-3", title="Fraud rules")
    score, terms = terms_for(
        ana,
        checks=[
            (pytorch, 3, "must", 4, "manager", True),
            (sql, 2, "nice", 3, "self", False),
        ],
        pulled=(PulledFrom(frd.pk, "FRD-3", "Fraud rules", 60, "confirmed"),),
        evidence=(
            EvidenceLink(
                "Train the churn model on GPUs",
                "https://git.example.com/commit/abc",
                WINDOW_START,
                "git",
            ),
        ),
    )
    suggestions = {
        "ana": suggestion_build(
            ml_role, ana, score=score, terms=terms, rank=1, in_team=True
        ),
    }
    score, terms = terms_for(
        ben,
        checks=[
            (pytorch, 3, "must", 3, "self", False),
            (sql, 2, "nice", None, None, False),
        ],
    )
    suggestions["ben"] = suggestion_build(
        ml_role, ben, score=score, terms=terms, rank=2
    )
    score, terms = terms_for(
        cleo,
        checks=[
            (pytorch, 3, "must", 2, "self", False),
            (sql, 2, "nice", 4, "self", False),
        ],
    )
    suggestions["cleo"] = suggestion_build(
        ml_role,
        cleo,
        score=score,
        terms=terms,
        rank=3,
        kind=Suggestion.Kind.ALTERNATIVE,
    )
    staffing_request.computed_at = timezone.now() - dt.timedelta(minutes=3)
    staffing_request.team = {
        "method": "Min-cost assignment (Hungarian algorithm) with a repair step.",
        "members": {str(ml_role.pk): [ana.pk]},
        "coverage": {str(pytorch.pk): [ana.pk]},
        "single_points": [pytorch.pk],
        "unmet": [],
        "feasible": True,
        "totals": {str(ml_role.pk): {"matches": 2, "alternatives": 1}},
    }
    staffing_request.save()
    return {"request": staffing_request, "role": ml_role, **suggestions}


def page(name: str, pk: int | None = None) -> str:
    return reverse(f"staffing:{name}", args=[pk] if pk is not None else [])


def new_request_data(target: Any, **overrides: str) -> dict[str, str]:
    data = {
        "initiative": str(target.pk),
        "note": "Churn model v2",
        "role-0-title": "Data engineer",
        "role-0-headcount": "2",
        "role-0-allocation": "50",
        "role-0-start": WINDOW_START.isoformat(),
        "role-0-end": WINDOW_END.isoformat(),
        "role-0-skill-0-skill": "PyTorch",
        "role-0-skill-0-min_level": "3",
        "role-0-skill-0-importance": "must",
        "role-0-skill-1-skill": "sql",
        "role-0-skill-1-min_level": "2",
        "role-0-skill-1-importance": "nice",
        "role-0-skill-2-skill": "",
        "role-0-skill-2-min_level": "3",
        "role-0-skill-2-importance": "must",
        # The second, blank role the page offers is ignored.
        "role-1-title": "",
        "role-1-headcount": "1",
        "role-1-allocation": "50",
        "role-1-start": "",
        "role-1-end": "",
        "role-1-skill-0-skill": "",
        "role-1-skill-0-min_level": "3",
        "role-1-skill-0-importance": "must",
    }
    data.update(overrides)
    return data


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Permissions -----------------------------------------------------------------------

PAGE_STATUS = {
    "manager": 200,
    "admin": 200,
    "data_scientist": 403,
    "stakeholder": 403,
    ANONYMOUS: 302,
}
POST_STATUS = {**PAGE_STATUS, "manager": 302, "admin": 302}


@pytest.mark.parametrize("who", [*ROLES, ANONYMOUS])
@pytest.mark.parametrize("name", ["index", "new", "request", "role"])
def test_pages_are_for_managers_and_admins(
    client_as: Callable[[str | None], Client],
    scene: dict[str, Any],
    who: str | None,
    name: str,
) -> None:
    pk = {"request": scene["request"].pk, "role": scene["role"].pk}.get(name)
    response = client_as(who).get(page(name, pk))
    assert response.status_code == PAGE_STATUS[who]
    if who is ANONYMOUS:
        assert response["Location"].startswith("/accounts/login/")
    if response.status_code == 403:
        assert (
            "Only managers and admins staff initiatives." in response.content.decode()
        )


def _post_cases(
    scene: dict[str, Any], initiative: Any
) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "new": (page("new"), new_request_data(initiative)),
        "accept": (page("accept", scene["ana"].pk), {}),
        "reject": (page("reject", scene["ben"].pk), {"reason": "Moving teams"}),
        "lock": (page("lock", scene["ana"].pk), {"locked": "on"}),
        "team-accept": (page("team-accept", scene["request"].pk), {}),
        "recompute": (page("recompute", scene["request"].pk), {}),
        "close": (page("close", scene["request"].pk), {}),
    }


def _state() -> tuple[Any, ...]:
    return (
        StaffingRequest.objects.count(),
        list(StaffingRequest.objects.values_list("status", flat=True)),
        list(
            Suggestion.objects.values_list("status", "locked", "reason").order_by("id")
        ),
        Assignment.objects.count(),
    )


@pytest.mark.parametrize("who", [*ROLES, ANONYMOUS])
@pytest.mark.parametrize(
    "action", ["new", "accept", "reject", "lock", "team-accept", "recompute", "close"]
)
def test_decisions_are_for_managers_and_admins(
    client_as: Callable[[str | None], Client],
    scene: dict[str, Any],
    initiative: Any,
    who: str | None,
    action: str,
) -> None:
    url, data = _post_cases(scene, initiative)[action]
    client = client_as(who)
    before = _state()
    response = client.post(url, data, **HTML)
    assert response.status_code == POST_STATUS[who], response.content[:2000]
    if POST_STATUS[who] != 302 or who is ANONYMOUS:
        assert _state() == before, "a refused action wrote something"


def test_pages_refuse_get_on_decisions(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    assert client_as("manager").get(page("accept", scene["ana"].pk)).status_code == 405


def test_navigation_shows_staffing_to_managers_only(
    client_as: Callable[..., Client],
) -> None:
    link = f'href="{page("index")}"'
    assert (
        link in client_as("manager").get(reverse("people:directory")).content.decode()
    )
    assert (
        link
        not in client_as("data_scientist")
        .get(reverse("people:directory"))
        .content.decode()
    )


# The list --------------------------------------------------------------------------


def test_index_lists_open_requests_with_roles_progress_and_team_badge(
    client_as: Callable[..., Client], scene: dict[str, Any], manager: Any
) -> None:
    board = board_create(actor=manager, name="DS", include_initiatives=False)
    card = card_add(actor=manager, board=board, initiative=scene["request"].initiative)
    request_build(status=StaffingRequest.Status.CLOSED, roles=[role("Closed role")])
    response = client_as("manager").get(page("index"))
    html = response.content.decode()
    assert response.status_code == 200
    row = re.search(rf'<tr data-request="{scene["request"].pk}">.*?</tr>', html, re.S)
    assert row is not None
    text = row.group(0)
    assert "CHURN-1" in text and "Churn model" in text
    assert f'href="{card.get_absolute_url()}"' in text
    assert re.search(r"ML engineer ×1 · 50% · \d+ \w{3} – \d+ \w{3}", text)
    assert "0 of 1" in text
    assert "Team found" in text
    assert "Closed role" not in html  # open ones only by default
    closed = (
        client_as("manager").get(page("index"), {"status": "closed"}).content.decode()
    )
    assert "Closed role" in closed and "CHURN-1" not in closed


def test_index_shows_stale_and_infeasible_requests(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    staffing = scene["request"]
    staffing.stale_since = timezone.now()
    staffing.team = {**staffing.team, "feasible": False}
    staffing.save()
    html = client_as("manager").get(page("index")).content.decode()
    assert "recomputing…" in html
    assert "cannot be met" in html


def test_index_empty_state_says_what_to_do(client_as: Callable[..., Client]) -> None:
    html = client_as("manager").get(page("index")).content.decode()
    assert "No open staffing requests." in html
    assert f'href="{page("new")}"' in html


def test_index_is_paginated_in_constant_queries(
    client_as: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    client = client_as("manager")
    request_build()
    with CaptureQueriesContext(connection) as small:
        assert client.get(page("index")).status_code == 200
    for _ in range(24):
        request_build(roles=[role(), role("Data engineer")])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(page("index"))
    assert response.content.decode().count("<tr data-request=") == 20
    assert "page 1 of 2" in response.content.decode()


# New request -----------------------------------------------------------------------


def test_new_request_form_offers_roles_and_skill_rows_without_javascript(
    client_as: Callable[..., Client], initiative: Any
) -> None:
    response = client_as("manager").get(page("new"), {"initiative": initiative.pk})
    html = response.content.decode()
    assert html.count('data-testid="role-block"') >= 3  # 2 + the <template>
    assert 'name="role-1-skill-3-skill"' in html
    assert f'<option value="{initiative.pk}" selected>' in html
    assert 'list="staffing-skill-names"' in html and "<datalist" in html


def test_new_request_creates_and_redirects_with_a_message(
    client_as: Callable[..., Client], initiative: Any, pytorch: Skill, sql: Skill
) -> None:
    response = client_as("manager").post(
        page("new"), new_request_data(initiative), follow=True
    )
    staffing = StaffingRequest.objects.get()
    assert response.redirect_chain[-1][0] == page("request", staffing.pk)
    assert any(
        "Created the staffing request for CHURN-1" in m for m in messages_of(response)
    )
    role_ = staffing.roles.get()
    assert (role_.role, role_.headcount, role_.allocation) == ("Data engineer", 2, 50)
    assert sorted(
        role_.skills.values_list("skill__name", "min_level", "importance")
    ) == [
        ("PyTorch", 3, "must"),
        ("SQL", 2, "nice"),
    ]


BAD_INPUT = {
    "no role": (
        {"role-0-title": "", "role-0-skill-0-skill": "", "role-0-skill-1-skill": ""},
        "Name the role",
    ),
    "role without skills": (
        {"role-0-skill-0-skill": "", "role-0-skill-1-skill": ""},
        "Add at least one required skill to this role.",
    ),
    "level above 5": ({"role-0-skill-0-min_level": "7"}, "Choose a level from 1 to 5."),
    "level 0": ({"role-0-skill-0-min_level": "0"}, "Choose a level from 1 to 5."),
    "end before start": (
        {"role-0-end": (WINDOW_START - dt.timedelta(days=1)).isoformat()},
        "The end comes before the start.",
    ),
    "allocation 0": (
        {"role-0-allocation": "0"},
        "Allocation is a percent of a week: 1 to 100.",
    ),
    "allocation 101": (
        {"role-0-allocation": "101"},
        "Allocation is a percent of a week: 1 to 100.",
    ),
    "unknown skill": ({"role-0-skill-0-skill": "Quantum knitting"}, "Unknown skill"),
    "same skill twice": (
        {"role-0-skill-1-skill": "pytorch"},
        "This skill is already asked for in this role.",
    ),
    "no initiative": ({"initiative": ""}, "Choose the initiative that needs people."),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_new_request_is_400_with_the_message_and_nothing_written(
    client_as: Callable[..., Client],
    initiative: Any,
    pytorch: Skill,
    sql: Skill,
    case: str,
) -> None:
    overrides, message = BAD_INPUT[case]
    data = new_request_data(initiative, **overrides)
    response = client_as("manager").post(page("new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "Nothing was created" in html
    assert StaffingRequest.objects.count() == 0
    assert RoleRequirement.objects.count() == 0
    # The user's input is kept.
    if data["role-0-title"]:
        assert 'value="Data engineer"' in html
    assert "Churn model v2" in html


def test_service_validation_error_is_shown_next_to_the_field(
    client_as: Callable[..., Client],
    initiative: Any,
    pytorch: Skill,
    sql: Skill,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise ValidationError(
            {"roles.0.end": ["The role ends after the initiative's target date."]}
        )

    monkeypatch.setattr(services, "staffing_request_create", refuse)
    response = client_as("manager").post(page("new"), new_request_data(initiative))
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(
        r'id="id_role-0-end_error"[^>]*>The role ends after the initiative',
        html,
    )


# A request -------------------------------------------------------------------------


def test_request_page_shows_team_coverage_method_and_top_matches(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    response = client_as("manager").get(page("request", scene["request"].pk))
    html = response.content.decode()
    assert response.status_code == 200
    team = re.search(r'data-testid="team".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "Ana Ruiz" in team and "Ben Okafor" not in team
    assert "Accept proposed team" in team
    assert "PyTorch ≥ 3" in team
    assert "single point of failure" in team
    assert "Min-cost assignment (Hungarian algorithm)" in team
    assert "0 of 1 accepted" in team
    assert "computed" in html and "3\xa0minutes ago" in html
    assert "All 2 candidates and 1 alternative" in html
    assert html.count('data-testid="candidate"') == 2  # the matches, not Cleo
    assert f'href="{page("role", scene["role"].pk)}"' in html


def test_request_page_explains_an_infeasible_team(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    staffing = scene["request"]
    staffing.team = {
        **staffing.team,
        "feasible": False,
        "unmet": [
            {
                "role_id": scene["role"].pk,
                "skill_id": None,
                "message": "ML engineer: 1 of 2 people found",
                "fixes": ["Lowering PyTorch from 3 to 2 adds 6 candidates"],
            }
        ],
    }
    staffing.save()
    html = client_as("manager").get(page("request", staffing.pk)).content.decode()
    unmet = re.search(r'data-testid="unmet".*?</div>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "No feasible team" in unmet
    assert (
        "ML engineer: 1 of 2 people found — Lowering PyTorch from 3 to 2 adds 6 "
        "candidates" in unmet
    )


def test_request_page_says_when_it_is_stale(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    staffing = scene["request"]
    staffing.stale_since = timezone.now()
    staffing.save()
    html = client_as("manager").get(page("request", staffing.pk)).content.decode()
    assert "Skills or allocations changed" in html and "recomputing" in html
    assert f'action="{page("recompute", staffing.pk)}"' in html


def test_missing_request_and_role_are_404(client_as: Callable[..., Client]) -> None:
    client = client_as("manager")
    assert client.get(page("request", 999)).status_code == 404
    assert client.get(page("role", 999)).status_code == 404


# A role and the explanation ---------------------------------------------------------


def _candidate(html: str, suggestion: Suggestion) -> str:
    found = re.search(
        rf'<article[^>]*id="suggestion-{suggestion.pk}".*?</article>', html, re.S
    )
    assert found is not None
    return found.group(0)


def test_role_page_lists_matches_then_alternatives_then_rejected(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    scene["ben"].status = Suggestion.Status.REJECTED
    scene["ben"].reason = "Moving to the platform team in January"
    scene["ben"].save()
    html = client_as("manager").get(page("role", scene["role"].pk)).content.decode()
    matches = html.index("Matches")
    alternatives = html.index("Alternatives — missing a must-have")
    rejected = html.index('id="rejected-heading"')
    assert matches < html.index("Ana Ruiz") < alternatives < html.index("Cleo Park")
    assert rejected < html.index("Moving to the platform team in January")
    cleo = _candidate(html, scene["cleo"])
    assert "PyTorch 2 &lt; 3" in cleo and "text-bg-danger" in cleo
    assert "Alternative" in cleo


def test_explanation_renders_every_term_gap_badge_strip_and_pulled_from(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    html = client_as("manager").get(page("role", scene["role"].pk)).content.decode()
    ana = _candidate(html, scene["ana"])
    assert f'href="{scene["ana"].person.get_absolute_url()}"' in ana
    assert "Data Science" in ana
    for label in [
        "Skill fit",
        "Availability",
        "Track record",
        "Recency",
        "Growth",
        "Load",
    ]:
        assert f">{label}<" in ana
    assert ana.count('data-testid="term"') == 6
    assert "+0.36" in ana and "-0.05" in ana and "+0.00" in ana
    assert "PyTorch 4 (needs 3)" in ana  # the term's sentence
    assert re.search(r'data-term="load".*?bg-warning', ana, re.S)
    assert "PyTorch 4 ≥ 3" in ana and "SQL 3 ≥ 2" in ana
    assert 'data-testid="verified"' in ana and 'data-testid="self-reported"' in ana
    assert 'href="https://git.example.com/commit/abc"' in ana
    assert "Train the churn model on GPUs" in ana
    assert ana.count("staffing-strip-cell") == 4
    first_week = WINDOW_START.strftime("%-d %b")
    assert f'title="week of {first_week}: 40% booked, 60% free"' in ana
    assert "strip-free" in ana and "strip-none" in ana
    assert re.search(
        r"Would be pulled from\s*<span[^>]*><strong>FRD-3</strong> \(60%\)", ana
    )
    assert "Can learn SQL from Ana Ruiz" in ana
    # A nice-to-have not held is grey; Ben's PyTorch is only self-reported.
    ben = _candidate(html, scene["ben"])
    assert re.search(r'data-testid="check-nice"[^>]*>SQL –<', ben)
    assert 'data-testid="verified"' not in ben
    for action in ("accept", "reject", "lock"):
        assert f'action="{page(action, scene["ben"].pk)}"' in ben


@pytest.mark.parametrize("count", [3, 30])
def test_request_and_role_pages_use_constant_queries(
    client_as: Callable[..., Client],
    staffing_request: StaffingRequest,
    ml_role: RoleRequirement,
    pytorch: Skill,
    sql: Skill,
    django_assert_max_num_queries: Any,
    count: int,
) -> None:
    client = client_as("manager")
    second = RoleRequirement.objects.create(
        request=staffing_request,
        role="Data engineer",
        allocation=50,
        start=WINDOW_START,
        end=WINDOW_END,
        position=1,
    )
    RequiredSkill.objects.create(role=second, skill=sql, min_level=3)
    members = []
    for index in range(count):
        person = person_build(f"Person {index}", team=f"Team {index}")
        for target in (ml_role, second):
            score, terms = terms_for(
                person,
                checks=[(pytorch, 3, "must", 4, "self", index % 2 == 0)],
                pulled=(PulledFrom(1, "FRD-3", "Fraud", 20, "confirmed"),),
            )
            suggestion = suggestion_build(
                target,
                person,
                score=score,
                terms=terms,
                rank=index,
                in_team=index < 2,
                kind="match" if index % 3 else "alternative",
                status="rejected" if index == count - 1 else "open",
            )
            if index < 2:
                members.append(suggestion.person_id)
    staffing_request.computed_at = timezone.now()
    staffing_request.team = {
        "method": "x",
        "members": {str(ml_role.pk): members[:2], str(second.pk): members[2:]},
        "coverage": {str(pytorch.pk): members},
        "single_points": [],
        "unmet": [],
        "feasible": True,
    }
    staffing_request.save()
    # The same ceiling at 3 and 30 candidates: nothing is read per candidate
    # (session, user, roles, request, roles, skills, suggestions, card link,
    # inbox count, the bar's person).
    with django_assert_max_num_queries(10):
        response = client.get(page("request", staffing_request.pk))
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(page("role", ml_role.pk))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="candidate"') == count - 1


# Decisions -------------------------------------------------------------------------


def test_accept_creates_a_proposed_assignment_and_says_so(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    back = page("role", scene["role"].pk)
    response = client_as("manager").post(
        page("accept", scene["ana"].pk), {"next": back}, follow=True, **HTML
    )
    assert response.redirect_chain[-1][0] == back
    assert any("Accepted Ana Ruiz as ML engineer" in m for m in messages_of(response))
    scene["ana"].refresh_from_db()
    assert scene["ana"].status == Suggestion.Status.ACCEPTED
    assignment = Assignment.objects.get(person=scene["ana"].person)
    assert assignment.status == Assignment.Status.PROPOSED
    html = response.content.decode()
    assert 'data-testid="badge-accepted"' in _candidate(html, scene["ana"])


def test_accepting_twice_is_a_conflict_with_the_reason(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    client = client_as("manager")
    url = page("accept", scene["ana"].pk)
    assert client.post(url, **HTML).status_code == 302
    # A browser is sent back with the reason ...
    response = client.post(url, follow=True, **HTML)
    assert response.redirect_chain[-1][0] == page("role", scene["role"].pk)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and errors[0]
    assert errors[0] in response.content.decode().replace("&#x27;", "'")
    # ... and another client gets the page with status 409 and the same reason.
    response = client.post(url)
    assert response.status_code == 409
    assert errors[0] in response.content.decode().replace("&#x27;", "'")
    assert Assignment.objects.filter(person=scene["ana"].person).count() == 1


def test_accepting_someone_no_longer_available_is_409_and_writes_nothing(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    booking_build(scene["ana"].person, allocation=100)
    before = Assignment.objects.count()
    response = client_as("manager").post(page("accept", scene["ana"].pk))
    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    assert Assignment.objects.count() == before
    scene["ana"].refresh_from_db()
    assert scene["ana"].status == Suggestion.Status.OPEN


def test_reject_keeps_the_reason(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    response = client_as("manager").post(
        page("reject", scene["ben"].pk),
        {"reason": "Leaving in January", "next": page("request", scene["request"].pk)},
        follow=True,
        **HTML,
    )
    assert response.redirect_chain[-1][0] == page("request", scene["request"].pk)
    assert any("Rejected Ben Okafor" in m for m in messages_of(response))
    scene["ben"].refresh_from_db()
    assert (scene["ben"].status, scene["ben"].reason) == (
        "rejected",
        "Leaving in January",
    )


def test_reject_without_a_reason_is_400_next_to_the_field(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    response = client_as("manager").post(
        page("reject", scene["ben"].pk),
        {"reason": "  ", "next": page("role", scene["role"].pk)},
        **HTML,
    )
    html = response.content.decode()
    assert response.status_code == 400
    ben = _candidate(html, scene["ben"])
    assert 'data-testid="error-reason"' in ben and "Say why" in ben
    assert '<details class="staffing-reject" open>' in ben
    scene["ben"].refresh_from_db()
    assert scene["ben"].status == Suggestion.Status.OPEN


def test_next_outside_staffing_is_ignored(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    response = client_as("manager").post(
        page("reject", scene["ben"].pk),
        {"reason": "No", "next": "https://evil.example.com/"},
        **HTML,
    )
    assert response["Location"] == page("role", scene["role"].pk)


def test_team_accept_accepts_the_proposed_team(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    response = client_as("manager").post(
        page("team-accept", scene["request"].pk), follow=True, **HTML
    )
    assert response.redirect_chain[-1][0] == page("request", scene["request"].pk)
    assert any(
        "Accepted the proposed team for CHURN-1" in m for m in messages_of(response)
    )
    scene["ana"].refresh_from_db()
    assert scene["ana"].status == Suggestion.Status.ACCEPTED
    team = re.search(
        r'data-testid="team".*?</section>', response.content.decode(), re.S
    ).group(0)  # type: ignore[union-attr]
    assert 'data-testid="badge-accepted"' in team
    assert "1 of 1 accepted" in team


def test_close_then_decisions_are_conflicts(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    client = client_as("manager")
    response = client.post(page("close", scene["request"].pk), follow=True, **HTML)
    assert any("Closed the staffing request" in m for m in messages_of(response))
    scene["request"].refresh_from_db()
    assert scene["request"].status == StaffingRequest.Status.CLOSED
    html = client.get(page("request", scene["request"].pk)).content.decode()
    assert 'data-testid="accept"' not in html and "Accept proposed team" not in html
    assert client.post(page("accept", scene["ben"].pk)).status_code == 409
    assert not Assignment.objects.filter(person=scene["ben"].person).exists()


def test_lock_keeps_a_pick_and_unlock_releases_it(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    client = client_as("manager")
    response = client.post(page("lock", scene["ana"].pk), {"locked": "on"}, **HTML)
    assert response.status_code == 302
    scene["ana"].refresh_from_db()
    assert scene["ana"].locked
    response = client.post(page("lock", scene["ana"].pk), {}, follow=True, **HTML)
    assert any("Unlocked Ana Ruiz" in m for m in messages_of(response))
    scene["ana"].refresh_from_db()
    assert not scene["ana"].locked


# The initiative's card -------------------------------------------------------------


def test_card_page_offers_managers_to_request_people(
    client_as: Callable[..., Client], scene: dict[str, Any], manager: Any
) -> None:
    board = board_create(actor=manager, name="DS", include_initiatives=False)
    card = card_add(actor=manager, board=board, initiative=scene["request"].initiative)
    html = client_as("manager").get(card.get_absolute_url()).content.decode()
    new = f"{page('new')}?initiative={card.initiative_id}"
    assert f'href="{new}"' in html
    assert f'href="{page("request", scene["request"].pk)}"' in html
    assert "ML engineer ×1 · 50%" in html
    html = client_as("data_scientist").get(card.get_absolute_url()).content.decode()
    assert 'data-testid="staffing-section"' not in html


def test_index_filter_answers_htmx_with_the_results_alone(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    response = client_as("manager").get(
        page("index"), {"status": "all"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="staffing-results"')
    assert "<nav" not in html.split("staffing-results", 1)[0]
    assert "CHURN-1" in html


def test_blank_rows_show_no_errors_beside_real_ones(
    client_as: Callable[..., Client], initiative: Any, pytorch: Skill
) -> None:
    data = new_request_data(initiative, **{"role-0-allocation": "120"})
    html = client_as("manager").post(page("new"), data).content.decode()
    assert "Allocation is a percent of a week: 1 to 100." in html
    assert "This field is required." not in html  # the blank rows and role 2


def test_request_page_while_computing_says_so_and_polls(
    client_as: Callable[..., Client], staffing_request: StaffingRequest
) -> None:
    html = (
        client_as("manager").get(page("request", staffing_request.pk)).content.decode()
    )
    assert "Computing the shortlist and the proposed team" in html
    assert 'hx-trigger="every 5s"' in html
    assert 'data-testid="candidate"' not in html


def test_a_match_without_the_capacity_says_so(
    client_as: Callable[..., Client], scene: dict[str, Any]
) -> None:
    # The role asks 50%: Ana has 60% free, Ben only 20% (he still matches on
    # skills, ranked lower by availability; the team proposal leaves him out).
    scene["ben"].terms = {**scene["ben"].terms, "free": 20}
    scene["ben"].save()
    html = client_as("manager").get(page("role", scene["role"].pk)).content.decode()
    assert "Only 20% free of 50%" in _candidate(html, scene["ben"])
    assert 'data-testid="badge-short"' not in _candidate(html, scene["ana"])

"""The demo's staffing history: hidden true levels behind noisy self-ratings,
crews chosen by true fit, closed requests on past initiatives and open ones
with their suggestions computed."""

import datetime as dt
import statistics
from collections import Counter

import pytest

from teamhub.initiatives.models import Assignment, Initiative
from teamhub.people.demo import data, demo_org_seed
from teamhub.people.demo.org import org_plan
from teamhub.people.demo.skills import person_skills
from teamhub.people.models import Person
from teamhub.staffing.models import RequiredSkill, StaffingRequest, Suggestion
from teamhub.staffing.suggestions import request_compute

TODAY = dt.date(2026, 6, 1)
PLATFORM_SKILLS = set(next(f for f in data.FAMILIES if f.name == "ML Platform").skills)


@pytest.fixture(scope="module")
def plan():
    return org_plan(people=200, seed=42, today=TODAY, logins=True)


def _rows(plan):
    return [
        (person, row)
        for person in plan.people
        for row in person_skills(plan, person)[0]
    ]


def test_manager_validated_levels_are_true_and_self_ratings_are_noisy(plan):
    rows = _rows(plan)
    validated = [row for _p, row in rows if row.source == "manager"]
    assert validated
    assert all(row.level == row.true_level for row in validated)
    errors = Counter(
        row.level - row.true_level for _p, row in rows if row.source == "self"
    )
    total = sum(errors.values())
    # Most people rate themselves right; over-rating is commoner than under-rating.
    assert 0.45 < errors[0] / total < 0.75
    assert errors[1] + errors[2] > errors[-1] > 0.05 * total
    assert all(1 <= row.level <= 5 and 1 <= row.true_level <= 5 for _p, row in rows)


def test_the_demo_scientist_profile_is_what_the_registry_holds(plan):
    scientist = plan.people[plan.scientist_index]
    rows, _goals = person_skills(plan, scientist)
    assert {r.skill: r.level for r in rows} == {
        name: level for name, (level, _interest) in data.SCIENTIST_SKILLS.items()
    }
    assert all(r.level == r.true_level for r in rows)


def _true_quality(plan, person, role):
    levels = {
        r.skill: r.true_level for r in person_skills(plan, plan.people[person])[0]
    }
    musts = [n for n in role.needs if n.importance == "must"]
    return statistics.fmean(levels.get(n.skill, 0) - n.min_level for n in musts)


def test_crews_are_chosen_by_true_fit_and_better_fit_goes_with_success(plan):
    crews: dict[int, set[int]] = {}
    for a in plan.assignments:
        if a.status == "finished":
            crews.setdefault(a.initiative, set()).add(a.person)
    crew_fit, others_fit = [], []
    by_outcome: dict[str, list[float]] = {}
    for request in plan.requests:
        if request.status != "closed":
            continue
        initiative = plan.initiatives[request.initiative]
        role = request.roles[0]
        crew = crews[initiative.index]
        for person in plan.members[initiative.team]:
            fit = _true_quality(plan, person, role)
            (crew_fit if person in crew else others_fit).append(fit)
        mean = statistics.fmean(_true_quality(plan, p, role) for p in crew)
        by_outcome.setdefault(initiative.outcome, []).append(mean)
    assert statistics.fmean(crew_fit) > statistics.fmean(others_fit) + 0.5
    success = statistics.fmean(by_outcome["success"])
    assert success > statistics.fmean(by_outcome["failed"])


def test_the_same_seed_draws_the_same_requests():
    def drawn(seed):
        return repr(org_plan(people=60, seed=seed, today=TODAY, logins=True).requests)

    assert drawn(3) == drawn(3)
    assert drawn(3) != drawn(4)


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "var" / "git"
    settings.DEMO_MODE = True
    return demo_org_seed(people=60, seed=7, logins=True, today=TODAY)


def test_every_past_initiative_started_with_a_closed_request(seeded):
    past = Initiative.objects.filter(assignments__status="finished").distinct()
    closed = StaffingRequest.objects.filter(status="closed").select_related(
        "initiative__owner__user", "created_by"
    )
    assert seeded.staffing_requests == StaffingRequest.objects.count()
    assert {r.initiative_id for r in closed} == set(past.values_list("pk", flat=True))
    for request in closed:
        initiative = request.initiative
        assert request.created_by == initiative.owner.user
        assert request.created.date() == initiative.start
        roles = list(request.roles.prefetch_related("skills__skill"))
        assert 1 <= len(roles) <= 2
        crew = Assignment.objects.filter(initiative=initiative, status="finished")
        assert sum(r.headcount for r in roles) == crew.count()
        family = next(f for f in data.FAMILIES if initiative.key.startswith(f.prefix))
        for role in roles:
            musts = [s for s in role.skills.all() if s.importance == "must"]
            nices = [s for s in role.skills.all() if s.importance == "nice"]
            assert 2 <= len(musts) <= 3
            assert 1 <= len(nices) <= 2
            assert {s.min_level for s in musts} <= {2, 3, 4}
            names = {s.skill.name for s in role.skills.all()}
            assert names <= set(family.skills) or names <= PLATFORM_SKILLS
            assert role.start >= initiative.start
            assert role.end <= initiative.target_date
            assert role.allocation % 10 == 0


def test_open_requests_have_their_suggestions_computed(seeded):
    manager = Person.objects.get(user__username="manager")
    requests = list(StaffingRequest.objects.filter(status="open"))
    assert len(requests) == 3
    mine = [r for r in requests if r.initiative.team_id == manager.team_id]
    assert len(mine) == 1
    assert mine[0].created_by == manager.user
    assert mine[0].initiative.start >= TODAY - dt.timedelta(days=240)
    for request in requests:
        assert request.computed_at is not None
        assert request.team["members"]
        assert Suggestion.objects.filter(role__request=request, in_team=True).exists()
        assert RequiredSkill.objects.filter(role__request=request).exists()
    # Suggestions can be computed again from what was written.
    request_compute(request=mine[0])

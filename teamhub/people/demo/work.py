"""Draw three years of initiatives and the assignments of people to them."""

import itertools
import random
from collections.abc import Iterator
from datetime import date, timedelta

from teamhub.people.demo import data
from teamhub.people.demo.data import Family
from teamhub.people.demo.records import (
    AssignmentPlan,
    InitiativePlan,
    OrgPlan,
    PersonPlan,
    TeamPlan,
)
from teamhub.people.demo.records import pick as _pick
from teamhub.people.demo.staffing import CrewDraft, Seat, plan_history

UNITS = 10  # allocations are drawn in steps of 10 %


def _leaf_teams(plan: OrgPlan) -> Iterator[TeamPlan]:
    """Yield the teams that do the work (everyone but the director's root team)."""
    # A family team with squads only holds its head: the squads do the work.
    parents = {t.parent for t in plan.teams}
    for team in plan.teams:
        if team.family is not None and team.index not in parents:
            yield team


def _phases(
    rng: random.Random, *, size: int, today: date, future_min: int
) -> list[tuple[str, date, date]]:
    """Draw (phase, start, target date) for one team's initiatives."""
    rate = min(4.5, 1.0 + 0.3 * size)  # initiatives a year
    phases: list[tuple[str, date, date]] = []
    for _ in range(max(1, round(rate * 2.7 * rng.uniform(0.8, 1.2)))):
        start = today - timedelta(days=rng.randint(150, 1095))
        longest = min(330, (today - start).days - 10)
        target = start + timedelta(days=rng.randint(60, longest))
        phases.append(("past", start, target))
    current = 2 + (size >= 8) + (size >= 12 and rng.random() < 0.5)
    for _ in range(current):
        start = today - timedelta(days=rng.randint(10, 240))
        phases.append(("current", start, today + timedelta(days=rng.randint(14, 270))))
    future = max(future_min, (rng.random() < 0.6) + (size >= 10))
    for _ in range(future):
        start = today + timedelta(days=rng.randint(14, 120))
        phases.append(("future", start, start + timedelta(days=rng.randint(90, 270))))
    return phases


def plan_initiatives(rng: random.Random, plan: OrgPlan) -> None:
    """Draw past, current and future initiatives for every team that does work."""
    used_titles: dict[str, int] = {}

    def title_for(family: Family) -> str:
        base = rng.choice(family.initiatives)
        for candidate in (base, f"{base} ({rng.choice(data.MARKETS)})"):
            if candidate not in used_titles:
                used_titles[candidate] = 1
                return candidate
        used_titles[base] = used_titles.get(base, 1) + 1
        return f"{base} v{used_titles[base]}"

    scientist_team = (
        plan.people[plan.scientist_index].team
        if plan.scientist_index is not None
        else None
    )
    per_family: dict[str, list[InitiativePlan]] = {}
    for team in _leaf_teams(plan):
        family = team.family
        assert family is not None
        members = plan.members[team.index]
        lead = _team_lead(plan, team.index)
        seniors = [i for i in members if plan.people[i].seniority >= 2 and i != lead]
        phases = _phases(
            rng,
            size=len(members),
            today=plan.today,
            future_min=1 if team.index == scientist_team else 0,
        )
        for phase, start, target in phases:
            owner = lead if not seniors or rng.random() < 0.6 else rng.choice(seniors)
            initiative = _initiative(
                rng,
                family=family,
                title=title_for(family),
                team=team.index,
                owner=owner,
                phase=phase,
                start=start,
                target=target,
                today=plan.today,
            )
            per_family.setdefault(family.name, []).append(initiative)

    # Keys count up in time within a family: FRD-1 is the oldest fraud initiative.
    for family in data.FAMILIES:
        items = sorted(
            per_family.get(family.name, []), key=lambda i: (i.start, i.team, i.title)
        )
        for number, initiative in enumerate(items, start=1):
            initiative.key = f"{family.prefix}-{number}"
            initiative.index = len(plan.initiatives)
            plan.initiatives.append(initiative)
            if initiative.phase != "past":
                plan.upcoming.setdefault(initiative.team, []).append(initiative.key)


def _stage(
    rng: random.Random,
    *,
    phase: str,
    outcome: str | None,
    start: date,
    target: date,
    today: date,
) -> str:
    if phase == "past":
        if outcome == "success":
            long_ago = (today - target).days > 1.5 * 365
            weights = (35, 50, 15) if long_ago else (65, 5, 30)
            return _pick(rng, ("monitoring", "retired", "iteration"), weights)
        if outcome == "partial":
            return _pick(rng, ("iteration", "monitoring", "retired"), (45, 30, 25))
        return "retired"
    if phase == "current":
        progress = (today - start).days / max(1, (target - start).days)
        if progress < 0.15:
            return "scoping"
        if progress < 0.35:
            return "data_eda"
        return "experimentation" if progress < 0.7 else "deployment"
    return _pick(rng, ("idea", "scoping"), (60, 40))


def _initiative(
    rng: random.Random,
    *,
    family: Family,
    title: str,
    team: int,
    owner: int,
    phase: str,
    start: date,
    target: date,
    today: date,
) -> InitiativePlan:
    criticality = _pick(rng, (1, 2, 3, 4), family.criticality)
    outcome: str | None = None
    if phase == "past":
        outcome = _pick(
            rng, ("success", "partial", "failed", "cancelled"), (62, 20, 9, 9)
        )
    stage = _stage(
        rng, phase=phase, outcome=outcome, start=start, target=target, today=today
    )
    shipped = stage in ("deployment", "monitoring", "iteration") or (
        stage == "retired" and outcome in ("success", "partial")
    )
    # Critical models that ship get an engineering-hardened production pipeline.
    production = shipped and rng.random() < (0.5 + 0.12 * criticality)
    engineering = production and criticality >= 3 and rng.random() < 0.85
    compute, ml = rng.randint(1, 3), rng.randint(1, 3)
    if family.name in data.DEEP_LEARNING_FAMILIES:
        compute = min(3, compute + (rng.random() < 0.3))
        ml = min(3, ml + (rng.random() < 0.5))
    kpi, kpi_target = rng.choice(family.kpis)
    summary = (
        f"{rng.choice(data.SUMMARY_CONTEXTS)} Success is measured by "
        f"{kpi[0].lower()}{kpi[1:]} (target {kpi_target})."
    )
    return InitiativePlan(
        index=-1,  # set once keys are numbered
        family=family,
        team=team,
        owner=owner,
        title=title,
        summary=summary,
        business_kpi=kpi,
        kpi_target=kpi_target,
        stage=stage,
        mission_criticality=criticality,
        pathway="production" if production else "experimental",
        pipeline_owner="engineering" if engineering else "data_science",
        compute_complexity=compute,
        ml_complexity=ml,
        start=start,
        target_date=target,
        outcome=outcome,
        phase=phase,
    )


# --- assignments ------------------------------------------------------------------


def _role(person: PersonPlan, *, leading: bool) -> str:
    role = data.ASSIGNMENT_ROLE[person.discipline]
    if leading and person.discipline == data.DATA_SCIENTIST:
        return "Lead data scientist"
    if person.leads is None and person.seniority >= 3:
        prefix = data.SENIORITY_PREFIX[person.seniority]
        return f"{prefix} {role if role.startswith('ML') else role.lower()}"
    return role


def _chunks(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split ``total`` % into ``parts`` multiples of 10, each 10..100."""
    units = total // UNITS
    parts = max(1, min(parts, units))
    while True:
        cuts = sorted(rng.sample(range(1, units), parts - 1)) if parts > 1 else []
        bounds = [0, *cuts, units]
        sizes = [(b - a) * UNITS for a, b in itertools.pairwise(bounds)]
        if all(size <= 100 for size in sizes):
            return sizes


def _add(
    plan: OrgPlan,
    *,
    person: int,
    initiative: InitiativePlan,
    allocation: int,
    start: date,
    end: date | None,
    status: str,
    outcome: str | None = None,
) -> None:
    plan.assignments.append(
        AssignmentPlan(
            person=person,
            initiative=initiative.index,
            role=_role(plan.people[person], leading=person == initiative.owner),
            allocation=allocation,
            start=start,
            end=end,
            status=status,
            outcome=outcome,
        )
    )


def _team_lead(plan: OrgPlan, team: int) -> int:
    return next(i for i in plan.members[team] if plan.people[i].leads == team)


def plan_assignments(rng: random.Random, plan: OrgPlan) -> None:
    """Draw project history, current allocations and proposals, in that order."""
    _plan_history(rng, plan)
    _plan_current(rng, plan)
    _plan_proposals(rng, plan)


def _plan_history(rng: random.Random, plan: OrgPlan) -> None:
    """Finished assignments on past initiatives, with their outcome.

    The org stream draws each crew's size and its seats (start, end, allocation)
    as it always has; who fills the seats is chosen by true fit and availability
    in ``staffing.plan_history`` from streams of its own, which also draws the
    staffing request each initiative started with.
    """
    platform_pool = [
        p.index
        for p in plan.people
        if p.family
        and p.family.name in ("ML Platform", "Data Engineering")
        and p.leads is None
    ]
    scientist = plan.scientist_index
    drafts: list[CrewDraft] = []
    for initiative in plan.initiatives:
        if initiative.phase != "past":
            continue
        members = plan.members[initiative.team]
        crew = set(rng.sample(members, rng.randint(1, min(5, len(members)))))
        if rng.random() < 0.7:
            crew.add(initiative.owner)
        kept: set[int] = set()
        if scientist is not None and scientist in members and rng.random() < 0.6:
            crew.add(scientist)
            kept.add(scientist)
        outsider = None
        if platform_pool and rng.random() < 0.2:
            outsider = rng.choice(platform_pool)
            crew.add(outsider)
        length = (initiative.target_date - initiative.start).days
        seats: list[Seat] = []
        for _person in sorted(crew):
            start = initiative.start + timedelta(
                days=rng.randint(0, min(30, length // 3))
            )
            end = initiative.target_date
            if initiative.outcome == "cancelled":
                days = int((end - start).days * rng.uniform(0.3, 0.8))
                end = start + timedelta(days=days)
            allocation = rng.choice((20, 30, 40, 50, 50, 60, 80, 100))
            seats.append(Seat(start=start, end=end, allocation=allocation))
        drafts.append(
            CrewDraft(
                initiative=initiative,
                seats=seats,
                kept=kept,
                outsider=outsider is not None and outsider not in members,
                pool=platform_pool,
            )
        )
    for draft, crew_chosen in plan_history(plan, drafts):
        for person, seat in zip(crew_chosen, draft.seats, strict=True):
            _add(
                plan,
                person=person,
                initiative=draft.initiative,
                allocation=seat.allocation,
                start=seat.start,
                end=seat.end,
                status="finished",
                outcome=draft.initiative.outcome,
            )


def _draw_loads(rng: random.Random, plan: OrgPlan) -> dict[int, int]:
    """Return each person's total current allocation in % (0 = free)."""
    loads: dict[int, int] = {}
    for person in plan.people:
        if person.tier == 0:
            continue  # the director sponsors, but is not staffed
        if person.leads is not None:
            loads[person.index] = rng.choice((0, 20, 30, 40, 50, 60))
            continue
        kind = _pick(rng, ("free", "light", "normal", "over"), (12, 20, 53, 15))
        loads[person.index] = {
            "free": 0,
            "light": rng.choice((20, 30, 40, 50, 60)),
            "normal": rng.choice((70, 80, 90, 100, 100, 100)),
            "over": rng.choice((110, 120, 130, 150)),
        }[kind]
    workers = [
        i for i in loads if plan.people[i].leads is None and i != plan.scientist_index
    ]
    # Even a tiny organisation shows someone over-allocated and someone free.
    if workers and not any(loads[i] > 100 for i in workers):
        loads[workers[-1]] = 120
    if len(workers) > 1 and not any(loads[i] == 0 for i in workers[:-1]):
        loads[workers[0]] = 0
    if plan.scientist_index is not None:
        loads[plan.scientist_index] = 90
    return loads


def _plan_current(rng: random.Random, plan: OrgPlan) -> None:
    """Spread each person's load over current initiatives, own team's first."""
    today = plan.today
    current: dict[int, list[InitiativePlan]] = {}
    for initiative in plan.initiatives:
        if initiative.phase == "current":
            current.setdefault(initiative.team, []).append(initiative)
    all_current = [i for i in plan.initiatives if i.phase == "current"]
    loads = _draw_loads(rng, plan)
    staffed: set[int] = set()
    for index, load in loads.items():
        if not load:
            continue
        own = list(current.get(plan.people[index].team, []))
        rng.shuffle(own)
        if index == plan.scientist_index:
            parts = [60, 30]
        else:
            parts = _chunks(
                rng, load, rng.choice((1, 2)) if load <= 100 else rng.choice((2, 3))
            )
        others = rng.sample(all_current, min(6, len(all_current)))
        mine = {i.index for i in own}
        candidates = own + [i for i in others if i.index not in mine]
        for allocation, initiative in zip(parts, candidates, strict=False):
            confirmed = (
                load > 100 or index == plan.scientist_index or rng.random() < 0.85
            )
            _add(
                plan,
                person=index,
                initiative=initiative,
                allocation=allocation,
                start=max(
                    initiative.start, today - timedelta(days=rng.randint(7, 200))
                ),
                end=None if rng.random() < 0.1 else initiative.target_date,
                status="confirmed" if confirmed else "proposed",
            )
            staffed.add(initiative.index)
    for initiative in all_current:
        if initiative.index not in staffed:
            # Its owner picks it up, unless they were meant to be free: then the lead.
            person = initiative.owner
            if not loads.get(person):
                person = _team_lead(plan, initiative.team)
            _add(
                plan,
                person=person,
                initiative=initiative,
                allocation=20,
                start=max(initiative.start, today - timedelta(days=30)),
                end=initiative.target_date,
                status="confirmed",
            )


def _plan_proposals(rng: random.Random, plan: OrgPlan) -> None:
    """Proposed assignments on initiatives that start in the future."""
    scientist = plan.scientist_index
    for initiative in plan.initiatives:
        if initiative.phase != "future":
            continue
        members = plan.members[initiative.team]
        crew = {
            initiative.owner,
            *rng.sample(members, min(len(members), rng.randint(1, 2))),
        }
        if scientist is not None and scientist in members:
            crew.add(scientist)
        for person in sorted(crew):
            allocation = rng.choice((20, 30, 40, 50, 60))
            _add(
                plan,
                person=person,
                initiative=initiative,
                allocation=20 if person == scientist else allocation,
                start=initiative.start,
                end=initiative.target_date,
                status="proposed",
            )

"""Demo staffing: who worked on past initiatives, drawn from hidden true skill
levels, and the staffing requests behind them.

What the registry holds is noisy (``skills.py``: self-reported levels are often a
level off; manager-validated ones are true). History is drawn from the *true*
levels, so the offline evaluation (``manage.py evaluate_staffing``) can only
recover it through what the registry knows: ratings, validations, track record
and bookings.

- Every past initiative started with a closed staffing request: one or two roles
  whose skills come from its family's skills (two or three must-haves, one or
  two nice-to-haves). Its crew (the size and seats the org stream drew) is
  chosen from the team's members, now and then with a specialist from the
  platform teams, with a weight that rises steeply with the members' true levels
  on the must-haves and falls with how booked they were on the start day.
- The outcome depends on the crew's true fit: each member's fit makes success
  likelier and failure less likely (a likelihood that is a product over the
  members). The org stream drew the outcome first (stages, boards and check-ins
  follow from it), so the crew is drawn *given* the outcome: each member's
  weight is also multiplied by their factor for that outcome (Bayes' rule) --
  the same joint distribution as drawing the outcome from the crew, without
  disturbing what was drawn from the outcome.
- A few current and future initiatives have an open request (one on the demo
  manager's team); ``seed.py`` computes their suggestions once written.

Each initiative draws from its own seeded stream, so nothing here moves the
other demo draws.
"""

import math
import random
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from teamhub.people.demo import data
from teamhub.people.demo.bulk import Adapt, insert_rows
from teamhub.people.demo.data import Family
from teamhub.people.demo.records import (
    InitiativePlan,
    NeedPlan,
    OrgPlan,
    RequestPlan,
    RolePlan,
)
from teamhub.people.demo.records import pick as _pick

# Weight of a member for a must-have by true level minus the required level.
_MUST_WEIGHT = {-2: 0.06, -1: 0.3, 0: 1.6, 1: 3.0, 2: 4.0}
_NICE_BONUS = 1.3  # per nice-to-have held at the required level
_OWNER_BONUS = 2.0  # owners tend to work on their own initiatives
_OUTSIDER_SAMPLE = 30  # specialists considered for a seat from another team
OPEN_REQUESTS = 3  # open requests, the demo manager's among them
PLATFORM = "ML Platform"


@dataclass(frozen=True)
class Seat:
    """One seat of a past crew, as the org stream drew it."""

    start: date
    end: date
    allocation: int


@dataclass
class CrewDraft:
    """A past initiative's crew before it has people: its seats (the k-th goes
    to the k-th member by plan index), who must be on it, and whether one seat
    goes to a specialist from the platform teams (``pool``)."""

    initiative: InitiativePlan
    seats: list[Seat]
    kept: set[int] = field(default_factory=set)
    outsider: bool = False
    pool: Sequence[int] = ()


class _Truth:
    """True levels, bookings and capacities the history is drawn from."""

    def __init__(self, plan: OrgPlan) -> None:
        self.plan = plan
        self._levels: dict[int, dict[str, int]] = {}
        self.booked: dict[int, list[Seat]] = {}
        self._capacity = [round(float(p.capacity) * 100) for p in plan.people]

    def levels(self, person: int) -> dict[str, int]:
        if person not in self._levels:
            rows, _goals = self.plan.skills[person]
            self._levels[person] = {r.skill: r.true_level for r in rows}
        return self._levels[person]

    def load(self, person: int, day: date) -> int:
        seats = self.booked.get(person)
        if not seats:
            return 0
        return sum(s.allocation for s in seats if s.start <= day <= s.end)

    def capacity(self, person: int) -> int:
        return self._capacity[person]

    def fit(self, person: int, role: RolePlan) -> float:
        """How strongly the person's true levels call for them in the role."""
        levels = self.levels(person)
        weight = 1.0
        for need in role.needs:
            gap = levels.get(need.skill, 0) - need.min_level
            if need.importance == "must":
                weight *= _MUST_WEIGHT[-2 if gap < -2 else min(2, gap)]
            elif gap >= 0:
                weight *= _NICE_BONUS
        return weight

    def quality(self, person: int, role: RolePlan) -> float:
        """0-1: the must-haves' true levels, 1 at a level above the minimum."""
        levels = self.levels(person)
        total = 0.0
        count = 0
        for need in role.needs:
            if need.importance == "must":
                gap = levels.get(need.skill, 0) - need.min_level
                total += 0.0 if gap < -2 else min(1.0, (gap + 2) / 3)
                count += 1
        return total / count if count else 0.5

    def weight(self, person: int, role: RolePlan, outcome: str | None) -> float:
        """``fit`` x the outcome factor of ``quality``, in one pass (the hot loop
        of the demo's history)."""
        levels = self.levels(person)
        weight = 1.0
        total = 0.0
        count = 0
        for need in role.needs:
            gap = levels.get(need.skill, 0) - need.min_level
            if need.importance == "must":
                if gap < -2:
                    gap = -2
                weight *= _MUST_WEIGHT[min(2, gap)]
                total += min(1.0, (gap + 2) / 3)
                count += 1
            elif gap >= 0:
                weight *= _NICE_BONUS
        return weight * _outcome_weight(outcome, total / count if count else 0.5)

    def availability(self, person: int, day: date) -> float:
        load = self.load(person, day)
        if not load:
            return 1.0
        free = max(0.0, 1.0 - load / max(1, self._capacity[person]))
        return 0.05 + 0.95 * free**2


def _outcome_weight(outcome: str | None, quality: float) -> float:
    """How much a member of true ``quality`` (0-1) makes the outcome likelier.

    The outcome's likelihood given a crew is taken as a product over its members
    (each member's fit adds to the chance of success), so drawing the crew
    *given* the outcome weighs each member by their factor.
    """
    if outcome == "success":
        return (0.25 + quality) ** 3
    if outcome == "failed":
        return (1.25 - quality) ** 3
    return 0.7  # partial; cancelled work stops for reasons of its own


# -- requirements --------------------------------------------------------------------


def _draw_needs(
    rng: random.Random, skills: dict[str, float], *, taken: set[str]
) -> list[NeedPlan]:
    """Two or three must-haves (mostly at level 3) and one or two nice-to-haves,
    the team's most typical skills likeliest."""
    # Weighted sampling without replacement (Efraimidis-Spirakis): each skill
    # draws u ** (1 / weight); the highest keys win.
    order = sorted(
        (name for name in skills if name not in taken),
        key=lambda name: rng.random() ** (1.0 / skills[name] ** 1.5),
        reverse=True,
    )
    musts = rng.choice((2, 2, 3))
    nices = rng.choice((1, 2))
    needs = [
        NeedPlan(name, _pick(rng, (2, 3, 4), (15, 65, 20)), "must")
        for name in order[:musts]
    ]
    needs += [
        NeedPlan(name, rng.choice((2, 3)), "nice")
        for name in order[musts : musts + nices]
    ]
    taken.update(n.skill for n in needs)
    return needs


def _platform_family() -> Family:
    return next(f for f in data.FAMILIES if f.name == PLATFORM)


def _second_title(rng: random.Random, family: Family) -> str:
    names = [d for d in family.disciplines if d != data.DATA_SCIENTIST]
    weights = [family.disciplines[d] for d in names]
    return data.ASSIGNMENT_ROLE[_pick(rng, names, weights)] if names else "ML engineer"


def draw_roles(
    rng: random.Random, family: Family, *, size: int, outsider: bool = False
) -> list[RolePlan]:
    """Draw a request's roles for a crew of ``size``; headcounts add up to it.

    With an ``outsider`` seat, the second role is a platform role of one person.
    """
    taken: set[str] = set()
    first = "Data scientist" if family.name != PLATFORM else "ML engineer"
    roles = [RolePlan(first, _draw_needs(rng, dict(family.skills), taken=taken))]
    if outsider and size >= 2:
        platform = dict(_platform_family().skills)
        roles.append(RolePlan("ML engineer", _draw_needs(rng, platform, taken=taken)))
        roles[0].headcount, roles[1].headcount = size - 1, 1
    elif size >= 3 and rng.random() < 0.5:
        second = _second_title(rng, family)
        if second == first:
            second = "Data engineer"
        roles.append(
            RolePlan(second, _draw_needs(rng, dict(family.skills), taken=taken))
        )
        roles[0].headcount = math.ceil(size / 2)
        roles[1].headcount = size - roles[0].headcount
    else:
        roles[0].headcount = size
    return roles


# -- past crews ------------------------------------------------------------------------


def _weighted_take(
    rng: random.Random, weights: dict[int, float], count: int
) -> list[int]:
    """Draw ``count`` distinct keys, each with a chance proportional to its weight."""
    keys = sorted(weights)
    values = [weights[k] for k in keys]
    taken: list[int] = []
    while keys and len(taken) < count:
        roll = rng.random() * sum(values)
        index = 0
        while index < len(values) - 1 and roll >= values[index]:
            roll -= values[index]
            index += 1
        taken.append(keys.pop(index))
        values.pop(index)
    return taken


def _seat_weights(
    rng: random.Random,
    truth: _Truth,
    draft: CrewDraft,
    roles: list[RolePlan],
    members: Sequence[int],
) -> list[dict[int, float]]:
    """Each role's candidates with their weights: true fit x availability on the
    start day x how they bear on the outcome (x a bonus for the owner)."""
    initiative = draft.initiative
    day = initiative.start
    outcome = initiative.outcome
    free = {p: truth.availability(p, day) for p in members}
    weights: list[dict[int, float]] = []
    for index, role in enumerate(roles):
        if draft.outsider and index == len(roles) - 1:
            sample = rng.sample(draft.pool, min(_OUTSIDER_SAMPLE, len(draft.pool)))
            available = {p: truth.availability(p, day) for p in sample if p not in free}
        else:
            available = free
        weights.append(
            {p: truth.weight(p, role, outcome) * a for p, a in available.items()}
        )
        if initiative.owner in weights[-1]:
            weights[-1][initiative.owner] *= _OWNER_BONUS
    return weights


def _draw_crew(
    rng: random.Random,
    draft: CrewDraft,
    roles: list[RolePlan],
    weights: list[dict[int, float]],
    fits: dict[tuple[int, int], float],
) -> dict[int, int]:
    """Draw one candidate crew: person -> role index."""
    crew: dict[int, int] = {}
    for person in sorted(draft.kept):
        crew[person] = max(range(len(roles)), key=lambda r: fits[(person, r)])
    for index, role in enumerate(roles):
        wanted = role.headcount - sum(1 for r in crew.values() if r == index)
        if wanted <= 0:
            continue
        left = {p: w for p, w in weights[index].items() if p not in crew}
        for person in _weighted_take(rng, left, wanted):
            crew[person] = index
    return crew


def plan_history(
    plan: OrgPlan, drafts: Sequence[CrewDraft]
) -> Iterator[tuple[CrewDraft, list[int]]]:
    """Choose each past crew by true fit; add the closed requests to the plan.

    Yield each draft with its crew sorted by plan index (the k-th member takes
    the k-th seat), in the drafts' order.
    """
    truth = _Truth(plan)
    crews: dict[int, list[int]] = {}
    requests: dict[int, RequestPlan] = {}
    # Oldest first, so the bookings on each start day are known.
    for draft in sorted(drafts, key=lambda d: (d.initiative.start, d.initiative.index)):
        initiative = draft.initiative
        rng = random.Random(f"teamhub-demo:{plan.seed}:crew:{initiative.index}")
        size = len(draft.seats)
        outsider = draft.outsider and size >= 2
        draft.outsider = outsider
        roles = draw_roles(rng, initiative.family, size=size, outsider=outsider)
        members = plan.members[initiative.team]
        weights = _seat_weights(rng, truth, draft, roles, members)
        fits = {
            (p, r): truth.fit(p, role)
            for p in draft.kept
            for r, role in enumerate(roles)
        }
        crew = _draw_crew(rng, draft, roles, weights, fits)
        # The org stream drew one seat per member: should a seat be left over
        # (a specialist seat nobody could take), the team's best fit takes it.
        spare = sorted(
            (p for p in members if p not in crew), key=lambda p: -weights[0][p]
        )
        while len(crew) < size and spare:
            crew[spare.pop(0)] = 0
        people = sorted(crew)[:size]
        seats = dict(zip(people, draft.seats, strict=False))
        for person, seat in seats.items():
            truth.booked.setdefault(person, []).append(seat)
        for index, role in enumerate(roles):
            held = [seats[p] for p in people if crew[p] == index]
            role.headcount = max(1, len(held))
            if held:
                role.allocation = _round10(
                    statistics.median(s.allocation for s in held)
                )
                role.start = min(s.start for s in held)
                role.end = max(s.end for s in held)
        roles = [r for i, r in enumerate(roles) if i in crew.values()] or roles[:1]
        requests[initiative.index] = RequestPlan(
            initiative=initiative.index, status="closed", roles=roles
        )
        crews[initiative.index] = people
    for draft in drafts:
        plan.requests.append(requests[draft.initiative.index])
        yield draft, crews[draft.initiative.index]


def _round10(value: float) -> int:
    return max(10, min(100, round(value / 10.0) * 10))


# -- open requests ---------------------------------------------------------------------


def plan_open_requests(plan: OrgPlan) -> None:
    """Open requests on a few current and future initiatives, the demo manager's
    team's first upcoming one among them."""
    rng = random.Random(f"teamhub-demo:{plan.seed}:open-requests")
    upcoming = [i for i in plan.initiatives if i.phase in ("current", "future")]
    chosen: list[InitiativePlan] = []
    if plan.manager_index is not None:
        team = plan.people[plan.manager_index].team
        mine = [i for i in upcoming if i.team == team]
        mine.sort(key=lambda i: (i.phase != "future", i.start, i.index))
        chosen.extend(mine[:1])
    taken = {i.index for i in chosen}
    others = [i for i in upcoming if i.index not in taken]
    families: set[str] = {i.family.name for i in chosen}
    for initiative in rng.sample(others, len(others)):
        if len(chosen) >= OPEN_REQUESTS:
            break
        if initiative.family.name not in families:
            families.add(initiative.family.name)
            chosen.append(initiative)
    for position, initiative in enumerate(chosen):
        # The demo manager's own request asks for what the team can give (a team
        # is found); the others are as demanding as they come, so the demo also
        # shows what cannot be met and what would make it feasible.
        modest = position == 0 and plan.manager_index is not None
        size = 2 if modest else rng.choice((2, 3, 3, 4))
        roles = draw_roles(rng, initiative.family, size=size)
        if modest:
            for role in roles:
                for need in role.needs:
                    need.min_level = min(
                        need.min_level, 3 if need.importance == "nice" else 2
                    )
        start = max(initiative.start, plan.today + timedelta(days=7))
        end = max(initiative.target_date, start + timedelta(days=60))
        for role in roles:
            role.allocation = rng.choice((30, 40, 50, 50, 60))
            role.start, role.end = start, end
        plan.requests.append(
            RequestPlan(
                initiative=initiative.index,
                status="open",
                roles=roles,
                note=f"Staffing {initiative.title} from {start:%B %Y}.",
            )
        )


# -- writing ---------------------------------------------------------------------------

REQUEST_COLUMNS = (
    "created", "updated", "initiative", "created_by", "note", "status",
    "computed_at", "stale_since", "team",
)  # fmt: skip
ROLE_COLUMNS = (
    "created", "updated", "request", "role", "headcount", "allocation", "start",
    "end", "position",
)  # fmt: skip
NEED_COLUMNS = ("created", "updated", "role", "skill", "min_level", "importance")


def write_staffing(
    plan: OrgPlan,
    *,
    initiative_ids: Sequence[int],
    users: Sequence[int],
    skills: dict[str, int],
) -> list[int]:
    """Insert the planned requests with their roles and skills; return the ids
    of the open ones (their suggestions are computed by the caller)."""
    from teamhub.staffing.models import (
        RequiredSkill,
        RoleRequirement,
        StaffingRequest,
    )

    if not plan.requests:
        return []
    adapt = Adapt()
    manager_team = (
        plan.people[plan.manager_index].team if plan.manager_index is not None else None
    )

    def author(request: RequestPlan) -> int:
        initiative = plan.initiatives[request.initiative]
        if request.status == "open" and initiative.team == manager_team:
            assert plan.manager_index is not None
            return users[plan.manager_index]
        return users[initiative.owner]

    def created(request: RequestPlan) -> Any:
        if request.status == "open":
            return adapt.now
        start = plan.initiatives[request.initiative].start
        return adapt.datetime(datetime.combine(start, time(9), UTC))

    empty = adapt.json({})
    insert_rows(
        StaffingRequest,
        REQUEST_COLUMNS,
        (
            (
                created(r), created(r), initiative_ids[r.initiative], author(r),
                r.note, r.status, None, None, empty,
            )
            for r in plan.requests
        ),
    )  # fmt: skip
    # The registry held no initiatives before the demo's (``demo_org_seed``
    # refuses otherwise), so every request is one of these.
    request_ids = dict(StaffingRequest.objects.values_list("initiative_id", "pk"))

    def window(request: RequestPlan, role: RolePlan) -> tuple[date, date]:
        initiative = plan.initiatives[request.initiative]
        start = role.start or initiative.start
        return start, max(start, role.end or initiative.target_date)

    insert_rows(
        RoleRequirement,
        ROLE_COLUMNS,
        (
            (
                adapt.now, adapt.now, request_ids[initiative_ids[r.initiative]],
                role.title, role.headcount, role.allocation,
                adapt.date(window(r, role)[0]), adapt.date(window(r, role)[1]),
                position,
            )
            for r in plan.requests
            for position, role in enumerate(r.roles)
        ),
    )  # fmt: skip
    role_ids = {
        (request, position): pk
        for pk, request, position in RoleRequirement.objects.values_list(
            "pk", "request_id", "position"
        )
    }
    insert_rows(
        RequiredSkill,
        NEED_COLUMNS,
        (
            (
                adapt.now, adapt.now,
                role_ids[(request_ids[initiative_ids[r.initiative]], position)],
                skills[need.skill], need.min_level, need.importance,
            )
            for r in plan.requests
            for position, role in enumerate(r.roles)
            for need in role.needs
        ),
    )  # fmt: skip
    return [
        request_ids[initiative_ids[r.initiative]]
        for r in plan.requests
        if r.status == "open"
    ]

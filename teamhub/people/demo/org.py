"""Draw the demo organisation (teams, people, stakeholders) for a seed."""

import math
import random
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from teamhub.people.demo import data
from teamhub.people.demo.data import Family
from teamhub.people.demo.records import (
    OrgPlan,
    PersonPlan,
    StakeholderPlan,
    TeamPlan,
)
from teamhub.people.demo.records import pick as _pick
from teamhub.people.demo.skills import person_skills
from teamhub.people.demo.staffing import plan_open_requests
from teamhub.people.demo.work import plan_assignments, plan_initiatives

MAX_FLAT_TEAM = 14  # a larger family splits into squads


def _split(
    rng: random.Random, total: int, weights: Sequence[float], minimum: Sequence[int]
) -> list[int]:
    """Split ``total`` by jittered ``weights`` (largest remainder), each >= minimum."""
    sizes = list(minimum)
    rest = total - sum(sizes)
    if rest <= 0:
        return sizes
    jittered = [w * rng.uniform(0.8, 1.25) for w in weights]
    scale = rest / sum(jittered)
    shares = [w * scale for w in jittered]
    floors = [math.floor(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: floors[i] - shares[i])
    for i in order[: rest - sum(floors)]:
        floors[i] += 1
    return [s + f for s, f in zip(sizes, floors, strict=True)]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", plain.lower().replace(" ", "-"))


class _Emails:
    """Hand out unique, lowercase demo e-mail addresses."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def take(self, first: str, last: str) -> str:
        local = f"{_ascii(first)}.{_ascii(last)}"
        count = self.used.get(local, 0) + 1
        self.used[local] = count
        if count > 1:
            local = f"{local}{count}"
            # "anna.lee2" could itself be a drawn name's local part; keep it unique.
            while local in self.used:
                count += 1
                local = f"{local.rstrip('0123456789')}{count}"
            self.used[local] = 1
        return f"{local}@{data.DEMO_EMAIL_DOMAIN}"


def org_plan(*, people: int, seed: int, today: date, logins: bool) -> OrgPlan:
    """Draw teams, people, stakeholders, initiatives and assignments for ``seed``."""
    rng = random.Random(f"teamhub-demo:{seed}:org")
    plan = OrgPlan(seed=seed, today=today)
    _plan_people(rng, plan, people=people, logins=logins)
    plan_initiatives(rng, plan)
    # Skills come from each person's own stream; history is drawn from their
    # hidden true levels, so they are drawn (once) before it.
    plan.skills = {p.index: person_skills(plan, p) for p in plan.people}
    plan_assignments(rng, plan)
    plan_open_requests(plan)
    return plan


def _plan_people(
    rng: random.Random, plan: OrgPlan, *, people: int, logins: bool
) -> None:
    families = data.FAMILIES[: max(data.CORE_FAMILY_COUNT, min(people // 25, 99))]
    cities = [c for c, _, _ in data.LOCATIONS]
    city_weights = [w for _, _, w in data.LOCATIONS]
    disciplines_of = {
        f.name: (list(f.disciplines), list(f.disciplines.values())) for f in families
    }

    root = TeamPlan(0, data.ROOT_TEAM, None, None)
    plan.teams.append(root)

    def add_person(
        *,
        team: int,
        family: Family | None,
        tier: int,
        manager: int | None,
        discipline: str | None = None,
        seniority: int | None = None,
    ) -> PersonPlan:
        if discipline is None:
            assert family is not None
            names, weights = disciplines_of[family.name]
            discipline = _pick(rng, names, weights)
        if seniority is None:
            seniority = _pick(rng, range(5), data.SENIORITY_WEIGHTS)
        if tier == 0:
            title = data.DIRECTOR
        elif discipline == data.ENGINEERING_MANAGER:
            title = data.ENGINEERING_MANAGER
        else:
            title = f"{data.SENIORITY_PREFIX[seniority]} {discipline}".strip()
        home = family.home if family else "London"
        city = home if rng.random() < 0.6 else _pick(rng, cities, city_weights)
        capacity = _pick(
            rng, (Decimal("1.00"), Decimal("0.80"), Decimal("0.60")), (83, 12, 5)
        )
        person = PersonPlan(
            index=len(plan.people),
            first_name=rng.choice(data.FIRST_NAMES),
            last_name=rng.choice(data.LAST_NAMES),
            team=team,
            family=family,
            discipline=discipline,
            seniority=seniority,
            title=title,
            location=city,
            timezone=data.TIMEZONES[city],
            capacity=capacity,
            manager=manager,
            tier=tier,
        )
        plan.people.append(person)
        plan.members.setdefault(team, []).append(person.index)
        return person

    director = add_person(
        team=0,
        family=None,
        tier=0,
        manager=None,
        discipline=data.DIRECTOR,
        seniority=4,
    )
    director.leads = 0
    director.capacity = Decimal("1.00")

    minimum = [2 if f.name == data.RECOMMENDATIONS else 1 for f in families]
    sizes = _split(rng, people - 1, [f.weight for f in families], minimum)
    for family, size in zip(families, sizes, strict=True):
        family_team = TeamPlan(len(plan.teams), family.name, 0, family)
        plan.teams.append(family_team)
        head = add_person(
            team=family_team.index,
            family=family,
            tier=1,
            manager=director.index,
            discipline=data.ENGINEERING_MANAGER,
            seniority=4,
        )
        head.leads = family_team.index
        if size <= MAX_FLAT_TEAM:
            leaf_teams = [(family_team.index, head.index, size - 1)]
        else:
            # A large family splits into squads of about a dozen, each with a lead.
            head.title = f"Head of {family.name}"
            n_squads = max(2, round((size - 1) / 11))
            squad_sizes = _split(rng, size - 1, [1.0] * n_squads, [2] * n_squads)
            leaf_teams = []
            for i, squad_size in enumerate(squad_sizes):
                suffix = family.squads[i % len(family.squads)]
                if i >= len(family.squads):
                    suffix = f"{suffix} {i // len(family.squads) + 1}"
                squad = TeamPlan(
                    len(plan.teams),
                    f"{family.name} · {suffix}",
                    family_team.index,
                    family,
                )
                plan.teams.append(squad)
                lead = add_person(
                    team=squad.index,
                    family=family,
                    tier=2,
                    manager=head.index,
                    discipline=data.ENGINEERING_MANAGER,
                    seniority=3,
                )
                lead.leads = squad.index
                leaf_teams.append((squad.index, lead.index, squad_size - 1))
        for team_index, lead_index, count in leaf_teams:
            for _ in range(count):
                add_person(team=team_index, family=family, tier=3, manager=lead_index)
        if family.name == data.RECOMMENDATIONS:
            # The demo manager leads the first Recommendations team with members;
            # the demo scientist is its first member.
            team_index, lead_index, _count = leaf_teams[0]
            plan.manager_index = lead_index
            scientist = plan.people[plan.members[team_index][1]]
            scientist.discipline = data.DATA_SCIENTIST
            scientist.seniority = 2
            scientist.title = data.SCIENTIST_LOGIN.title
            scientist.capacity = Decimal("1.00")
            plan.scientist_index = scientist.index

    for login, index in (
        (data.MANAGER_LOGIN, plan.manager_index),
        (data.SCIENTIST_LOGIN, plan.scientist_index),
    ):
        assert index is not None
        person = plan.people[index]
        person.first_name, person.last_name = login.first_name, login.last_name
        person.location, person.timezone = "Berlin", data.TIMEZONES["Berlin"]
        if logins:
            person.login = login.username

    for family in families:
        plan.stakeholders.append(
            StakeholderPlan(
                first_name=rng.choice(data.FIRST_NAMES),
                last_name=rng.choice(data.LAST_NAMES),
                title=f"Product Director, {family.name}",
            )
        )
    reco = next(
        s
        for s, f in zip(plan.stakeholders, families, strict=True)
        if f.name == data.RECOMMENDATIONS
    )
    reco.first_name = data.STAKEHOLDER_LOGIN.first_name
    reco.last_name = data.STAKEHOLDER_LOGIN.last_name
    if logins:
        reco.login = data.STAKEHOLDER_LOGIN.username

    login = data.ADMIN_LOGIN
    admin = StakeholderPlan(login.first_name, login.last_name, login.title)
    plan.admin = admin
    if logins:
        admin.login = login.username

    # Fixed names first, so they get the plain address.
    emails = _Emails()
    assert plan.manager_index is not None and plan.scientist_index is not None
    fixed = [plan.people[plan.manager_index], plan.people[plan.scientist_index], reco]
    fixed.append(admin)
    everyone: list[PersonPlan | StakeholderPlan] = [
        *plan.people,
        *plan.stakeholders,
        admin,
    ]
    everyone.sort(key=lambda p: not any(p is f for f in fixed))
    for someone in everyone:
        someone.email = emails.take(someone.first_name, someone.last_name)
        someone.username = someone.login or someone.email.split("@", 1)[0]

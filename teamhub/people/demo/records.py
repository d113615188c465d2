"""The plain records the demo plan is made of, and the weighted pick they share."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from teamhub.people.demo.data import Family

T = TypeVar("T")


@dataclass
class TeamPlan:
    index: int
    name: str
    parent: int | None
    family: Family | None


@dataclass
class PersonPlan:
    index: int
    first_name: str
    last_name: str
    team: int
    family: Family | None
    discipline: str
    seniority: int
    title: str
    location: str
    timezone: str
    capacity: Decimal
    manager: int | None
    tier: int  # 0 director, 1 family head, 2 squad lead, 3 member
    leads: int | None = None  # the team this person leads
    login: str | None = None  # the demo login, if this person is one
    email: str = ""
    username: str = ""

    @property
    def role(self) -> str:
        """Return the TeamHub role group of this person."""
        return "manager" if self.leads is not None else "data_scientist"


@dataclass
class StakeholderPlan:
    first_name: str
    last_name: str
    title: str
    login: str | None = None
    email: str = ""
    username: str = ""


@dataclass(slots=True)  # half a million of them are held at 20,000 people
class SkillRow:
    skill: str
    level: int  # what the registry knows (self-reported levels are noisy)
    interest: int
    source: str
    last_used: date | None
    validated_by: int | None  # person index of the validating manager
    validated_at: datetime | None
    # The hidden true level the demo's history is drawn from: never written.
    true_level: int = 0


@dataclass
class GoalRow:
    skill: str
    target_level: int
    note: str


@dataclass
class InitiativePlan:
    index: int
    family: Family
    team: int
    owner: int
    title: str
    summary: str
    business_kpi: str
    kpi_target: str
    stage: str
    mission_criticality: int
    pathway: str
    pipeline_owner: str
    compute_complexity: int
    ml_complexity: int
    start: date
    target_date: date
    outcome: str | None
    phase: str  # past | current | future
    key: str = ""


@dataclass
class AssignmentPlan:
    person: int
    initiative: int
    role: str
    allocation: int
    start: date
    end: date | None
    status: str
    outcome: str | None


@dataclass
class NeedPlan:
    skill: str
    min_level: int
    importance: str  # must | nice


@dataclass
class RolePlan:
    title: str
    needs: list[NeedPlan]
    headcount: int = 1
    allocation: int = 50
    start: date | None = None  # None: the initiative's start
    end: date | None = None  # None: the initiative's target date


@dataclass
class RequestPlan:
    """A staffing request on an initiative: closed on past ones (what was asked
    for before the crew was chosen), open on current and future ones."""

    initiative: int
    status: str  # open | closed
    roles: list[RolePlan]
    note: str = ""


@dataclass
class OrgPlan:
    seed: int
    today: date
    teams: list[TeamPlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    stakeholders: list[StakeholderPlan] = field(default_factory=list)
    admin: StakeholderPlan | None = None
    initiatives: list[InitiativePlan] = field(default_factory=list)
    assignments: list[AssignmentPlan] = field(default_factory=list)
    members: dict[int, list[int]] = field(default_factory=dict)  # team -> people
    upcoming: dict[int, list[str]] = field(default_factory=dict)  # team -> keys
    manager_index: int | None = None
    scientist_index: int | None = None
    requests: list[RequestPlan] = field(default_factory=list)
    # person -> (skill rows, learning goals), drawn once (see skills.person_skills)
    skills: dict[int, tuple[list[SkillRow], list[GoalRow]]] = field(
        default_factory=dict
    )


def pick(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    """Return one of ``items`` drawn by ``weights``."""
    return rng.choices(items, weights=weights)[0]

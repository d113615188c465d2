"""Draw one person's skills and learning goals from their own seeded stream."""

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from teamhub.people.demo import data
from teamhub.people.demo.data import Family
from teamhub.people.demo.records import GoalRow, OrgPlan, PersonPlan, SkillRow
from teamhub.people.demo.records import pick as _pick
from teamhub.people.taxonomy import SKILLS

_SKILL_NAMES = [spec.name for spec in SKILLS]
_CATEGORY_OF = {spec.name: spec.category for spec in SKILLS}
_PARENT_OF = {spec.name: spec.parent for spec in SKILLS if spec.parent}
_ORDER = {name: i for i, name in enumerate(_SKILL_NAMES)}
_BASE_WEIGHT = 0.5  # any catalogue skill; common and team skills weigh more


@dataclass(frozen=True)
class _Profile:
    names: list[str]
    cum_weights: list[float]
    core: frozenset[str]


_profiles: dict[tuple[str, str], _Profile] = {}


def _profile(family: Family | None, discipline: str) -> _Profile:
    key = (family.name if family else "", discipline)
    if key not in _profiles:
        team_skills: Mapping[str, float] = family.skills if family else {}
        bias = data.DISCIPLINE_BIAS.get(discipline, {})
        weights: list[float] = []
        for name in _SKILL_NAMES:
            weight = _BASE_WEIGHT + data.COMMON_SKILLS.get(name, 0) * 1.5
            weight += team_skills.get(name, 0) * 2.0
            weight *= bias.get(name, 1.0) * bias.get(_CATEGORY_OF[name], 1.0)
            weights.append(weight)
        cum: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            cum.append(total)
        core = frozenset(
            name for name, weight in team_skills.items() if weight >= 4
        ) | frozenset(name for name, factor in bias.items() if factor >= 3)
        _profiles[key] = _Profile(_SKILL_NAMES, cum, core)
    return _profiles[key]


_PYTORCH_FAMILIES = ("NLP", "Computer Vision")

# P(-1) for juniors; P(+1) for the others, by seniority 0..4.
_LEVEL_SHIFT = (-0.45, 0.0, 0.2, 0.35, 0.5)


def _level(rng: random.Random, *, seniority: int, core: bool) -> int:
    level = _pick(rng, (1, 2, 3, 4, 5), (12, 32, 32, 18, 6))
    shift = _LEVEL_SHIFT[seniority]
    if shift < 0 and rng.random() < -shift:
        level -= 1
    elif shift > 0 and rng.random() < shift * (1.0 if core else 0.4):
        level += 1
    if core and rng.random() < 0.25:
        level += 1
    elif not core and rng.random() < 0.25:
        level -= 1
    return max(1, min(5, level))


def _validated_at(rng: random.Random, today: date) -> datetime:
    day = today - timedelta(days=rng.randint(3, 540))
    return datetime.combine(
        day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), UTC
    )


def person_skills(
    plan: OrgPlan, person: PersonPlan
) -> tuple[list[SkillRow], list[GoalRow]]:
    """Draw one person's skills and learning goals from their own seeded stream."""
    rng = random.Random(f"teamhub-demo:{plan.seed}:person:{person.index}")
    today = plan.today
    if person.index == plan.scientist_index:
        return _scientist_skills(rng, plan, person)
    profile = _profile(person.family, person.discipline)
    count = max(15, min(40, round(rng.triangular(15, 40, 24))))
    chosen: list[str] = []
    seen: set[str] = set()
    while len(chosen) < count:
        for name in rng.choices(
            profile.names, cum_weights=profile.cum_weights, k=count
        ):
            if name not in seen:
                seen.add(name)
                chosen.append(name)
                if len(chosen) == count:
                    break
    family_name = person.family.name if person.family else ""
    pytorch_lead = person.leads is not None and family_name in _PYTORCH_FAMILIES
    if pytorch_lead and "PyTorch" not in seen:
        chosen.append("PyTorch")
    rows: list[SkillRow] = []
    for name in chosen:
        core = name in profile.core
        level = _level(rng, seniority=person.seniority, core=core)
        if name == "PyTorch" and pytorch_lead:
            level = max(level, 4)  # the leads of NLP and CV are PyTorch experts
        interest = _pick(rng, (0, 1, 2, 3), (12, 38, 33, 17))
        if core and interest < 3 and rng.random() < 0.3:
            interest += 1
        roll = rng.random()
        validated_by: int | None = None
        validated_at: datetime | None = None
        if person.manager is not None and roll < 0.25:
            source = "manager"
            validated_by = person.manager
            validated_at = _validated_at(rng, today)
        elif roll > 0.97:
            source = "inferred"
        else:
            source = "self"
        if rng.random() < 0.06:
            last_used = None
        else:
            spread = 0.4 if core else 1.0
            days = int(rng.random() ** 1.6 * 1095 * spread)
            last_used = today - timedelta(days=days)
        rows.append(
            SkillRow(
                name, level, interest, source, last_used, validated_by, validated_at
            )
        )
    _lift_parents(rows)
    for row in rows:
        row.true_level = row.level
    _rate(plan, person, rows, pytorch_lead=pytorch_lead)
    return rows, _goals(rng, plan, person, {r.skill: r.level for r in rows})


# How people rate themselves: the chance of each error of a self-reported level
# (over-rating is commoner than under-rating), and of an inferred one.
SELF_RATING_ERRORS: tuple[tuple[int, float], ...] = ((1, 0.25), (2, 0.07), (-1, 0.15))
INFERRED_ERRORS: tuple[tuple[int, float], ...] = ((1, 0.2), (-1, 0.2))


def _error(rng: random.Random, errors: tuple[tuple[int, float], ...]) -> int:
    roll = rng.random()
    for shift, chance in errors:
        if roll < chance:
            return shift
        roll -= chance
    return 0


def _rate(
    plan: OrgPlan, person: PersonPlan, rows: list[SkillRow], *, pytorch_lead: bool
) -> None:
    """Turn true levels into what the registry holds, from the person's own
    "truth" stream (the drawn skills stay as they were): a manager-validated
    level is the true one, a self-reported one is off now and then (people
    over- and under-rate), an inferred one is sometimes a level off."""
    rng = random.Random(f"teamhub-demo:{plan.seed}:truth:{person.index}")
    for row in rows:
        if row.source == "self":
            shift = _error(rng, SELF_RATING_ERRORS)
        elif row.source == "inferred":
            shift = _error(rng, INFERRED_ERRORS)
        else:
            shift = 0
        row.level = max(1, min(5, row.true_level + shift))
        if row.skill == "PyTorch" and pytorch_lead:
            row.level = max(row.level, 4)
    _lift_parents(rows, keep=lambda row: row.source == "manager")


def _lift_parents(
    rows: list[SkillRow], keep: Callable[[SkillRow], bool] = lambda row: False
) -> None:
    """Hold a parent skill at most one level below a child: PyTorch 5, DL >= 4.

    A parent whose level is to be kept (validated: the true level) caps the
    child at one level above it instead.
    """
    by_name = {r.skill: r for r in rows}
    # Children come after parents in the catalogue, so walk it backwards.
    for row in sorted(rows, key=lambda r: _ORDER[r.skill], reverse=True):
        parent = by_name.get(_PARENT_OF.get(row.skill, ""))
        if parent is not None and parent.level < row.level - 1:
            if keep(parent):
                row.level = parent.level + 1
            else:
                parent.level = row.level - 1


def _goals(
    rng: random.Random, plan: OrgPlan, person: PersonPlan, held: Mapping[str, int]
) -> list[GoalRow]:
    count = _pick(rng, (0, 1, 2, 3), (25, 35, 28, 12))
    pool: dict[str, float] = dict(data.TRENDING_SKILLS)
    if person.family:
        for name, weight in person.family.skills.items():
            pool[name] = pool.get(name, 0) + weight
    names = [n for n in pool if held.get(n, 0) < 4]
    weights = [pool[n] for n in names]
    goals: list[GoalRow] = []
    taken: set[str] = set()
    team_name = plan.teams[person.team].name
    while len(goals) < count and len(taken) < len(names):
        name = _pick(rng, names, weights)
        if name in taken:
            continue
        taken.add(name)
        current = held.get(name, 0)
        target = current + (2 if current and rng.random() < 0.3 else 1)
        if not current:
            target = rng.choice((2, 3, 3, 4))
        note = rng.choice(data.GOAL_NOTES)
        keys = plan.upcoming.get(person.team)
        if "{key}" in note and not keys:
            note = ""
        note = note.format(key=rng.choice(keys) if keys else "", team=team_name)
        goals.append(GoalRow(name, min(5, target), note))
    return goals


def _scientist_skills(
    rng: random.Random, plan: OrgPlan, person: PersonPlan
) -> tuple[list[SkillRow], list[GoalRow]]:
    rows: list[SkillRow] = []
    for i, (name, (level, interest)) in enumerate(data.SCIENTIST_SKILLS.items()):
        validated = i % 3 == 0
        rows.append(
            SkillRow(
                skill=name,
                level=level,
                interest=interest,
                source="manager" if validated else "self",
                last_used=plan.today
                - timedelta(days=rng.randint(0, 200 if level >= 3 else 700)),
                validated_by=person.manager if validated else None,
                validated_at=_validated_at(rng, plan.today) if validated else None,
            )
        )
    for row in rows:
        row.true_level = row.level  # the scientist's profile is what it is
    goals = [
        GoalRow(name, target, note)
        for name, (target, note) in data.SCIENTIST_GOALS.items()
    ]
    return rows, goals

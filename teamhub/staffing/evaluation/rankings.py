"""Rankings to evaluate: the model's (from a computed suggestion) and the
baselines' (random, most available, matching skills), over the same candidates.
Pure functions over the records of ``staffing.records``."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from teamhub.staffing.records import CandidateFacts, RequestSuggestion, RoleSpec
from teamhub.staffing.scoring import free_capacity

# A ranking: (person id, role id) best first, each person once.
Ranked = list[tuple[int, int]]


def model_ranking(result: RequestSuggestion, roles: Sequence[RoleSpec]) -> Ranked:
    """The proposed team first (by score), then everyone else ranked for some
    role by their best role: matches before alternatives, then by score."""
    best: dict[int, tuple[tuple[bool, float], int]] = {}
    for role in roles:
        ranking = result.rankings.get(role.role_id)
        if ranking is None:
            continue
        for is_match, shown in ((True, ranking.matches), (False, ranking.alternatives)):
            for c in shown:
                key = (is_match, c.score)
                if c.person_id not in best or key > best[c.person_id][0]:
                    best[c.person_id] = (key, role.role_id)
    members = [
        (pid, role_id)
        for role_id, pids in result.team.members.items()
        for pid in pids
        if pid in best
    ]
    members.sort(key=lambda m: (-best[m[0]][0][1], m[0]))
    ranked: Ranked = []
    seen: set[int] = set()
    for pid, role_id in members:
        if pid not in seen:
            seen.add(pid)
            ranked.append((pid, role_id))
    others = sorted(
        (pid for pid in best if pid not in seen),
        key=lambda pid: (not best[pid][0][0], -best[pid][0][1], pid),
    )
    ranked.extend((pid, best[pid][1]) for pid in others)
    return ranked


def _best_role(
    roles: Sequence[RoleSpec], value: Callable[[RoleSpec], float]
) -> tuple[float, int]:
    """The highest value over the roles, and the first role reaching it."""
    best, best_role = value(roles[0]), roles[0].role_id
    for role in roles[1:]:
        v = value(role)
        if v > best:
            best, best_role = v, role.role_id
    return best, best_role


def random_ranking(
    roles: Sequence[RoleSpec], candidates: Sequence[CandidateFacts], rng: random.Random
) -> Ranked:
    """The candidates in a random order, each for a random role."""
    order = [c.person_id for c in candidates]
    rng.shuffle(order)
    return [(pid, rng.choice(roles).role_id) for pid in order]


def most_available_ranking(
    roles: Sequence[RoleSpec], candidates: Sequence[CandidateFacts]
) -> Ranked:
    """By free capacity over the role's window (best role), ties by person id."""
    keyed = []
    for c in candidates:

        def free(role: RoleSpec, c: CandidateFacts = c) -> float:
            return free_for(c, role)

        most, role_id = _best_role(roles, free)
        keyed.append((-most, c.person_id, role_id))
    keyed.sort()
    return [(pid, role_id) for _most, pid, role_id in keyed]


def matching_skills_ranking(
    roles: Sequence[RoleSpec], candidates: Sequence[CandidateFacts]
) -> Ranked:
    """By how many of the role's skills are held at the minimum level or above
    (best role), ties by person id."""
    keyed = []
    for c in candidates:

        def held(role: RoleSpec, c: CandidateFacts = c) -> float:
            return sum(
                1
                for n in role.needs
                if n.skill_id in c.skills and c.skills[n.skill_id].level >= n.min_level
            )

        count, role_id = _best_role(roles, held)
        keyed.append((-count, c.person_id, role_id))
    keyed.sort()
    return [(pid, role_id) for _count, pid, role_id in keyed]


def free_for(candidate: CandidateFacts, role: RoleSpec) -> int:
    return free_capacity(
        candidate.capacity, candidate.bookings, start=role.start, end=role.end
    )

"""Propose a whole team for a request: min-cost assignment, then swaps for redundancy.

Contract: ``team_propose(*, roles, rankings, fixed, candidates) -> TeamProposal``.

The method, in order:

1. Fixed picks (accepted or locked) stay in their roles and fill their slots.
2. Eligible for a role: a match (meets every must-have) whose free capacity over
   the role's window is at least the role's allocation. A person fills at most one
   slot of a request, so no other slot of the request ever uses their capacity:
   ``free >= allocation`` is enough to never exceed anyone's capacity.
3. Min-cost assignment (the Hungarian method: ``scipy.optimize.linear_sum_assignment``)
   of the open slots (role x remaining headcount) to the eligible people, cost =
   -score, ineligible = a large cost, so it fills as many slots as can be filled
   and, among those, maximises the total score. Only the best ``TOP_PER_ROLE``
   eligible per role enter the matrix (never fewer than the request's slots, so
   no slot that could be filled is left open by the cut).
4. Stretch cap: at most ``max(1, floor(STRETCH_SHARE * total headcount))``
   members may be there thanks to growth credit. When more were picked, the
   best-scoring of them stay and the other slots are assigned again with the
   growth credit taken out of everyone's score.
5. Repair for redundancy: while a must-have skill has fewer than two holders at
   the required level, try single swaps (an unused eligible person replaces a
   non-fixed member in that member's role) that add a holder without dropping
   any other must-have skill below two holders (or below its current count), and
   take the one losing the least score (growth credit aside, so swaps never add
   stretch picks). When none exists, the skill is a single point of failure.
6. Roles that cannot be filled and must-haves nobody on the team holds are
   reported as ``Unmet`` with fixes counted from the candidates ("Lowering Spark
   from 4 to 3 adds 6 candidates").

The required level of a must-have skill asked for by several roles is the lowest
of their minimums.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from teamhub.staffing.records import (
    CandidateFacts,
    RoleSpec,
    ScoredCandidate,
    SkillNeed,
    TeamProposal,
    Unmet,
)
from teamhub.staffing.scoring import STRETCH_SHARE

METHOD = (
    "Min-cost assignment (Hungarian method) of every open slot to an eligible "
    "person, maximising the total score, then single swaps so that each must-have "
    "skill has two holders where possible."
)
TOP_PER_ROLE = 300
_BIG = 1e6
_ALLOCATION_LADDER = (90, 80, 75, 70, 60, 50, 40, 30, 25, 20, 10)


def growth_credit(candidate: ScoredCandidate) -> float:
    """Return the growth term's contribution to the candidate's score."""
    for term in candidate.terms:
        if term.name == "growth":
            return term.contribution
    return 0.0


def _plain(candidate: ScoredCandidate) -> float:
    return candidate.score - growth_credit(candidate)


def _full(candidate: ScoredCandidate) -> float:
    return candidate.score


def _candidates_word(n: int) -> str:
    return f"{n} candidate" if n == 1 else f"{n} candidates"


def team_propose(
    *,
    roles: Sequence[RoleSpec],
    rankings: Mapping[int, Sequence[ScoredCandidate]],
    fixed: Mapping[int, Sequence[int]],
    candidates: Mapping[int, CandidateFacts],
) -> TeamProposal:
    """Propose a team filling every role of a request; see the module docstring."""
    roles = list(roles)
    # 1. fixed picks
    used: set[int] = set()
    fixed_members: dict[int, list[int]] = {}
    for role in roles:
        kept = []
        for pid in fixed.get(role.role_id, ()):
            if pid not in used:
                kept.append(pid)
                used.add(pid)
        fixed_members[role.role_id] = kept
    # 2. eligibility
    eligible: dict[int, list[ScoredCandidate]] = {}
    for role in roles:
        found = [
            c
            for c in rankings.get(role.role_id, ())
            if c.person_id not in used and c.free >= role.allocation and c.is_match
        ]
        found.sort(key=lambda c: (-c.score, c.person_id))
        eligible[role.role_id] = found
    # 3. assignment
    total_headcount = sum(r.headcount for r in roles)
    chosen = _solve(roles, fixed_members, eligible, used, _full, total_headcount)
    # 4. stretch cap
    cap = max(1, math.floor(STRETCH_SHARE * total_headcount))
    stretch = [
        (rid, c) for rid, picks in chosen.items() for c in picks if growth_credit(c) > 0
    ]
    if len(stretch) > cap:
        stretch.sort(key=lambda s: (-s[1].score, s[1].person_id))
        kept_stretch = stretch[:cap]
        taken = {rid: list(pids) for rid, pids in fixed_members.items()}
        chosen = {role.role_id: [] for role in roles}
        for rid, c in kept_stretch:
            taken[rid].append(c.person_id)
            chosen[rid].append(c)
        rest = _solve(
            roles,
            taken,
            eligible,
            used | {c.person_id for _rid, c in kept_stretch},
            _plain,
            total_headcount,
        )
        for rid, picks in rest.items():
            chosen[rid].extend(picks)
    # 5. repair for redundancy
    musts = _must_levels(roles)
    _repair(roles, fixed_members, chosen, eligible, musts, candidates, used)
    # members: fixed first, then the picks by score
    members: dict[int, tuple[int, ...]] = {}
    for role in roles:
        picks = sorted(
            chosen.get(role.role_id, ()), key=lambda c: (-c.score, c.person_id)
        )
        members[role.role_id] = tuple(fixed_members[role.role_id]) + tuple(
            c.person_id for c in picks
        )
    team_order = [pid for role in roles for pid in members[role.role_id]]
    coverage = {
        sid: tuple(pid for pid in team_order if _level(candidates, pid, sid) >= level)
        for sid, (level, _name) in musts.items()
    }
    single_points = tuple(sid for sid, holders in coverage.items() if len(holders) == 1)
    # 6. what cannot be met
    unmet = _unmet(roles, rankings, members, candidates, coverage, musts)
    return TeamProposal(
        method=METHOD,
        members=members,
        coverage=coverage,
        single_points=single_points,
        unmet=tuple(unmet),
    )


# -- assignment --------------------------------------------------------------------


def _solve(
    roles: Sequence[RoleSpec],
    taken: Mapping[int, Sequence[int]],
    eligible: Mapping[int, Sequence[ScoredCandidate]],
    used: set[int],
    value: Callable[[ScoredCandidate], float],
    total_headcount: int,
) -> dict[int, list[ScoredCandidate]]:
    """Assign the open slots to unused eligible people by min-cost assignment."""
    result: dict[int, list[ScoredCandidate]] = {r.role_id: [] for r in roles}
    top = max(TOP_PER_ROLE, total_headcount)
    slots: list[tuple[RoleSpec, list[ScoredCandidate]]] = []
    columns: dict[int, int] = {}
    for role in roles:
        open_slots = role.headcount - len(taken.get(role.role_id, ()))
        if open_slots <= 0:
            continue
        best = [c for c in eligible[role.role_id] if c.person_id not in used][:top]
        if not best:
            continue
        for c in best:
            columns.setdefault(c.person_id, len(columns))
        slots.extend([(role, best)] * open_slots)
    if not slots:
        return result
    cost = np.full((len(slots), len(columns)), _BIG)
    row_of: dict[int, np.ndarray] = {}
    for i, (role, best) in enumerate(slots):
        row = row_of.get(role.role_id)
        if row is None:
            row = np.full(len(columns), _BIG)
            for c in best:
                row[columns[c.person_id]] = -value(c)
            row_of[role.role_id] = row
        cost[i] = row
    rows, cols = linear_sum_assignment(cost)
    by_column = {j: pid for pid, j in columns.items()}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if cost[i, j] >= _BIG / 2:
            continue
        role, best = slots[i]
        pid = by_column[j]
        result[role.role_id].append(next(c for c in best if c.person_id == pid))
    return result


# -- redundancy --------------------------------------------------------------------


def _must_levels(roles: Sequence[RoleSpec]) -> dict[int, tuple[int, str]]:
    """Return must-have skill id -> (required level, name), in the roles' order."""
    musts: dict[int, tuple[int, str]] = {}
    for role in roles:
        for need in role.musts:
            current = musts.get(need.skill_id)
            if current is None or need.min_level < current[0]:
                musts[need.skill_id] = (need.min_level, need.name)
    return musts


def _level(candidates: Mapping[int, CandidateFacts], pid: int, sid: int) -> int:
    facts = candidates.get(pid)
    if facts is None:
        return 0
    held = facts.skills.get(sid)
    return 0 if held is None else held.level


def _repair(
    roles: Sequence[RoleSpec],
    fixed_members: Mapping[int, Sequence[int]],
    chosen: dict[int, list[ScoredCandidate]],
    eligible: Mapping[int, Sequence[ScoredCandidate]],
    musts: Mapping[int, tuple[int, str]],
    candidates: Mapping[int, CandidateFacts],
    used: set[int],
) -> None:
    """Swap members until every must-have has two holders, where possible."""
    if not musts:
        return

    def holds(pid: int) -> frozenset[int]:
        return frozenset(
            sid
            for sid, (level, _name) in musts.items()
            if _level(candidates, pid, sid) >= level
        )

    held_by: dict[int, frozenset[int]] = {}

    def held(pid: int) -> frozenset[int]:
        found = held_by.get(pid)
        if found is None:
            found = held_by[pid] = holds(pid)
        return found

    while True:
        team = [pid for pids in fixed_members.values() for pid in pids] + [
            c.person_id for picks in chosen.values() for c in picks
        ]
        counts = dict.fromkeys(musts, 0)
        for pid in team:
            for sid in held(pid):
                counts[sid] += 1
        deficient = {sid for sid, n in counts.items() if n < 2}
        if not deficient:
            return
        in_team = set(team) | used
        # (score lost, incoming id, outgoing id, role id, index in role, incoming)
        best: tuple[float, int, int, int, int, ScoredCandidate] | None = None
        for role in roles:
            rid = role.role_id
            outsiders = [
                q
                for q in eligible[rid]
                if q.person_id not in in_team and held(q.person_id) & deficient
            ]
            if not outsiders:
                continue
            for index, member in enumerate(chosen.get(rid, ())):
                out_skills = held(member.person_id)
                for q in outsiders:
                    in_skills = held(q.person_id)
                    if not (in_skills - out_skills) & deficient:
                        continue
                    if any(
                        counts[t] - (t in out_skills) + (t in in_skills)
                        < min(2, counts[t])
                        for t in musts
                    ):
                        continue
                    loss = _plain(member) - _plain(q)
                    key = (loss, q.person_id, member.person_id)
                    if best is None or key < best[:3]:
                        best = (*key, rid, index, q)
        if best is None:
            return
        chosen[best[3]][best[4]] = best[5]


# -- infeasibility -----------------------------------------------------------------


def _unmet(
    roles: Sequence[RoleSpec],
    rankings: Mapping[int, Sequence[ScoredCandidate]],
    members: Mapping[int, Sequence[int]],
    candidates: Mapping[int, CandidateFacts],
    coverage: Mapping[int, Sequence[int]],
    musts: Mapping[int, tuple[int, str]],
) -> list[Unmet]:
    team = {pid for pids in members.values() for pid in pids}
    held_anywhere = {sid for f in candidates.values() for sid in f.skills}
    unmet: list[Unmet] = []
    skill_fixes: dict[int, list[str]] = {}
    for role in roles:
        filled = len(members[role.role_id])
        if filled >= role.headcount:
            continue
        shortage = role.headcount - filled
        pool = [c for c in rankings.get(role.role_id, ()) if c.person_id not in team]
        counted: list[tuple[int, int, str]] = []
        for need in role.musts:
            for order, (count, text) in enumerate(
                _need_fixes(role, need, pool, shortage)
            ):
                counted.append((count, order, text))
                skill_fixes.setdefault(need.skill_id, []).append(text)
        counted.extend(
            (count, 2, text) for count, text in _allocation_fixes(role, pool, shortage)
        )
        counted.sort(key=lambda f: (-f[0], f[1]))
        fixes = [text for _count, _order, text in counted]
        fixes.extend(
            f"Nobody in the registry holds {need.name}: hire or train"
            for need in role.musts
            if need.skill_id not in held_anywhere
        )
        unmet.append(
            Unmet(
                role_id=role.role_id,
                skill_id=None,
                message=f"{role.title}: {filled} of {role.headcount} people found",
                fixes=tuple(fixes),
            )
        )
    for sid, (level, name) in musts.items():
        if coverage.get(sid):
            continue
        fixes = list(dict.fromkeys(skill_fixes.get(sid, ())))
        if sid not in held_anywhere:
            fixes.append(f"Nobody in the registry holds {name}: hire or train")
        unmet.append(
            Unmet(
                role_id=None,
                skill_id=sid,
                message=f"Nobody on the proposed team holds {name} at level {level}",
                fixes=tuple(fixes),
            )
        )
    return unmet


def _other_musts_met(c: ScoredCandidate, skill_id: int) -> bool:
    return all(
        ch.met for ch in c.checks if ch.importance == "must" and ch.skill_id != skill_id
    )


def _need_fixes(
    role: RoleSpec, need: SkillNeed, pool: Sequence[ScoredCandidate], shortage: int
) -> list[tuple[int, str]]:
    """Return (people added, text) for lowering a must-have or making it nice."""
    # People with the capacity who meet every must-have but this one.
    near = [
        c
        for c in pool
        if c.free >= role.allocation and _other_musts_met(c, need.skill_id)
    ]
    levels = []
    for c in near:
        check = next((ch for ch in c.checks if ch.skill_id == need.skill_id), None)
        if check is not None and not check.met:
            levels.append(check.level or 0)
    fixes: list[tuple[int, str]] = []
    best: tuple[int, int] | None = None  # (level, count)
    for lower in range(need.min_level - 1, 0, -1):
        count = sum(1 for level in levels if level >= lower)
        if count and (best is None or count > best[1]):
            best = (lower, count)
        if count >= shortage:
            break
    if best is not None:
        fixes.append(
            (
                best[1],
                f"Lowering {need.name} from {need.min_level} to {best[0]} adds "
                f"{_candidates_word(best[1])}",
            )
        )
    if levels:
        fixes.append(
            (
                len(levels),
                f"Making {need.name} nice-to-have adds {_candidates_word(len(levels))}",
            )
        )
    return fixes


def _allocation_fixes(
    role: RoleSpec, pool: Sequence[ScoredCandidate], shortage: int
) -> list[tuple[int, str]]:
    """Return (people added, text) for asking a smaller share of the week."""
    free = [c.free for c in pool if c.is_match and c.free < role.allocation]
    best: tuple[int, int] | None = None  # (allocation, count)
    for asked in _ALLOCATION_LADDER:
        if asked >= role.allocation:
            continue
        count = sum(1 for f in free if f >= asked)
        if count and (best is None or count > best[1]):
            best = (asked, count)
        if count >= shortage:
            break
    if best is None:
        return []
    return [
        (
            best[1],
            f"Asking {best[0]}% instead of {role.allocation}% adds "
            f"{_candidates_word(best[1])}",
        )
    ]

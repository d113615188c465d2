"""Suggestions for a whole request from plain facts: rankings per role and a team.

Contract:

    request_suggest(
        *,
        roles: Sequence[RoleSpec],
        candidates: Sequence[CandidateFacts],
        context: ScoringContext,
        fixed: Mapping[int, Sequence[int]] = {},      # role id -> person ids kept
        excluded: Mapping[int, AbstractSet[int]] = {},  # role id -> rejected ids
        keep_matches: int = KEEP_MATCHES,
        keep_alternatives: int = KEEP_ALTERNATIVES,
    ) -> RequestSuggestion

How: the candidates for a role are the people holding at least one of its skills
(less the rejected); they are scored without mentors, a first team is proposed,
its members holding a skill at level max(4, minimum) become the mentors, the
candidates who want to learn a nice-to-have are scored again with them and the
team is proposed again (with the stretch cap), until the mentors are stable
(three rounds at most). Only the kept candidates (and every team member) get
the full explanation; the totals count everyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from types import MappingProxyType

from teamhub.staffing.records import (
    CandidateFacts,
    RequestSuggestion,
    RoleRanking,
    RoleSpec,
    ScoredCandidate,
    ScoringContext,
    TeamProposal,
)
from teamhub.staffing.scoring import WEIGHTS, Base, RoleScorer
from teamhub.staffing.team import team_propose

# Level a team member needs in a skill to mentor it (at least the role's minimum).
MENTOR_LEVEL = 4
MAX_ROUNDS = 3

# How many matches and alternatives a role keeps (every team member besides).
KEEP_MATCHES = 20
KEEP_ALTERNATIVES = 10
_EMPTY_FIXED: Mapping[int, Sequence[int]] = MappingProxyType({})
_EMPTY_EXCLUDED: Mapping[int, Set[int]] = MappingProxyType({})
Mentors = dict[int, tuple[str, ...]]


def request_suggest(
    *,
    roles: Sequence[RoleSpec],
    candidates: Sequence[CandidateFacts],
    context: ScoringContext,
    fixed: Mapping[int, Sequence[int]] = _EMPTY_FIXED,
    excluded: Mapping[int, Set[int]] = _EMPTY_EXCLUDED,
    keep_matches: int = KEEP_MATCHES,
    keep_alternatives: int = KEEP_ALTERNATIVES,
) -> RequestSuggestion:
    """Rank every role's candidates and propose a team for the whole request."""
    by_id = {c.person_id: c for c in candidates}
    load_cache: dict[int, int] = {}
    scorers = {r.role_id: RoleScorer(r, context, load_cache) for r in roles}
    pools: dict[int, list[_Entry]] = {}
    for role in roles:
        scorer = scorers[role.role_id]
        skill_ids = scorer.skill_ids
        kept = set(fixed.get(role.role_id, ()))
        rejected = excluded.get(role.role_id, frozenset()) - kept
        pools[role.role_id] = [
            _Entry(c, scorer, eager=c.person_id in kept)
            for c in candidates
            if (c.person_id in kept or not skill_ids.isdisjoint(c.skills))
            and c.person_id not in rejected
        ]

    proposer = _Proposer(roles, scorers, pools, fixed, by_id)
    mentors: Mentors = {}
    team = proposer.propose(mentors)
    growers = any(
        e.base.may_grow for pool in pools.values() for e in pool if not e.gaps
    )
    for _round in range(MAX_ROUNDS if growers else 0):
        found = _mentors(roles, team, by_id)
        if found == mentors:
            break
        mentors = found
        team = proposer.propose(mentors)
    if not team.feasible:
        # The fixes count people who are not eligible: give them all.
        team = proposer.propose(mentors, everyone=True)

    rankings = {
        role.role_id: _ranking(
            role,
            scorers[role.role_id],
            pools[role.role_id],
            team,
            mentors,
            keep_matches=keep_matches,
            keep_alternatives=keep_alternatives,
        )
        for role in roles
    }
    return RequestSuggestion(rankings=rankings, team=team)


class _Proposer:
    """Call team_propose with the candidates it needs, scored with given mentors.

    Only the eligible (matches with the capacity) and the fixed picks are needed
    for the team itself; everyone is needed to count what would make an
    infeasible request feasible. Candidates whose score does not depend on the
    mentors are built once.
    """

    def __init__(
        self,
        roles: Sequence[RoleSpec],
        scorers: Mapping[int, RoleScorer],
        pools: Mapping[int, Sequence[_Entry]],
        fixed: Mapping[int, Sequence[int]],
        by_id: Mapping[int, CandidateFacts],
    ) -> None:
        self.roles = roles
        self.scorers = scorers
        self.pools = pools
        self.fixed = fixed
        self.by_id = by_id
        self.built: dict[int, dict[int, ScoredCandidate]] = {
            r.role_id: {} for r in roles
        }

    def propose(self, mentors: Mentors, *, everyone: bool = False) -> TeamProposal:
        rankings: dict[int, list[ScoredCandidate]] = {}
        for role in self.roles:
            rid = role.role_id
            scorer = self.scorers[rid]
            built = self.built[rid]
            kept = set(self.fixed.get(rid, ()))
            allocation = role.allocation
            found = []
            for entry in self.pools[rid]:
                c = entry.c
                if not (
                    everyone
                    or (entry.gaps == 0 and entry.base.free >= allocation)
                    or c.person_id in kept
                ):
                    continue
                base = entry.base
                if base.may_grow:
                    found.append(scorer.lite(c, base, mentors))
                    continue
                scored = built.get(c.person_id)
                if scored is None:
                    scored = built[c.person_id] = scorer.lite(c, base)
                found.append(scored)
            rankings[rid] = found
        return team_propose(
            roles=self.roles, rankings=rankings, fixed=self.fixed, candidates=self.by_id
        )


def _mentors(
    roles: Sequence[RoleSpec],
    team: TeamProposal,
    by_id: Mapping[int, CandidateFacts],
) -> Mentors:
    """Return nice-to-have skill id -> team members who can mentor it, best first."""
    levels: dict[int, int] = {}
    for role in roles:
        for need in role.nices:
            levels[need.skill_id] = max(
                levels.get(need.skill_id, MENTOR_LEVEL), need.min_level
            )
    if not levels:
        return {}
    found: dict[int, list[tuple[int, str]]] = {}
    for pids in team.members.values():
        for pid in pids:
            facts = by_id.get(pid)
            if facts is None:
                continue
            for sid, level in levels.items():
                held = facts.skills.get(sid)
                if held is not None and held.level >= level:
                    found.setdefault(sid, []).append((-held.level, facts.name))
    return {
        sid: tuple(dict.fromkeys(name for _lvl, name in sorted(people)))
        for sid, people in found.items()
    }


def _ranking(
    role: RoleSpec,
    scorer: RoleScorer,
    pool: Sequence[_Entry],
    team: TeamProposal,
    mentors: Mentors,
    *,
    keep_matches: int,
    keep_alternatives: int,
) -> RoleRanking:
    in_team = set(team.members.get(role.role_id, ()))

    def score_of(entry: _Entry) -> float:
        base = entry.base
        if base.may_grow:
            growth = scorer.growth(entry.c, base, mentors)[0]
            return base.score(round(WEIGHTS["growth"] * growth, 4) + 0.0)
        return base.score()

    matches = sorted(
        ((-score_of(e), e.c.name, e.c.person_id), e) for e in pool if not e.gaps
    )
    # Alternatives, closest first: the fewest must-have gaps, then the best skill
    # fit (as scoring.contenders selects them), then the score. Only those shown
    # need a score: the closest ``keep_alternatives``, those tied with the last
    # of them, and team members.
    closest = sorted(
        ((e.gaps, -e.fit), index) for index, e in enumerate(pool) if e.gaps
    )
    cut = (
        closest[keep_alternatives - 1][0]
        if 0 < keep_alternatives <= len(closest)
        else None
    )
    shown = [
        pool[index]
        for position, (key, index) in enumerate(closest)
        if position < keep_alternatives
        or key == cut
        or pool[index].c.person_id in in_team
    ]
    alternatives = sorted(
        ((e.gaps, -e.fit, -score_of(e), e.c.name, e.c.person_id), e) for e in shown
    )

    def explain(
        ordered: Sequence[tuple[object, _Entry]], keep: int
    ) -> tuple[ScoredCandidate, ...]:
        kept = []
        for position, (_key, entry) in enumerate(ordered):
            if position < keep or entry.c.person_id in in_team:
                kept.append(scorer.full(entry.c, mentors, entry.base))
        return tuple(kept)

    return RoleRanking(
        role_id=role.role_id,
        matches=explain(matches, keep_matches),
        alternatives=explain(alternatives, keep_alternatives),
        match_total=len(matches),
        alternative_total=len(closest),
    )


class _Entry:
    """A candidate in a role's pool: how close their skills come (the must-have
    gaps and the skill fit) at once, the other numbers (``base``) when first
    asked for -- a broad role's thousands of distant alternatives are only
    counted, never scored."""

    __slots__ = ("_base", "_scorer", "c", "fit", "gaps")

    def __init__(self, c: CandidateFacts, scorer: RoleScorer, *, eager: bool) -> None:
        self.c = c
        self._scorer = scorer
        self.fit, _recency, self.gaps = scorer.skills_part(c.skills)
        self._base: Base | None = scorer.base(c) if eager or not self.gaps else None

    @property
    def base(self) -> Base:
        if self._base is None:
            self._base = self._scorer.base(self.c)
        return self._base

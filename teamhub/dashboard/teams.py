"""The teams a dashboard filter covers, and the rows team-by-X charts show.

A filter covers a team and every team below it (``teams_in_scope``). Charts
with a row or series per team show one level of the tree at a time
(``team_groups``): the filtered team's own members, then one row per team
directly below it, each counting its whole sub-tree. Without a filter that is
the level below the top team. A 5,000-person organisation thus shows its
departments, not 470 teams; choosing a department shows its teams.
"""

from collections import defaultdict
from dataclasses import dataclass

from teamhub.people.models import Team


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str


def teams_in_scope(team_id: int | None) -> list[TeamRow]:
    """Return every team, or ``team_id`` and its sub-teams, by name (one query)."""
    rows = list(Team.objects.order_by("name").values_list("id", "name", "parent_id"))
    if team_id is None:
        return [TeamRow(pk, name) for pk, name, _parent in rows]
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, _name, parent in rows:
        children[parent].append(pk)
    keep: set[int] = set()
    todo = [team_id] if any(pk == team_id for pk, _n, _p in rows) else []
    while todo:
        pk = todo.pop()
        if pk not in keep:
            keep.add(pk)
            todo.extend(children[pk])
    return [TeamRow(pk, name) for pk, name, _parent in rows if pk in keep]


@dataclass(frozen=True)
class TeamGroup:
    """A row of a team-by-X chart: a team, and the teams it counts (itself and
    its sub-tree; only itself for the row of a parent's own members)."""

    id: int
    name: str
    team_ids: frozenset[int]
    own_members: bool = False  # the row of a team's own members, not its sub-teams'

    def people_query(self) -> dict[str, int]:
        """The people directory's and search's parameters for the row's people."""
        if self.own_members:
            return {"team": self.id, "team_only": 1}
        return {"team": self.id}


OWN_MEMBERS = "{name} (own members)"


def team_groups(team_id: int | None) -> list[TeamGroup]:
    """Return the rows for the filter, in one query: the anchor's own members
    (when it has teams below it), then each team directly below it with its
    sub-tree, by name. The anchor is the filtered team; without a filter, the
    single top team, or none when there are several (one row per top team)."""
    rows = list(Team.objects.order_by("name").values_list("id", "name", "parent_id"))
    names = {pk: name for pk, name, _parent in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, _name, parent in rows:
        children[parent].append(pk)

    def subtree(root: int) -> frozenset[int]:
        found: set[int] = set()
        todo = [root]
        while todo:
            pk = todo.pop()
            if pk not in found:
                found.add(pk)
                todo.extend(children[pk])
        return frozenset(found)

    if team_id is None:
        tops = children[None]
        anchor = tops[0] if len(tops) == 1 else None
    elif team_id in names:
        anchor = team_id
    else:
        return []
    below = children[anchor]
    if anchor is None:
        return [TeamGroup(pk, names[pk], subtree(pk)) for pk in below]
    if not below:
        return [TeamGroup(anchor, names[anchor], frozenset({anchor}))]
    own = TeamGroup(
        anchor,
        OWN_MEMBERS.format(name=names[anchor]),
        frozenset({anchor}),
        own_members=True,
    )
    return [own] + [TeamGroup(pk, names[pk], subtree(pk)) for pk in below]


def group_of(groups: list[TeamGroup]) -> dict[int, TeamGroup]:
    """Return, for each team id the groups count, its group."""
    return {pk: group for group in groups for pk in group.team_ids}


def team_ids_in_scope(team_id: int) -> set[int]:
    """Return the ids of ``team_id`` and every team below it (one query)."""
    return {row.id for row in teams_in_scope(team_id)}

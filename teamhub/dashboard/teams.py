"""The teams a dashboard filter covers: a team and every team below it."""

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


def team_ids_in_scope(team_id: int) -> set[int]:
    """Return the ids of ``team_id`` and every team below it (one query)."""
    return {row.id for row in teams_in_scope(team_id)}

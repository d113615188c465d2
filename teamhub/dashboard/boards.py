"""Where initiative charts lead: the board showing a team's initiatives."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from teamhub.initiatives.models import Board, MissionCriticality


@dataclass(frozen=True)
class BoardTarget:
    """Where a bar leads: a board and the query narrowing it to the team."""

    url: str
    query: dict[str, str | int]
    filterable: bool  # False: the board list, which takes no filters

    def link(self, **query: str | int) -> str:
        if not self.filterable:
            return self.url
        params = {**self.query, **query}
        return f"{self.url}?{urlencode(params)}" if params else self.url


def board_target(team_id: int | None) -> BoardTarget:
    """Return the board showing the team's initiatives: the team's own board,
    else a portfolio board filtered by team, else the board list (one query)."""
    boards = list(Board.objects.order_by("name", "id").values_list("pk", "team_id"))
    own = next((pk for pk, team in boards if team_id and team == team_id), None)
    if own is not None:
        return BoardTarget(reverse("initiatives:board", args=[own]), {}, True)
    portfolio = next((pk for pk, team in boards if team is None), None)
    if portfolio is not None:
        query: dict[str, str | int] = {"team": team_id} if team_id else {}
        return BoardTarget(reverse("initiatives:board", args=[portfolio]), query, True)
    return BoardTarget(reverse("initiatives:boards"), {}, False)


def criticality_links(team_id: int | None) -> dict[int, str]:
    """Return, per mission criticality, that board filtered to it (one query)."""
    target = board_target(team_id)
    return {
        level: target.link(criticality=level) for level in MissionCriticality.values
    }

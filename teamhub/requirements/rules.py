"""Sign-off rules: which extra approvers a document's mission criticality needs."""

from collections.abc import Iterable

from teamhub.people.models import Person, Team
from teamhub.requirements.models import RequirementDoc, SignOffRule


def doc_criticality(doc: RequirementDoc, fields: dict[str, object]) -> int:
    """The higher of the initiative's criticality and the one the document states."""
    stated = fields.get("mission_criticality")
    stated_level = stated if isinstance(stated, int) else 1
    return max(doc.initiative.mission_criticality, stated_level)


def applicable_rules(criticality: int) -> list[SignOffRule]:
    return list(
        SignOffRule.objects.filter(active=True, min_criticality__lte=criticality)
        .select_related("team")
        .order_by("min_criticality", "id")
    )


def teams_of(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """Return each user's team and the teams above it."""
    parents = dict(Team.objects.values_list("pk", "parent_id"))
    teams: dict[int, set[int]] = {}
    rows = Person.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "team_id"
    )
    for user_id, own_team in rows:
        team_id: int | None = own_team
        chain: set[int] = set()
        while team_id is not None and team_id not in chain:
            chain.add(team_id)
            team_id = parents.get(team_id)
        teams[user_id] = chain
    return teams


def unmet_rules(
    rules: list[SignOffRule],
    approver_ids: Iterable[int],
    teams: dict[int, set[int]] | None = None,
) -> list[SignOffRule]:
    """Return the rules none of ``approver_ids`` satisfies (by team membership);
    ``teams`` (from ``teams_of``) saves the look-up when it covers them."""
    approver_ids = list(approver_ids)
    if teams is None:
        teams = teams_of(approver_ids)
    chains = [teams.get(user_id, set()) for user_id in approver_ids]
    return [
        rule for rule in rules if not any(rule.team_id in chain for chain in chains)
    ]

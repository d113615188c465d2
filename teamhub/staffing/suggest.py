"""Suggestions for a whole request from plain facts. OWNER: the scoring engineer.

Contract:

    request_suggest(
        *,
        roles: Sequence[RoleSpec],
        candidates: Sequence[CandidateFacts],
        context: ScoringContext,
        fixed: Mapping[int, Sequence[int]] = {},      # role id -> person ids kept
        excluded: Mapping[int, AbstractSet[int]] = {},  # role id -> rejected ids
    ) -> RequestSuggestion
"""

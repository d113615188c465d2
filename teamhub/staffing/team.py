"""Propose a whole team for a request. OWNER: the scoring engineer.

Contract: ``team_propose(*, roles, rankings, fixed, free, candidates) -> TeamProposal``
(see records.py); says which method it uses in its docstring and in
``TeamProposal.method``.
"""

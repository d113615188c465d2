"""Read the database into the records scoring works on. OWNER: the services engineer.

Contract:

    role_specs(request: StaffingRequest) -> list[RoleSpec]
    candidate_facts(*, roles, as_of, replay=False) -> list[CandidateFacts]
    prior_success(*, before: date) -> float
"""

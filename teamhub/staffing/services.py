"""Writes of staffing: requests, decisions on suggestions. OWNER: the services
engineer. Every function checks permissions (PermissionDenied -> 403), validates
(ValidationError -> 400 {field: [messages]}), raises core.exceptions.Conflict for
409s, writes inside one transaction (nothing half-written) and calls audit_record.

Contract (the pages and the API call exactly these):

    @dataclass(frozen=True)
    class SkillInput: skill: Skill; min_level: int; importance: str  # must|nice
    @dataclass(frozen=True)
    class RoleInput: title: str; headcount: int; allocation: int; start: date;
                     end: date; skills: Sequence[SkillInput]

    staffing_request_create(*, actor: User, initiative: Initiative,
        roles: Sequence[RoleInput], note: str = "") -> StaffingRequest
        # computes suggestions on commit through the Celery task
    staffing_request_close(*, actor, request: StaffingRequest) -> StaffingRequest
    staffing_request_recompute(*, actor, request) -> None  # queues the task
    suggestion_accept(*, actor, suggestion: Suggestion) -> Assignment
        # 409 if already decided or the person no longer has the capacity
    suggestion_reject(*, actor, suggestion, reason: str) -> Suggestion
    suggestion_lock(*, actor, suggestion, locked: bool) -> Suggestion
        # recomputes the rest of the team at once
    team_accept(*, actor, request: StaffingRequest) -> list[Assignment]
        # accepts every open suggestion of the proposed team, all or nothing
"""

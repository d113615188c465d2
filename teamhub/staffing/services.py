"""Writes of staffing: requests, and the manager's decisions on suggestions.

Every function checks permissions (PermissionDenied -> 403), validates
(ValidationError -> 400 {field: [messages]}), raises core.exceptions.Conflict for
409s, writes inside one transaction (nothing half-written) and calls audit_record.
Nothing is ever assigned automatically: only ``suggestion_accept`` and
``team_accept``, called by a manager, create assignments (proposed ones).

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

Validation messages are keyed by field; a role's field is ``roles.<i>.<field>``
and a skill's ``roles.<i>.skills.<j>.<field>`` (0-based), and each message names
the role by its position and title, so a page or an API client can show it next
to the input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.initiatives.models import Assignment, Initiative
from teamhub.people.models import Person, Skill
from teamhub.staffing import scoring
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)
from teamhub.staffing.records import Booking
from teamhub.staffing.suggestions import request_compute
from teamhub.staffing.tasks import (
    staffing_request_compute_task,
    suggestion_accepted_notify_task,
)

MAX_ROLES = 20
MAX_SKILLS = 30
MAX_HEADCOUNT = 50
TITLE_LENGTH = RoleRequirement._meta.get_field("role").max_length or 100


@dataclass(frozen=True)
class SkillInput:
    skill: Skill
    min_level: int
    importance: str = RequiredSkill.Importance.MUST  # must | nice


@dataclass(frozen=True)
class RoleInput:
    title: str
    headcount: int
    allocation: int
    start: dt.date
    end: dt.date
    skills: Sequence[SkillInput] = field(default_factory=tuple)


# -- permissions and helpers -------------------------------------------------------


def _require_manager(actor: User, action: str) -> None:
    if not user_has_role(actor, Role.MANAGER):
        raise PermissionDenied(f"Only managers can {action}.")


def _day(day: dt.date) -> str:
    return f"{day:%d %b %Y}".lstrip("0")


def _user_name(user: User | None) -> str:
    if user is None:
        return "someone (account removed)"
    return user.get_full_name() or user.username


def _role_label(position: int, title: str) -> str:
    title = " ".join(title.split())
    return f"Role {position + 1}" + (f" “{title}”" if title else "")


# -- requests ----------------------------------------------------------------------


def roles_validate(roles: Sequence[RoleInput]) -> dict[str, list[str]]:
    """Return the problems of ``roles`` by field (empty when they are fine)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not roles:
        add("roles", "Add at least one role, with the skills it needs.")
        return errors
    if len(roles) > MAX_ROLES:
        add("roles", f"A request has at most {MAX_ROLES} roles.")
    for i, role in enumerate(roles):
        label = _role_label(i, role.title)
        key = f"roles.{i}"
        if not role.title.strip():
            add(f"{key}.title", f"{label}: give the role a title.")
        elif len(role.title.strip()) > TITLE_LENGTH:
            add(
                f"{key}.title",
                f"{label}: the title is longer than {TITLE_LENGTH} characters.",
            )
        if not 1 <= role.headcount <= MAX_HEADCOUNT:
            add(
                f"{key}.headcount",
                f"{label}: the headcount must be from 1 to {MAX_HEADCOUNT} "
                f"(got {role.headcount}).",
            )
        if not 1 <= role.allocation <= 100:
            add(
                f"{key}.allocation",
                f"{label}: the allocation must be from 1 to 100% "
                f"(got {role.allocation}%).",
            )
        if role.end < role.start:
            add(
                f"{key}.end",
                f"{label}: the end ({role.end.isoformat()}) is before the start "
                f"({role.start.isoformat()}).",
            )
        if not role.skills:
            add(
                f"{key}.skills",
                f"{label}: add at least one required skill; suggestions are "
                "ranked on them.",
            )
        elif len(role.skills) > MAX_SKILLS:
            add(f"{key}.skills", f"{label}: at most {MAX_SKILLS} skills per role.")
        seen: set[int] = set()
        for j, need in enumerate(role.skills):
            skill_key = f"{key}.skills.{j}"
            name = need.skill.name
            if not 1 <= need.min_level <= 5:
                add(
                    f"{skill_key}.min_level",
                    f"{label}: the minimum level of {name} must be from 1 to 5 "
                    f"(got {need.min_level}).",
                )
            if need.importance not in RequiredSkill.Importance.values:
                add(
                    f"{skill_key}.importance",
                    f"{label}: the importance of {name} must be “must” or “nice” "
                    f"(got “{need.importance}”).",
                )
            if need.skill.pk in seen:
                add(
                    f"{skill_key}.skill",
                    f"{label}: {name} is listed twice; give each skill once.",
                )
            seen.add(need.skill.pk)
    return errors


@transaction.atomic
def staffing_request_create(
    *,
    actor: User,
    initiative: Initiative,
    roles: Sequence[RoleInput],
    note: str = "",
) -> StaffingRequest:
    """Create a request with its roles and required skills; its suggestions
    are computed by a Celery task once the request is committed."""
    _require_manager(actor, "create staffing requests")
    errors = roles_validate(roles)
    if errors:
        raise ValidationError(errors)
    request = StaffingRequest.objects.create(
        initiative=initiative, created_by=actor, note=note.strip()
    )
    for position, role in enumerate(roles):
        created = RoleRequirement.objects.create(
            request=request,
            role=" ".join(role.title.split()),
            headcount=role.headcount,
            allocation=role.allocation,
            start=role.start,
            end=role.end,
            position=position,
        )
        RequiredSkill.objects.bulk_create(
            RequiredSkill(
                role=created,
                skill=need.skill,
                min_level=need.min_level,
                importance=need.importance,
            )
            for need in role.skills
        )
    audit_record(
        actor=actor,
        verb="staffing.request_created",
        target=request,
        data={
            "initiative": initiative.key,
            "roles": [
                {
                    "title": role.title,
                    "headcount": role.headcount,
                    "allocation": role.allocation,
                    "start": role.start.isoformat(),
                    "end": role.end.isoformat(),
                    "skills": [
                        [need.skill.name, need.min_level, need.importance]
                        for need in role.skills
                    ],
                }
                for role in roles
            ],
        },
    )
    pk = request.pk
    transaction.on_commit(lambda: staffing_request_compute_task.delay(pk))
    return request


def _open_request(pk: int) -> StaffingRequest:
    """Lock and return the request; 409 if it is closed."""
    request = (
        StaffingRequest.objects.select_for_update(of=("self",))
        .select_related("initiative")
        .get(pk=pk)
    )
    if request.status != StaffingRequest.Status.OPEN:
        raise Conflict(
            f"The staffing request for {request.initiative.key} is closed; "
            "reopen it in the admin to change its suggestions.",
            status=request.status,
        )
    return request


@transaction.atomic
def staffing_request_close(*, actor: User, request: StaffingRequest) -> StaffingRequest:
    """Close the request: its suggestions stay as they are; accepted people keep
    their proposed assignments."""
    _require_manager(actor, "close staffing requests")
    locked = _open_request(request.pk)
    locked.status = StaffingRequest.Status.CLOSED
    locked.save(update_fields=["status", "updated"])
    audit_record(actor=actor, verb="staffing.request_closed", target=locked)
    return locked


@transaction.atomic
def staffing_request_recompute(*, actor: User, request: StaffingRequest) -> None:
    """Queue the computation of the request's suggestions now (decisions taken
    are kept)."""
    _require_manager(actor, "recompute staffing suggestions")
    locked = _open_request(request.pk)
    audit_record(actor=actor, verb="staffing.request_recomputed", target=locked)
    pk = locked.pk
    transaction.on_commit(lambda: staffing_request_compute_task.delay(pk))


# -- decisions ---------------------------------------------------------------------


def _locked_suggestion(pk: int) -> Suggestion:
    # Lock the row alone (PostgreSQL refuses FOR UPDATE on the nullable side of
    # an outer join), then read what the checks and messages need.
    Suggestion.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return Suggestion.objects.select_related(
        "role__request__initiative", "person__user", "decided_by"
    ).get(pk=pk)


def _undecided(suggestion: Suggestion) -> None:
    """409 unless the suggestion is still open."""
    if suggestion.status == Suggestion.Status.OPEN:
        return
    when = (
        timezone.localtime(suggestion.decided_at).date()
        if suggestion.decided_at
        else None
    )
    on = f" on {_day(when)}" if when else ""
    raise Conflict(
        f"{suggestion.person.name} was already {suggestion.status} for "
        f"{suggestion.role.role} by {_user_name(suggestion.decided_by)}{on}.",
        status=suggestion.status,
        suggestion=suggestion.pk,
    )


def person_free(*, person: Person, start: dt.date, end: dt.date) -> int:
    """Return the percent ``person`` has free over [start, end] now: capacity
    minus the peak of their confirmed and proposed assignments (proposed count
    half), read fresh from the database."""
    rows = Assignment.objects.filter(
        person=person,
        status__in=[Assignment.Status.CONFIRMED, Assignment.Status.PROPOSED],
        start__lte=end,
    ).exclude(end__lt=start)
    bookings = [
        Booking(
            initiative_id=a.initiative_id,
            key="",
            title="",
            allocation=a.allocation,
            start=a.start,
            end=a.end,
            status=_booking_status(a.status),
        )
        for a in rows.only("initiative_id", "allocation", "start", "end", "status")
    ]
    capacity = round(float(person.capacity_fte) * 100)
    return scoring.free_capacity(capacity, bookings, start=start, end=end)


def _booking_status(status: str) -> Literal["confirmed", "proposed"]:
    return "proposed" if status == Assignment.Status.PROPOSED else "confirmed"


def _accept(*, actor: User, suggestion: Suggestion, now: dt.datetime) -> Assignment:
    """Check and accept one locked suggestion (inside the caller's transaction)."""
    _undecided(suggestion)
    role = suggestion.role
    # Lock the person: two managers accepting them for two roles at once must
    # not both see the same free capacity.
    person = Person.objects.select_for_update().get(pk=suggestion.person_id)
    person.user = suggestion.person.user
    name = person.name
    if not person.active:
        raise Conflict(
            f"{name} is no longer active and cannot be assigned.",
            suggestion=suggestion.pk,
        )
    free = person_free(person=person, start=role.start, end=role.end)
    if free < role.allocation:
        raise Conflict(
            f"{name} now has {free}% free between {_day(role.start)} and "
            f"{_day(role.end)}; the role needs {role.allocation}%.",
            suggestion=suggestion.pk,
            free=free,
            needed=role.allocation,
        )
    assignment = Assignment.objects.create(
        person=person,
        initiative=role.request.initiative,
        role=role.role,
        allocation=role.allocation,
        start=role.start,
        end=role.end,
        status=Assignment.Status.PROPOSED,
    )
    suggestion.status = Suggestion.Status.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = now
    suggestion.assignment = assignment
    suggestion.save(
        update_fields=["status", "decided_by", "decided_at", "assignment", "updated"]
    )
    audit_record(
        actor=actor,
        verb="staffing.suggestion_accepted",
        target=suggestion,
        data={
            "person": person.pk,
            "role": role.pk,
            "assignment": assignment.pk,
            "allocation": role.allocation,
            "score": suggestion.score,
        },
    )
    pk = suggestion.pk
    transaction.on_commit(lambda: suggestion_accepted_notify_task.delay(pk))
    return assignment


@transaction.atomic
def suggestion_accept(*, actor: User, suggestion: Suggestion) -> Assignment:
    """Accept one suggestion: create a proposed assignment of the person to the
    initiative for the role's window and allocation, and notify them."""
    _require_manager(actor, "accept staffing suggestions")
    _open_request(suggestion.role.request_id)
    locked = _locked_suggestion(suggestion.pk)
    return _accept(actor=actor, suggestion=locked, now=timezone.now())


@transaction.atomic
def team_accept(*, actor: User, request: StaffingRequest) -> list[Assignment]:
    """Accept every open suggestion of the proposed team, all or nothing: if one
    person can no longer be assigned, nothing is accepted (409 naming them)."""
    _require_manager(actor, "accept staffing suggestions")
    locked_request = _open_request(request.pk)
    pks = list(
        Suggestion.objects.filter(
            role__request=locked_request,
            in_team=True,
            status=Suggestion.Status.OPEN,
        )
        .order_by("role__position", "role_id", "rank", "id")
        .values_list("pk", flat=True)
    )
    if not pks:
        raise Conflict(
            f"Nothing to accept for {locked_request.initiative.key}: every member "
            "of the proposed team is already decided, or the team is not computed "
            "yet."
        )
    now = timezone.now()
    made = []
    for pk in pks:
        suggestion = _locked_suggestion(pk)
        try:
            made.append(_accept(actor=actor, suggestion=suggestion, now=now))
        except Conflict as exc:
            raise Conflict(f"Nothing was accepted: {exc.detail}", **exc.extra) from exc
    return made


@transaction.atomic
def suggestion_reject(
    *, actor: User, suggestion: Suggestion, reason: str
) -> Suggestion:
    """Reject a suggestion with a reason: the person is not suggested for that
    role again, and the team is recomputed without them."""
    _require_manager(actor, "reject staffing suggestions")
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": ["Say why, so the next person reading the request knows."]}
        )
    _open_request(suggestion.role.request_id)
    locked = _locked_suggestion(suggestion.pk)
    _undecided(locked)
    locked.status = Suggestion.Status.REJECTED
    locked.reason = reason
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    was_in_team = locked.in_team
    locked.in_team = False
    locked.locked = False
    locked.save(
        update_fields=[
            "status",
            "reason",
            "decided_by",
            "decided_at",
            "in_team",
            "locked",
            "updated",
        ]
    )
    audit_record(
        actor=actor,
        verb="staffing.suggestion_rejected",
        target=locked,
        data={"person": locked.person_id, "role": locked.role_id, "reason": reason},
    )
    if was_in_team:
        pk = locked.role.request_id
        transaction.on_commit(lambda: staffing_request_compute_task.delay(pk))
    return locked


def suggestion_lock(*, actor: User, suggestion: Suggestion, locked: bool) -> Suggestion:
    """Lock (keep in the team) or unlock a pick, then recompute the rest of the
    team at once."""
    _require_manager(actor, "lock staffing suggestions")
    with transaction.atomic():
        request = _open_request(suggestion.role.request_id)
        found = _locked_suggestion(suggestion.pk)
        if found.status == Suggestion.Status.REJECTED:
            raise Conflict(
                f"{found.person.name} was rejected for {found.role.role}; a "
                "rejected suggestion cannot be locked.",
                status=found.status,
            )
        if found.locked != locked:
            found.locked = locked
            found.save(update_fields=["locked", "updated"])
            audit_record(
                actor=actor,
                verb="staffing.suggestion_locked"
                if locked
                else "staffing.suggestion_unlocked",
                target=found,
                data={"person": found.person_id, "role": found.role_id},
            )
    request_compute(request=request)
    found.refresh_from_db()
    return found

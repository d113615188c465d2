"""Writes to ML initiatives and the assignments of people to them."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.core.updates import UNSET, Unset, apply_changes, jsonable
from teamhub.initiatives.models import (
    Assignment,
    Initiative,
    Label,
    MissionCriticality,
    Outcome,
    Pathway,
    PipelineOwner,
    Stage,
)
from teamhub.initiatives.services_cards import card_events_for_initiative_edit
from teamhub.people.models import Person, Team


def _require_manager(actor: User, message: str) -> None:
    if not user_has_role(actor, Role.MANAGER):
        raise PermissionDenied(message)


# Labels ------------------------------------------------------------------------


@transaction.atomic
def label_create(*, actor: User, name: str, color: str = "#6c757d") -> Label:
    _require_manager(actor, "Only managers can create labels.")
    name = name.strip()
    if Label.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": ["A label with this name exists already."]})
    label = Label(name=name, color=color)
    label.full_clean()
    label.save()
    audit_record(
        actor=actor, verb="label.created", target=label, data={"name": label.name}
    )
    return label


# Initiatives -------------------------------------------------------------------


def _check_initiative(initiative: Initiative) -> None:
    """Refuse a taken key or a target date before the start, naming the field."""
    clash = Initiative.objects.filter(key__iexact=initiative.key)
    if initiative.pk is not None:
        clash = clash.exclude(pk=initiative.pk)
    if clash.exists():
        raise ValidationError({"key": ["Another initiative already uses this key."]})
    if (
        initiative.start is not None
        and initiative.target_date is not None
        and initiative.target_date < initiative.start
    ):
        raise ValidationError(
            {"target_date": ["The target date cannot be before the start."]}
        )


@transaction.atomic
def initiative_create(
    *,
    actor: User,
    key: str,
    title: str,
    summary: str = "",
    team: Team | None = None,
    owner: Person | None = None,
    business_kpi: str = "",
    kpi_target: str = "",
    stage: str = Stage.IDEA,
    mission_criticality: int = MissionCriticality.LOW,
    pathway: str = Pathway.EXPERIMENTAL,
    pipeline_owner: str = PipelineOwner.DATA_SCIENCE,
    compute_complexity: int = 1,
    ml_complexity: int = 1,
    start: dt.date | None = None,
    target_date: dt.date | None = None,
    outcome: str | None = None,
    model_metric_name: str = "",
    hardening_plan: str = "",
    labels: list[Label] | None = None,
) -> Initiative:
    _require_manager(actor, "Only managers can create initiatives.")
    initiative = Initiative(
        key=key.strip(),
        title=title.strip(),
        summary=summary,
        team=team,
        owner=owner,
        business_kpi=business_kpi,
        kpi_target=kpi_target,
        stage=stage,
        mission_criticality=mission_criticality,
        pathway=pathway,
        pipeline_owner=pipeline_owner,
        compute_complexity=compute_complexity,
        ml_complexity=ml_complexity,
        start=start,
        target_date=target_date,
        outcome=outcome,
        model_metric_name=model_metric_name.strip(),
        hardening_plan=hardening_plan,
    )
    _check_initiative(initiative)
    initiative.full_clean()
    initiative.save()
    if labels:
        initiative.labels.set(labels)
    audit_record(
        actor=actor,
        verb="initiative.created",
        target=initiative,
        data={"key": initiative.key, "stage": initiative.stage},
    )
    return initiative


@transaction.atomic
def initiative_update(
    *,
    actor: User,
    initiative: Initiative,
    key: str | Unset = UNSET,
    title: str | Unset = UNSET,
    summary: str | Unset = UNSET,
    team: Team | Unset | None = UNSET,
    owner: Person | Unset | None = UNSET,
    business_kpi: str | Unset = UNSET,
    kpi_target: str | Unset = UNSET,
    stage: str | Unset = UNSET,
    mission_criticality: int | Unset = UNSET,
    pathway: str | Unset = UNSET,
    pipeline_owner: str | Unset = UNSET,
    compute_complexity: int | Unset = UNSET,
    ml_complexity: int | Unset = UNSET,
    start: dt.date | Unset | None = UNSET,
    target_date: dt.date | Unset | None = UNSET,
    outcome: str | Unset | None = UNSET,
    model_metric_name: str | Unset = UNSET,
    hardening_plan: str | Unset = UNSET,
    labels: list[Label] | Unset = UNSET,
) -> Initiative:
    """Change the given fields; every card of the initiative records the edit."""
    _require_manager(actor, "Only managers can change initiatives.")
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    changed = apply_changes(
        initiative,
        {
            "key": key if isinstance(key, Unset) else key.strip(),
            "title": title if isinstance(title, Unset) else title.strip(),
            "summary": summary,
            "team": team,
            "owner": owner,
            "business_kpi": business_kpi,
            "kpi_target": kpi_target,
            "stage": stage,
            "mission_criticality": mission_criticality,
            "pathway": pathway,
            "pipeline_owner": pipeline_owner,
            "compute_complexity": compute_complexity,
            "ml_complexity": ml_complexity,
            "start": start,
            "target_date": target_date,
            "outcome": outcome,
            "model_metric_name": model_metric_name,
            "hardening_plan": hardening_plan,
        },
    )
    if changed:
        _check_initiative(initiative)
        initiative.full_clean()
        initiative.save()
    if not isinstance(labels, Unset):
        before = sorted(initiative.labels.values_list("name", flat=True))
        after = sorted(label.name for label in labels)
        if before != after:
            initiative.labels.set(labels)
            changed["labels"] = after
    if changed:
        # Boards before the audit chain: every write takes the audit lock last.
        card_events_for_initiative_edit(
            actor=actor, initiative=initiative, changed=changed
        )
        audit_record(
            actor=actor, verb="initiative.updated", target=initiative, data=changed
        )
    return initiative


# Assignments -------------------------------------------------------------------


def _check_assignment(assignment: Assignment) -> None:
    """Refuse what the model's constraints would, with a message on the field."""
    errors: dict[str, list[str]] = {}
    if not 1 <= assignment.allocation <= 100:
        errors["allocation"] = ["Allocation is a percentage from 1 to 100."]
    if assignment.end is not None and assignment.end < assignment.start:
        errors["end"] = ["The end cannot be before the start."]
    finished = assignment.status == Assignment.Status.FINISHED
    if assignment.outcome is not None and not finished:
        errors["outcome"] = ["Only a finished assignment has an outcome."]
    if finished and assignment.end is None:
        errors["end"] = ["A finished assignment needs an end date."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assignment_create(
    *,
    actor: User,
    person: Person,
    initiative: Initiative,
    role: str,
    allocation: int,
    start: dt.date,
    end: dt.date | None = None,
    status: str = Assignment.Status.PROPOSED,
    outcome: str | None = None,
) -> Assignment:
    """Put a person on an initiative (or record a past assignment as finished)."""
    _require_manager(actor, "Only managers can assign people.")
    if not person.active:
        raise ValidationError({"person": ["This person is no longer active."]})
    assignment = Assignment(
        person=person,
        initiative=initiative,
        role=role.strip(),
        allocation=allocation,
        start=start,
        end=end,
        status=status,
        outcome=outcome,
    )
    _check_assignment(assignment)
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        verb="assignment.created",
        target=assignment,
        data={
            "person": person.pk,
            "initiative": initiative.pk,
            "allocation": allocation,
            "start": jsonable(start),
            "end": jsonable(end),
            "status": status,
        },
    )
    return assignment


@transaction.atomic
def assignment_update(
    *,
    actor: User,
    assignment: Assignment,
    role: str | Unset = UNSET,
    allocation: int | Unset = UNSET,
    start: dt.date | Unset = UNSET,
    end: dt.date | Unset | None = UNSET,
    status: str | Unset = UNSET,
    outcome: str | Unset | None = UNSET,
) -> Assignment:
    """Change an assignment. Finishing goes through ``assignment_finish``."""
    _require_manager(actor, "Only managers can change assignments.")
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if (
        status == Assignment.Status.FINISHED
        and locked.status != Assignment.Status.FINISHED
    ):
        raise ValidationError(
            {"status": ["Finish an assignment with the finish action."]}
        )
    changed = apply_changes(
        locked,
        {
            "role": role if isinstance(role, Unset) else role.strip(),
            "allocation": allocation,
            "start": start,
            "end": end,
            "status": status,
            "outcome": outcome,
        },
    )
    if changed:
        _check_assignment(locked)
        locked.full_clean()
        locked.save()
        audit_record(
            actor=actor, verb="assignment.updated", target=locked, data=changed
        )
    return locked


@transaction.atomic
def assignment_finish(
    *,
    actor: User,
    assignment: Assignment,
    outcome: str | None = None,
    end: dt.date | None = None,
) -> Assignment:
    """Close an assignment on ``end`` (by default today) with its outcome."""
    _require_manager(actor, "Only managers can finish assignments.")
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == Assignment.Status.FINISHED:
        raise Conflict(
            "This assignment is already finished.",
            assignment=locked.pk,
            status=locked.status,
        )
    if outcome is not None and outcome not in Outcome.values:
        raise ValidationError({"outcome": [f"“{outcome}” is not a known outcome."]})
    if end is None:
        # Today, unless the planned end has passed already; never before the start
        # (a cancelled future assignment ends where it would have begun).
        today = timezone.localdate()
        end = max(min(locked.end, today) if locked.end else today, locked.start)
    locked.end = end
    locked.status = Assignment.Status.FINISHED
    locked.outcome = outcome
    _check_assignment(locked)
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor,
        verb="assignment.finished",
        target=locked,
        data={"end": jsonable(locked.end), "outcome": outcome},
    )
    return locked

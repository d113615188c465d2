"""Gates: the rules a card must meet to enter a column, and why a move is refused."""

from collections.abc import Iterable

from teamhub.initiatives.models import (
    Column,
    ColumnGate,
    GateRule,
    Initiative,
    PipelineOwner,
)


def initiative_has_approved_requirements(initiative: Initiative) -> bool:
    """Return whether the initiative has an approved requirement document (the
    sign-off state computed by the requirements app)."""
    from teamhub.requirements.selectors import initiative_requirements_approved

    return initiative_requirements_approved(initiative)


def column_gates(column: Column) -> list[ColumnGate]:
    """Return the column's gates, each pointing at it: a refusal names the
    column without a query per gate."""
    gates = list(column.gates.all())
    for gate in gates:
        gate.column = column
    return gates


def gate_refusal(
    gate: ColumnGate,
    initiative: Initiative,
    *,
    requirements_approved: bool | None = None,
) -> str | None:
    """Return why ``initiative`` may not pass ``gate``, or None if it may.

    ``requirements_approved`` is what the caller already knows of the
    initiative's requirement documents (None: ask, one query)."""
    column = gate.column.name
    if gate.rule == GateRule.OWNER_REQUIRED and initiative.owner_id is None:
        return f"Entering “{column}” needs an owner for {initiative.key}."
    if gate.rule == GateRule.KPI_REQUIRED and not (
        initiative.business_kpi.strip() and initiative.kpi_target.strip()
    ):
        return (
            f"Entering “{column}” needs a business KPI and its target "
            f"for {initiative.key}."
        )
    if (
        gate.rule == GateRule.HARDENING_FOR_CRITICAL
        and initiative.mission_criticality >= gate.min_criticality
        and initiative.pipeline_owner != PipelineOwner.ENGINEERING
        and not initiative.hardening_plan.strip()
    ):
        return (
            f"{initiative.key} has mission criticality "
            f"{initiative.mission_criticality}: entering “{column}” needs the "
            "pipeline owned by engineering or a written hardening plan."
        )
    if gate.rule == GateRule.APPROVED_REQUIREMENTS and not (
        initiative_has_approved_requirements(initiative)
        if requirements_approved is None
        else requirements_approved
    ):
        return (
            f"Entering “{column}” needs an approved requirement document "
            f"for {initiative.key}."
        )
    return None


def gate_refusals(gates: Iterable[ColumnGate], initiative: Initiative) -> list[str]:
    """Return the reasons the active ``gates`` refuse ``initiative`` (empty: pass)."""
    reasons = []
    for gate in gates:
        if not gate.active:
            continue
        reason = gate_refusal(gate, initiative)
        if reason is not None:
            reasons.append(reason)
    return reasons


def gate_refusals_of_many(
    gates: Iterable[ColumnGate], initiatives: Iterable[Initiative]
) -> list[str]:
    """Return the reasons the active ``gates`` refuse any of ``initiatives``,
    in a fixed number of queries whatever their number."""
    from teamhub.requirements.selectors import signoff_states
    from teamhub.requirements.state import DocState

    active = [gate for gate in gates if gate.active]
    initiatives = list(initiatives)
    approved: set[int] = set()
    if any(gate.rule == GateRule.APPROVED_REQUIREMENTS for gate in active):
        states = signoff_states([initiative.pk for initiative in initiatives])
        approved = {pk for pk, state in states.items() if state == DocState.APPROVED}
    reasons = []
    for initiative in initiatives:
        for gate in active:
            reason = gate_refusal(
                gate, initiative, requirements_approved=initiative.pk in approved
            )
            if reason is not None:
                reasons.append(reason)
    return reasons

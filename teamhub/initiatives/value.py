"""Value check-in trends and the rule that flags candidates for hardening."""

from collections.abc import Sequence
from itertools import pairwise

from teamhub.initiatives.models import MissionCriticality, Pathway

# "Keeps rising": each of the last RISING_RUN check-ins is above the one before.
RISING_RUN = 3


def keeps_rising(values: Sequence[float]) -> bool:
    """Return whether the last ``RISING_RUN`` values each rose over the previous."""
    if len(values) < RISING_RUN + 1:
        return False
    tail = values[-(RISING_RUN + 1) :]
    return all(later > earlier for earlier, later in pairwise(tail))


def hardening_reason(
    *, pathway: str, mission_criticality: int, business_values: Sequence[float]
) -> str | None:
    """Return why an initiative should get an engineering-hardened production
    pipeline, or None: experimental work that is mission-critical (≥ 3) or whose
    business value keeps rising."""
    if pathway != Pathway.EXPERIMENTAL:
        return None
    if mission_criticality >= MissionCriticality.SIGNIFICANT:
        return (
            f"Mission criticality {mission_criticality} on the experimental pathway: "
            "engineering should harden a production pipeline."
        )
    if keeps_rising(business_values):
        return (
            f"Business value rose at each of the last {RISING_RUN} check-ins: "
            "candidate for an engineering-hardened production pipeline."
        )
    return None

"""Importing this package registers every chart (see charts.py)."""

from teamhub.dashboard.builders import (  # noqa: F401
    activity,
    activity_initiatives,
    capacity,
    mine,
    outcomes,
    outcomes_criticality,
    pipeline,
    pipeline_flow,
    signoffs,
    skills,
    value,
)

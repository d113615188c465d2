"""Importing this package registers every chart (see charts.py)."""

from teamhub.dashboard.builders import (  # noqa: F401
    activity,
    capacity,
    mine,
    outcomes,
    pipeline,
    pipeline_flow,
    signoffs,
    skills,
)

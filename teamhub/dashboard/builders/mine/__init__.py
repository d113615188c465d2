"""A data scientist's own charts; the team filter never narrows one's own view."""

from teamhub.dashboard.builders.mine import (  # noqa: F401
    allocations,
    asked,
    goals,
)

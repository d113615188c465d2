"""Reads of initiatives and assignments, with their relations selected."""

from django.db.models import QuerySet

from teamhub.initiatives.models import Assignment, Initiative


def initiative_list() -> QuerySet[Initiative]:
    """Return initiatives with team and owner (name) selected, labels fetched."""
    return Initiative.objects.select_related("team", "owner__user").prefetch_related(
        "labels"
    )


def assignment_list() -> QuerySet[Assignment]:
    """Return assignments with the person (name) and initiative selected."""
    return Assignment.objects.select_related("person__user", "initiative")

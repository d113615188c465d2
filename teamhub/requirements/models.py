"""Requirement documents of ML initiatives and their immutable versions.

Sign-off requests and decisions build on these (issue 4, in progress).
"""

from typing import Any

from django.db import models
from django.utils import timezone

from teamhub.core.models import BaseModel
from teamhub.initiatives.models import Initiative


class RequirementDoc(BaseModel):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="requirement_docs"
    )
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        "core.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["initiative", "title", "id"]

    def __str__(self) -> str:
        return f"{self.initiative.key}: {self.title}"


class ImmutableError(Exception):
    """A stored document version was about to be changed or deleted."""


class DocVersion(models.Model):
    """One saved state of a document; never changed or deleted once written."""

    doc = models.ForeignKey(
        RequirementDoc, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    body_markdown = models.TextField(blank=True)
    fields = models.JSONField(default=dict)
    content_sha256 = models.CharField(max_length=64)
    author = models.ForeignKey(
        "core.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["doc", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["doc", "number"], name="doc_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.doc} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("A saved document version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("A document version is never deleted.")

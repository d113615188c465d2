"""Requirement documents of ML initiatives, their immutable versions, and the
stakeholder sign-off workflow (requests, decisions, rules that add approvers).

Decisions are append-only: a revocation or a withdrawn rejection is a new row,
so the full record of who signed what, when and on which hash is never lost.
"""

from typing import Any

from django.db import models
from django.utils import timezone

from teamhub.core.models import BaseModel
from teamhub.initiatives.models import Initiative
from teamhub.people.models import Team


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


class SignOffRule(BaseModel):
    """Adds required approvers by mission criticality, e.g. "criticality 3 or
    more also needs someone from the Engineering team" (admins configure it)."""

    min_criticality = models.PositiveSmallIntegerField(
        help_text="Applies to documents whose mission criticality is at least this."
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="One approver must belong to this team (or a team under it).",
    )
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["min_criticality", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_criticality__gte=1)
                & models.Q(min_criticality__lte=4),
                name="signoff_rule_criticality_1_to_4",
            )
        ]

    def __str__(self) -> str:
        return f"Criticality ≥ {self.min_criticality} needs {self.team}"


class SignOffRequest(BaseModel):
    """The author asks named stakeholders to sign a version; a new version of the
    document moves the request to it (earlier approvals become stale)."""

    class Policy(models.TextChoices):
        ALL = "all", "All of them"
        QUORUM = "quorum", "A quorum"

    doc = models.ForeignKey(
        RequirementDoc, on_delete=models.PROTECT, related_name="signoff_requests"
    )
    version = models.ForeignKey(
        DocVersion, on_delete=models.PROTECT, related_name="signoff_requests"
    )
    requested_by = models.ForeignKey(
        "core.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    stakeholders = models.ManyToManyField(
        "core.User", related_name="signoff_requests_to_sign"
    )
    due = models.DateField(null=True, blank=True)
    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.ALL)
    quorum = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Sign-off of {self.version}"


class SignOff(models.Model):
    """One stakeholder's decision on one version (append-only)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        REVOKED = "revoked", "Revoked"

    request = models.ForeignKey(
        SignOffRequest, on_delete=models.PROTECT, related_name="signoffs"
    )
    stakeholder = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="signoffs"
    )
    version = models.ForeignKey(
        DocVersion, on_delete=models.PROTECT, related_name="signoffs"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    meaning = models.TextField(help_text="The statement the stakeholder signed.")
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "id"]
        indexes = [
            models.Index(
                fields=["request", "stakeholder", "signed_at"],
                name="signoff_request_person_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stakeholder} {self.decision} {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("A recorded decision cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("A recorded decision is never deleted.")


class SignOffReminder(models.Model):
    """The day's reminder of overdue sign-offs to one person: at most one a day.

    The row is written before the e-mail is sent (so two overlapping runs, or a
    retry after a crash, never send a second one); ``sent_at`` is set once the
    mail server accepted it and stays empty if the worker died in between.
    """

    user = models.ForeignKey(
        "core.User", on_delete=models.CASCADE, related_name="signoff_reminders"
    )
    sent_on = models.DateField(help_text="The day (in TIME_ZONE) it was sent for.")
    requests = models.JSONField(
        default=list, blank=True, help_text="The overdue sign-off requests listed."
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_on", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "sent_on"], name="signoff_reminder_one_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user} on {self.sent_on}"

"""Staffing requests on initiatives, their roles and required skills, and the
suggestions computed for each role (the cache the pages read)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from teamhub.core.models import BaseModel
from teamhub.initiatives.models import Assignment, Initiative
from teamhub.people.models import Level, Person, Skill


class StaffingRequest(BaseModel):
    """An initiative asks for people: one or more roles, each with required skills.

    Suggestions are computed by a Celery task and stored as ``Suggestion`` rows:
    ``computed_at`` says when; ``stale_since`` is set when skills, goals or
    allocations changed after that (the recompute is then due, debounced).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="staffing_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    # The team proposal of the last computation: members by role, skill coverage,
    # unmet requirements with what would make them feasible (see records.py).
    team = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["status", "stale_since"])]

    def __str__(self) -> str:
        return f"Staffing {self.initiative.key} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("staffing:request", args=[self.pk])


class RoleRequirement(BaseModel):
    """One role of a request: how many people, how much of their week, when."""

    request = models.ForeignKey(
        StaffingRequest, on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(max_length=100, help_text="The role's title.")
    headcount = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    allocation = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent of a full-time week.",
    )
    start = models.DateField()
    end = models.DateField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation__gte=1) & Q(allocation__lte=100),
                name="rolerequirement_allocation_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(headcount__gte=1),
                name="rolerequirement_headcount_positive",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="rolerequirement_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} ×{self.headcount} ({self.allocation}%)"


class RequiredSkill(BaseModel):
    class Importance(models.TextChoices):
        MUST = "must", "Must have"
        NICE = "nice", "Nice to have"

    role = models.ForeignKey(
        RoleRequirement, on_delete=models.CASCADE, related_name="skills"
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(choices=Level.choices)
    importance = models.CharField(
        max_length=4, choices=Importance.choices, default=Importance.MUST
    )

    class Meta:
        ordering = ["role", "importance", "skill__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "skill"], name="requiredskill_unique_role_skill"
            ),
            models.CheckConstraint(
                condition=Q(min_level__gte=1) & Q(min_level__lte=5),
                name="requiredskill_min_level_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill} ≥{self.min_level} ({self.importance})"


class Suggestion(BaseModel):
    """One person suggested for one role, with the score's terms (``records.py``).

    Open suggestions are replaced at each computation; accepted, rejected and
    locked ones stay. A rejected person is never suggested again for that role.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    class Kind(models.TextChoices):
        MATCH = "match", "Match"
        ALTERNATIVE = "alternative", "Alternative"

    role = models.ForeignKey(
        RoleRequirement, on_delete=models.CASCADE, related_name="suggestions"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    terms = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MATCH)
    rank = models.PositiveIntegerField(default=0)
    in_team = models.BooleanField(
        default=False, help_text="Part of the proposed team for the request."
    )
    locked = models.BooleanField(
        default=False, help_text="Kept in the team when the rest is recomputed."
    )
    reason = models.TextField(blank=True, help_text="Why it was rejected.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["role", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "person"], name="suggestion_unique_role_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.role} ({self.score:.2f})"

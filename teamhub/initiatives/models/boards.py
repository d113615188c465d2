"""Kanban boards of initiatives: columns with WIP limits and gates, ranked cards."""

from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teamhub.core.models import BaseModel
from teamhub.initiatives.models.initiatives import Initiative, Stage
from teamhub.people.models import Team

# Longest rank key the column holds; keys past RESPACE_AT are re-spaced on write.
RANK_MAX_LENGTH = 64


class Swimlanes(models.TextChoices):
    NONE = "", "No swimlanes"
    TEAM = "team", "Team"
    CRITICALITY = "criticality", "Mission criticality"
    PIPELINE_OWNER = "pipeline_owner", "Pipeline owner"


class Board(BaseModel):
    """A team's (or, without a team, a portfolio's) board of ML initiatives."""

    name = models.CharField(max_length=120)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="boards",
        help_text="Empty for a portfolio board across teams.",
    )
    description = models.TextField(blank=True)
    swimlanes = models.CharField(
        max_length=20, choices=Swimlanes.choices, default=Swimlanes.NONE, blank=True
    )
    # Bumped by every change on the board; the page polls it to stay live.
    version = models.PositiveBigIntegerField(default=1)
    created_by = models.ForeignKey(
        "core.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("initiatives:board", args=[self.pk])


class Column(BaseModel):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=60)
    stage = models.CharField(
        max_length=20,
        choices=Stage.choices,
        blank=True,
        help_text="Entering this column sets the initiative's lifecycle stage.",
    )
    position = models.PositiveSmallIntegerField()
    wip_limit = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most cards the column should hold."
    )
    wip_hard = models.BooleanField(
        default=False,
        help_text="Refuse moves past the WIP limit (otherwise only warn).",
    )

    class Meta:
        ordering = ["board", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wip_limit__isnull=True) | Q(wip_limit__gte=1),
                name="column_wip_limit_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.board.name} / {self.name}"


class GateRule(models.TextChoices):
    OWNER_REQUIRED = "owner_required", "The initiative has an owner"
    KPI_REQUIRED = "kpi_required", "A business KPI and its target are set"
    HARDENING_FOR_CRITICAL = (
        "hardening_for_critical",
        "Mission-critical work is owned by engineering or has a hardening plan",
    )
    APPROVED_REQUIREMENTS = (
        "approved_requirements",
        "An approved requirement document exists",
    )


class ColumnGate(BaseModel):
    """A rule a card must meet to enter the column."""

    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="gates")
    rule = models.CharField(max_length=40, choices=GateRule.choices)
    min_criticality = models.PositiveSmallIntegerField(
        default=3,
        help_text="For the hardening rule: the mission criticality it applies from.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["column", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["column", "rule"], name="column_gate_unique_rule"
            ),
            models.CheckConstraint(
                condition=Q(min_criticality__gte=1) & Q(min_criticality__lte=4),
                name="column_gate_criticality_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.column}: {self.get_rule_display()}"


class Card(BaseModel):
    """An initiative on a board, ordered in its column by a fractional ``rank``."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="cards")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="cards"
    )
    # Lexicographic key (byte order; PostgreSQL stores it with COLLATE "C").
    rank = models.CharField(max_length=RANK_MAX_LENGTH)
    # Incremented on every change of the card; a write naming an older one gets 409.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["column", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "initiative"], name="card_one_per_board"
            )
        ]
        indexes = [models.Index(fields=["column", "rank"], name="card_column_rank_idx")]

    def __str__(self) -> str:
        return f"{self.initiative.key} on {self.board.name}"

    def get_absolute_url(self) -> str:
        return reverse("initiatives:card", args=[self.pk])


class CardEvent(models.Model):
    """One entry of a card's history: created, moved, edited, checked in, ...

    The history belongs to the initiative on its board: taking the card off the
    board keeps it (the card becomes null, a "removed" entry closes it), and it
    goes on if the initiative comes back to that board.
    """

    class Verb(models.TextChoices):
        CREATED = "created", "added to the board"
        MOVED = "moved", "moved"
        EDITED = "edited", "edited"
        CHECKED_IN = "checked_in", "recorded a value check-in"
        REMOVED = "removed", "taken off the board"

    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, related_name="card_events"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="card_events"
    )
    actor = models.ForeignKey(
        "core.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verb = models.CharField(max_length=20, choices=Verb.choices)
    from_column = models.CharField(max_length=60, blank=True)
    to_column = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["board", "initiative", "at"], name="card_event_history_idx"
            ),
            models.Index(fields=["initiative", "at"], name="card_event_initiative_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} at {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def of(cls, card: Card, **fields: Any) -> "CardEvent":
        """An (unsaved) entry of ``card``'s history."""
        return cls(
            card=card,
            board_id=card.board_id,
            initiative_id=card.initiative_id,
            **fields,
        )

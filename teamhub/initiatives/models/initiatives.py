"""ML initiatives, their labels and value check-ins, and assignments of people."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from teamhub.core.models import BaseModel
from teamhub.people.models import Person, Team


class Stage(models.TextChoices):
    IDEA = "idea", "Idea"
    SCOPING = "scoping", "Scoping"
    DATA_EDA = "data_eda", "Data & EDA"
    EXPERIMENTATION = "experimentation", "Experimentation"
    DEPLOYMENT = "deployment", "Deployment"
    MONITORING = "monitoring", "Monitoring"
    ITERATION = "iteration", "Iteration"
    RETIRED = "retired", "Retired"


class MissionCriticality(models.IntegerChoices):
    LOW = 1, "1 · bad predictions, no business value lost"
    STALE = 2, "2 · predictions go stale, minor loss"
    SIGNIFICANT = 3, "3 · wrong predictions lose significant value"
    BRAND = 4, "4 · predictions harm customer relationships and the brand"


class Pathway(models.TextChoices):
    EXPERIMENTAL = "experimental", "Experimental"
    PRODUCTION = "production", "Production"


class PipelineOwner(models.TextChoices):
    DATA_SCIENCE = "data_science", "Data science"
    ENGINEERING = "engineering", "Engineering"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    PARTIAL = "partial", "Partial"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Label(BaseModel):
    """A free tag on initiatives (e.g. "NLP", "regulatory"), filterable on boards."""

    name = models.CharField(max_length=40, unique=True)
    color = models.CharField(
        max_length=7, default="#6c757d", help_text="CSS colour, e.g. #0d6efd."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Initiative(BaseModel):
    key = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
    )
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_initiatives",
    )
    business_kpi = models.CharField(max_length=200, blank=True)
    kpi_target = models.CharField(max_length=100, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDEA)
    mission_criticality = models.PositiveSmallIntegerField(
        choices=MissionCriticality.choices, default=MissionCriticality.LOW
    )
    pathway = models.CharField(
        max_length=20, choices=Pathway.choices, default=Pathway.EXPERIMENTAL
    )
    pipeline_owner = models.CharField(
        max_length=20, choices=PipelineOwner.choices, default=PipelineOwner.DATA_SCIENCE
    )
    compute_complexity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    ml_complexity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    start = models.DateField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(  # noqa: DJ001 (null = "no outcome yet", per DESIGN)
        max_length=20, choices=Outcome.choices, null=True, blank=True
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="initiatives")
    model_metric_name = models.CharField(
        max_length=40,
        blank=True,
        help_text="The model's predictive metric, e.g. AUC or MAPE.",
    )
    hardening_plan = models.TextField(
        blank=True,
        help_text="How engineering will harden the production pipeline "
        "(lets a critical initiative enter Deployment while data science owns it).",
    )

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mission_criticality__gte=1) & Q(mission_criticality__lte=4),
                name="initiative_criticality_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(compute_complexity__gte=1) & Q(compute_complexity__lte=3),
                name="initiative_compute_complexity_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(ml_complexity__gte=1) & Q(ml_complexity__lte=3),
                name="initiative_ml_complexity_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(target_date__isnull=True)
                | Q(start__isnull=True)
                | Q(target_date__gte=F("start")),
                name="initiative_target_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class Assignment(BaseModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        FINISHED = "finished", "Finished"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="assignments"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(max_length=100)
    allocation = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent of a full-time week.",
    )
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    outcome = models.CharField(  # noqa: DJ001 (null = "no outcome yet", per DESIGN)
        max_length=20, choices=Outcome.choices, null=True, blank=True
    )

    class Meta:
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation__gte=1) & Q(allocation__lte=100),
                name="assignment_allocation_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="assignment_end_after_start",
            ),
        ]
        # Covering index for availability: overlapping allocations per person.
        indexes = [
            models.Index(
                fields=["person", "status", "start", "end", "allocation"],
                name="assignment_availability_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.initiative.key} ({self.allocation}%)"


class ValueCheckIn(BaseModel):
    """The business KPI's value and the model's predictive performance on a date."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="checkins"
    )
    at = models.DateField()
    business_value = models.FloatField(help_text="Current value of the business KPI.")
    model_metric = models.FloatField(
        null=True, blank=True, help_text="The model's predictive performance."
    )
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        "core.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["initiative", "at"], name="checkin_initiative_at_idx")
        ]

    def __str__(self) -> str:
        return f"{self.initiative.key} on {self.at}: {self.business_value}"

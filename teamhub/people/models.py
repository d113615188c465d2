"""Teams, people, the skill taxonomy, person skills and learning goals."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from teamhub.core.models import BaseModel


class Level(models.IntegerChoices):
    AWARE = 1, "Aware"
    NOVICE = 2, "Novice"
    PRACTITIONER = 3, "Practitioner"
    EXPERT = 4, "Expert"
    AUTHORITY = 5, "Authority"


class Interest(models.IntegerChoices):
    NONE = 0, "No interest"
    SOME = 1, "Some"
    KEEN = 2, "Keen"
    PASSIONATE = 3, "Passionate"


class Team(BaseModel):
    name = models.CharField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(BaseModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    title = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    capacity_fte = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of a full-time week this person can be allocated (0-1).",
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "id"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_fte__gte=0) & Q(capacity_fte__lte=1),
                name="person_capacity_between_0_and_1",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:profile", args=[self.pk])

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def email(self) -> str:
        return self.user.email


class SkillCategory(BaseModel):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "skill categories"

    def __str__(self) -> str:
        return self.name


class Skill(BaseModel):
    name = models.CharField(max_length=100, unique=True)
    category = models.ForeignKey(
        SkillCategory, on_delete=models.PROTECT, related_name="skills"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text='Other names, e.g. ["sklearn", "scikit"].'
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:skill", args=[self.pk])


class PersonSkill(BaseModel):
    class Source(models.TextChoices):
        SELF = "self", "Self-assessed"
        MANAGER = "manager", "Manager-validated"
        INFERRED = "inferred", "Inferred from activity"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    interest = models.PositiveSmallIntegerField(
        choices=Interest.choices, default=Interest.SOME
    )
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.SELF
    )
    last_used = models.DateField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    validated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "skill"], name="personskill_unique_person_skill"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5),
                name="personskill_level_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=0) & Q(interest__lte=3),
                name="personskill_interest_0_to_3",
            ),
        ]
        # Covering index for skill search: a search reads only these columns.
        indexes = [
            models.Index(
                fields=["skill", "level", "person", "last_used"],
                name="personskill_search_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.skill} {self.level}"


class LearningGoal(BaseModel):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="learning_goals"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="learners")
    target_level = models.PositiveSmallIntegerField(choices=Level.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "skill"], name="learninggoal_unique_person_skill"
            ),
            models.CheckConstraint(
                condition=Q(target_level__gte=1) & Q(target_level__lte=5),
                name="learninggoal_target_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} wants {self.skill} {self.target_level}"


class SkillImport(BaseModel):
    """One uploaded spreadsheet: previewed as a dry run, then applied by a worker."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

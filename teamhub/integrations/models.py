"""Connections to Jira and Git, their sync runs, and what the runs bring in:
raw payloads (kept per run, so domain rows can be rebuilt without refetching),
external identities mapped to people, activity events, and skill evidence.

Activity events are upserted under their unique (source, kind, external_id), so
replaying the same pages twice leaves the database identical.
"""

import os

from django.db import models
from django.utils import timezone

from teamhub.core.models import BaseModel
from teamhub.initiatives.models import Initiative
from teamhub.integrations.secrets import secret_decrypt, secret_encrypt
from teamhub.people.models import Person, Skill


class Source(models.TextChoices):
    JIRA = "jira", "Jira"
    GIT = "git", "Git"


class JiraConnection(BaseModel):
    """A Jira site and the slice of it (JQL) that TeamHub follows."""

    class Deployment(models.TextChoices):
        CLOUD = "cloud", "Cloud (REST v3, e-mail + API token)"
        DATA_CENTER = "data_center", "Data Center (REST v2, personal access token)"

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(help_text="e.g. https://example.atlassian.net")
    deployment = models.CharField(
        max_length=20, choices=Deployment.choices, default=Deployment.CLOUD
    )
    email = models.CharField(
        max_length=254, blank=True, help_text="The API token's account (Cloud)."
    )
    token_env = models.CharField(
        max_length=100,
        blank=True,
        help_text="Name of an environment variable holding the token; else the "
        "stored (encrypted) token is used.",
    )
    token_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    jql = models.TextField(
        blank=True, help_text="Scope, e.g. project in (ML, DS). Empty: everything."
    )
    active = models.BooleanField(default=True)
    # The start time of the last fully successful run: the next run asks for
    # issues updated since then (minus a safety margin).
    watermark = models.DateTimeField(null=True, blank=True)
    jira_timezone = models.CharField(
        max_length=64, blank=True, help_text="The Jira user's time zone (/myself)."
    )
    page_cap = models.PositiveIntegerField(
        default=1000, help_text="Stop a run after this many pages (a safety net)."
    )
    epic_link_field = models.CharField(
        max_length=50,
        blank=True,
        help_text="The id of the classic Epic Link custom field, e.g. "
        "customfield_10014, for company-managed projects on Cloud and for Data "
        "Center (team-managed projects use the parent). Find it in Jira under "
        "Settings → Issues → Custom fields: the Epic Link field's Edit details "
        "page shows its number in the address (id=10014), or look for "
        '"Epic Link" in /rest/api/2/field. Empty: epics come from the parent only.',
    )
    created_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_token(self) -> bool:
        return bool(self.token_env or self.token_encrypted)

    def token(self) -> str:
        """The API token: from the environment variable if named, else stored."""
        if self.token_env:
            return os.environ.get(self.token_env, "")
        return secret_decrypt(self.token_encrypted)

    def token_set(self, raw: str) -> None:
        self.token_encrypted = secret_encrypt(raw) if raw else ""

    def webhook_secret(self) -> str:
        return secret_decrypt(self.webhook_secret_encrypted)

    def webhook_secret_set(self, raw: str) -> None:
        self.webhook_secret_encrypted = secret_encrypt(raw) if raw else ""


class JiraMapping(BaseModel):
    """Which initiative a Jira issue belongs to: by epic key, project key, label
    or component (the first matching rule wins, in this order)."""

    class Kind(models.TextChoices):
        EPIC = "epic", "Epic key"
        PROJECT = "project", "Project key"
        LABEL = "label", "Label"
        COMPONENT = "component", "Component"

    connection = models.ForeignKey(
        JiraConnection, on_delete=models.CASCADE, related_name="mappings"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=255)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="jira_mappings"
    )

    class Meta:
        ordering = ["connection", "kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "value"], name="jira_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} → {self.initiative.key}"


class GitRepository(BaseModel):
    """A Git repository (any remote URL or a local path) mirrored under var/."""

    name = models.CharField(max_length=100, unique=True)
    url = models.CharField(max_length=500, help_text="Remote URL or local path.")
    branches = models.JSONField(
        default=list,
        blank=True,
        help_text='Branches to follow, e.g. ["main"]. Empty: the default branch.',
    )
    initiative = models.ForeignKey(
        Initiative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="git_repositories",
    )
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    active = models.BooleanField(default=True)
    # The last processed tip of each branch: {"main": "<sha>"}.
    tips = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "Git repositories"

    def __str__(self) -> str:
        return self.name

    def webhook_secret(self) -> str:
        return secret_decrypt(self.webhook_secret_encrypted)

    def webhook_secret_set(self, raw: str) -> None:
        self.webhook_secret_encrypted = secret_encrypt(raw) if raw else ""


class SyncRun(models.Model):
    """One run of one connection: queued → running → succeeded | failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sync now"
        WEBHOOK = "webhook", "Webhook"

    jira = models.ForeignKey(
        JiraConnection,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="runs",
    )
    git = models.ForeignKey(
        GitRepository,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="runs",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    trigger = models.CharField(
        max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE
    )
    requested_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the run asked for: Jira's "updated since" (the watermark it started from).
    since = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(jira__isnull=False, git__isnull=True)
                    | models.Q(jira__isnull=True, git__isnull=False)
                ),
                name="sync_run_one_connection",
            ),
            # The lock: at most one queued or running run per connection, so
            # runs never overlap, whatever the number of workers.
            models.UniqueConstraint(
                fields=["jira"],
                condition=models.Q(status__in=["queued", "running"]),
                name="sync_run_one_open_per_jira",
            ),
            models.UniqueConstraint(
                fields=["git"],
                condition=models.Q(status__in=["queued", "running"]),
                name="sync_run_one_open_per_git",
            ),
        ]
        indexes = [
            models.Index(fields=["jira", "-queued_at"], name="sync_run_jira_idx"),
            models.Index(fields=["git", "-queued_at"], name="sync_run_git_idx"),
        ]

    def __str__(self) -> str:
        return f"Sync of {self.connection} ({self.status})"

    @property
    def connection(self) -> JiraConnection | GitRepository:
        connection = self.jira or self.git
        assert connection is not None
        return connection

    @property
    def source(self) -> str:
        return Source.JIRA if self.jira_id else Source.GIT

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class RawPayload(models.Model):
    """A response as fetched (a Jira page, a changelog, worklogs, a git log
    chunk), so domain rows can be rebuilt without refetching."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="payloads")
    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} (run {self.run_id})"


class ExternalIdentity(BaseModel):
    """Someone as Jira (accountId) or Git (author e-mail) knows them; linked to
    a person automatically by e-mail or by a manager on the review page."""

    source = models.CharField(max_length=10, choices=Source.choices)
    external_id = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="external_identities",
    )
    linked_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "display_name", "external_id"]
        verbose_name_plural = "External identities"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="external_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.display_name or self.external_id}"


class ActivityEvent(models.Model):
    """One thing that happened: an issue created, a status change, a worklog,
    a commit. ``external_id`` is unique per source and kind, e.g.
    "<connection>:<issue id>", "<connection>:<issue id>:<history id>:<item>",
    "<connection>:<worklog id>", "<repository>:<sha>"."""

    class Kind(models.TextChoices):
        ISSUE_CREATED = "issue_created", "Issue created"
        STATUS_CHANGED = "status_changed", "Status changed"
        WORKLOG = "worklog", "Work logged"
        COMMIT = "commit", "Commit"

    source = models.CharField(max_length=10, choices=Source.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    external_id = models.CharField(max_length=255)
    identity = models.ForeignKey(
        ExternalIdentity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    # The identity's person, copied so lists filter without a join; linking an
    # identity updates its events.
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_events",
    )
    initiative = models.ForeignKey(
        Initiative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity_events",
    )
    jira = models.ForeignKey(
        JiraConnection,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    git = models.ForeignKey(
        GitRepository,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    occurred_at = models.DateTimeField()
    title = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # A commit no longer reachable from any followed branch (history rewritten).
    orphaned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "external_id"], name="activity_event_unique"
            )
        ]
        indexes = [
            models.Index(fields=["person", "-occurred_at"], name="activity_person_idx"),
            models.Index(
                fields=["initiative", "-occurred_at"], name="activity_initiative_idx"
            ),
            models.Index(fields=["-occurred_at"], name="activity_occurred_idx"),
            # Covers every column the dashboard's activity charts read, so a
            # date range is counted from the index alone (benchmarks/dashboard.py).
            models.Index(
                fields=[
                    "occurred_at",
                    "person",
                    "initiative",
                    "source",
                    "orphaned",
                    "id",
                ],
                name="activity_dashboard_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"


class SkillEvidenceRule(BaseModel):
    """Maps what activity touches to a skill, e.g. file extension ".ipynb" →
    Jupyter, import "torch" → PyTorch, Jira label "spark" → Spark."""

    class Kind(models.TextChoices):
        FILE_EXTENSION = "file_extension", "File extension"
        FILE_NAME = "file_name", "File name (e.g. Dockerfile)"
        IMPORT = "import", "Python import"
        JIRA_LABEL = "jira_label", "Jira label"
        JIRA_COMPONENT = "jira_component", "Jira component"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    pattern = models.CharField(
        max_length=200, help_text="Matched case-insensitively, exactly."
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "pattern", "skill"], name="skill_evidence_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pattern} → {self.skill}"


class SkillEvidence(models.Model):
    """An activity event that shows a person using a skill (``inferred``); its
    weight decays with age when read, and it never overwrites a self or
    manager level."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="skill_evidence"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        ActivityEvent, on_delete=models.CASCADE, related_name="evidence"
    )
    at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "skill"], name="skill_evidence_unique"
            )
        ]
        indexes = [
            models.Index(fields=["person", "skill", "-at"], name="evidence_person_idx")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.skill} ({self.reason})"

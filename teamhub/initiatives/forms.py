"""Forms of the card detail and board settings pages (writes go through services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from teamhub.initiatives.models import (
    Board,
    Column,
    ColumnGate,
    GateRule,
    Initiative,
    Label,
    MissionCriticality,
    Pathway,
    PipelineOwner,
    Stage,
    Swimlanes,
)
from teamhub.people.forms import BootstrapForm
from teamhub.people.models import Person, Team

COMPLEXITY_CHOICES = [(1, "1 · low"), (2, "2 · medium"), (3, "3 · high")]
STAGE_CHOICES = [("", "No stage (the card's stage stays)"), *Stage.choices]
CRITICALITY_HELP = (
    "High criticality means engineering hardens a production pipeline beside the "
    "data scientists' experimental one, instead of an automatic hand-off."
)


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _radios_as_checks(form: forms.Form, name: str) -> None:
    """Give a radio group Bootstrap's check classes (BootstrapForm treats it as
    a text input)."""
    form.fields[name].widget.attrs["class"] = "form-check-input"


# Card detail ------------------------------------------------------------------


class InitiativeForm(BootstrapForm):
    """A manager's edit of an initiative (the stage follows the card's column)."""

    key = forms.CharField(max_length=20)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="No team"
    )
    owner = forms.ModelChoiceField(
        queryset=Person.objects.filter(active=True).order_by(
            "user__first_name", "user__last_name", "pk"
        ),
        required=False,
        empty_label="No owner",
    )
    mission_criticality = forms.TypedChoiceField(
        choices=MissionCriticality.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=CRITICALITY_HELP,
    )
    pathway = forms.ChoiceField(choices=Pathway.choices)
    pipeline_owner = forms.ChoiceField(choices=PipelineOwner.choices)
    compute_complexity = forms.TypedChoiceField(choices=COMPLEXITY_CHOICES, coerce=int)
    ml_complexity = forms.TypedChoiceField(
        choices=COMPLEXITY_CHOICES, coerce=int, label="ML complexity"
    )
    business_kpi = forms.CharField(max_length=200, required=False, label="Business KPI")
    kpi_target = forms.CharField(max_length=100, required=False, label="KPI target")
    model_metric_name = forms.CharField(
        max_length=40,
        required=False,
        label="Model metric",
        help_text="e.g. AUC or MAPE",
    )
    start = forms.DateField(required=False, widget=_date_widget())
    target_date = forms.DateField(required=False, widget=_date_widget())
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="Hold Ctrl (⌘ on a Mac) to choose several.",
    )
    hardening_plan = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Initiative._meta.get_field("hardening_plan").help_text,
    )

    def __init__(
        self, *args: Any, current_owner_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _radios_as_checks(self, "mission_criticality")
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        if current_owner_id is not None:
            # An owner who has left stays choosable, so saving keeps them.
            owner.queryset = Person.objects.filter(
                Q(active=True) | Q(pk=current_owner_id)
            ).order_by("user__first_name", "user__last_name", "pk")
        if not self.is_bound:
            # Options as bare tuples (the label is ``Person.name``): building a
            # model instance per person was most of the page's time with
            # thousands of people. What the field accepts is still its queryset.
            people = owner.queryset.values_list(  # type: ignore[union-attr]
                "pk", "user__first_name", "user__last_name", "user__username"
            )
            owner.choices = [
                ("", owner.empty_label),
                *(
                    (pk, f"{first} {last}".strip() or username)
                    for pk, first, last, username in people
                ),
            ]

    @classmethod
    def initial_for(cls, initiative: Initiative) -> dict[str, Any]:
        """Return the form's initial data from ``initiative`` (labels prefetched)."""
        initial = {
            name: getattr(initiative, name)
            for name in cls.base_fields
            if name not in {"team", "owner", "labels"}
        }
        initial["team"] = initiative.team_id
        initial["owner"] = initiative.owner_id
        initial["labels"] = [label.pk for label in initiative.labels.all()]
        return initial


class CheckInForm(BootstrapForm):
    at = forms.DateField(label="Date", widget=_date_widget())
    business_value = forms.FloatField(label="Business value")
    model_metric = forms.FloatField(label="Model metric", required=False)
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "What changed?"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"at": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["at"].widget.attrs["max"] = timezone.localdate().isoformat()


class ConfirmForm(BootstrapForm):
    """A checkbox that confirms a destructive action (no JavaScript needed)."""

    confirm = forms.BooleanField(
        error_messages={"required": "Tick the box to confirm."},
    )

    def __init__(self, *args: Any, label: str = "Yes, I am sure", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = label


# Board settings ---------------------------------------------------------------


class BoardForm(BootstrapForm):
    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Portfolio — initiatives of every team",
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    swimlanes = forms.ChoiceField(
        choices=Swimlanes.choices,
        required=False,
        help_text="Split the board into rows; dragging a card across rows changes "
        "the initiative.",
    )

    @classmethod
    def initial_for(cls, board: Board) -> dict[str, Any]:
        return {
            "name": board.name,
            "team": board.team_id,
            "description": board.description,
            "swimlanes": board.swimlanes,
        }


class ColumnForm(BootstrapForm):
    """Rename a column, change its stage or WIP limit."""

    name = forms.CharField(max_length=60)
    stage = forms.ChoiceField(choices=STAGE_CHOICES, required=False)
    wip_limit = forms.IntegerField(
        label="WIP limit",
        required=False,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={"placeholder": "No limit"}),
    )
    wip_hard = forms.BooleanField(label="Hard limit (refuse moves)", required=False)

    @classmethod
    def initial_for(cls, column: Column) -> dict[str, Any]:
        return {
            "name": column.name,
            "stage": column.stage,
            "wip_limit": column.wip_limit,
            "wip_hard": column.wip_hard,
        }


class ColumnAddForm(ColumnForm):
    position = forms.TypedChoiceField(coerce=int, label="Position")

    def __init__(self, *args: Any, columns: list[Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        position = self.fields["position"]
        assert isinstance(position, forms.TypedChoiceField)
        position.choices = [
            (len(columns), "At the end"),
            *((index, f"Before “{c.name}”") for index, c in enumerate(columns)),
        ]
        if not self.is_bound:
            self.initial.setdefault("position", len(columns))


class ColumnRemoveForm(BootstrapForm):
    move_cards_to = forms.ModelChoiceField(
        queryset=Column.objects.none(),
        required=False,
        label="Move its cards to",
        empty_label="Choose a column…",
    )

    def __init__(
        self, *args: Any, column: Column, others: list[Column], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["move_cards_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Column.objects.filter(board_id=column.board_id).exclude(
            pk=column.pk
        )
        # The page lists the columns it already read, not one query per form.
        field.choices = [("", field.empty_label), *((c.pk, c.name) for c in others)]


class ColumnGatesForm(BootstrapForm):
    """One checkbox per gate rule, and where the hardening rule starts."""

    min_criticality = forms.TypedChoiceField(
        choices=MissionCriticality.choices,
        coerce=int,
        required=False,
        empty_value=None,
        label="from mission criticality",
        initial=MissionCriticality.SIGNIFICANT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = {
            rule: forms.BooleanField(label=label, required=False)
            for rule, label in GateRule.choices
        }
        self.fields = {**fields, **self.fields}
        for rule in fields:
            self.fields[rule].widget.attrs["class"] = "form-check-input"
        self.fields["min_criticality"].widget.attrs["class"] += " form-select-sm"

    def clean_min_criticality(self) -> int:
        value = self.cleaned_data.get("min_criticality")
        return MissionCriticality.SIGNIFICANT if value is None else int(value)

    @classmethod
    def initial_for(cls, gates: list[ColumnGate]) -> dict[str, Any]:
        initial: dict[str, Any] = {gate.rule: gate.active for gate in gates}
        hardening = next(
            (g for g in gates if g.rule == GateRule.HARDENING_FOR_CRITICAL), None
        )
        if hardening is not None:
            initial["min_criticality"] = hardening.min_criticality
        return initial

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[rule] for rule in GateRule.values]

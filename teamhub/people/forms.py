"""Forms of the people pages: directory filters and the skill and goal editors."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from teamhub.people.models import Interest, Level, Skill, Team

LEVEL_CHOICES = [(value, f"{value} · {label}") for value, label in Level.choices]
LEVEL_ERROR = "Choose a level from 1 (Aware) to 5 (Authority)."


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap classes and point at their errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        """Add the error, then mark each invalid widget for Bootstrap and ARIA."""
        super().add_error(field, error)
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ``ValidationError`` next to the fields it names."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class _GroupedSkillIterator(ModelChoiceIterator):
    """Yield skills as ``<optgroup>``s by category (queryset ordered by category)."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list[Any]] = {}
        for skill in self.queryset:
            groups.setdefault(skill.category.name, []).append(self.choice(skill))
        yield from groups.items()


class SkillChoiceField(forms.ModelChoiceField):
    iterator = _GroupedSkillIterator

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "queryset",
            Skill.objects.select_related("category").order_by("category__name", "name"),
        )
        kwargs.setdefault("empty_label", "Choose a skill…")
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Choose a skill.",
                "invalid_choice": "That skill does not exist; pick one from the list.",
            },
        )
        super().__init__(**kwargs)


def _level_field(*, label: str, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "Choose a level…" if required else "Any level"), *LEVEL_CHOICES],
        coerce=int,
        required=required,
        empty_value=None,
        error_messages={"required": LEVEL_ERROR, "invalid_choice": LEVEL_ERROR},
    )


class DirectoryFilterForm(BootstrapForm):
    q = forms.CharField(
        label="Name or e-mail",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "e.g. Ada or ada@…"}
        ),
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="All teams",
    )
    skill = SkillChoiceField(label="Skill", required=False, empty_label="Any skill")
    min_level = _level_field(label="Minimum level", required=False)
    inactive = forms.BooleanField(label="Include inactive people", required=False)
    team_only = forms.BooleanField(
        label="Only the team's own members, not the teams below it", required=False
    )

    def filters(self) -> dict[str, Any]:
        """Return the keyword arguments for ``people_directory`` (valid fields only)."""
        data = self.cleaned_data if self.is_bound else {}
        team = data.get("team")
        skill = data.get("skill")
        return {
            "team_id": team.pk if team else None,
            "team_only": bool(data.get("team_only")),
            "skill_id": skill.pk if skill else None,
            "min_level": data.get("min_level"),
            "search": data.get("q") or "",
            "active_only": not data.get("inactive"),
        }


class SkillSearchForm(BootstrapForm):
    q = forms.CharField(
        label="Skill name or alias",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. sklearn"}),
    )


class PersonSkillForm(BootstrapForm):
    """Add a skill or change its level; empty optional fields keep their value."""

    skill = SkillChoiceField(label="Skill")
    level = _level_field(label="Level")
    interest = forms.TypedChoiceField(
        label="Interest",
        choices=[("", "—"), *Interest.choices],
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an interest from 0 to 3."},
    )
    last_used = forms.DateField(
        label="Last used",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )


class LearningGoalForm(BootstrapForm):
    skill = SkillChoiceField(label="Skill")
    target_level = _level_field(label="Target level")
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "e.g. for the churn project"}),
    )


class PersonAddForm(BootstrapForm):
    """A new person and their login (``services_registry.person_create``)."""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(label="E-mail", max_length=254)
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they log in with: letters, digits and @/./+/-/_ only.",
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="No team yet",
    )
    title = forms.CharField(label="Title", max_length=120, required=False)
    location = forms.CharField(label="Location", max_length=120, required=False)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        initial="UTC",
        help_text="An IANA name, e.g. Europe/Lisbon.",
    )
    capacity_fte = forms.DecimalField(
        label="Capacity (FTE)",
        min_value=Decimal("0.05"),
        max_value=Decimal("1.00"),
        decimal_places=2,
        initial=Decimal("1.00"),
        help_text="1.00 is full time; 0.50 half time.",
    )
    send_link = forms.BooleanField(
        label="E-mail them a link to set their password",
        required=False,
        initial=True,
    )

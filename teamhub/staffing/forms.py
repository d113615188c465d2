"""Forms of the staffing pages: the list filter, the new-request form (an
initiative, roles and their skill rows) and the reject reason.

The new-request form is a request form plus any number of role blocks, each with
any number of skill rows, named ``role-<r>-<field>`` and
``role-<r>-skill-<s>-<field>``. The page offers a few empty ones (more are added
by ``static/js/staffing.js``); blank ones are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict

from teamhub.initiatives.models import Initiative
from teamhub.people.forms import LEVEL_CHOICES, BootstrapForm
from teamhub.people.models import Skill
from teamhub.people.search.query import Term
from teamhub.people.search.resolve import (
    Resolution,
    SkillCatalog,
    skill_catalog_load,
    term_resolve,
)
from teamhub.staffing.models import RequiredSkill, StaffingRequest
from teamhub.staffing.services import RoleInput, SkillInput

# Without JavaScript the page offers this many blocks; the script adds more.
DEFAULT_ROLES = 2
DEFAULT_SKILL_ROWS = 4
MAX_ROLES = 20
MAX_SKILL_ROWS = 30
ROLE_PREFIX = "role-{r}"
SKILL_PREFIX = "role-{r}-skill-{s}"
_ROLE_KEY = re.compile(r"^role-(\d+)-(?:skill-(\d+)-)?[a-z_]+$")

NO_ROLE_MESSAGE = "Add at least one role: its title, dates and required skills."
NO_SKILL_MESSAGE = "Add at least one required skill to this role."
END_BEFORE_START_MESSAGE = "The end comes before the start."
DUPLICATE_SKILL_MESSAGE = "This skill is already asked for in this role."


class FilterForm(forms.Form):
    """The list's filter: open (the default), closed or every request."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open"), ("closed", "Closed"), ("all", "All")],
        label="Status",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def status_filter(self) -> str | None:
        """Return the status the selector filters on (None for every request)."""
        if not self.is_valid():
            return StaffingRequest.Status.OPEN
        chosen = self.cleaned_data.get("status") or ""
        if chosen == "all":
            return None
        return chosen or StaffingRequest.Status.OPEN


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class RequestForm(BootstrapForm):
    initiative = InitiativeChoiceField(
        queryset=Initiative.objects.order_by("key"),
        empty_label="Choose an initiative…",
        error_messages={"required": "Choose the initiative that needs people."},
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Context for whoever reads the suggestions (optional).",
    )


class _RowForm(BootstrapForm):
    """A form of a role or skill row: a blank one is ignored (never validated)."""

    ignored = False

    def full_clean(self) -> None:
        if self.ignored:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()


class RoleForm(_RowForm):
    title = forms.CharField(
        max_length=100,
        label="Role",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Data engineer"}),
        error_messages={"required": "Name the role, e.g. “Data engineer”."},
    )
    headcount = forms.IntegerField(min_value=1, max_value=50, initial=1, label="People")
    allocation = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=50,
        label="Allocation %",
        help_text="Of a full-time week.",
        error_messages={
            "min_value": "Allocation is a percent of a week: 1 to 100.",
            "max_value": "Allocation is a percent of a week: 1 to 100.",
        },
    )
    start = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "When does the role start?"},
    )
    end = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "When does the role end?"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", END_BEFORE_START_MESSAGE)
        return data

    def is_blank(self) -> bool:
        """No title typed (dates and defaults alone do not make a role)."""
        return not str(self.data.get(self.add_prefix("title"), "")).strip()


class SkillRowForm(_RowForm):
    skill = forms.CharField(
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "list": "staffing-skill-names",
                "autocomplete": "off",
                "placeholder": "Skill, e.g. Spark",
            }
        ),
    )
    min_level = forms.TypedChoiceField(
        choices=[(value, f"at least {label}") for value, label in LEVEL_CHOICES],
        coerce=int,
        initial=3,
        label="At least",
        error_messages={"invalid_choice": "Choose a level from 1 to 5."},
    )
    importance = forms.ChoiceField(
        choices=RequiredSkill.Importance.choices,
        initial=RequiredSkill.Importance.MUST,
        label="Importance",
    )

    def __init__(
        self, *args: Any, catalog: SkillCatalog | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        self.skill_id: int | None = None

    def is_blank(self) -> bool:
        return not str(self.data.get(self.add_prefix("skill"), "")).strip()

    def clean_skill(self) -> str:
        text: str = self.cleaned_data["skill"].strip()
        if self.catalog is None:
            return text
        outcome = term_resolve(Term(text=text), catalog=self.catalog)
        if isinstance(outcome, Resolution) and outcome.how != "fuzzy":
            self.skill_id = outcome.skill.id
            return outcome.skill.name
        if isinstance(outcome, Resolution):
            raise ValidationError(
                f'Unknown skill "{text}" — did you mean "{outcome.skill.name}"?'
            )
        raise ValidationError(outcome.message)


@dataclass
class RoleBlock:
    """One role of the form with its skill rows and the errors about the role."""

    index: int
    form: RoleForm
    skills: list[SkillRowForm]
    errors: list[str] = field(default_factory=list)

    @property
    def next_skill(self) -> int:
        """The number the next skill row of this role gets."""
        numbers = [(s.prefix or "").rsplit("-", 1)[-1] for s in self.skills]
        return max((int(n) for n in numbers if n.isdigit()), default=-1) + 1

    def filled_skills(self) -> list[SkillRowForm]:
        return [s for s in self.skills if not s.is_blank()]


def _indices(data: Mapping[str, Any]) -> dict[int, set[int]]:
    """Return the role indices named in posted data, each with its skill rows."""
    found: dict[int, set[int]] = {}
    for key in data:
        match = _ROLE_KEY.match(key)
        if match is None:
            continue
        rows = found.setdefault(int(match.group(1)), set())
        if match.group(2) is not None:
            rows.add(int(match.group(2)))
    return found


class StaffingRequestForm:
    """The whole new-request form: ``is_valid()``, then ``role_inputs()``."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
        role_initial: Mapping[str, Any] | None = None,
    ) -> None:
        self.data = data
        self.catalog = skill_catalog_load()
        self.request = RequestForm(data, initial=initial)
        self.errors: list[str] = []
        self.roles: list[RoleBlock] = []
        self._skills: dict[int, Skill] = {}
        self._valid: bool | None = None
        if data is None:
            for r in range(DEFAULT_ROLES):
                self.roles.append(
                    self._block(r, range(DEFAULT_SKILL_ROWS), role_initial)
                )
            return
        indices = _indices(data)
        for r in sorted(indices)[:MAX_ROLES]:
            rows = sorted(indices[r])[:MAX_SKILL_ROWS]
            self.roles.append(self._block(r, rows or [0], None))
        if not self.roles:
            self.roles.append(self._block(0, range(DEFAULT_SKILL_ROWS), None))
        # Blank roles and rows are ignored: they show no "required" errors.
        filled = {id(block) for block in self.filled_roles()}
        for block in self.roles:
            if id(block) not in filled:
                block.form.ignored = True
            for row in block.skills:
                row.ignored = id(block) not in filled or row.is_blank()

    def _block(
        self,
        r: int,
        rows: Sequence[int] | range,
        role_initial: Mapping[str, Any] | None,
    ) -> RoleBlock:
        return RoleBlock(
            index=r,
            form=RoleForm(
                self.data, prefix=ROLE_PREFIX.format(r=r), initial=role_initial
            ),
            skills=[
                SkillRowForm(
                    self.data,
                    prefix=SKILL_PREFIX.format(r=r, s=s),
                    catalog=self.catalog,
                )
                for s in rows
            ],
        )

    @staticmethod
    def template_block() -> RoleBlock:
        """An empty role and skill row named ``__R__`` / ``__S__`` for the script
        to clone (``static/js/staffing.js`` puts the next numbers in)."""
        return RoleBlock(
            index=-1,
            form=RoleForm(prefix=ROLE_PREFIX.format(r="__R__")),
            skills=[SkillRowForm(prefix=SKILL_PREFIX.format(r="__R__", s="__S__"))],
        )

    @property
    def skill_names(self) -> list[str]:
        return self.catalog.names

    @property
    def next_role(self) -> int:
        return max((block.index for block in self.roles), default=-1) + 1

    def filled_roles(self) -> list[RoleBlock]:
        """The roles to validate and save: those typed in (at least the first)."""
        filled = [b for b in self.roles if not b.form.is_blank() or b.filled_skills()]
        return filled or self.roles[:1]

    def is_valid(self) -> bool:
        if self._valid is not None:
            return self._valid
        valid = self.request.is_valid()
        for block in self.filled_roles():
            valid = block.form.is_valid() and valid
            rows = block.filled_skills()
            if not rows:
                block.errors.append(NO_SKILL_MESSAGE)
                valid = False
            seen: set[int] = set()
            for row in rows:
                if not row.is_valid():
                    valid = False
                    continue
                if row.skill_id in seen:
                    row.add_error("skill", DUPLICATE_SKILL_MESSAGE)
                    valid = False
                if row.skill_id is not None:
                    seen.add(row.skill_id)
        if valid:
            ids = {
                row.skill_id
                for block in self.filled_roles()
                for row in block.filled_skills()
                if row.skill_id is not None
            }
            self._skills = Skill.objects.in_bulk(ids)
        self._valid = valid
        return valid

    @property
    def cleaned_data(self) -> dict[str, Any]:
        return self.request.cleaned_data

    def role_inputs(self) -> list[RoleInput]:
        """Return the roles as the service takes them (after ``is_valid()``)."""
        roles = []
        for block in self.filled_roles():
            data = block.form.cleaned_data
            skills = [
                SkillInput(
                    skill=self._skills[row.skill_id],
                    min_level=row.cleaned_data["min_level"],
                    importance=row.cleaned_data["importance"],
                )
                for row in block.filled_skills()
                if row.skill_id is not None
            ]
            roles.append(
                RoleInput(
                    title=data["title"],
                    headcount=data["headcount"],
                    allocation=data["allocation"],
                    start=data["start"],
                    end=data["end"],
                    skills=skills,
                )
            )
        return roles

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ``ValidationError`` next to the fields it names.

        Keys name a request field (``initiative``, ``note``), or a role's field
        as ``roles.0.end`` / ``roles[0][skills][1][min_level]`` (the n-th role
        saved); anything else is shown above the form.
        """
        self._valid = False
        if not hasattr(error, "error_dict"):
            self.errors.extend(error.messages)
            return
        filled = self.filled_roles()
        for key, errors in error.message_dict.items():
            messages = list(errors)
            if key in self.request.fields:
                self.request.add_error(key, messages)
                continue
            numbers = [int(n) for n in re.findall(r"\d+", key)]
            names = re.findall(r"[a-z_]+", key)
            name = names[-1] if names else ""
            if key.startswith("roles") and numbers and numbers[0] < len(filled):
                block = filled[numbers[0]]
                rows = block.filled_skills()
                if "skills" in names and len(numbers) > 1 and numbers[1] < len(rows):
                    row = rows[numbers[1]]
                    row.add_error(name if name in row.fields else None, messages)
                    continue
                if name in block.form.fields:
                    block.form.add_error(name, messages)
                else:
                    block.errors.extend(messages)
                continue
            self.errors.extend(messages)


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "Say why, so the next suggestion can do better."},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class LockForm(forms.Form):
    locked = forms.BooleanField(required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

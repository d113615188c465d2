"""Forms of the board pages: create a board, filter cards, add and move cards."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from teamhub.initiatives.forms import CRITICALITY_HELP
from teamhub.initiatives.models import (
    Column,
    Initiative,
    Label,
    MissionCriticality,
    Pathway,
    PipelineOwner,
    Swimlanes,
)
from teamhub.initiatives.selectors_boards import CardFilters, board_people
from teamhub.initiatives.services_boards import BoardTemplate
from teamhub.people.forms import BootstrapForm
from teamhub.people.models import Person, Team


class FastSelect(forms.Select):
    """A <select> built in Python, not through a template per option (which costs
    milliseconds per hundred people on every board page)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        # escape() and a join, not format_html() per option: a tenth of the cost.
        options = mark_safe(  # noqa: S308 (every value and label is escaped)
            "".join(
                f'<option value="{escape(option)}"'
                f"{' selected' if str(option) in chosen else ''}>"
                f"{escape(label)}</option>"
                for option, label in self.choices
            )
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


def _people() -> Any:
    return (
        Person.objects.filter(active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


class BoardCreateForm(BootstrapForm):
    name = forms.CharField(max_length=120)
    team = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Portfolio — initiatives of every team",
    )
    template = forms.ChoiceField(
        choices=BoardTemplate.choices,
        initial=BoardTemplate.ML_LIFECYCLE,
        help_text="The ML lifecycle has a column per stage, with gates on Data & "
        "EDA, Experimentation and Deployment.",
    )
    swimlanes = forms.ChoiceField(
        choices=Swimlanes.choices,
        required=False,
        help_text="Split the board into rows; dragging a card across rows changes "
        "the initiative.",
    )
    include_initiatives = forms.BooleanField(
        label="Add the team's initiatives (every initiative on a portfolio board)",
        required=False,
        initial=True,
    )


class BoardFilterForm(BootstrapForm):
    """The board's GET filters; an invalid value is shown and ignored."""

    q = forms.CharField(
        label="Text",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Key, title, KPI…"}
        ),
    )
    team = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Any team",
    )
    owner = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Person.objects.all(),
        required=False,
        empty_label="Anyone",
    )
    person = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Person.objects.all(),
        required=False,
        empty_label="Anyone",
        label="Person",
        help_text="Owner or current member.",
    )
    label = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Label.objects.order_by("name"),
        required=False,
        empty_label="Any label",
    )
    criticality = forms.TypedChoiceField(
        choices=[("", "Any"), *MissionCriticality.choices],
        coerce=int,
        required=False,
        empty_value=None,
        label="Criticality",
    )
    pathway = forms.ChoiceField(choices=[("", "Any"), *Pathway.choices], required=False)

    def __init__(self, *args: Any, board_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The people on this board (owners and members), not the whole registry:
        # one query for both lists.
        choices = board_people(board_id=board_id)
        for name in ("owner", "person"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.choices = [("", field.empty_label), *choices]

    def card_filters(self) -> CardFilters:
        """Return the filters of the valid fields (invalid ones are ignored)."""
        if not self.is_bound:
            return CardFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return CardFilters(
            team=pk("team"),
            owner=pk("owner"),
            person=pk("person"),
            label=pk("label"),
            criticality=data.get("criticality"),
            pathway=data.get("pathway") or "",
            q=(data.get("q") or "").strip(),
        )


class CardAddForm(BootstrapForm):
    """Put an existing initiative (not yet on the board) on it."""

    initiative = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Initiative.objects.none(),
        empty_label="Choose an initiative…",
    )
    column = forms.ModelChoiceField(
        queryset=Column.objects.none(), required=False, widget=FastSelect
    )

    def __init__(self, *args: Any, board_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initiative = self.fields["initiative"]
        assert isinstance(initiative, forms.ModelChoiceField)
        initiative.queryset = Initiative.objects.exclude(cards__board_id=board_id)
        _column_field(self, board_id, "The column of its stage, else the first")


class InitiativeCreateForm(BootstrapForm):
    """A new initiative, put on the board at once."""

    key = forms.CharField(max_length=20, help_text="Short and unique, e.g. ML-42.")
    title = forms.CharField(max_length=200)
    team = forms.ModelChoiceField(
        widget=FastSelect,
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="No team",
    )
    owner = forms.ModelChoiceField(
        widget=FastSelect, queryset=_people(), required=False, empty_label="No owner"
    )
    mission_criticality = forms.TypedChoiceField(
        choices=MissionCriticality.choices,
        coerce=int,
        initial=MissionCriticality.LOW,
        help_text=CRITICALITY_HELP,
    )
    pathway = forms.ChoiceField(choices=Pathway.choices)
    pipeline_owner = forms.ChoiceField(choices=PipelineOwner.choices)
    business_kpi = forms.CharField(max_length=200, required=False, label="Business KPI")
    kpi_target = forms.CharField(max_length=100, required=False, label="KPI target")
    column = forms.ModelChoiceField(
        queryset=Column.objects.none(), required=False, widget=FastSelect
    )

    def __init__(self, *args: Any, board_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _column_field(self, board_id, "The first column")


def _column_field(form: forms.Form, board_id: int, empty: str) -> None:
    column = form.fields["column"]
    assert isinstance(column, forms.ModelChoiceField)
    column.queryset = Column.objects.filter(board_id=board_id).order_by(
        "position", "id"
    )
    column.empty_label = empty
    column.label = "Column"


class CardMoveForm(forms.Form):
    """The "Move to…" menu of a card (works without JavaScript)."""

    TOP = "top"
    BOTTOM = "bottom"

    column = forms.IntegerField(min_value=1)
    position = forms.ChoiceField(
        choices=[(BOTTOM, "to the bottom"), (TOP, "to the top")], required=False
    )
    version = forms.IntegerField(
        min_value=1,
        error_messages={"required": "The card's version is missing; reload the board."},
    )
    next = forms.CharField(required=False, max_length=2000)

"""Forms of the requirement document pages: list filters, a new document, the
version editor (every template field, the data sources, the body)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from teamhub.initiatives.models import Initiative, MissionCriticality
from teamhub.people.forms import BootstrapForm
from teamhub.requirements.state import DocState
from teamhub.requirements.template import FIELDS, Field

# Short answers get a one-line box (still a textarea: a line break typed through
# the API must survive an edit in the page).
SHORT_FIELDS = {
    "kpi_name",
    "kpi_baseline",
    "kpi_target",
    "kpi_time_window",
    "kpi_owner",
    "ml_metric",
    "ml_threshold",
}
FIELD_HELP = {
    "kpi_time_window": "For example “the quarter after launch”.",
    "ml_threshold": "The value the model must reach, e.g. “AUC ≥ 0.80”.",
    "human_in_the_loop": "Who reviews or can override a prediction, and when.",
    "mission_criticality": (
        "How bad wrong predictions are; 3 or more may need extra approvers."
    ),
}
SOURCE_ROWS_EXTRA = 3
SOURCE_ROWS_MAX = 100


class InitiativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} · {obj.title}"


class DocFilterForm(BootstrapForm):
    """The list's filters; each invalid one shows its error and is not applied."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Title or initiative"}
        ),
    )
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *DocState.choices]
    )
    initiative = InitiativeChoiceField(
        label="Initiative",
        required=False,
        queryset=Initiative.objects.none(),
        empty_label="Any initiative",
    )
    mine = forms.BooleanField(
        label="Only documents I wrote or must sign", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["initiative"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Initiative.objects.filter(
            pk__in=Initiative.objects.filter(requirement_docs__isnull=False).values(
                "pk"
            )
        ).order_by("key")

    def filters(self) -> dict[str, Any]:
        """Return the valid filters (an invalid one is left out)."""
        data = self.cleaned_data if self.is_bound else {}
        initiative = data.get("initiative")
        return {
            "q": data.get("q") or "",
            "state": data.get("state") or "",
            "initiative_id": initiative.pk if initiative else None,
            "mine": bool(data.get("mine")),
        }


class DocCreateForm(BootstrapForm):
    initiative = InitiativeChoiceField(
        queryset=Initiative.objects.none(),
        empty_label="Choose an initiative…",
        help_text="Only the initiatives you may write requirements for are listed.",
        error_messages={
            "required": "Choose the initiative the document is for.",
            "invalid_choice": "Choose one of the initiatives listed.",
        },
    )
    title = forms.CharField(
        max_length=200,
        help_text="For example “Churn model: requirements”.",
        error_messages={"required": "Give the document a title."},
    )

    def __init__(
        self, *args: Any, initiatives: QuerySet[Initiative], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["initiative"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = initiatives


class SourceForm(BootstrapForm):
    """One data source row; a row left blank is ignored."""

    name = forms.CharField(label="Name", required=False, max_length=200)
    owner = forms.CharField(label="Owner", required=False, max_length=200)
    freshness = forms.CharField(label="Freshness", required=False, max_length=200)
    pii = forms.BooleanField(label="Contains PII", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("name") and (
            data.get("owner") or data.get("freshness") or data.get("pii")
        ):
            self.add_error("name", "Name this data source, or clear the row.")
        return data

    def source(self) -> dict[str, Any] | None:
        """Return the row as a data source, or None when it is blank."""
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return {
            "name": data["name"],
            "owner": data.get("owner") or "",
            "freshness": data.get("freshness") or "",
            "pii": bool(data.get("pii")),
        }


SourceFormSet = forms.formset_factory(
    SourceForm,
    extra=SOURCE_ROWS_EXTRA,
    max_num=SOURCE_ROWS_MAX,
    validate_max=True,
)


def source_formset(
    data: Any = None, *, sources: list[dict[str, Any]] | None = None
) -> forms.BaseFormSet[SourceForm]:
    """Return the data source rows: the existing ones and a few blank ones."""
    if data is not None:
        return SourceFormSet(data, prefix="sources")
    return SourceFormSet(
        initial=[
            {key: source.get(key, "") for key in ("name", "owner", "freshness")}
            | {"pii": bool(source.get("pii"))}
            for source in sources or []
        ],
        prefix="sources",
    )


class DocEditForm(BootstrapForm):
    """Every structured field of the template, the body and the version the
    editor opened (``based_on``); the data sources are ``source_formset``."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    body_markdown = forms.CharField(
        label="Body",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text="Markdown: headings, lists, tables, links. Up to 1 MB.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in FIELDS:
            if field.kind == "sources":
                continue
            self.fields[field.key] = self._form_field(field)
        # BootstrapForm styled the fields it had; style the ones added here.
        for name, form_field in self.fields.items():
            if name in ("based_on", "body_markdown"):
                continue
            widget = form_field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css

    @staticmethod
    def _form_field(field: Field) -> forms.Field:
        help_text = FIELD_HELP.get(field.key, "")
        if field.kind == "criticality":
            return forms.TypedChoiceField(
                label=field.label,
                choices=MissionCriticality.choices,
                coerce=int,
                help_text=help_text,
                error_messages={
                    "required": "Choose a mission criticality from 1 to 4.",
                    "invalid_choice": "Choose a mission criticality from 1 to 4.",
                },
            )
        rows = 1 if field.key in SHORT_FIELDS else 3
        return forms.CharField(
            label=field.label,
            required=False,
            widget=forms.Textarea(attrs={"rows": rows}),
            help_text=help_text,
        )

    @classmethod
    def initial_for(
        cls, *, fields: dict[str, Any], body: str, number: int
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {
            key: value for key, value in fields.items() if key != "data_sources"
        }
        initial.update(body_markdown=body, based_on=number)
        return initial

    def sections(self) -> list[tuple[str, list[Any]]]:
        """Return the fields grouped by the template's sections, in its order;
        the data sources' place is the string "data_sources"."""
        groups: dict[str, list[Any]] = {}
        for field in FIELDS:
            entry = field.key if field.kind == "sources" else self[field.key]
            groups.setdefault(field.section, []).append(entry)
        return list(groups.items())

    def template_fields(self, sources: list[dict[str, Any]]) -> dict[str, Any]:
        """Return the cleaned values as ``DocVersion.fields``."""
        values = {
            field.key: self.cleaned_data.get(field.key, "")
            for field in FIELDS
            if field.kind != "sources"
        }
        values["data_sources"] = sources
        return values

    def add_version_error(self, error: ValidationError) -> list[str]:
        """Show a service's error next to its field ("detail" and unknown keys
        go above the form); return the data sources' messages, which belong
        to the rows below."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return []
        sources: list[str] = []
        for name, errors in error.error_dict.items():
            if name == "data_sources":
                sources += [str(m) for e in errors for m in e.messages]
                continue
            target = name if name in self.fields and name != "based_on" else None
            self.add_error(target, errors)
        return sources

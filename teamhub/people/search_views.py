"""Skill search page: managers find people by skills, levels and free capacity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from teamhub.core.roles import Role, user_has_role
from teamhub.people.models import Level, Team
from teamhub.people.search.presenters import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    SearchPage,
    skill_search,
)
from teamhub.people.search.query import (
    EMPTY_QUERY_MESSAGE,
    QueryError,
    Term,
    query_parse,
    terms_from_rows,
    terms_limit_check,
)
from teamhub.people.search.resolve import (
    SkillCatalog,
    UnknownSkillError,
    skill_catalog_load,
)
from teamhub.people.search.selectors import MODES, WINDOW_ORDER_MESSAGE

MAX_ROWS = 10
MIN_FREE_PRESETS = ["0.1", "0.25", "0.5", "0.75", "1"]
# Any of these in the URL means the form was submitted (not a first visit).
FORM_PARAMS = (
    "q",
    "skill",
    "mode",
    "team",
    "team_only",
    "available_from",
    "available_to",
    "min_free",
    "rows",
)


class SearchForm(forms.Form):
    """The page's parameters; the same names and meaning as the API's."""

    q = forms.CharField(required=False, max_length=1000, label="Skills")
    mode = forms.ChoiceField(
        choices=[("all", "All of them"), ("any", "Any of them")],
        required=False,
        initial="all",
        widget=forms.RadioSelect,
        label="People must have",
    )
    team = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Team"
    )
    team_only = forms.BooleanField(
        required=False, label="Only its own members, not the teams below it"
    )
    available_from = forms.DateField(
        required=False,
        label="Free from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    available_to = forms.DateField(
        required=False,
        label="Free until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    min_free = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1),
        max_digits=4,
        decimal_places=3,
        label="Free capacity at least",
    )
    # Paging comes from links, not typing: a bad value falls back instead of failing.
    page = forms.CharField(required=False)
    page_size = forms.CharField(required=False)

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.TypedChoiceField)
        team_field.choices = [("", "All teams"), *teams]
        self.terms: list[Term] = []

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or "all"

    def clean_q(self) -> str:
        q: str = self.cleaned_data.get("q", "")
        if q.strip():
            try:
                self.terms = query_parse(q)
            except QueryError as exc:
                raise ValidationError(exc.messages) from exc
        return q

    def clean_page(self) -> int:
        return _clamped(self.cleaned_data.get("page"), default=1, high=10**6)

    def clean_page_size(self) -> int:
        return _clamped(
            self.cleaned_data.get("page_size"),
            default=DEFAULT_PAGE_SIZE,
            high=MAX_PAGE_SIZE,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("available_from"), data.get("available_to")
        if start and end and start > end:
            self.add_error("available_to", WINDOW_ORDER_MESSAGE)
        return data


def search(request: HttpRequest) -> HttpResponse:
    """Show the search form and, once submitted, the ranked people."""
    if not user_has_role(request.user, Role.MANAGER):
        raise PermissionDenied("Only managers and admins can search for staffing.")
    teams = list(Team.objects.order_by("name").values_list("id", "name"))
    catalog = skill_catalog_load()
    params = request.GET
    submitted = any(name in params for name in FORM_PARAMS)
    form = SearchForm(params if submitted else None, teams=teams)

    skills = params.getlist("skill")
    levels = params.getlist("level")
    row_terms, row_errors = terms_from_rows(skills=skills, levels=levels)
    min_free_choices, min_free_selected = _min_free_choices(params.get("min_free", ""))
    found: SearchPage | None = None
    if submitted and form.is_valid():
        found = _search(form, params, catalog, row_terms, row_errors)

    return render(
        request,
        "people/search/search.html",
        {
            "form": form,
            "submitted": submitted,
            "found": found,
            "rows": _rows(params, skills, levels, row_errors),
            "level_choices": Level.choices,
            "skill_names": catalog.names,
            "min_free_choices": min_free_choices,
            "min_free_selected": min_free_selected,
            "level_range": Level.values,
            "teams": teams,
            "modes": MODES,
        },
    )


def _search(
    form: SearchForm,
    params: QueryDict,
    catalog: SkillCatalog,
    row_terms: list[Term],
    row_errors: dict[int, str],
) -> SearchPage | None:
    """Run the search for a valid form, or record why not on the form and rows."""
    terms = [*form.terms, *row_terms]
    if row_errors:
        return None
    if not terms:
        # The add-row button submits the form too; an empty row is not a mistake.
        if "rows" not in params:
            form.add_error("q", EMPTY_QUERY_MESSAGE)
        return None
    for message in terms_limit_check(terms):
        form.add_error("q", message)
        return None
    data = form.cleaned_data
    min_free = data.get("min_free")
    try:
        return skill_search(
            terms=terms,
            mode=data["mode"],
            team_id=data.get("team"),
            team_only=data.get("team_only", False),
            available_from=data.get("available_from"),
            available_to=data.get("available_to"),
            min_free=float(min_free) if min_free is not None else None,
            page=data["page"],
            page_size=data["page_size"],
            catalog=catalog,
        )
    except UnknownSkillError as exc:
        for unresolved in exc.unresolved:
            if unresolved.term.row is None:
                form.add_error("q", unresolved.message)
            else:
                row_errors[unresolved.term.row] = unresolved.message
    except ValidationError as exc:
        form.add_error(None, exc)
    return None


def _rows(
    params: QueryDict, skills: list[str], levels: list[str], errors: dict[int, str]
) -> list[dict[str, Any]]:
    """Return the skill rows to show: those filled in, and empty ones up to ``rows``."""
    try:
        wanted = int(params.get("rows", "1"))
    except ValueError:
        wanted = 1
    count = min(MAX_ROWS, max(wanted, len(skills), 1))
    return [
        {
            "index": i,
            "skill": skills[i] if i < len(skills) else "",
            "level": levels[i] if i < len(levels) else "1",
            "error": errors.get(i, ""),
        }
        for i in range(count)
    ]


def _min_free_choices(current: str) -> tuple[list[tuple[str, str]], str]:
    """Return the minimum-free presets (plus a custom value) and the one chosen."""
    values = list(MIN_FREE_PRESETS)
    try:
        custom: Decimal | None = Decimal(current.strip())
    except ArithmeticError:
        custom = None
    selected = ""
    if custom is not None and custom.is_finite() and 0 <= custom <= 1:
        same = [v for v in values if Decimal(v) == custom]
        if same:
            selected = same[0]
        else:
            selected = current.strip()
            values.append(selected)
            values.sort(key=Decimal)
    return [(v, f"{float(v) * 100:g}%") for v in values], selected


def _clamped(raw: str | None, *, default: int, high: int) -> int:
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return min(max(value, 1), high)

"""The card detail page: the full initiative, its value check-ins and history.

Everyone signed in reads it. Owners, members and managers record check-ins;
managers edit the initiative and take the card off its board. Writes go through
the services; bad input re-renders the page with status 400 and the message next
to the field, a refused action is a 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import (
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from teamhub.core.models import User
from teamhub.initiatives import services, services_cards
from teamhub.initiatives.charts import CheckInPoint, checkins_figure, figure_data
from teamhub.initiatives.forms import (
    CRITICALITY_HELP,
    CheckInForm,
    ConfirmForm,
    InitiativeForm,
)
from teamhub.initiatives.models import (
    Assignment,
    Card,
    CardEvent,
    Initiative,
    MissionCriticality,
    Pathway,
    PipelineOwner,
    Stage,
    ValueCheckIn,
)
from teamhub.initiatives.permissions import (
    can_edit_boards,
    can_edit_initiative,
    can_work_on_initiative,
)
from teamhub.initiatives.selectors_boards import TREND_WINDOW, card_history
from teamhub.initiatives.services_checkins import checkin_record, initiative_checkins
from teamhub.initiatives.value import hardening_reason
from teamhub.people.models import Person, Team
from teamhub.people.views import DIRECTORY_FORM_RENDERER
from teamhub.requirements.selectors_docs import initiative_doc_rows

CHECKIN_IDS = "checkin_%s"
EDIT_IDS = "edit_%s"
REMOVE_IDS = "remove_%s"
# Long text values (summary, hardening plan) are cut in the history list.
HISTORY_VALUE_CHARS = 80

CHOICE_LABELS: dict[str, dict[Any, str]] = {
    "stage": dict(Stage.choices),
    "mission_criticality": dict(MissionCriticality.choices),
    "pathway": dict(Pathway.choices),
    "pipeline_owner": dict(PipelineOwner.choices),
}


@dataclass(frozen=True)
class Change:
    field: str
    value: str


@dataclass(frozen=True)
class HistoryEntry:
    event: CardEvent
    changes: list[Change]
    notes: list[str]


@dataclass(frozen=True)
class Member:
    assignment: Assignment
    width: int


@dataclass(frozen=True)
class CardDetail:
    card: Card
    initiative: Initiative
    members: list[Member]
    checkins: list[ValueCheckIn]
    history: list[HistoryEntry]
    hardening: str | None

    @property
    def latest(self) -> ValueCheckIn | None:
        return self.checkins[-1] if self.checkins else None


def _field_label(name: str) -> str:
    try:
        field = Initiative._meta.get_field(name)
        label = str(getattr(field, "verbose_name", name))
    except FieldDoesNotExist:  # a key of old event data
        label = name.replace("_", " ")
    return {"ml complexity": "ML complexity", "business kpi": "business KPI"}.get(
        label, label
    )


def _shown(name: str, value: Any, teams: dict[int, str], people: dict[int, str]) -> str:
    """Return an event's recorded value as a person reads it."""
    if value is None or value == "":
        return "—"
    if name == "team":
        return teams.get(value, f"team {value}")
    if name == "owner":
        return people.get(value, f"person {value}")
    if name == "labels" and isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    if name in CHOICE_LABELS:
        return CHOICE_LABELS[name].get(value, str(value))
    text = str(value)
    if len(text) > HISTORY_VALUE_CHARS:
        text = text[: HISTORY_VALUE_CHARS - 1] + "…"
    return text


def _number(value: Any) -> str:
    return f"{value:.10g}" if isinstance(value, int | float) else str(value)


def _checkin_note(data: dict[str, Any]) -> str:
    """Return "business value 12.5, model metric 0.8 for 3 Mar 2026"."""
    text = f"business value {_number(data.get('business_value'))}"
    if data.get("model_metric") is not None:
        text += f", model metric {_number(data['model_metric'])}"
    try:
        day = dt.date.fromisoformat(str(data.get("at")))
    except ValueError:
        return text
    return f"{text} for {day:%-d %b %Y}"


def _changes_of(event: CardEvent) -> dict[str, Any]:
    data = event.data or {}
    if event.verb == CardEvent.Verb.EDITED:
        return dict(data)
    if event.verb == CardEvent.Verb.MOVED:
        return dict(data.get("changes") or {})
    return {}


def _history(events: list[CardEvent]) -> list[HistoryEntry]:
    """Return the events with their changed fields spelt out (two queries at most,
    for the teams and people they name)."""
    team_ids: set[int] = set()
    person_ids: set[int] = set()
    for event in events:
        changes = _changes_of(event)
        if isinstance(changes.get("team"), int):
            team_ids.add(changes["team"])
        if isinstance(changes.get("owner"), int):
            person_ids.add(changes["owner"])
    teams = (
        dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        if team_ids
        else {}
    )
    people = (
        {
            person.pk: person.name
            for person in Person.objects.filter(pk__in=person_ids).select_related(
                "user"
            )
        }
        if person_ids
        else {}
    )
    entries = []
    for event in events:
        data = event.data or {}
        spelt = [
            Change(_field_label(name), _shown(name, value, teams, people))
            for name, value in _changes_of(event).items()
        ]
        notes = [str(warning) for warning in data.get("warnings") or []]
        if data.get("reason"):
            notes.append(f"Because the {data['reason']}.")
        if event.verb == CardEvent.Verb.CHECKED_IN:
            notes.append(_checkin_note(data))
        entries.append(HistoryEntry(event=event, changes=spelt, notes=notes))
    return entries


def card_detail(*, card_id: int) -> CardDetail:
    """Return the card with its initiative, members, check-ins and history in a
    fixed number of queries."""
    members = Prefetch(
        "initiative__assignments",
        queryset=Assignment.objects.exclude(status=Assignment.Status.FINISHED)
        .select_related("person__user")
        .order_by("-allocation", "id"),
        to_attr="current_assignments",
    )
    card = get_object_or_404(
        Card.objects.select_related(
            "board__team",
            "column",
            "initiative__team",
            "initiative__owner__user",
        ).prefetch_related("initiative__labels", members),
        pk=card_id,
    )
    initiative = card.initiative
    checkins = list(initiative_checkins(initiative_id=initiative.pk))
    since = timezone.localdate() - TREND_WINDOW
    current: list[Assignment] = initiative.current_assignments  # type: ignore[attr-defined]
    return CardDetail(
        card=card,
        initiative=initiative,
        members=[
            Member(assignment=a, width=max(0, min(100, a.allocation))) for a in current
        ],
        checkins=checkins,
        history=_history(list(card_history(card))),
        # The same window as the board's card, so both say the same.
        hardening=hardening_reason(
            pathway=initiative.pathway,
            mission_criticality=initiative.mission_criticality,
            business_values=[c.business_value for c in checkins if c.at >= since],
        ),
    )


def _render(
    request: HttpRequest,
    card_id: int,
    *,
    checkin_form: CheckInForm | None = None,
    edit_form: InitiativeForm | None = None,
    remove_form: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = card_detail(card_id=card_id)
    user: User = request.user  # type: ignore[assignment]
    initiative = detail.initiative
    can_check_in = can_work_on_initiative(user, initiative)
    can_edit = can_edit_initiative(user)
    can_remove = can_edit_boards(user)
    if checkin_form is None and can_check_in:
        checkin_form = CheckInForm(auto_id=CHECKIN_IDS)
    if edit_form is None and can_edit:
        edit_form = InitiativeForm(
            initial=InitiativeForm.initial_for(initiative),
            auto_id=EDIT_IDS,
            current_owner_id=initiative.owner_id,
            # The owner select lists every active person: write it in Python.
            renderer=DIRECTORY_FORM_RENDERER,
        )
    if remove_form is None and can_remove:
        remove_form = ConfirmForm(
            auto_id=REMOVE_IDS, label=f"Yes, take {initiative.key} off this board"
        )
    figure = None
    if detail.checkins:
        figure = figure_data(
            checkins_figure(
                points=[
                    CheckInPoint(c.at, c.business_value, c.model_metric)
                    for c in detail.checkins
                ],
                kpi_name=initiative.business_kpi,
                metric_name=initiative.model_metric_name,
            )
        )
    context = {
        "detail": detail,
        "card": detail.card,
        "board": detail.card.board,
        "initiative": initiative,
        "figure": figure,
        "checkins_newest_first": list(reversed(detail.checkins)),
        "can_check_in": can_check_in,
        "can_edit": can_edit,
        "can_remove": can_remove,
        "checkin_form": checkin_form,
        "edit_form": edit_form,
        "remove_form": remove_form,
        "criticality_scale": MissionCriticality.choices,
        "criticality_help": CRITICALITY_HELP,
        "complexity_levels": [1, 2, 3],
        "today": timezone.localdate(),
        # The "Requirement sign-off" section: the initiative's documents.
        "requirement_docs": initiative_doc_rows(initiative.pk),
        "can_write_requirements": can_check_in,
    }
    return render(request, "initiatives/card.html", context, status=status)


def _invalid(request: HttpRequest, card_id: int, **forms: Any) -> HttpResponse:
    messages.error(request, "Nothing was saved — please correct the errors below.")
    return _render(request, card_id, status=400, **forms)


def _back(card: Card, anchor: str) -> HttpResponseRedirect:
    return redirect(f"{reverse('initiatives:card', args=[card.pk])}#{anchor}")


def _card(pk: int) -> Card:
    return get_object_or_404(
        Card.objects.select_related("initiative", "board", "column"), pk=pk
    )


@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, pk)


@require_POST
def card_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    target = _card(pk)
    actor: User = request.user  # type: ignore[assignment]
    if not can_work_on_initiative(actor, target.initiative):
        raise PermissionDenied(
            "Only managers and the people working on an initiative can record its "
            "check-ins."
        )
    form = CheckInForm(request.POST, auto_id=CHECKIN_IDS)
    if not form.is_valid():
        return _invalid(request, pk, checkin_form=form)
    try:
        checkin = checkin_record(
            actor=actor, initiative=target.initiative, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, pk, checkin_form=form)
    messages.success(
        request,
        f"Recorded the check-in of {checkin.at:%-d %b %Y}: business value "
        f"{checkin.business_value:g}.",
    )
    return _back(target, "checkins")


@require_POST
def card_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _card(pk)
    actor: User = request.user  # type: ignore[assignment]
    if not can_edit_initiative(actor):
        raise PermissionDenied("Only managers can change initiatives.")
    form = InitiativeForm(
        request.POST,
        auto_id=EDIT_IDS,
        current_owner_id=target.initiative.owner_id,
        renderer=DIRECTORY_FORM_RENDERER,
    )
    if not form.is_valid():
        return _invalid(request, pk, edit_form=form)
    data = dict(form.cleaned_data)
    data["labels"] = list(data["labels"])
    try:
        services.initiative_update(actor=actor, initiative=target.initiative, **data)
    except ValidationError as exc:
        form.add_service_error(exc)
        return _invalid(request, pk, edit_form=form)
    messages.success(request, f"Saved {data['key']}.")
    return _back(target, "initiative")


@require_POST
def card_take_off(request: HttpRequest, pk: int) -> HttpResponse:
    target = _card(pk)
    actor: User = request.user  # type: ignore[assignment]
    if not can_edit_boards(actor):
        raise PermissionDenied("Only managers can take cards off a board.")
    form = ConfirmForm(request.POST, auto_id=REMOVE_IDS)
    if not form.is_valid():
        return _invalid(request, pk, remove_form=form)
    board = target.board
    key = target.initiative.key
    services_cards.card_remove(actor=actor, card=target)
    messages.success(
        request,
        f"Took {key} off “{board.name}”. The initiative, its check-ins and its "
        "audit trail are kept.",
    )
    return redirect(board.get_absolute_url())


urlpatterns: list[URLPattern] = [
    path("cards/<int:pk>/", card, name="card"),
    path("cards/<int:pk>/checkins/", card_checkin, name="card_checkin"),
    path("cards/<int:pk>/edit/", card_edit, name="card_edit"),
    path("cards/<int:pk>/take-off/", card_take_off, name="card_take_off"),
]

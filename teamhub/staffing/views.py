"""HTML pages of staffing: the list of requests, the new-request form, a request
with its proposed team, a role with every candidate explained, and the decisions.

Managers and admins only (everyone else gets 403). Writes go through
``services``: a refused action is a 403; bad input re-renders the page with
status 400 and the message next to the field (nothing written); a clash with the
current state (already decided, no longer available) sends a browser back with
the reason as an error message, and answers other clients with the page and
status 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, When, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.initiatives.models import Card, Initiative
from teamhub.people.models import Level
from teamhub.staffing import selectors, services
from teamhub.staffing.forms import (
    MAX_ROLES,
    MAX_SKILL_ROWS,
    FilterForm,
    StaffingRequestForm,
)
from teamhub.staffing.models import (
    RequiredSkill,
    RoleRequirement,
    StaffingRequest,
    Suggestion,
)

PAGE_SIZE = 20
# Candidates shown per role on the request page (the role page shows them all).
TOP_PER_ROLE = 5
NOT_A_MANAGER = "Only managers and admins staff initiatives."

View = Callable[..., HttpResponse]


def manager_required(view: View) -> View:
    """Refuse (403) everyone but managers and admins; login is the middleware's."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_has_role(request.user, Role.MANAGER):
            raise PermissionDenied(NOT_A_MANAGER)
        return view(request, *args, **kwargs)

    return wrapped


def _card_urls(initiative_ids: Iterable[int]) -> dict[int, str]:
    """Return the card page of each initiative that is on a board (one query)."""
    ids = set(initiative_ids)
    if not ids:
        return {}
    urls: dict[int, str] = {}
    rows = (
        Card.objects.filter(initiative_id__in=ids)
        .order_by("initiative_id", "id")
        .values_list("initiative_id", "pk")
    )
    for initiative_id, card_id in rows:
        urls.setdefault(initiative_id, reverse("initiatives:card", args=[card_id]))
    return urls


# The list ------------------------------------------------------------------------


@require_GET
@manager_required
def requests_index(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    status = form.status_filter()
    requests = selectors.staffing_requests(status=status)
    if status is None:  # every request: the open ones first, newest first
        requests = requests.order_by(
            Case(When(status=StaffingRequest.Status.OPEN, then=0), default=1),
            "-created",
            "-id",
        )
    paginator = Paginator(requests, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    prefetch_related_objects(rows, "roles")
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "status": status,
        "filtered": status != StaffingRequest.Status.OPEN,
        "card_urls": _card_urls(r.initiative_id for r in rows),
    }
    template = "staffing/index.html"
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        template = "staffing/_partials/index_results.html"
    return render(request, template, context)


# New request ---------------------------------------------------------------------


def _render_new(
    request: HttpRequest, form: StaffingRequestForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "staffing/new.html",
        {
            "form": form,
            "level_choices": Level.choices,
            "max_roles": MAX_ROLES,
            "max_skill_rows": MAX_SKILL_ROWS,
            "role_template": StaffingRequestForm.template_block(),
        },
        status=status,
    )


def _prefill(request: HttpRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the initial request and role values from ``?initiative=<id>``."""
    raw = request.GET.get("initiative", "")
    if not raw.isdigit():
        return {}, {}
    initiative = Initiative.objects.filter(pk=int(raw)).first()
    if initiative is None:
        return {}, {}
    role: dict[str, Any] = {}
    today = timezone.localdate()
    if initiative.start and initiative.start >= today:
        role["start"] = initiative.start
    if initiative.target_date and initiative.target_date >= today:
        role["end"] = initiative.target_date
    return {"initiative": initiative.pk}, role


@require_http_methods(["GET", "POST"])
@manager_required
def request_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        initial, role_initial = _prefill(request)
        return _render_new(
            request, StaffingRequestForm(initial=initial, role_initial=role_initial)
        )
    actor: User = request.user  # type: ignore[assignment]
    form = StaffingRequestForm(request.POST)
    if form.is_valid():
        try:
            created = services.staffing_request_create(
                actor=actor,
                initiative=form.cleaned_data["initiative"],
                roles=form.role_inputs(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            count = len(form.role_inputs())
            messages.success(
                request,
                f"Created the staffing request for {created.initiative.key} with "
                f"{count} role{'s' if count != 1 else ''}. Every suggestion is "
                "explained below; nobody is assigned until you accept them.",
            )
            return redirect("staffing:request", pk=created.pk)
    messages.error(request, "Nothing was created — please correct the errors below.")
    return _render_new(request, form, status=400)


# A request and a role ------------------------------------------------------------


@dataclass
class RoleView:
    """One role on the request page: its candidates and its part of the team."""

    role: RoleRequirement
    found: Any  # selectors.RoleSuggestions
    members: list[Suggestion]
    filled: int

    @property
    def top(self) -> list[Suggestion]:
        return list(self.found.matches)[:TOP_PER_ROLE]

    @property
    def candidate_total(self) -> int:
        return int(self.found.match_total)

    @property
    def alternative_total(self) -> int:
        return int(self.found.alternative_total)


@dataclass
class Coverage:
    """A must-have skill of the request and the team members who hold it."""

    skill: str
    min_level: int
    holders: list[str]
    single_point: bool
    roles: list[str] = field(default_factory=list)


def _suggestions_of(found: Any) -> Iterable[Suggestion]:
    for name in ("team", "matches", "alternatives", "accepted", "rejected"):
        yield from getattr(found, name, ()) or ()


def _team_members(found: Any, person_ids: list[int]) -> list[Suggestion]:
    """The role's proposed team: the selector's, else the stored member ids."""
    team = list(getattr(found, "team", ()) or ())
    if team:
        return team
    by_person = {s.person_id: s for s in _suggestions_of(found)}
    return [by_person[pk] for pk in person_ids if pk in by_person]


def _request_context(
    staffing: StaffingRequest, *, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    found_by_role = selectors.request_suggestions(request=staffing)
    team: dict[str, Any] = staffing.team or {}
    members: dict[str, list[int]] = team.get("members") or {}
    roles = list(staffing.roles.all())
    names: dict[int, str] = {}
    role_views = []
    for role in roles:
        found = found_by_role.get(role.pk)
        if found is None:
            found = selectors.role_suggestions(role=role)
        for suggestion in _suggestions_of(found):
            names.setdefault(suggestion.person_id, suggestion.person.name)
        team_members = _team_members(found, members.get(str(role.pk), []))
        accepted = list(getattr(found, "accepted", ()) or ())
        role_views.append(
            RoleView(role=role, found=found, members=team_members, filled=len(accepted))
        )
    # Each must-have skill once, with who covers it in the proposed team.
    coverage_ids: dict[str, list[int]] = team.get("coverage") or {}
    single_points = {int(pk) for pk in team.get("single_points") or []}
    coverage: dict[int, Coverage] = {}
    for role in roles:
        for need in role.skills.all():
            if need.importance != RequiredSkill.Importance.MUST:
                continue
            item = coverage.get(need.skill_id)
            if item is None:
                holders = [
                    names.get(pk, f"person {pk}")
                    for pk in coverage_ids.get(str(need.skill_id), [])
                ]
                item = coverage[need.skill_id] = Coverage(
                    skill=need.skill.name,
                    min_level=need.min_level,
                    holders=holders,
                    single_point=need.skill_id in single_points,
                )
            item.roles.append(role.role)
    card_url = _card_urls([staffing.initiative_id]).get(staffing.initiative_id)
    context = {
        "staffing": staffing,
        "initiative": staffing.initiative,
        "card_url": card_url,
        "roles": role_views,
        "team": team,
        "unmet": team.get("unmet") or [],
        "coverage": list(coverage.values()),
        "has_team": bool(team),
        "team_open": any(
            s.status == Suggestion.Status.OPEN for rv in role_views for s in rv.members
        ),
        "is_open": staffing.status == StaffingRequest.Status.OPEN,
        "stale": staffing.stale_since is not None,
        "computing": staffing.computed_at is None,
        "reject_error": None,
    }
    context.update(extra or {})
    return context


def _load_request(pk: int) -> StaffingRequest:
    try:
        return selectors.staffing_request_detail(pk=pk)
    except StaffingRequest.DoesNotExist as exc:
        raise Http404("No such staffing request.") from exc


def render_request_page(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    staffing = _load_request(pk)
    return render(
        request,
        "staffing/request.html",
        _request_context(staffing, extra=extra),
        status=status,
    )


@require_GET
@manager_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_request_page(request, pk)


def _load_role(pk: int) -> RoleRequirement:
    return get_object_or_404(
        RoleRequirement.objects.select_related(
            "request__initiative", "request__created_by"
        ).prefetch_related(
            # Must-haves first ("must" < "nice"), then by name.
            Prefetch(
                "skills",
                queryset=RequiredSkill.objects.select_related("skill").order_by(
                    "importance", "skill__name"
                ),
            )
        ),
        pk=pk,
    )


def render_role_page(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    role = _load_role(pk)
    staffing = role.request
    found = selectors.role_suggestions(role=role)
    context = {
        "role": role,
        "staffing": staffing,
        "initiative": staffing.initiative,
        "card_url": _card_urls([staffing.initiative_id]).get(staffing.initiative_id),
        "found": found,
        "needs": list(role.skills.all()),
        "is_open": staffing.status == StaffingRequest.Status.OPEN,
        "stale": staffing.stale_since is not None,
        "computing": staffing.computed_at is None,
        "reject_error": None,
    }
    context.update(extra or {})
    return render(request, "staffing/role.html", context, status=status)


@require_GET
@manager_required
def role_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_role_page(request, pk)


# Decisions -----------------------------------------------------------------------

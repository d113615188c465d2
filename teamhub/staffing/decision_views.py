"""The decisions on a staffing request's pages: accept, reject, lock, accept the
proposed team, recompute, close (POST only; each calls one service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.staffing import services
from teamhub.staffing.forms import LockForm, RejectForm
from teamhub.staffing.models import StaffingRequest, Suggestion
from teamhub.staffing.views import (
    manager_required,
    render_request_page,
    render_role_page,
)


def _next_url(request: HttpRequest, default: str) -> str:
    """Return the page to go back to: the posted ``next`` if it is ours."""
    wanted = request.POST.get("next", "")
    if wanted.startswith("/staffing/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def _wants_redirect(request: HttpRequest) -> bool:
    """A browser's form post (not htmx, asks for HTML) is sent back with a message."""
    if request.headers.get("HX-Request"):
        return False
    return "text/html" in request.headers.get("Accept", "")


def _render_back(
    request: HttpRequest, back: str, *, status: int, extra: dict[str, Any] | None = None
) -> HttpResponse:
    """Render the page ``back`` names (a request or a role page) with ``status``."""
    try:
        match = resolve(back.split("?")[0].split("#")[0])
    except Resolver404:
        match = None
    if match is not None and match.view_name == "staffing:request":
        return render_request_page(
            request, match.kwargs["pk"], status=status, extra=extra
        )
    if match is not None and match.view_name == "staffing:role":
        return render_role_page(request, match.kwargs["pk"], status=status, extra=extra)
    raise Http404("Nothing to go back to.")


def _conflict(request: HttpRequest, exc: Conflict, back: str) -> HttpResponse:
    messages.error(request, exc.detail)
    if _wants_redirect(request):
        return redirect(back)
    return _render_back(request, back, status=409)


def _invalid(
    request: HttpRequest,
    exc: ValidationError,
    back: str,
    *,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    messages.error(request, " ".join(exc.messages))
    return _render_back(request, back, status=400, extra=extra)


def _load_suggestion(pk: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related("role__request__initiative", "person__user"),
        pk=pk,
    )


def _role_url(suggestion: Suggestion) -> str:
    return reverse("staffing:role", args=[suggestion.role_id])


@require_POST
@manager_required
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _load_suggestion(pk)
    back = _next_url(request, _role_url(suggestion))
    actor: User = request.user  # type: ignore[assignment]
    try:
        assignment = services.suggestion_accept(actor=actor, suggestion=suggestion)
    except Conflict as exc:
        return _conflict(request, exc, back)
    except ValidationError as exc:
        return _invalid(request, exc, back)
    role = suggestion.role
    messages.success(
        request,
        f"Accepted {suggestion.person.name} as {role.role}: a proposed assignment "
        f"to {role.request.initiative.key} at {assignment.allocation}% was created "
        "and they are notified. Confirm it on the initiative once agreed.",
    )
    return redirect(back)


@require_POST
@manager_required
def suggestion_reject(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _load_suggestion(pk)
    back = _next_url(request, _role_url(suggestion))
    actor: User = request.user  # type: ignore[assignment]
    form = RejectForm(request.POST)
    reason = request.POST.get("reason", "")
    if not form.is_valid():
        message = " ".join(str(e) for e in form.errors.get("reason", [])) or "Say why."
        return _invalid(
            request,
            ValidationError(f"{suggestion.person.name} was not rejected: {message}"),
            back,
            extra={"reject_error": {"id": pk, "message": message, "reason": reason}},
        )
    try:
        services.suggestion_reject(
            actor=actor, suggestion=suggestion, reason=form.cleaned_data["reason"]
        )
    except Conflict as exc:
        return _conflict(request, exc, back)
    except ValidationError as exc:
        return _invalid(
            request,
            exc,
            back,
            extra={
                "reject_error": {
                    "id": pk,
                    "message": " ".join(exc.messages),
                    "reason": reason,
                }
            },
        )
    messages.success(
        request,
        f"Rejected {suggestion.person.name} for {suggestion.role.role}: the reason "
        "is kept and they will not be suggested for this role again.",
    )
    return redirect(back)


@require_POST
@manager_required
def suggestion_lock(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _load_suggestion(pk)
    back = _next_url(request, _role_url(suggestion))
    actor: User = request.user  # type: ignore[assignment]
    form = LockForm(request.POST)
    form.is_valid()  # a checkbox: absent means unlock
    locked = bool(form.cleaned_data.get("locked"))
    try:
        services.suggestion_lock(actor=actor, suggestion=suggestion, locked=locked)
    except Conflict as exc:
        return _conflict(request, exc, back)
    except ValidationError as exc:
        return _invalid(request, exc, back)
    name = suggestion.person.name
    if locked:
        text = f"Locked {name} in the team; the rest of the team was recomputed."
    else:
        text = f"Unlocked {name}; the team was recomputed."
    messages.success(request, text)
    return redirect(back)


def _request_action(
    request: HttpRequest, pk: int, action: Callable[[User, StaffingRequest], str]
) -> HttpResponse:
    staffing = get_object_or_404(
        StaffingRequest.objects.select_related("initiative"), pk=pk
    )
    back = _next_url(request, reverse("staffing:request", args=[pk]))
    actor: User = request.user  # type: ignore[assignment]
    try:
        text = action(actor, staffing)
    except Conflict as exc:
        return _conflict(request, exc, back)
    except ValidationError as exc:
        return _invalid(request, exc, back)
    messages.success(request, text)
    return redirect(back)


@require_POST
@manager_required
def team_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def act(actor: User, staffing: StaffingRequest) -> str:
        made = services.team_accept(actor=actor, request=staffing)
        count = len(made)
        return (
            f"Accepted the proposed team for {staffing.initiative.key}: {count} "
            f"proposed assignment{'s' if count != 1 else ''} created, and each "
            "person is notified."
        )

    return _request_action(request, pk, act)


@require_POST
@manager_required
def request_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    def act(actor: User, staffing: StaffingRequest) -> str:
        services.staffing_request_recompute(actor=actor, request=staffing)
        return (
            "Recomputing the suggestions with today's skills and allocations; "
            "decisions already taken are kept."
        )

    return _request_action(request, pk, act)


@require_POST
@manager_required
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    def act(actor: User, staffing: StaffingRequest) -> str:
        services.staffing_request_close(actor=actor, request=staffing)
        return (
            f"Closed the staffing request for {staffing.initiative.key}. Accepted "
            "people keep their proposed assignments."
        )

    return _request_action(request, pk, act)

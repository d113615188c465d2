"""The identity review page (/integrations/identities/): managers link the Jira
accounts and Git authors that matched nobody by e-mail, and unlink mistakes.

Writes go through ``teamhub.integrations.services``; bad input re-renders the
page with status 400 and the message next to the row's field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from teamhub.core.roles import Role
from teamhub.integrations import services
from teamhub.integrations.identities import email_normalise, identity_hint
from teamhub.integrations.models import ExternalIdentity
from teamhub.integrations.selectors import (
    PersonChoice,
    identities_for_review,
    link_suggestion,
    people_for_linking,
)
from teamhub.integrations.views import role_required, user_of
from teamhub.people.models import Person

PAGE_SIZE = 50
managers_only = role_required(
    Role.MANAGER, "Only managers and admins can review identities."
)


@dataclass(frozen=True)
class IdentityRow:
    identity: ExternalIdentity
    hint: str
    suggestion: PersonChoice | None = None
    value: str = ""  # what the person field shows (a suggestion or the input)
    error: str = ""


def person_choice_value(choice: PersonChoice) -> str:
    """Return what the picker submits for a person: the e-mail, else "#<id>"."""
    return choice.email or f"#{choice.pk}"


def person_from_input(value: str) -> Person:
    """Return the active person named by an e-mail (any case) or "#<id>";
    raise ValueError with a message for the user otherwise."""
    value = value.strip()
    if not value:
        raise ValueError("Choose a person to link.")
    people = Person.objects.filter(active=True).select_related("user")
    if value.startswith("#") and value[1:].isdigit():
        person = people.filter(pk=int(value[1:])).first()
    else:
        matches = list(people.filter(user__email__iexact=email_normalise(value))[:2])
        person = matches[0] if len(matches) == 1 else None
    if person is None:
        raise ValueError(f"No active person has the e-mail “{value}”.")
    return person


def _page(request: HttpRequest, *, linked: bool, param: str) -> Page[Any]:
    return Paginator(identities_for_review(linked=linked), PAGE_SIZE).get_page(
        request.GET.get(param)
    )


def _render(
    request: HttpRequest,
    *,
    errors: dict[int, tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the page; ``errors`` maps an identity id to (input, message)."""
    errors = errors or {}
    people = people_for_linking()
    unlinked = _page(request, linked=False, param="page")
    linked = _page(request, linked=True, param="linked_page")
    rows = []
    for identity in unlinked.object_list:
        suggestion = link_suggestion(identity, people)
        submitted, error = errors.get(identity.pk, ("", ""))
        rows.append(
            IdentityRow(
                identity=identity,
                hint=identity_hint(identity.email),
                suggestion=suggestion,
                value=submitted
                or (person_choice_value(suggestion) if suggestion else ""),
                error=error,
            )
        )
    context = {
        "unlinked": unlinked,
        "unlinked_rows": rows,
        "linked": linked,
        "linked_rows": [
            IdentityRow(identity=identity, hint=identity_hint(identity.email))
            for identity in linked.object_list
        ],
        "people": [(person_choice_value(p), p) for p in people],
    }
    return render(request, "integrations/identities.html", context, status=status)


@require_GET
@managers_only
def identity_list(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@managers_only
def identity_link(request: HttpRequest, pk: int) -> HttpResponse:
    identity = get_object_or_404(ExternalIdentity, pk=pk)
    value = request.POST.get("person", "")
    try:
        person = person_from_input(value)
    except ValueError as exc:
        messages.error(request, "Nothing was linked — please correct the error below.")
        return _render(request, errors={identity.pk: (value, str(exc))}, status=400)
    services.identity_link(actor=user_of(request), identity=identity, person=person)
    messages.success(
        request,
        f"Linked {identity.display_name or identity.external_id} to {person.name}; "
        "their past activity and skill evidence now show on the profile.",
    )
    return redirect("integrations:identities")


@require_POST
@managers_only
def identity_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    identity = get_object_or_404(ExternalIdentity, pk=pk)
    services.identity_unlink(actor=user_of(request), identity=identity)
    messages.success(
        request,
        f"Unlinked {identity.display_name or identity.external_id}; it waits for "
        "review again.",
    )
    return redirect("integrations:identities")


urlpatterns = [
    path("identities/", identity_list, name="identities"),
    path("identities/<int:pk>/link/", identity_link, name="identity_link"),
    path("identities/<int:pk>/unlink/", identity_unlink, name="identity_unlink"),
]

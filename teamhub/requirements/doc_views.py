"""Requirement document pages: the list, a new document, a document (any of its
versions) with its sign-off panel, the version editor and side-by-side diffs.

Everyone signed in reads every page. Managers and the people working on an
initiative (``can_work_on_initiative``) create and edit its documents; anyone
else gets a 403. Writes go through ``teamhub.requirements.services``: bad input
re-renders the form with status 400 and the message next to the field, a save
from an older version re-renders the editor with status 409 and the user's text
kept, and nothing is written in either case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from teamhub.core.exceptions import Conflict
from teamhub.core.markdown import render_markdown
from teamhub.core.models import User
from teamhub.initiatives.models import Initiative, MissionCriticality
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.people.views import DIRECTORY_FORM_RENDERER
from teamhub.requirements import services
from teamhub.requirements.diff import version_diff
from teamhub.requirements.doc_forms import (
    DocCreateForm,
    DocEditForm,
    DocFilterForm,
    source_formset,
)
from teamhub.requirements.models import DocVersion, RequirementDoc
from teamhub.requirements.selectors import request_statuses
from teamhub.requirements.selectors_docs import (
    SignOffProgress,
    can_write_some_initiative,
    doc_detail,
    doc_ids_in_state,
    doc_rows,
    doc_search,
    doc_versions,
    writable_initiatives,
)
from teamhub.requirements.state import Standing
from teamhub.requirements.template import FIELDS, Field

PAGE_SIZE = 25
WRITE_REFUSED = (
    "Only managers and the people working on an initiative write its requirements."
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# The list ---------------------------------------------------------------------------


@require_GET
def doc_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DocFilterForm(request.GET or None, renderer=DIRECTORY_FORM_RENDERER)
    if form.is_bound:
        form.is_valid()  # an invalid filter shows its error and is not applied
    filters = form.filters()
    docs = doc_search(
        user=user,
        q=filters["q"],
        initiative_id=filters["initiative_id"],
        mine=filters["mine"],
    )
    ids: Any = (
        doc_ids_in_state(docs, filters["state"])
        if filters["state"]
        else docs.values_list("pk", flat=True)
    )
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": doc_rows(list(page.object_list)),
        "filtered": any(filters.values()),
        "can_write": can_write_some_initiative(user),
        "today": timezone.localdate(),
    }
    template = (
        "requirements/_partials/doc_list_results.html"
        if request.headers.get("HX-Target") == "doc-results"
        else "requirements/doc_list.html"
    )
    return render(request, template, context)


# A new document ---------------------------------------------------------------------


def _initiative_named(value: str | None) -> Initiative | None:
    if not value or not value.isdigit():
        return None
    return Initiative.objects.filter(pk=int(value)).first()


@require_http_methods(["GET", "POST"])
def doc_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_write_some_initiative(user):
        raise PermissionDenied(WRITE_REFUSED)
    data = request.POST if request.method == "POST" else request.GET
    chosen = _initiative_named(data.get("initiative"))
    if chosen is not None and not can_work_on_initiative(user, chosen):
        raise PermissionDenied(
            f"Only managers and the people working on {chosen.key} write its "
            "requirements."
        )
    initiatives = writable_initiatives(user)
    if request.method == "GET":
        form = DocCreateForm(
            initial={"initiative": chosen.pk if chosen else None},
            initiatives=initiatives,
            renderer=DIRECTORY_FORM_RENDERER,
        )
        return render(request, "requirements/doc_new.html", {"form": form})
    form = DocCreateForm(
        request.POST, initiatives=initiatives, renderer=DIRECTORY_FORM_RENDERER
    )
    if form.is_valid():
        try:
            doc = services.doc_create(
                actor=user,
                initiative=form.cleaned_data["initiative"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                f"Created “{doc.title}” for {doc.initiative.key} from the template "
                "as version 1. Fill in what you know and save version 2.",
            )
            return redirect("requirements:doc_edit", pk=doc.pk)
    messages.error(request, "Nothing was created — please correct the errors below.")
    return render(request, "requirements/doc_new.html", {"form": form}, status=400)


# A document ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    """One structured field as the document page shows it."""

    field: Field
    value: Any  # text is shown as typed (line breaks kept), not as Markdown
    criticality_label: str = ""

    @property
    def empty(self) -> bool:
        return self.value in (None, "", [])


def _field_views(fields: dict[str, Any]) -> list[tuple[str, list[FieldView]]]:
    labels = dict(MissionCriticality.choices)
    sections: dict[str, list[FieldView]] = {}
    for field in FIELDS:
        value = fields.get(field.key)
        if field.kind == "text":
            view = FieldView(field, value if isinstance(value, str) else "")
        elif field.kind == "criticality":
            label = labels.get(value, "") if isinstance(value, int) else ""
            meaning = str(label).split(" · ", 1)[-1]
            view = FieldView(field, value, criticality_label=meaning)
        else:
            view = FieldView(field, value if isinstance(value, list) else [])
        sections.setdefault(field.section, []).append(view)
    return list(sections.items())


def _number(value: str | None) -> tuple[int | None, str]:
    """Return a version number from a query parameter (None when absent), or
    the message saying why it is not one."""
    if value is None or value.strip() == "":
        return None, ""
    value = value.strip()
    if not value.isdigit():
        return None, f"“{value}” is not a version number."
    return int(value), ""


@require_GET
def doc(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    number, error = _number(request.GET.get("version"))
    try:
        detail = doc_detail(doc_id=pk, version_number=number)
    except (RequirementDoc.DoesNotExist, DocVersion.DoesNotExist) as exc:
        raise Http404("No such document or version.") from exc
    if error:
        messages.error(request, f"{error} Showing the latest version.")
    panel = detail.panel
    mine = panel.standing_of(user) if panel else None
    context = {
        "detail": detail,
        "doc": detail.doc,
        "initiative": detail.doc.initiative,
        "shown": detail.shown,
        "sections": _field_views(detail.shown.fields),
        "body_html": render_markdown(detail.shown.body_markdown),
        "panel": panel,
        "my_standing": mine,
        "can_sign": mine is not None
        and mine.standing in (Standing.WAITING, Standing.STALE),
        "can_write": can_work_on_initiative(user, detail.doc.initiative),
        "today": timezone.localdate(),
    }
    return render(
        request, "requirements/doc_detail.html", context, status=400 if error else 200
    )


# The editor -----------------------------------------------------------------------


def _editable(request: HttpRequest, pk: int) -> RequirementDoc:
    doc = get_object_or_404(RequirementDoc.objects.select_related("initiative"), pk=pk)
    if not can_work_on_initiative(_user(request), doc.initiative):
        raise PermissionDenied(WRITE_REFUSED)
    return doc


def _render_editor(
    request: HttpRequest,
    doc: RequirementDoc,
    *,
    form: DocEditForm,
    sources: Any,
    source_errors: list[str] | None = None,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    latest = doc.versions.select_related("author").order_by("-number").first()
    assert latest is not None  # every document has version 1
    status_of = request_statuses([doc]).get(doc.pk)
    context = {
        "doc": doc,
        "initiative": doc.initiative,
        "latest": latest,
        "next_number": latest.number + 1,
        "progress": (
            SignOffProgress.of(status_of, timezone.localdate()) if status_of else None
        ),
        "form": form,
        "sources": sources,
        "source_errors": source_errors or [],
        "conflict": conflict,
    }
    return render(request, "requirements/doc_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def doc_edit(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _editable(request, pk)
    if request.method == "GET":
        latest = doc.versions.order_by("-number").first()
        assert latest is not None
        form = DocEditForm(
            initial=DocEditForm.initial_for(
                fields=latest.fields, body=latest.body_markdown, number=latest.number
            )
        )
        sources = source_formset(sources=latest.fields.get("data_sources") or [])
        return _render_editor(request, doc, form=form, sources=sources)

    form = DocEditForm(request.POST)
    sources = source_formset(request.POST)
    valid = form.is_valid()
    valid = sources.is_valid() and valid
    source_errors: list[str] = []
    if valid:
        rows = [row.source() for row in sources.forms if row.cleaned_data]
        based_on = form.cleaned_data["based_on"]
        try:
            version = services.doc_version_create(
                actor=_user(request),
                doc=doc,
                body_markdown=form.cleaned_data["body_markdown"],
                fields=form.template_fields([row for row in rows if row]),
                based_on=based_on,
            )
        except Conflict as exc:
            return _conflict(request, doc, exc, based_on=based_on, sources=sources)
        except ValidationError as exc:
            source_errors = form.add_version_error(exc)
        else:
            messages.success(
                request,
                f"Saved version {version.number} of “{doc.title}”.",
            )
            return redirect("requirements:doc", pk=doc.pk)
    if form.errors.keys() - {"__all__"} or source_errors or not sources.is_valid():
        messages.error(request, "Nothing was saved — please correct the errors below.")
    return _render_editor(
        request,
        doc,
        form=form,
        sources=sources,
        source_errors=source_errors,
        status=400,
    )


def _conflict(
    request: HttpRequest,
    doc: RequirementDoc,
    exc: Conflict,
    *,
    based_on: int,
    sources: Any,
) -> HttpResponse:
    """Re-render the editor with the user's text, now based on the latest
    version, so that a second save is theirs to make knowingly."""
    latest = int(exc.extra.get("latest", based_on))
    data = request.POST.copy()
    data["based_on"] = str(latest)
    form = DocEditForm(data)
    form.is_valid()
    return _render_editor(
        request,
        doc,
        form=form,
        sources=sources,
        conflict={"message": exc.detail, "from": based_on, "to": latest},
        status=409,
    )


# Differences -----------------------------------------------------------------------


@require_GET
def doc_diff(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(RequirementDoc.objects.select_related("initiative"), pk=pk)
    versions = doc_versions(doc)
    numbers = [version.number for version in versions]
    old_number, old_error = _number(request.GET.get("from"))
    new_number, new_error = _number(request.GET.get("to"))
    errors = [message for message in (old_error, new_error) if message]
    for number in (old_number, new_number):
        if number is not None and number not in numbers:
            raise Http404(f"Version {number} of this document does not exist.")
    if new_number is None:
        new_number = numbers[-1]
    if old_number is None:
        earlier = [n for n in numbers if n < new_number]
        old_number = earlier[-1] if earlier else new_number
    diff = None
    if not errors and len(numbers) > 1:
        pair = {
            version.number: version
            for version in DocVersion.objects.filter(
                doc=doc, number__in=[old_number, new_number]
            ).select_related("author")
        }
        diff = version_diff(pair[old_number], pair[new_number])
    context = {
        "doc": doc,
        "initiative": doc.initiative,
        "versions": versions,
        "old_number": old_number,
        "new_number": new_number,
        "errors": errors,
        "diff": diff,
    }
    return render(
        request, "requirements/doc_diff.html", context, status=400 if errors else 200
    )


urlpatterns: list[URLPattern] = [
    path("", doc_list, name="docs"),
    path("new/", doc_new, name="doc_new"),
    path("<int:pk>/", doc, name="doc"),
    path("<int:pk>/edit/", doc_edit, name="doc_edit"),
    path("<int:pk>/diff/", doc_diff, name="doc_diff"),
]

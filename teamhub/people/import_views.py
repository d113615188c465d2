"""Spreadsheet import and export pages for managers: upload, preview, apply, export."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teamhub.core.roles import Role, user_has_role
from teamhub.people.exporting import FORMATS, LAYOUTS, registry_export_file
from teamhub.people.importing import (
    skill_import_create,
    skill_import_queue,
    upload_check_size,
)
from teamhub.people.importing.parsing import file_format
from teamhub.people.models import Level, SkillImport

# Rows of each list shown on the preview page; the counts cover all of them.
SHOWN = 200
View = Callable[..., HttpResponse]


def managers_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_has_role(request.user, Role.MANAGER):
            raise PermissionDenied("Only managers and admins can import skills.")
        return view(request, *args, **kwargs)

    return wrapped


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=(
            "A .csv or .xlsx file, at most "
            f"{settings.TEAMHUB_MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Nothing is "
            "written until you confirm the preview."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv", "class": "form-control"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
            upload_check_size(size=upload.size)
        except ValidationError as exc:
            raise ValidationError(_file_messages(exc)) from exc
        return upload


def _file_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def _level_rows(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Add the level's name for display (``key_label``)."""
    return [
        {**row, f"{key}_label": Level(row[key]).label if row.get(key) else ""}
        for row in rows[:SHOWN]
    ]


@managers_only
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                skill_import = skill_import_create(
                    actor=request.user,  # type: ignore[arg-type]
                    file_name=upload.name,
                    content=upload.read(),
                )
            except ValidationError as exc:
                form.add_error("file", _file_messages(exc))
            else:
                return redirect("people:import_detail", pk=skill_import.pk)
    recent = SkillImport.objects.select_related("uploaded_by").defer("content")[:10]
    return render(
        request,
        "people/import/upload.html",
        {
            "form": form,
            "recent": recent,
            "layouts": LAYOUTS,
            "formats": FORMATS,
        },
    )


def _detail_context(skill_import: SkillImport) -> dict[str, Any]:
    report = skill_import.report or {}
    guesses = report.get("header_guesses", [])
    return {
        "imp": skill_import,
        "report": report,
        "creates": _level_rows(report.get("creates", []), "level"),
        "changes": _level_rows(_level_rows(report.get("changes", []), "from"), "to"),
        "guesses": guesses,
        "fuzzy_count": sum(1 for g in guesses if g.get("how") == "fuzzy"),
        "shown": SHOWN,
        "polling": skill_import.status
        in (SkillImport.Status.QUEUED, SkillImport.Status.RUNNING),
    }


@managers_only
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    skill_import = get_object_or_404(
        SkillImport.objects.select_related("uploaded_by").defer("content"), pk=pk
    )
    return render(request, "people/import/detail.html", _detail_context(skill_import))


@managers_only
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    skill_import = get_object_or_404(SkillImport.objects.defer("content"), pk=pk)
    try:
        skill_import_queue(actor=request.user, skill_import=skill_import)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(
            request, f"Applying {skill_import.filename}; this page shows progress."
        )
    return redirect("people:import_detail", pk=pk)


@managers_only
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the status panel; htmx polls it until the import has finished."""
    skill_import = get_object_or_404(
        SkillImport.objects.select_related("uploaded_by").defer("content"), pk=pk
    )
    return render(request, "people/import/_status.html", _detail_context(skill_import))


@managers_only
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    layout = request.GET.get("layout", "wide")
    fmt = request.GET.get("format", "csv")
    if layout not in LAYOUTS or fmt not in FORMATS:
        return HttpResponseBadRequest(
            "Choose layout=wide or long and format=csv or xlsx.",
            content_type="text/plain",
        )
    exported = registry_export_file(
        layout=layout,  # type: ignore[arg-type]
        fmt=fmt,  # type: ignore[arg-type]
        blank=request.GET.get("template") == "1",
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response

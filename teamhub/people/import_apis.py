"""API for the skills spreadsheet: import (dry run or apply) and export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.permissions import IsManager
from teamhub.people.exporting import (
    CONTENT_TYPES,
    FORMATS,
    LAYOUTS,
    registry_export_file,
)
from teamhub.people.importing import (
    ImportInvalid,
    import_skills_apply,
    import_skills_preview,
    upload_check_size,
)


def _records(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.DictField(), help_text=help_text)


# The shape of an import report, for the OpenAPI schema only. (Built with
# inline_serializer because a declared field may not be called "errors".)
ImportReportSerializer = inline_serializer(
    "SkillImportReport",
    {
        "file_name": serializers.CharField(),
        "format": serializers.ChoiceField(choices=["csv", "xlsx"]),
        "layout": serializers.ChoiceField(choices=["wide", "long"]),
        "rows_read": serializers.IntegerField(),
        "people_matched": serializers.IntegerField(),
        "creates": _records(
            "[{row, email, person, skill, level, interest, last_used}]"
        ),
        "changes": _records("[{row, email, person, skill, from, to, fields}]"),
        "unchanged": serializers.IntegerField(),
        "header_guesses": _records("[{header, column, skill, skill_id, how, score}]"),
        "unknown_headers": _records("[{header, column}]"),
        "ignored_columns": serializers.ListField(child=serializers.CharField()),
        "errors": _records("[{row, column, cell, message}]"),
        "error_count": serializers.IntegerField(),
        "applied": serializers.BooleanField(),
        "ok": serializers.BooleanField(),
        "change_count": serializers.IntegerField(),
    },
)


class SkillImportApi(APIView):
    """Import a skills spreadsheet; a dry run unless ``dry_run`` is false."""

    permission_classes = [IsAuthenticated, IsManager]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="SkillImportInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="A .csv or .xlsx file.")
        # default=True also when the multipart form omits the field (DRF would
        # otherwise read a missing boolean form field as false and apply).
        dry_run = serializers.BooleanField(default=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                response=inline_serializer(
                    "SkillImportInvalid",
                    {
                        "detail": serializers.CharField(),
                        "errors": serializers.ListField(child=serializers.DictField()),
                        "report": ImportReportSerializer,
                    },
                ),
                description="{file: [...]} for an unreadable file, or {detail, "
                "errors, report} when rows are invalid (nothing is written).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        upload_check_size(size=upload.size)
        content = upload.read()
        kwargs: dict[str, Any] = {
            "file_name": upload.name,
            "content": content,
            "actor": request.user,
        }
        if data.validated_data["dry_run"]:
            report = import_skills_preview(**kwargs)
        else:
            try:
                report = import_skills_apply(**kwargs)
            except ImportInvalid as exc:
                report = exc.report
        if not report.ok:
            return Response(
                {
                    "detail": (
                        f"{report.error_count} error(s) in the file; nothing "
                        + ("would be" if data.validated_data["dry_run"] else "was")
                        + " written."
                    ),
                    "errors": report.errors,
                    "report": report.as_dict(),
                },
                status=400,
            )
        return Response(report.as_dict())


class _FileDownloadNegotiation(BaseContentNegotiation):
    """Ignore ``?format=``: here it names the file type, not a DRF renderer."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> Any:
        return next(iter(parsers), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class SkillExportApi(APIView):
    """Download the registry as CSV or XLSX (the importer reads it back unchanged)."""

    permission_classes = [IsAuthenticated, IsManager]
    content_negotiation_class = _FileDownloadNegotiation

    class InputSerializer(serializers.Serializer):
        layout = serializers.ChoiceField(choices=list(LAYOUTS), default="wide")
        format = serializers.ChoiceField(choices=list(FORMATS), default="csv")
        template = serializers.BooleanField(
            default=False, help_text="Blank template instead of the current registry."
        )

    @extend_schema(
        parameters=[InputSerializer],
        responses={
            (200, CONTENT_TYPES["csv"].split(";")[0]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        exported = registry_export_file(
            layout=data.validated_data["layout"],
            fmt=data.validated_data["format"],
            blank=data.validated_data["template"],
        )
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("imports/skills/", SkillImportApi.as_view(), name="api-skill-import"),
    path("exports/skills/", SkillExportApi.as_view(), name="api-skill-export"),
]

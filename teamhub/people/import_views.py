"""Spreadsheet import/export pages (placeholder)."""

from django.http import Http404, HttpRequest, HttpResponse


def upload(request: HttpRequest) -> HttpResponse:
    raise Http404


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def apply(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def status(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def export(request: HttpRequest) -> HttpResponse:
    raise Http404

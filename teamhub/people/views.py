"""People pages (placeholder until the pages land)."""

from django.http import Http404, HttpRequest, HttpResponse


def directory(request: HttpRequest) -> HttpResponse:
    raise Http404


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def skill_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def skill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404

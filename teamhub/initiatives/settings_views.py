"""Placeholder: the owner of this module replaces it (keep the URL names)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def placeholder(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    raise Http404("Not built yet.")


urlpatterns: list[URLPattern] = [
    path("<int:pk>/settings/", placeholder, name="board_settings"),
]

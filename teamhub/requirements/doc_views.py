"""Requirement document pages: the list, a document, the version editor, diffs."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET


@require_GET
def doc_list(request: HttpRequest) -> HttpResponse:
    return render(request, "requirements/doc_list.html", {})


urlpatterns: list[URLPattern] = [
    path("", doc_list, name="docs"),
]

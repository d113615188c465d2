"""Sign-off pages: request sign-off, sign (approve / reject / revoke), the inbox,
the printable sign-off record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "requirements/inbox.html", {})


urlpatterns: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
]

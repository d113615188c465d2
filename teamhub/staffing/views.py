"""HTML pages of staffing. OWNER: the pages engineer (placeholders for now)."""

from django.http import HttpRequest, HttpResponse


def requests_index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Staffing")


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"Staffing request {pk}")

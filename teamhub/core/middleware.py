"""Every page is behind login; the API authenticates on its own (session or token)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequired,
)
from django.http import HttpRequest, HttpResponseBase

# The API answers 401/403 JSON itself (token auth happens inside DRF), the admin has
# its own login page and static files are public.
OPEN_PREFIXES = ("/api/", "/admin/", "/static/")


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

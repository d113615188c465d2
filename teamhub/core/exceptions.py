"""Domain errors and the one DRF handler that maps them to 400/403/409 JSON."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Conflict(Exception):
    """The action clashes with the current state (stale version, limit reached...)."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


def validation_error_payload(exc: DjangoValidationError) -> dict[str, Any]:
    """Return ``{field: [messages]}`` or ``{detail: message}`` for a Django error."""
    if hasattr(exc, "error_dict"):
        payload: dict[str, Any] = {}
        for field, errors in exc.message_dict.items():
            key = "detail" if field == "__all__" else field
            payload[key] = errors if key != "detail" else " ".join(errors)
        return payload
    messages = exc.messages
    return {"detail": messages[0] if len(messages) == 1 else " ".join(messages)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(
            validation_error_payload(exc), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, DjangoPermissionDenied):
        message = str(exc) or "You do not have permission to perform this action."
        exc = exceptions.PermissionDenied(message)
    if isinstance(exc, Conflict):
        return Response(
            {"detail": exc.detail, **exc.extra}, status=status.HTTP_409_CONFLICT
        )
    return exception_handler(exc, context)

"""DRF permission classes built on the roles."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from teamhub.core.roles import Role, user_has_role


class IsManager(BasePermission):
    """Managers and admins."""

    message = "Only managers can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_has_role(request.user, Role.MANAGER)


class IsAdmin(BasePermission):
    message = "Only admins can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_has_role(request.user, Role.ADMIN)


class ReadOnlyOrManager(BasePermission):
    """Any signed-in role reads; managers and admins write."""

    message = "Only managers can change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return user_has_role(request.user, Role.MANAGER)

"""Template context shared by every page: the navigation the user's role may use."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from teamhub.core.roles import Role, user_has_role, user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("People", reverse("people:directory"), True),
        ("Search", reverse("people:search"), user_has_role(user, Role.MANAGER)),
        ("Import", reverse("people:import"), user_has_role(user, Role.MANAGER)),
    ]
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path.startswith(url)}
            for label, url, allowed in items
            if allowed
        ],
        "user_roles": sorted(user_roles(user)),
        "is_manager": user_has_role(user, Role.MANAGER),
        "is_admin": user_has_role(user, Role.ADMIN),
    }

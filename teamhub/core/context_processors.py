"""Template context shared by every page: the navigation the user's role may use."""

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from teamhub.core.roles import Role, user_has_role, user_roles
from teamhub.requirements.selectors import signoff_inbox_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("People", reverse("people:directory"), True),
        ("Skills", reverse("people:skills"), True),
        ("Search", reverse("people:search"), user_has_role(user, Role.MANAGER)),
        ("Boards", reverse("initiatives:boards"), True),
        ("Requirements", reverse("requirements:docs"), True),
        ("Staffing", reverse("staffing:index"), user_has_role(user, Role.MANAGER)),
        (
            "Dashboard",
            reverse("dashboard:index"),
            # Each role has its charts (data scientists their own view).
            user_has_role(user, Role.MANAGER, Role.STAKEHOLDER, Role.DATA_SCIENTIST),
        ),
        ("Import", reverse("people:import"), user_has_role(user, Role.MANAGER)),
        (
            "Integrations",
            reverse("integrations:index"),
            user_has_role(user, Role.MANAGER),
        ),
    ]
    allowed_items = [(label, url) for label, url, allowed in items if allowed]
    # The most specific link that prefixes the path is the current one.
    matching = [url for _, url in allowed_items if request.path.startswith(url)]
    current = max(matching, key=len, default=None)
    return {
        "nav_items": [
            {"label": label, "url": url, "active": url == current}
            for label, url in allowed_items
        ],
        "user_roles": [
            Role(role).label for role in sorted(user_roles(user)) if role in Role.values
        ],
        "is_manager": user_has_role(user, Role.MANAGER),
        "is_admin": user_has_role(user, Role.ADMIN),
        # Called by the template only where it shows the count (one query).
        "inbox_count": cache(lambda: signoff_inbox_count(user=user)),
    }

"""The four roles of TeamHub, kept as Django groups, and how to ask about them."""

from typing import Any

from django.db.models import TextChoices


class Role(TextChoices):
    MANAGER = "manager", "Manager"
    DATA_SCIENTIST = "data_scientist", "Data scientist"
    STAKEHOLDER = "stakeholder", "Stakeholder"
    ADMIN = "admin", "Admin"


def user_roles(user: Any) -> frozenset[str]:
    """Return the role names of ``user``, cached on the instance for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_teamhub_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.ADMIN)
        cached = frozenset(n for n in names if n in Role.values)
        user._teamhub_roles = cached
    return cached


def user_has_role(user: Any, *roles: str) -> bool:
    """Return True if ``user`` holds any of ``roles``; admins hold every role."""
    held = user_roles(user)
    return Role.ADMIN in held or any(role in held for role in roles)


def is_manager(user: Any) -> bool:
    return user_has_role(user, Role.MANAGER)


def is_admin(user: Any) -> bool:
    return user_has_role(user, Role.ADMIN)

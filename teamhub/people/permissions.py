"""Who may change whose skills and goals; used by services, views and the API."""

from typing import Any

from teamhub.core.roles import Role, user_has_role
from teamhub.people.models import Person


def can_edit_person_skills(user: Any, person: Person) -> bool:
    """A person edits their own skills and goals; managers edit anyone's."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user_has_role(user, Role.MANAGER):
        return True
    return person.user_id == user.pk and user_has_role(user, Role.DATA_SCIENTIST)


def can_validate_skills(user: Any, person: Person) -> bool:
    """Managers validate levels, but never their own."""
    return user_has_role(user, Role.MANAGER) and person.user_id != user.pk

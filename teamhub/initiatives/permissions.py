"""Who may do what on boards, cards and initiatives.

- Everyone signed in reads every board and card.
- Managers (and admins) create boards, change their columns, WIP limits, gates
  and swimlanes, add and remove cards, edit initiatives, and move any card.
- A data scientist moves the cards of initiatives they own or are assigned to
  (proposed or confirmed) and records their value check-ins; a move across
  swimlanes changes the initiative, so it is for managers only.
- Stakeholders read.
"""

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.initiatives.models import Assignment, Initiative


def can_edit_boards(user: User) -> bool:
    return user_has_role(user, Role.MANAGER)


def can_edit_initiative(user: User) -> bool:
    return user_has_role(user, Role.MANAGER)


def works_on(user: User, initiative: Initiative) -> bool:
    """Return whether the user owns the initiative or is assigned to it now."""
    person_id = getattr(getattr(user, "person", None), "pk", None)
    if person_id is None:
        return False
    if initiative.owner_id == person_id:
        return True
    return Assignment.objects.filter(
        Q(status=Assignment.Status.PROPOSED) | Q(status=Assignment.Status.CONFIRMED),
        initiative=initiative,
        person_id=person_id,
    ).exists()


def can_work_on_initiative(user: User, initiative: Initiative) -> bool:
    """Move its card, record value check-ins: managers, owners and members."""
    if user_has_role(user, Role.MANAGER):
        return True
    return user_has_role(user, Role.DATA_SCIENTIST) and works_on(user, initiative)


class ReadOnlyOrBoardEditor(BasePermission):
    """Any signed-in role reads; managers and admins change boards."""

    message = "Only managers can change boards."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return can_edit_boards(request.user)  # type: ignore[arg-type]

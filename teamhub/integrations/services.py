"""Writes a manager makes to synced data: linking external identities to people
(which attributes their past events and the skill evidence in them)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.integrations.evidence import evidence_record
from teamhub.integrations.models import ActivityEvent, ExternalIdentity, SkillEvidence
from teamhub.people.models import Person
from teamhub.staffing.receivers import staffing_mark_stale


def _require_manager(actor: User) -> None:
    if not user_has_role(actor, Role.MANAGER):
        raise PermissionDenied("Only managers and admins can link identities.")


@transaction.atomic
def identity_link(
    *, actor: User, identity: ExternalIdentity, person: Person
) -> ExternalIdentity:
    """Link ``identity`` to ``person``: its past events become theirs, with the
    skill evidence in them. Linking to someone else moves both."""
    _require_manager(actor)
    locked = ExternalIdentity.objects.select_for_update().get(pk=identity.pk)
    previous = locked.person_id
    locked.person = person
    locked.linked_by = actor
    locked.linked_at = timezone.now()
    locked.save(update_fields=["person", "linked_by", "linked_at", "updated"])
    events = ActivityEvent.objects.filter(identity=locked)
    moved = events.update(person=person)
    evidence = evidence_record(event_ids=list(events.values_list("pk", flat=True)))
    audit_record(
        actor=actor,
        verb="identity.linked",
        target=locked,
        data={
            "person": person.pk,
            "previous_person": previous,
            "events": moved,
            "evidence": evidence,
        },
    )
    return locked


@transaction.atomic
def identity_unlink(*, actor: User, identity: ExternalIdentity) -> ExternalIdentity:
    """Unlink ``identity``: its events belong to nobody again and the skill
    evidence they gave its person is removed. The identity waits for review."""
    _require_manager(actor)
    locked = ExternalIdentity.objects.select_for_update().get(pk=identity.pk)
    previous = locked.person_id
    locked.person = None
    locked.linked_by = None
    locked.linked_at = None
    locked.save(update_fields=["person", "linked_by", "linked_at", "updated"])
    events = ActivityEvent.objects.filter(identity=locked)
    removed, _ = SkillEvidence.objects.filter(event__in=events).delete()
    staffing_mark_stale()
    moved = events.update(person=None)
    audit_record(
        actor=actor,
        verb="identity.unlinked",
        target=locked,
        data={"previous_person": previous, "events": moved, "evidence": removed},
    )
    return locked

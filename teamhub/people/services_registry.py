"""Writes to the registry itself: teams, the skill taxonomy and people."""

import functools
import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.passwords import password_link_send
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.core.updates import UNSET, Unset, apply_changes, jsonable
from teamhub.people.models import Person, Skill, SkillCategory, Team


def _require_manager(actor: User, message: str) -> None:
    if not user_has_role(actor, Role.MANAGER):
        raise PermissionDenied(message)


def _check_tree(instance: Team | Skill, parent: Team | Skill | None) -> None:
    """Refuse a parent that is the row itself or one of its descendants."""
    node = parent
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if instance.pk is not None and node.pk == instance.pk:
            raise ValidationError(
                {"parent": ["A parent cannot be the item itself or one below it."]}
            )
        seen.add(node.pk)
        node = node.parent


# Teams -------------------------------------------------------------------------


def _check_team_name(name: str, *, team: Team | None = None) -> None:
    clash = Team.objects.filter(name__iexact=name.strip())
    if team is not None and team.pk is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": ["A team with this name already exists."]})


@transaction.atomic
def team_create(*, actor: User, name: str, parent: Team | None = None) -> Team:
    _require_manager(actor, "Only managers can create teams.")
    _check_team_name(name)
    team = Team(name=name.strip(), parent=parent)
    team.full_clean()
    team.save()
    audit_record(
        actor=actor,
        verb="team.created",
        target=team,
        data={"name": team.name, "parent": team.parent_id},
    )
    return team


@transaction.atomic
def team_update(
    *,
    actor: User,
    team: Team,
    name: str | Unset = UNSET,
    parent: Team | Unset | None = UNSET,
) -> Team:
    _require_manager(actor, "Only managers can change teams.")
    team = Team.objects.select_for_update().get(pk=team.pk)
    if not isinstance(name, Unset):
        name = name.strip()
        _check_team_name(name, team=team)
    if not isinstance(parent, Unset):
        _check_tree(team, parent)
    changed = apply_changes(team, {"name": name, "parent": parent})
    if changed:
        team.full_clean()
        team.save()
        audit_record(actor=actor, verb="team.updated", target=team, data=changed)
    return team


# Skill categories --------------------------------------------------------------


def _check_category_name(name: str, *, category: SkillCategory | None = None) -> None:
    clash = SkillCategory.objects.filter(name__iexact=name.strip())
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"name": ["A category with this name already exists."]})


@transaction.atomic
def skill_category_create(*, actor: User, name: str) -> SkillCategory:
    _require_manager(actor, "Only managers can change the skill taxonomy.")
    _check_category_name(name)
    category = SkillCategory(name=name.strip())
    category.full_clean()
    category.save()
    audit_record(
        actor=actor,
        verb="skill_category.created",
        target=category,
        data={"name": category.name},
    )
    return category


@transaction.atomic
def skill_category_update(
    *, actor: User, category: SkillCategory, name: str | Unset = UNSET
) -> SkillCategory:
    _require_manager(actor, "Only managers can change the skill taxonomy.")
    category = SkillCategory.objects.select_for_update().get(pk=category.pk)
    if not isinstance(name, Unset):
        name = name.strip()
        _check_category_name(name, category=category)
    changed = apply_changes(category, {"name": name})
    if changed:
        category.full_clean()
        category.save()
        audit_record(
            actor=actor, verb="skill_category.updated", target=category, data=changed
        )
    return category


# Skills ------------------------------------------------------------------------


def _clean_aliases(aliases: Any) -> list[str]:
    """Return the aliases stripped; refuse anything but a list of unique strings."""
    if not isinstance(aliases, list | tuple):
        raise ValidationError({"aliases": ["Give the aliases as a list of names."]})
    cleaned: list[str] = []
    seen: set[str] = set()
    for alias in aliases:
        if not isinstance(alias, str) or not alias.strip():
            raise ValidationError({"aliases": ["An alias must be a non-empty name."]})
        alias = alias.strip()
        if alias.casefold() in seen:
            raise ValidationError({"aliases": [f"“{alias}” is listed twice."]})
        seen.add(alias.casefold())
        cleaned.append(alias)
    return cleaned


def _check_skill_names(*, skill: Skill | None, name: str, aliases: list[str]) -> None:
    """Refuse a name or alias that another skill already answers to.

    Skill search resolves a query word to one skill by name or alias, so every
    name and alias must point at one skill only (compared case-insensitively).
    """
    errors: dict[str, list[str]] = {}
    if name.casefold() in {alias.casefold() for alias in aliases}:
        errors["aliases"] = ["An alias cannot repeat the skill's own name."]
    others = Skill.objects.all()
    if skill is not None and skill.pk is not None:
        others = others.exclude(pk=skill.pk)
    taken: dict[str, str] = {}
    # The taxonomy is a few hundred rows: one query, compared in Python, works on
    # SQLite and PostgreSQL alike (JSON containment is not portable).
    for other_name, other_aliases in others.values_list("name", "aliases"):
        taken[other_name.casefold()] = other_name
        for alias in other_aliases or []:
            if isinstance(alias, str):
                taken.setdefault(alias.casefold(), other_name)
    if name.casefold() in taken:
        errors["name"] = [
            f"“{name}” is already the name or alias of {taken[name.casefold()]}."
        ]
    clashes = [alias for alias in aliases if alias.casefold() in taken]
    if clashes:
        errors.setdefault("aliases", []).extend(
            f"“{alias}” is already the name or alias of {taken[alias.casefold()]}."
            for alias in clashes
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def skill_create(
    *,
    actor: User,
    name: str,
    category: SkillCategory,
    parent: Skill | None = None,
    aliases: Sequence[str] = (),
    description: str = "",
) -> Skill:
    _require_manager(actor, "Only managers can change the skill taxonomy.")
    name = name.strip()
    cleaned = _clean_aliases(aliases)
    _check_skill_names(skill=None, name=name, aliases=cleaned)
    skill = Skill(
        name=name,
        category=category,
        parent=parent,
        aliases=cleaned,
        description=description,
    )
    skill.full_clean()
    skill.save()
    audit_record(
        actor=actor,
        verb="skill.created",
        target=skill,
        data={"name": skill.name, "category": category.pk, "aliases": cleaned},
    )
    return skill


@transaction.atomic
def skill_update(
    *,
    actor: User,
    skill: Skill,
    name: str | Unset = UNSET,
    category: SkillCategory | Unset = UNSET,
    parent: Skill | Unset | None = UNSET,
    aliases: Sequence[str] | Unset = UNSET,
    description: str | Unset = UNSET,
) -> Skill:
    _require_manager(actor, "Only managers can change the skill taxonomy.")
    skill = Skill.objects.select_for_update().get(pk=skill.pk)
    new_name = skill.name if isinstance(name, Unset) else name.strip()
    new_aliases = (
        list(skill.aliases or [])
        if isinstance(aliases, Unset)
        else _clean_aliases(aliases)
    )
    if not isinstance(name, Unset) or not isinstance(aliases, Unset):
        _check_skill_names(skill=skill, name=new_name, aliases=new_aliases)
    if not isinstance(parent, Unset):
        _check_tree(skill, parent)
    changed = apply_changes(
        skill,
        {
            "name": UNSET if isinstance(name, Unset) else new_name,
            "category": category,
            "parent": parent,
            "aliases": UNSET if isinstance(aliases, Unset) else new_aliases,
            "description": description,
        },
    )
    if changed:
        skill.full_clean()
        skill.save()
        audit_record(actor=actor, verb="skill.updated", target=skill, data=changed)
    return skill


# People ------------------------------------------------------------------------


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(
            {"timezone": [f"“{value}” is not a known time zone (e.g. Europe/Berlin)."]}
        )


def _check_email(email: str, *, user: User | None = None) -> None:
    clash = User.objects.filter(email__iexact=email)
    if user is not None:
        clash = clash.exclude(pk=user.pk)
    if email and clash.exists():
        raise ValidationError({"email": ["Someone already uses this e-mail address."]})


def _check_manager(person: Person, manager: Person | None) -> None:
    """Refuse a manager chain that loops back to ``person``."""
    node = manager
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if person.pk is not None and node.pk == person.pk:
            raise ValidationError(
                {"manager": ["A person cannot manage themself, directly or not."]}
            )
        seen.add(node.pk)
        node = node.manager


def _user_fields(user: User, fields: Iterable[str]) -> dict[str, Any]:
    return {field: getattr(user, field) for field in fields}


@transaction.atomic
def person_create(
    *,
    actor: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str = "",
    team: Team | None = None,
    title: str = "",
    location: str = "",
    timezone: str = "UTC",
    capacity_fte: Decimal = Decimal("1.00"),
    manager: Person | None = None,
    send_password_link: bool = False,
) -> Person:
    """Create a person and their login (no password, no role: an admin adds
    the role); with ``send_password_link``, e-mail them a link to set one."""
    _require_manager(actor, "Only managers can add people.")
    email = email.strip()
    if not email:
        raise ValidationError({"email": ["Give the person's e-mail address."]})
    _check_email(email)
    _check_timezone(timezone)
    user = User(
        username=username.strip(),
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    person = Person(
        user=user,
        team=team,
        title=title,
        location=location,
        timezone=timezone,
        capacity_fte=capacity_fte,
        manager=manager,
    )
    person.full_clean()
    person.save()
    audit_record(
        actor=actor,
        verb="person.created",
        target=person,
        data={
            **_user_fields(user, ["username", "email", "first_name", "last_name"]),
            "team": person.team_id,
            "manager": person.manager_id,
            "capacity_fte": jsonable(person.capacity_fte),
        },
    )
    if send_password_link:
        person_password_link_send(actor=actor, person=person)
    return person


@transaction.atomic
def person_update(
    *,
    actor: User,
    person: Person,
    email: str | Unset = UNSET,
    first_name: str | Unset = UNSET,
    last_name: str | Unset = UNSET,
    team: Team | Unset | None = UNSET,
    title: str | Unset = UNSET,
    location: str | Unset = UNSET,
    timezone: str | Unset = UNSET,
    capacity_fte: Decimal | Unset = UNSET,
    manager: Person | Unset | None = UNSET,
) -> Person:
    """Change a person's profile and the name and e-mail of their login."""
    _require_manager(actor, "Only managers can change people.")
    person = Person.objects.select_for_update().select_related("user").get(pk=person.pk)
    user = person.user
    if not isinstance(email, Unset):
        email = email.strip()
        if not email:
            raise ValidationError({"email": ["Give the person's e-mail address."]})
        _check_email(email, user=user)
    if not isinstance(timezone, Unset):
        _check_timezone(timezone)
    if not isinstance(manager, Unset):
        _check_manager(person, manager)
    user_changed = apply_changes(
        user,
        {
            "email": email,
            "first_name": first_name
            if isinstance(first_name, Unset)
            else first_name.strip(),
            "last_name": last_name
            if isinstance(last_name, Unset)
            else last_name.strip(),
        },
    )
    person_changed = apply_changes(
        person,
        {
            "team": team,
            "title": title,
            "location": location,
            "timezone": timezone,
            "capacity_fte": capacity_fte,
            "manager": manager,
        },
    )
    if user_changed:
        user.full_clean()
        user.save(update_fields=list(user_changed))
    if person_changed:
        person.full_clean()
        person.save()
    if user_changed or person_changed:
        audit_record(
            actor=actor,
            verb="person.updated",
            target=person,
            data={**user_changed, **person_changed},
        )
    return person


@transaction.atomic
def person_deactivate(*, actor: User, person: Person) -> Person:
    """Take a person out of the active registry; their history stays."""
    _require_manager(actor, "Only managers can deactivate people.")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.active:
        person.active = False
        person.save(update_fields=["active", "updated"])
        audit_record(actor=actor, verb="person.deactivated", target=person)
    return person


@transaction.atomic
def person_reactivate(*, actor: User, person: Person) -> Person:
    _require_manager(actor, "Only managers can reactivate people.")
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.active:
        person.active = True
        person.save(update_fields=["active", "updated"])
        audit_record(actor=actor, verb="person.reactivated", target=person)
    return person


def person_password_link_send(*, actor: User, person: Person) -> None:
    """E-mail ``person`` a one-time link to choose a password (how someone a
    manager added, who has none yet, gets in); audited. The mail goes once the
    transaction commits (at once outside one)."""
    _require_manager(actor, "Only managers can send someone a password link.")
    user = person.user
    if not user.is_active:
        raise Conflict(f"{person.name}'s login is deactivated: no link sent.")
    if not user.email:
        raise Conflict(f"{person.name} has no e-mail address: no link sent.")
    email = user.email
    transaction.on_commit(lambda: password_link_send(email))
    audit_record(
        actor=actor,
        verb="person.password_link_sent",
        target=person,
        data={"had_password": user.has_usable_password()},
    )

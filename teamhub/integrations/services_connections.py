"""Writes to connections: Jira connections (with their initiative mappings) and
Git repositories, and their deletion. Admins only; audited; secrets are
encrypted and never logged (the audit log records only that a secret changed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from teamhub.core.models import User
from teamhub.core.roles import Role, user_has_role
from teamhub.core.services import audit_record
from teamhub.initiatives.models import Initiative
from teamhub.integrations.models import GitRepository, JiraConnection, JiraMapping
from teamhub.integrations.runs import Connection
from teamhub.staffing.receivers import staffing_mark_stale

# A branch name we hand to git: no options, no spaces, no revision syntax.
BRANCH = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/+-]{1,200}$")
# git's "<transport>::<address>" remote-helper syntax (e.g. ext::) runs commands.
REMOTE_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CUSTOM_FIELD = re.compile(r"^customfield_[0-9]+$")
_USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/@:]*):[^/@]*@")


@dataclass(frozen=True)
class MappingRow:
    kind: str
    value: str
    initiative: Initiative


def _require_admin(actor: User) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied("Only admins can change integrations.")


def url_redacted(url: str) -> str:
    """Return ``url`` with any password in it replaced by ***."""
    return _USERINFO.sub(r"\g<scheme>\g<user>:***@", url)


def _check(instance: Connection, errors: dict[str, list[str]]) -> None:
    """Raise ``errors`` and the model's own validation errors together, if any."""
    try:
        instance.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _changes_apply(
    instance: Connection, fields: dict[str, Any], webhook_secret: str | None
) -> list[str]:
    """Set the fields that differ and the webhook secret (None keeps it, ""
    removes it); return the names of what changed."""
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if webhook_secret is not None and (
        webhook_secret or instance.webhook_secret_encrypted
    ):
        instance.webhook_secret_set(webhook_secret)
        changed.append("webhook_secret")
    return changed


# --- Jira -------------------------------------------------------------------


def _jira_check(connection: JiraConnection) -> None:
    errors: dict[str, list[str]] = {}
    scheme = urlsplit(connection.base_url).scheme.lower()
    if scheme not in ("http", "https"):
        errors["base_url"] = ["Enter an http:// or https:// address."]
    if connection.token_env and not ENV_NAME.match(connection.token_env):
        errors["token_env"] = ["Enter the name of an environment variable."]
    if not connection.has_token:
        errors["api_token"] = [
            "Enter an API token, or the environment variable that holds it."
        ]
    if (
        connection.deployment == JiraConnection.Deployment.CLOUD
        and not connection.email
    ):
        errors["email"] = ["Jira Cloud needs the e-mail of the token's account."]
    if connection.epic_link_field and not CUSTOM_FIELD.match(
        connection.epic_link_field
    ):
        errors["epic_link_field"] = [
            "Enter the field's id, e.g. customfield_10014 (not its name)."
        ]
    _check(connection, errors)


def _jira_changes(
    connection: JiraConnection,
    fields: dict[str, Any],
    api_token: str | None,
    webhook_secret: str | None,
) -> list[str]:
    changed = _changes_apply(connection, fields, webhook_secret)
    if connection.base_url:
        connection.base_url = connection.base_url.rstrip("/")
    if api_token:
        connection.token_set(api_token)
        changed.append("api_token")
    return changed


JIRA_FIELDS = (
    "name",
    "base_url",
    "deployment",
    "email",
    "token_env",
    "jql",
    "active",
    "jira_timezone",
    "page_cap",
    "epic_link_field",
)


@transaction.atomic
def jira_connection_create(
    *,
    actor: User,
    name: str,
    base_url: str,
    deployment: str = JiraConnection.Deployment.CLOUD,
    email: str = "",
    api_token: str = "",
    token_env: str = "",
    jql: str = "",
    webhook_secret: str = "",
    active: bool = True,
    page_cap: int = 1000,
    epic_link_field: str = "",
    mappings: list[MappingRow] | None = None,
) -> JiraConnection:
    _require_admin(actor)
    connection = JiraConnection(created_by=actor)
    fields = {
        "name": name.strip(),
        "base_url": base_url.strip(),
        "deployment": deployment,
        "email": email.strip(),
        "token_env": token_env.strip(),
        "jql": jql.strip(),
        "active": active,
        "page_cap": page_cap,
        "epic_link_field": epic_link_field.strip(),
    }
    _jira_changes(connection, fields, api_token or None, webhook_secret or None)
    _jira_check(connection)
    connection.save()
    if mappings:
        _mappings_replace(connection, mappings)
    audit_record(
        actor=actor,
        verb="jira_connection.created",
        target=connection,
        data={
            "base_url": connection.base_url,
            "deployment": connection.deployment,
            "mappings": len(mappings or []),
        },
    )
    return connection


@transaction.atomic
def jira_connection_update(
    *,
    actor: User,
    connection: JiraConnection,
    api_token: str | None = None,
    webhook_secret: str | None = None,
    mappings: list[MappingRow] | None = None,
    **fields: Any,
) -> JiraConnection:
    """Change the given fields; a token left empty or None is kept, a webhook
    secret of "" removes it; ``mappings`` (if given) replaces every rule."""
    _require_admin(actor)
    unknown = set(fields) - set(JIRA_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields {sorted(unknown)}")
    connection = JiraConnection.objects.select_for_update().get(pk=connection.pk)
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    changed = _jira_changes(connection, cleaned, api_token or None, webhook_secret)
    _jira_check(connection)
    connection.save()
    if mappings is not None and _mappings_replace(connection, mappings):
        changed.append("mappings")
    if changed:
        audit_record(
            actor=actor,
            verb="jira_connection.updated",
            target=connection,
            data={"changed": sorted(set(changed))},
        )
    return connection


def _mappings_replace(connection: JiraConnection, rows: list[MappingRow]) -> bool:
    """Replace the connection's mapping rules; return whether they changed."""
    wanted: dict[tuple[str, str], int] = {}
    errors: list[str] = []
    for row in rows:
        value = row.value.strip()
        if row.kind not in JiraMapping.Kind.values:
            errors.append(f"Unknown mapping kind {row.kind!r}.")
            continue
        if not value:
            errors.append("A mapping needs a value.")
            continue
        if (row.kind, value) in wanted:
            errors.append(f"{row.kind} {value} is mapped twice.")
            continue
        wanted[(row.kind, value)] = row.initiative.pk
    if errors:
        raise ValidationError({"mappings": errors})
    current = {
        (m.kind, m.value): m.initiative_id
        for m in JiraMapping.objects.filter(connection=connection)
    }
    if current == wanted:
        return False
    JiraMapping.objects.filter(connection=connection).delete()
    JiraMapping.objects.bulk_create(
        JiraMapping(connection=connection, kind=kind, value=value, initiative_id=pk)
        for (kind, value), pk in wanted.items()
    )
    return True


# --- Git --------------------------------------------------------------------


def _branches_clean(branches: list[str]) -> list[str]:
    cleaned: list[str] = []
    for branch in branches:
        branch = branch.strip()
        if not branch:
            continue
        if not BRANCH.match(branch) or branch.endswith((".lock", "/", ".")):
            raise ValidationError({"branches": [f"{branch!r} is not a branch name."]})
        if branch not in cleaned:
            cleaned.append(branch)
    return cleaned


def _git_check(repository: GitRepository) -> None:
    errors: dict[str, list[str]] = {}
    url = repository.url
    if not url:
        errors["url"] = ["Enter a remote URL or a local path."]
    elif (
        url.startswith("-")
        or REMOTE_HELPER.match(url)
        or any(c in url for c in "\n\r\0")
    ):
        errors["url"] = ["Enter a remote URL (https://, ssh://, git@…) or a path."]
    _check(repository, errors)


GIT_FIELDS = ("name", "url", "branches", "initiative", "active")


@transaction.atomic
def git_repository_create(
    *,
    actor: User,
    name: str,
    url: str,
    branches: list[str] | None = None,
    initiative: Initiative | None = None,
    webhook_secret: str = "",
    active: bool = True,
) -> GitRepository:
    _require_admin(actor)
    repository = GitRepository(
        name=name.strip(),
        url=url.strip(),
        branches=_branches_clean(branches or []),
        initiative=initiative,
        active=active,
        created_by=actor,
    )
    if webhook_secret:
        repository.webhook_secret_set(webhook_secret)
    _git_check(repository)
    repository.save()
    audit_record(
        actor=actor,
        verb="git_repository.created",
        target=repository,
        data={"url": url_redacted(repository.url), "branches": repository.branches},
    )
    return repository


@transaction.atomic
def git_repository_update(
    *,
    actor: User,
    repository: GitRepository,
    webhook_secret: str | None = None,
    **fields: Any,
) -> GitRepository:
    """Change the given fields; a URL equal to its redacted form (as shown) is
    kept; a webhook secret of None is kept and "" removes it."""
    _require_admin(actor)
    unknown = set(fields) - set(GIT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields {sorted(unknown)}")
    repository = GitRepository.objects.select_for_update().get(pk=repository.pk)
    if "url" in fields:
        url = fields["url"].strip()
        fields["url"] = repository.url if url == url_redacted(repository.url) else url
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    if "branches" in fields:
        fields["branches"] = _branches_clean(fields["branches"] or [])
    changed = _changes_apply(repository, fields, webhook_secret)
    _git_check(repository)
    repository.save()
    if changed:
        audit_record(
            actor=actor,
            verb="git_repository.updated",
            target=repository,
            data={"changed": sorted(changed)},
        )
    return repository


@transaction.atomic
def connection_delete(*, actor: User, connection: Connection) -> int:
    """Delete a Jira connection or Git repository with everything synced from it
    (sync runs, activity events and the skill evidence drawn from them); audited
    with what went. Return how many activity events were deleted."""
    _require_admin(actor)
    model = type(connection)
    connection = model.objects.select_for_update().get(pk=connection.pk)
    events = connection.events.count()
    if isinstance(connection, JiraConnection):
        verb, where = "jira_connection.deleted", connection.base_url
    else:
        verb, where = "git_repository.deleted", connection.url
    audit_record(
        actor=actor,
        verb=verb,
        target=connection,
        data={"url": url_redacted(where), "events": events},
    )
    connection.delete()
    staffing_mark_stale()  # its evidence went with its events
    return events

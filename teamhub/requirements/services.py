"""Writes to requirement documents: create one from the template, save a version."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.core.services import audit_record
from teamhub.initiatives.models import Initiative
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.requirements.content import content_sha256
from teamhub.requirements.models import DocVersion, RequirementDoc
from teamhub.requirements.services_signoff import signoff_requests_follow
from teamhub.requirements.template import TEMPLATE_BODY, clean_fields, template_fields

MAX_BODY_BYTES = 1_000_000


def _require_author(actor: User, initiative: Initiative) -> None:
    if not can_work_on_initiative(actor, initiative):
        raise PermissionDenied(
            "Only managers and the people working on an initiative write its "
            "requirements."
        )


def _check_body(body_markdown: str) -> None:
    if len(body_markdown.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValidationError(
            {"body_markdown": ["The body is over 1 MB: split the document."]}
        )


def _write_version(
    *, actor: User, doc: RequirementDoc, number: int, body: str, fields: dict[str, Any]
) -> DocVersion:
    version = DocVersion(
        doc=doc,
        number=number,
        body_markdown=body,
        fields=fields,
        content_sha256=content_sha256(body_markdown=body, fields=fields),
        author=actor,
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        verb="requirements.version_created",
        target=version,
        data={
            "doc": doc.pk,
            "number": number,
            "content_sha256": version.content_sha256,
        },
    )
    return version


@transaction.atomic
def doc_create(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    body_markdown: str | None = None,
    fields: dict[str, Any] | None = None,
) -> RequirementDoc:
    """Create a document and its version 1, from the template unless given."""
    _require_author(actor, initiative)
    title = title.strip()
    if not title:
        raise ValidationError({"title": ["Give the document a title."]})
    body = TEMPLATE_BODY if body_markdown is None else body_markdown
    _check_body(body)
    if fields is None:
        fields = template_fields(
            kpi_name=initiative.business_kpi,
            kpi_target=initiative.kpi_target,
            criticality=initiative.mission_criticality,
        )
    clean = clean_fields(fields)
    doc = RequirementDoc(initiative=initiative, title=title, created_by=actor)
    doc.full_clean()
    doc.save()
    audit_record(
        actor=actor,
        verb="requirements.doc_created",
        target=doc,
        data={"initiative": initiative.key, "title": title},
    )
    _write_version(actor=actor, doc=doc, number=1, body=body, fields=clean)
    return doc


@transaction.atomic
def doc_version_create(
    *,
    actor: User,
    doc: RequirementDoc,
    body_markdown: str,
    fields: dict[str, Any] | None,
    based_on: int,
) -> DocVersion:
    """Save a new version, edited from version ``based_on``; 409 if someone
    saved a newer one meanwhile, 400 if nothing changed."""
    locked = RequirementDoc.objects.select_for_update().get(pk=doc.pk)
    _require_author(actor, locked.initiative)
    _check_body(body_markdown)
    clean = clean_fields(fields)
    latest = locked.versions.order_by("-number").first()
    assert latest is not None  # doc_create writes version 1
    if based_on != latest.number:
        raise Conflict(
            f"Version {latest.number} was saved since you opened version {based_on}: "
            "review it and edit from there.",
            latest=latest.number,
        )
    digest = content_sha256(body_markdown=body_markdown, fields=clean)
    if digest == latest.content_sha256:
        raise ValidationError(
            {"detail": [f"Nothing changed since version {latest.number}."]}
        )
    version = _write_version(
        actor=actor,
        doc=locked,
        number=latest.number + 1,
        body=body_markdown,
        fields=clean,
    )
    signoff_requests_follow(actor=actor, doc=locked, version=version)
    return version

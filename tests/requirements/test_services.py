"""Requirement documents: the template, immutable hashed versions, conflicts."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import Assignment
from teamhub.requirements.content import canonical_content, content_sha256
from teamhub.requirements.models import DocVersion, ImmutableError, RequirementDoc
from teamhub.requirements.services import doc_create, doc_version_create
from teamhub.requirements.template import FIELDS, TEMPLATE_BODY
from tests.factories import AssignmentFactory, InitiativeFactory
from tests.requirements.builders import latest

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative():
    return InitiativeFactory(
        key="CHURN-1", business_kpi="Retained revenue", kpi_target="+5 %",
        mission_criticality=3,
    )  # fmt: skip


def test_a_new_document_starts_from_the_template_with_the_initiative_filled_in(doc):
    version = latest(doc)
    assert version.number == 1
    assert version.body_markdown == TEMPLATE_BODY
    assert set(version.fields) == {field.key for field in FIELDS}
    assert version.fields["kpi_name"] == "Retained revenue"
    assert version.fields["kpi_target"] == "+5 %"
    assert version.fields["mission_criticality"] == 3
    assert version.fields["data_sources"] == []


def test_the_hash_is_sha256_of_the_canonical_body_and_fields(doc):
    version = latest(doc)
    expected = hashlib.sha256(
        json.dumps(
            {"body_markdown": version.body_markdown, "fields": version.fields},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    assert version.content_sha256 == expected


def test_equal_content_hashes_equal_whatever_the_key_order_or_line_endings():
    one = content_sha256(body_markdown="a\r\nb", fields={"x": 1, "y": "é"})
    two = content_sha256(body_markdown="a\nb", fields={"y": "é", "x": 1})
    assert one == two
    assert one != content_sha256(body_markdown="a\nb", fields={"y": "e", "x": 1})
    assert canonical_content(body_markdown="", fields={"b": 1, "a": 2}) == (
        b'{"body_markdown":"","fields":{"a":2,"b":1}}'
    )


def test_every_save_is_a_new_numbered_version_and_old_ones_stay(manager, doc):
    first = latest(doc)
    fields = dict(first.fields, problem_statement="Customers leave unnoticed.")
    second = doc_version_create(
        actor=manager, doc=doc, body_markdown="# v2", fields=fields, based_on=1
    )
    assert second.number == 2
    assert second.content_sha256 != first.content_sha256
    assert [v.number for v in doc.versions.all()] == [1, 2]
    first.refresh_from_db()
    assert first.body_markdown == TEMPLATE_BODY
    assert AuditEvent.objects.filter(verb="requirements.version_created").count() == 2


def test_a_saved_version_cannot_be_changed_or_deleted(doc):
    version = latest(doc)
    version.body_markdown = "tampered"
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    assert latest(doc).body_markdown == TEMPLATE_BODY


def test_saving_from_an_older_version_gets_409_and_writes_nothing(manager, doc):
    fields = latest(doc).fields
    doc_version_create(
        actor=manager, doc=doc, body_markdown="mine", fields=fields, based_on=1
    )
    with pytest.raises(Conflict) as refused:
        doc_version_create(
            actor=manager, doc=doc, body_markdown="theirs", fields=fields, based_on=1
        )
    assert refused.value.extra == {"latest": 2}
    assert doc.versions.count() == 2


def test_saving_unchanged_content_is_refused(manager, doc):
    version = latest(doc)
    with pytest.raises(ValidationError, match="Nothing changed since version 1"):
        doc_version_create(
            actor=manager,
            doc=doc,
            body_markdown=version.body_markdown,
            fields=version.fields,
            based_on=1,
        )
    assert doc.versions.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"surprise": "x"}, "fields"),
        ({"mission_criticality": 5}, "mission_criticality"),
        ({"mission_criticality": True}, "mission_criticality"),
        ({"problem_statement": 3}, "problem_statement"),
        ({"data_sources": [{"name": ""}]}, "data_sources"),
        ({"data_sources": [{"name": "crm", "pii": "yes"}]}, "data_sources"),
        ({"data_sources": "crm"}, "data_sources"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(manager, doc, fields, field):
    with pytest.raises(ValidationError) as refused:
        doc_version_create(
            actor=manager, doc=doc, body_markdown="x", fields=fields, based_on=1
        )
    assert field in refused.value.message_dict
    assert doc.versions.count() == 1


def test_a_body_over_one_megabyte_is_refused(manager, doc):
    with pytest.raises(ValidationError, match="over 1 MB"):
        doc_version_create(
            actor=manager,
            doc=doc,
            body_markdown="x" * 1_000_001,
            fields=latest(doc).fields,
            based_on=1,
        )
    assert doc.versions.count() == 1


def test_data_sources_are_kept_normalised(manager, doc):
    fields = dict(
        latest(doc).fields,
        data_sources=[{"name": " CRM ", "owner": "Sales ops", "pii": True}],
    )
    version = doc_version_create(
        actor=manager, doc=doc, body_markdown="x", fields=fields, based_on=1
    )
    assert version.fields["data_sources"] == [
        {"name": "CRM", "owner": "Sales ops", "freshness": "", "pii": True}
    ]


@pytest.mark.parametrize(
    ("role", "works_on_it", "allowed"),
    [
        ("manager", False, True),
        ("admin", False, True),
        ("data_scientist", True, True),
        ("data_scientist", False, False),
        ("stakeholder", False, False),
    ],
)
def test_who_may_write_requirements(make_user, initiative, role, works_on_it, allowed):
    user = make_user(role)
    if works_on_it:
        AssignmentFactory(
            initiative=initiative,
            person=user.person,
            status=Assignment.Status.CONFIRMED,
        )
    if allowed:
        doc_create(actor=user, initiative=initiative, title="Spec")
        assert RequirementDoc.objects.filter(initiative=initiative).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            doc_create(actor=user, initiative=initiative, title="Spec")
        assert not RequirementDoc.objects.exists()
        assert not DocVersion.objects.exists()

"""Side-by-side differences between any two versions."""

import pytest

from teamhub.requirements.diff import body_rows, version_diff
from teamhub.requirements.services import doc_create, doc_version_create
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def test_body_rows_align_equal_changed_added_and_removed_lines():
    rows = body_rows("keep\nold\ngone\nend", "keep\nnew\nend\nextra")
    assert [(r.kind, r.old, r.new) for r in rows] == [
        ("equal", "keep", "keep"),
        ("changed", "old", "new"),
        ("removed", "gone", None),
        ("equal", "end", "end"),
        ("added", None, "extra"),
    ]


def test_version_diff_lists_changed_fields_with_labels_and_the_body(manager):
    initiative = InitiativeFactory(business_kpi="Churn")
    doc = doc_create(
        actor=manager, initiative=initiative, title="Spec", body_markdown="a\nb"
    )
    first = doc.versions.get()
    fields = dict(first.fields, kpi_target="-2 pts", ml_metric="AUC")
    second = doc_version_create(
        actor=manager, doc=doc, body_markdown="a\nc", fields=fields, based_on=1
    )
    diff = version_diff(first, second)
    assert [(c.label, c.old, c.new) for c in diff.fields] == [
        ("KPI target", "", "-2 pts"),
        ("ML metric", "", "AUC"),
    ]
    assert [r.kind for r in diff.body] == ["equal", "changed"]
    assert diff.changed
    assert not version_diff(second, second).changed

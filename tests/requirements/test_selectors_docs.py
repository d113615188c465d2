"""Reads behind the document pages: batched states, filters, progress, detail."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teamhub.initiatives.models import Assignment
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.requirements.models import DocVersion, RequirementDoc, SignOffRule
from teamhub.requirements.selectors import doc_state, doc_states, signoff_states
from teamhub.requirements.selectors_docs import (
    doc_detail,
    doc_ids_in_state,
    doc_rows,
    doc_search,
    writable_initiatives,
)
from teamhub.requirements.services import doc_create
from teamhub.requirements.services_signoff import (
    signoff_request_create,
    signoff_revoke,
)
from teamhub.requirements.state import DocState, Standing
from tests.factories import (
    AssignmentFactory,
    InitiativeFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)
from tests.requirements.builders import decide, new_version

pytestmark = pytest.mark.django_db


def docs_in_every_state(manager, signers, count):
    """``count`` documents cycling through draft, in review, approved, changes
    requested, stale (in review again) and a withdrawn rejection."""
    docs = []
    for index in range(count):
        doc = doc_create(
            actor=manager, initiative=InitiativeFactory(), title=f"Spec {index}"
        )
        kind = index % 6
        if kind:
            request = signoff_request_create(
                actor=manager, doc=doc, stakeholders=signers[:2]
            )
            if kind in (2, 4):
                decide(request, signers[0])
                decide(request, signers[1])
            if kind == 3:
                decide(request, signers[0], "rejected", comment="No.")
            if kind == 4:
                new_version(manager, doc, "changed")
            if kind == 5:
                decide(request, signers[1], "rejected", comment="No.")
                signoff_revoke(request=request, stakeholder=signers[1], reason="Ok.")
        docs.append(doc)
    return docs


# doc_states and signoff_states ------------------------------------------------------


def test_doc_states_agree_with_doc_state_and_take_fixed_queries(manager, signers):
    counts = []
    for size in (6, 18):
        docs = docs_in_every_state(manager, signers, size)
        with CaptureQueriesContext(connection) as queries:
            states = doc_states([doc.pk for doc in docs])
        counts.append(len(queries))
        assert states == {doc.pk: doc_state(doc) for doc in docs}
    assert counts[0] == counts[1]
    assert set(states.values()) == set(DocState.values)


def test_doc_states_count_the_criticality_rules(manager, signers):
    engineering = TeamFactory(name="Engineering")
    SignOffRule.objects.create(min_criticality=3, team=engineering)
    initiative = InitiativeFactory(mission_criticality=3)
    engineer = UserFactory(roles=["stakeholder"])
    PersonFactory(user=engineer, team=engineering)
    doc = doc_create(actor=manager, initiative=initiative, title="Critical")
    request = signoff_request_create(
        actor=manager,
        doc=doc,
        stakeholders=[signers[0], engineer],
        policy="quorum",
        quorum=1,
    )
    decide(request, signers[0])
    assert doc_states([doc.pk]) == {doc.pk: DocState.IN_REVIEW}
    decide(request, engineer)
    assert doc_states([doc.pk]) == {doc.pk: DocState.APPROVED}
    assert doc_state(doc) == DocState.APPROVED


def test_signoff_states_still_rank_an_initiatives_documents(manager, signers):
    initiative = InitiativeFactory()
    draft = doc_create(actor=manager, initiative=initiative, title="A draft")
    reviewed = doc_create(actor=manager, initiative=initiative, title="Reviewed")
    request = signoff_request_create(
        actor=manager, doc=reviewed, stakeholders=signers[:1]
    )
    assert signoff_states([initiative.pk]) == {initiative.pk: DocState.IN_REVIEW}
    decide(request, signers[0])
    assert signoff_states([initiative.pk]) == {initiative.pk: DocState.APPROVED}
    assert doc_states([draft.pk]) == {draft.pk: DocState.DRAFT}
    assert doc_states([]) == {}


# Who may write -----------------------------------------------------------------------


def test_writable_initiatives_match_can_work_on_initiative(make_user):
    owner = make_user("data_scientist")
    member = make_user("data_scientist")
    proposed = make_user("data_scientist")
    finished = make_user("data_scientist")
    mine = InitiativeFactory(owner=owner.person)
    staffed = InitiativeFactory()
    AssignmentFactory(person=member.person, initiative=staffed)
    AssignmentFactory(
        person=proposed.person, initiative=staffed, status=Assignment.Status.PROPOSED
    )
    AssignmentFactory(
        person=finished.person, initiative=mine, status=Assignment.Status.FINISHED
    )
    others = [InitiativeFactory() for _ in range(2)]
    every = [mine, staffed, *others]
    users = [
        owner,
        member,
        proposed,
        finished,
        make_user("manager"),
        make_user("admin"),
        make_user("stakeholder"),
        make_user(),
    ]
    for user in users:
        expected = {i.pk for i in every if can_work_on_initiative(user, i)}
        assert set(writable_initiatives(user).values_list("pk", flat=True)) == (
            expected
        ), user
    assert set(writable_initiatives(owner)) == {mine}
    assert set(writable_initiatives(member)) == {staffed}


# The list's filters ----------------------------------------------------------------


def test_doc_search_filters_by_text_initiative_and_mine(manager, signers, make_user):
    churn = InitiativeFactory(key="CHURN-1", title="Churn")
    fraud = InitiativeFactory(key="FRAUD-2", title="Card fraud")
    a = doc_create(actor=manager, initiative=churn, title="Churn model")
    b = doc_create(actor=manager, initiative=fraud, title="Scoring service")
    writer = make_user("manager")
    c = doc_create(actor=writer, initiative=fraud, title="Rules engine")
    signoff_request_create(actor=manager, doc=b, stakeholders=signers[:1])
    edited = doc_create(actor=manager, initiative=churn, title="Edited by writer")
    new_version(writer, edited, "writer's words")

    def titles(**filters):
        return {doc.title for doc in doc_search(user=manager, **filters)}

    assert titles(q="churn") == {"Churn model", "Edited by writer"}
    assert titles(q="fraud-2") == {"Scoring service", "Rules engine"}
    assert titles(q="scoring") == {"Scoring service"}
    assert titles(initiative_id=fraud.pk) == {"Scoring service", "Rules engine"}
    assert {d.pk for d in doc_search(user=writer, mine=True)} == {c.pk, edited.pk}
    assert {d.pk for d in doc_search(user=signers[0], mine=True)} == {b.pk}
    assert not doc_search(user=signers[1], mine=True).exists()
    assert a.pk in {d.pk for d in doc_search(user=manager)}


def test_doc_search_lists_the_most_recently_edited_first(manager):
    initiative = InitiativeFactory()
    old = doc_create(actor=manager, initiative=initiative, title="Old")
    new = doc_create(actor=manager, initiative=initiative, title="New")
    assert [d.pk for d in doc_search(user=manager)] == [new.pk, old.pk]
    new_version(manager, old, "touched")
    assert [d.pk for d in doc_search(user=manager)] == [old.pk, new.pk]


def test_doc_ids_in_state_keep_the_order_of_the_search(manager, signers):
    docs = docs_in_every_state(manager, signers, 12)
    ordered = list(doc_search(user=manager).values_list("pk", flat=True))
    for state in DocState.values:
        ids = doc_ids_in_state(doc_search(user=manager), state)
        assert ids == [pk for pk in ordered if doc_state(_doc(pk)) == state]
    assert len(docs) == 12


def _doc(pk):
    return RequirementDoc.objects.select_related("initiative").get(pk=pk)


# Rows and progress ------------------------------------------------------------------


def test_rows_show_the_latest_version_state_and_progress(manager, signers):
    initiative = InitiativeFactory()
    doc = doc_create(actor=manager, initiative=initiative, title="Spec")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    request = signoff_request_create(
        actor=manager,
        doc=doc,
        stakeholders=signers,
        policy="quorum",
        quorum=2,
        due=yesterday,
    )
    decide(request, signers[0])
    decide(request, signers[2], "rejected", comment="Missing KPI owner.")
    draft = doc_create(actor=manager, initiative=initiative, title="Draft")
    new_version(manager, draft, "second")
    (row, draft_row) = doc_rows([doc.pk, draft.pk])
    assert row.state == DocState.CHANGES_REQUESTED
    progress = row.progress
    assert (progress.approved, progress.needed, progress.asked) == (1, 2, 3)
    assert (progress.rejected, progress.stale) == (1, 0)
    assert progress.due == yesterday and progress.overdue
    assert progress.percent == 50
    assert draft_row.state == DocState.DRAFT and draft_row.progress is None
    assert draft_row.latest.number == 2 and draft_row.latest.author == manager


def test_an_approved_request_past_its_due_date_is_not_overdue(manager, signers):
    doc = doc_create(actor=manager, initiative=InitiativeFactory(), title="Spec")
    request = signoff_request_create(
        actor=manager,
        doc=doc,
        stakeholders=signers[:1],
        due=timezone.localdate() - dt.timedelta(days=3),
    )
    assert doc_rows([doc.pk])[0].progress.overdue
    decide(request, signers[0])
    (row,) = doc_rows([doc.pk])
    assert row.state == DocState.APPROVED and not row.progress.overdue


def test_doc_rows_take_fixed_queries_and_never_load_bodies(manager, signers):
    counts = []
    for size in (3, 15):
        docs = docs_in_every_state(manager, signers, size)
        with CaptureQueriesContext(connection) as queries:
            rows = doc_rows([doc.pk for doc in docs])
        counts.append(len(queries))
        assert [row.doc.pk for row in rows] == [doc.pk for doc in docs]
        assert all("body_markdown" in row.latest.get_deferred_fields() for row in rows)
    assert counts[0] == counts[1]
    assert doc_rows([]) == []


# One document -----------------------------------------------------------------------


def test_doc_detail_shows_any_version_and_each_standing(manager, signers):
    doc = doc_create(actor=manager, initiative=InitiativeFactory(), title="Spec")
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers)
    decide(request, signers[0])
    decide(request, signers[1], "rejected", comment="Why?")
    new_version(manager, doc, "answered")
    detail = doc_detail(doc_id=doc.pk)
    assert detail.shown.number == 2 and detail.is_latest
    assert detail.latest_requested
    assert detail.previous.number == 1
    standings = {row.user: row for row in detail.panel.people}
    assert standings[signers[0]].standing == Standing.STALE
    assert standings[signers[0]].decided_version == 1
    assert standings[signers[1]].standing == Standing.REJECTED
    assert standings[signers[1]].decision.comment == "Why?"
    assert standings[signers[2]].standing == Standing.WAITING
    assert detail.panel.standing_of(signers[2]).standing == Standing.WAITING
    assert detail.panel.standing_of(manager) is None
    old = doc_detail(doc_id=doc.pk, version_number=1)
    assert old.shown.number == 1 and not old.is_latest and old.previous is None
    with pytest.raises(DocVersion.DoesNotExist):
        doc_detail(doc_id=doc.pk, version_number=3)
    with pytest.raises(RequirementDoc.DoesNotExist):
        doc_detail(doc_id=doc.pk + 100)

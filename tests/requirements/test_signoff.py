"""The sign-off workflow: signed decisions, staleness, policies, rules, the gate."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from teamhub.core.exceptions import Conflict
from teamhub.core.models import AuditEvent
from teamhub.initiatives.models import GateRule, Stage
from teamhub.initiatives.services_boards import board_create, column_gate_set
from teamhub.initiatives.services_cards import card_add, card_move
from teamhub.requirements.models import SignOff, SignOffRequest, SignOffRule
from teamhub.requirements.selectors import doc_state, request_status, signoff_states
from teamhub.requirements.services import doc_create
from teamhub.requirements.services_signoff import signoff_revoke
from teamhub.requirements.state import DocState, Standing
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory, UserFactory
from tests.requirements.builders import ask, decide, new_version
from tests.threads import run_threads

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative():
    return InitiativeFactory(key="CHURN-1", title="Churn", mission_criticality=2)


def test_a_document_is_draft_until_sign_off_is_requested(manager, doc, signers):
    assert doc_state(doc) == DocState.DRAFT
    ask(manager, doc, signers)
    assert doc_state(doc) == DocState.IN_REVIEW


def test_all_policy_needs_every_stakeholder(manager, doc, signers):
    request = ask(manager, doc, signers)
    for user in signers[:2]:
        decide(request, user)
    assert doc_state(doc) == DocState.IN_REVIEW
    decide(request, signers[2])
    assert doc_state(doc) == DocState.APPROVED


def test_quorum_policy_needs_the_quorum(manager, doc, signers):
    request = ask(manager, doc, signers, policy="quorum", quorum=2)
    decide(request, signers[0])
    assert doc_state(doc) == DocState.IN_REVIEW
    decide(request, signers[1])
    assert doc_state(doc) == DocState.APPROVED


def test_the_signature_states_what_is_signed_and_keeps_the_hash(manager, doc, signers):
    request = ask(manager, doc, signers)
    signoff = decide(request, signers[0])
    version = doc.versions.get(number=1)
    assert signoff.meaning.startswith(
        "I approve version 1 of “Churn model” as the requirements for CHURN-1 Churn"
    )
    assert signoff.content_sha256 == version.content_sha256
    assert AuditEvent.objects.filter(verb="signoff.approved").count() == 1


def test_a_new_version_makes_approvals_stale_and_moves_the_request(
    manager, doc, signers
):
    request = ask(manager, doc, signers)
    for user in signers:
        decide(request, user)
    assert doc_state(doc) == DocState.APPROVED
    new_version(manager, doc, "changed")
    request.refresh_from_db()
    assert request.version.number == 2
    status = request_status(request)
    assert {p.standing for p in status.people} == {Standing.STALE}
    assert status.state == DocState.IN_REVIEW


def test_a_decision_on_a_version_no_longer_under_review_gets_409(manager, doc, signers):
    request = ask(manager, doc, signers)
    new_version(manager, doc, "changed")
    with pytest.raises(Conflict, match="moved on to version 2"):
        decide(request, signers[0], version=1)
    assert not SignOff.objects.exists()


def test_a_rejection_stays_in_force_on_later_versions_until_withdrawn(
    manager, doc, signers
):
    request = ask(manager, doc, signers)
    decide(request, signers[0], "rejected", comment="Add a fallback.")
    assert doc_state(doc) == DocState.CHANGES_REQUESTED
    new_version(manager, doc, "with a fallback")
    assert doc_state(doc) == DocState.CHANGES_REQUESTED
    signoff_revoke(request=request, stakeholder=signers[0], reason="Fallback added.")
    assert doc_state(doc) == DocState.IN_REVIEW
    for user in signers:
        decide(request, user)
    assert doc_state(doc) == DocState.APPROVED
    assert SignOff.objects.count() == 5  # nothing deleted: reject, revoke, 3 approvals


def test_revoking_an_approval_puts_the_stakeholder_back_to_waiting(
    manager, doc, signers
):
    request = ask(manager, doc, signers, policy="quorum", quorum=1)
    decide(request, signers[0])
    assert doc_state(doc) == DocState.APPROVED
    signoff_revoke(request=request, stakeholder=signers[0], reason="Misread it.")
    assert doc_state(doc) == DocState.IN_REVIEW
    with pytest.raises(Conflict):
        signoff_revoke(request=request, stakeholder=signers[0], reason="Again.")
    with pytest.raises(ValidationError):
        signoff_revoke(request=request, stakeholder=signers[1], reason="")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"password": "wrong"}, ValidationError),
        ({"decision": "rejected"}, ValidationError),  # no comment
        ({"decision": "maybe"}, ValidationError),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_recorded(
    manager, doc, signers, change, error
):
    request = ask(manager, doc, signers)
    with pytest.raises(error):
        decide(request, signers[0], **change)
    assert not SignOff.objects.exists()


def test_someone_not_asked_cannot_decide(manager, doc, signers):
    request = ask(manager, doc, signers)
    with pytest.raises(PermissionDenied):
        decide(request, UserFactory(roles=["stakeholder"]))
    assert not SignOff.objects.exists()


def test_the_author_and_the_last_editor_cannot_approve(manager, make_user, doc):
    editor = make_user("manager")
    new_version(editor, doc, "edited by someone else")
    other = UserFactory(roles=["stakeholder"])
    with pytest.raises(ValidationError, match="author"):
        ask(manager, doc, [editor, other])
    request = ask(editor, doc, [manager, other])
    with pytest.raises(PermissionDenied, match="author or last editor"):
        decide(request, manager)  # created the document
    assert not SignOff.objects.exists()


def test_a_criticality_rule_adds_a_required_approver(manager, signers):
    engineering = TeamFactory(name="Engineering")
    platform = TeamFactory(name="Platform", parent=engineering)
    SignOffRule.objects.create(min_criticality=3, team=engineering)
    initiative = InitiativeFactory(mission_criticality=3)
    doc = doc_create(actor=manager, initiative=initiative, title="Fraud")
    with pytest.raises(ValidationError, match="add a stakeholder from Engineering"):
        ask(manager, doc, signers)
    engineer = PersonFactory(team=platform).user
    request = ask(manager, doc, [*signers, engineer], policy="quorum", quorum=1)
    decide(request, signers[0])
    assert request_status(request).state == DocState.IN_REVIEW  # rule unmet
    decide(request, engineer)
    assert request_status(request).state == DocState.APPROVED


def test_request_input_is_checked(manager, doc, signers):
    with pytest.raises(ValidationError, match="at least one"):
        ask(manager, doc, [])
    with pytest.raises(ValidationError, match="quorum"):
        ask(manager, doc, signers, policy="quorum", quorum=4)
    ask(manager, doc, signers)
    with pytest.raises(Conflict, match="requested already"):
        ask(manager, doc, signers)
    assert SignOffRequest.objects.count() == 1


def test_the_board_gate_waits_for_an_approved_document(manager, doc, signers):
    board = board_create(actor=manager, name="Gated", include_initiatives=False)
    columns = {column.stage: column for column in board.columns.all()}
    experimentation = columns[Stage.EXPERIMENTATION]
    column_gate_set(
        actor=manager, column=experimentation, rule=GateRule.APPROVED_REQUIREMENTS
    )
    card = card_add(
        actor=manager,
        board=board,
        initiative=doc.initiative,
        column=columns[Stage.IDEA],
    )
    with pytest.raises(Conflict, match="approved requirement document"):
        card_move(actor=manager, card=card, column=experimentation, version=1)
    request = ask(manager, doc, signers)
    for user in signers:
        decide(request, user)
    moved = card_move(actor=manager, card=card, column=experimentation, version=1)
    assert moved.card.column == experimentation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_stakeholders_deciding_at_once_are_both_recorded(make_user):
    manager = make_user("manager")
    initiative = InitiativeFactory(mission_criticality=1)
    doc = doc_create(actor=manager, initiative=initiative, title="Spec")
    signers = [UserFactory(roles=["stakeholder"]) for _ in range(2)]
    request = ask(manager, doc, signers)

    results = run_threads(2, lambda index: decide(request, signers[index]))

    assert all(isinstance(result, SignOff) for result in results), results
    assert SignOff.objects.filter(request=request).count() == 2
    assert doc_state(doc) == DocState.APPROVED


def make_initiatives_with_documents(manager, count, signers):
    """``count`` initiatives: one approved, one with changes requested, the rest
    in review or draft."""
    initiatives = []
    for index in range(count):
        initiative = InitiativeFactory()
        doc = doc_create(actor=manager, initiative=initiative, title=f"Spec {index}")
        if index % 4 != 3:
            request = ask(manager, doc, signers[:2])
            if index % 4 == 0:
                for user in signers[:2]:
                    decide(request, user)
            elif index % 4 == 1:
                decide(request, signers[0], "rejected", comment="No.")
        initiatives.append(initiative)
    return initiatives


def test_board_sign_off_states_match_each_document_and_take_fixed_queries(
    manager, signers, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (4, 20):
        initiatives = make_initiatives_with_documents(manager, size, signers)
        ids = [initiative.pk for initiative in initiatives]
        with CaptureQueriesContext(connection) as queries:
            states = signoff_states(ids)
        counts.append(len(queries))
        for initiative in initiatives:
            doc = initiative.requirement_docs.get()
            assert states[initiative.pk] == doc_state(doc)
    assert counts[0] == counts[1]
    assert signoff_states([InitiativeFactory().pk]) == {}


def test_the_board_card_shows_the_sign_off_state(manager, client_as, doc, signers):
    from django.urls import reverse

    board = board_create(actor=manager, name="Badges", include_initiatives=False)
    card = card_add(actor=manager, board=board, initiative=doc.initiative)
    url = reverse("initiatives:board", args=[board.pk])

    def badge() -> str:
        page = client_as("stakeholder").get(url).content.decode()
        start = page.index('data-testid="signoff-slot"', page.index(f"card-{card.pk}"))
        return page[start : page.index("</span>", start)]

    assert "Sign-off: Draft" in badge()
    request = ask(manager, doc, signers)
    assert "Sign-off: In review" in badge()
    for user in signers:
        decide(request, user)
    assert "Sign-off: Approved" in badge()

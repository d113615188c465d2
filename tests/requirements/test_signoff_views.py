"""The sign-off pages: request sign-off, the sign page (approve / reject /
revoke), the inbox; their bad input and their permission matrix."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teamhub.requirements.models import SignOff, SignOffRequest, SignOffRule
from teamhub.requirements.services import doc_create
from teamhub.requirements.services_signoff import (
    signoff_meaning,
    signoff_request_create,
)
from tests.factories import (
    AssignmentFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)
from tests.requirements.builders import PASSWORD, decide, login, new_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer():
    return UserFactory(username="sofia", roles=["stakeholder"])


@pytest.fixture
def asked(manager, doc, signer):
    return signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def sign_url(request) -> str:
    return reverse("requirements:signoff", args=[request.pk])


def doc_url(doc) -> str:
    return reverse("requirements:doc", args=[doc.pk])


# Request sign-off ---------------------------------------------------------------


def test_request_form_groups_people_by_team_and_leaves_out_the_author(
    manager, doc, signer
):
    PersonFactory(user=UserFactory(username="eng"), team=TeamFactory(name="Platform"))
    response = login(manager).get(
        reverse("requirements:signoff_request_new", args=[doc.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="stakeholder_{signer.pk}"' in html
    assert "Not in the people registry" in html and "Platform" in html
    assert f'id="stakeholder_{manager.pk}"' not in html  # the author of version 1
    assert "is not offered: the author of a version cannot sign it" in html


def test_request_form_shows_the_criticality_rules_that_apply(manager, doc):
    engineering = TeamFactory(name="Engineering")
    SignOffRule.objects.create(min_criticality=1, team=engineering)
    SignOffRule.objects.create(min_criticality=4, team=TeamFactory(name="Legal"))
    platform = TeamFactory(name="Platform", parent=engineering)
    engineer = PersonFactory(user=UserFactory(username="eng"), team=platform).user
    response = login(manager).get(
        reverse("requirements:signoff_request_new", args=[doc.pk])
    )
    html = response.content.decode()
    rules = re.findall(r'data-testid="rule">(.*?)</li>', html, re.S)
    assert [re.sub(r"\s+", " ", rule).strip() for rule in rules] == [
        "Criticality ≥ 1: one approver from Engineering"
    ]
    # Who counts for the rule is marked (a team under Engineering counts).
    options = html.split('<div class="form-check" data-search=')[1:]
    marked = [
        re.search(r'id="stakeholder_(\d+)"', option).group(1)
        for option in options
        if "counts for the Engineering rule" in option
    ]
    assert marked == [str(engineer.pk)]


def test_requesting_signoff_asks_the_people_and_returns_to_the_document(
    manager, doc, signer
):
    other = UserFactory(roles=["stakeholder"])
    due = timezone.localdate() + dt.timedelta(days=7)
    response = login(manager).post(
        reverse("requirements:signoff_request_new", args=[doc.pk]),
        {
            "stakeholders": [signer.pk, other.pk],
            "policy": "quorum",
            "quorum": "1",
            "due": due.isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == doc_url(doc)
    created = SignOffRequest.objects.get(doc=doc)
    assert set(created.stakeholders.all()) == {signer, other}
    assert (created.policy, created.quorum, created.due) == ("quorum", 1, due)
    assert messages_of(response) == [
        "Asked 2 stakeholders to sign version 1 of “Churn model”."
    ]


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("nobody", "stakeholders", "Name at least one stakeholder."),
        ("author", "stakeholders", "The author of a version cannot sign it."),
        ("quorum too big", "quorum", "A quorum is from 1 to 1 stakeholders."),
        ("quorum missing", "quorum", "Say how many approvals the quorum needs."),
        ("due in the past", "due", "The due date is in the past."),
        ("due not a date", "due", "Enter a date such as 2026-05-31."),
        ("unmet rule", "stakeholders", "add a stakeholder from Engineering"),
        ("no such person", "stakeholders", "is not a login that can sign"),
    ],
)
def test_bad_requests_get_400_with_the_message_next_to_the_field(
    manager, doc, signer, case, field, message
):
    data = {"stakeholders": [signer.pk], "policy": "all", "quorum": "", "due": ""}
    if case == "nobody":
        data["stakeholders"] = []
    elif case == "author":
        data["stakeholders"] = [signer.pk, manager.pk]
    elif case == "quorum too big":
        data.update(policy="quorum", quorum="5")
    elif case == "quorum missing":
        data.update(policy="quorum")
    elif case == "due in the past":
        data["due"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    elif case == "due not a date":
        data["due"] = "next week"
    elif case == "unmet rule":
        SignOffRule.objects.create(
            min_criticality=1, team=TeamFactory(name="Engineering")
        )
    elif case == "no such person":
        data["stakeholders"] = [999_999]
    response = login(manager).post(
        reverse("requirements:signoff_request_new", args=[doc.pk]), data
    )
    assert response.status_code == 400
    error = re.search(
        rf'data-testid="error-{field}">(.*?)</div>', response.content.decode(), re.S
    )
    assert error and message in error.group(1).replace("&quot;", '"')
    assert not SignOffRequest.objects.exists()


def test_asking_again_for_the_same_version_is_a_409_with_a_message(
    manager, doc, signer, asked
):
    response = login(manager).post(
        reverse("requirements:signoff_request_new", args=[doc.pk]),
        {"stakeholders": [signer.pk], "policy": "all"},
    )
    assert response.status_code == 409
    assert messages_of(response) == [
        "Sign-off of version 1 has been requested already."
    ]
    assert 'data-testid="already-requested"' in response.content.decode()
    assert SignOffRequest.objects.count() == 1


# The sign page ------------------------------------------------------------------


def test_the_sign_page_states_what_the_stakeholder_signs(signer, asked, doc):
    response = login(signer).get(sign_url(asked))
    assert response.status_code == 200
    html = response.content.decode()
    for decision in ("approved", "rejected"):
        meaning = signoff_meaning(request=asked, decision=decision)
        found = re.search(rf'data-testid="meaning-{decision}">(.*?)</span>', html)
        assert found and found.group(1) == meaning.replace("“", "“")
    assert "I approve version 1 of “Churn model” as the requirements for CHURN-1" in (
        html
    )
    assert 'name="version_number" value="1"' in html
    assert f'href="{doc_url(doc)}?version=1"' in html
    assert "Re-enter your password to sign." in html
    assert 'data-testid="waiting"' in html


def test_approving_with_the_password_records_the_signature(signer, asked, doc):
    response = login(signer).post(
        sign_url(asked),
        {"decision": "approved", "password": PASSWORD, "version_number": "1"},
    )
    assert response.status_code == 302 and response["Location"] == doc_url(doc)
    signed = SignOff.objects.get()
    assert (signed.stakeholder, signed.decision) == (signer, "approved")
    assert signed.meaning == signoff_meaning(request=asked, decision="approved")
    assert messages_of(response)[0].startswith(
        "You approved version 1 of “Churn model”."
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"decision": "approved", "password": "wrong", "version_number": "1"},
            "password",
            "That password is not right.",
        ),
        (
            {"decision": "rejected", "password": PASSWORD, "version_number": "1"},
            "comment",
            "Say what needs to change.",
        ),
        (
            {"decision": "rejected", "comment": "  ", "password": PASSWORD},
            None,
            "Reload the page",
        ),
        ({"password": PASSWORD, "version_number": "1"}, "decision", "Choose approve"),
        ({"decision": "approved", "version_number": "1"}, "password", "Re-enter"),
    ],
)
def test_bad_decisions_get_400_and_record_nothing(signer, asked, data, field, message):
    response = login(signer).post(sign_url(asked), data)
    assert response.status_code == 400
    html = response.content.decode()
    if field:
        error = re.search(rf'data-testid="error-{field}">(.*?)</div>', html, re.S)
        assert error and message in error.group(1)
    else:
        assert message in html
    assert not SignOff.objects.exists()
    assert 'value="secret' not in html  # the password is never sent back


def test_deciding_on_a_version_that_moved_on_is_a_409_showing_the_changes(
    manager, signer, asked, doc
):
    new_version(manager, doc, "## Context\n\nNew fallback plan.\n")
    response = login(signer).post(
        sign_url(asked),
        {"decision": "approved", "password": PASSWORD, "version_number": "1"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="moved-on"' in html and 'data-testid="version-diff"' in html
    assert "New fallback plan." in html
    assert 'name="version_number" value="2"' in html
    assert not SignOff.objects.exists()


def test_a_stale_approval_shows_the_diff_since_the_version_signed(
    manager, signer, asked, doc
):
    decide(asked, signer)
    new_version(manager, doc, "## Context\n\nA new data source.\n")
    html = login(signer).get(sign_url(asked)).content.decode()
    assert "You approved version 1; here is what changed" in html
    assert 'data-testid="version-diff"' in html and "A new data source." in html
    assert 'name="version_number" value="2"' in html


def test_a_standing_rejection_is_shown_and_can_be_withdrawn(signer, asked):
    decide(asked, signer, "rejected", "What is the fallback?")
    client = login(signer)
    html = client.get(sign_url(asked)).content.decode()
    assert 'data-testid="your-rejection"' in html and "What is the fallback?" in html
    assert "Withdraw my rejection" in html
    url = reverse("requirements:signoff_revoke", args=[asked.pk])
    blank = client.post(url, {"reason": "  "})
    assert blank.status_code == 400
    assert 'data-testid="error-reason"' in blank.content.decode()
    assert SignOff.objects.count() == 1
    response = client.post(url, {"reason": "Fallback agreed."})
    assert response.status_code == 302 and response["Location"] == sign_url(asked)
    revocation = SignOff.objects.latest("id")
    assert (revocation.decision, revocation.comment) == ("revoked", "Fallback agreed.")
    assert 'data-testid="waiting"' in client.get(sign_url(asked)).content.decode()


def test_revoking_with_nothing_to_revoke_is_a_409(signer, asked):
    response = login(signer).post(
        reverse("requirements:signoff_revoke", args=[asked.pk]), {"reason": "Oops"}
    )
    assert response.status_code == 409
    assert messages_of(response) == ["You have no decision on this request to revoke."]
    assert not SignOff.objects.exists()


def test_the_author_is_not_offered_approval_and_is_refused_it(manager, initiative):
    # The document's creator is asked to sign a version another person wrote.
    creator = UserFactory(username="creator", roles=["manager"])
    doc = doc_create(actor=creator, initiative=initiative, title="Spec")
    new_version(manager, doc, "edited by the boss")
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=[creator])
    client = login(creator)
    html = client.get(sign_url(request)).content.decode()
    assert 'data-testid="cannot-approve"' in html
    assert 'value="approved"' not in html and 'value="rejected"' in html
    response = client.post(
        sign_url(request),
        {"decision": "approved", "password": PASSWORD, "version_number": "2"},
    )
    assert response.status_code == 403
    assert "The author or last editor cannot approve it." in response.content.decode()
    assert not SignOff.objects.exists()


def test_people_not_asked_see_the_status_read_only(manager, signer, asked):
    decide(asked, signer)
    html = login(manager).get(sign_url(asked)).content.decode()
    assert 'data-testid="read-only"' in html
    assert 'data-testid="decide-form"' not in html
    assert re.search(r'data-user="sofia".*?data-state="approved"', html, re.S)
    assert '<span class="badge text-bg-success" data-testid="state-badge"' in html


# The inbox ----------------------------------------------------------------------


def test_the_inbox_lists_waiting_and_stale_requests_and_those_i_asked_for(
    manager, signer, initiative
):
    overdue_doc = doc_create(actor=manager, initiative=initiative, title="Overdue")
    overdue = signoff_request_create(
        actor=manager,
        doc=overdue_doc,
        stakeholders=[signer],
        due=timezone.localdate() + dt.timedelta(days=1),
    )
    SignOffRequest.objects.filter(pk=overdue.pk).update(
        due=timezone.localdate() - dt.timedelta(days=3)
    )
    stale_doc = doc_create(actor=manager, initiative=initiative, title="Stale")
    stale = signoff_request_create(actor=manager, doc=stale_doc, stakeholders=[signer])
    decide(stale, signer)
    new_version(manager, stale_doc, "changed")
    done_doc = doc_create(actor=manager, initiative=initiative, title="Done")
    decide(
        signoff_request_create(actor=manager, doc=done_doc, stakeholders=[signer]),
        signer,
    )

    html = login(signer).get(reverse("requirements:inbox")).content.decode()
    rows = re.findall(r'<tr data-request="(\d+)" data-standing="(\w+)"', html)
    assert rows == [(str(overdue.pk), "waiting"), (str(stale.pk), "stale")]
    assert 'class="signoff-overdue"' in html and 'data-testid="overdue"' in html
    assert "You approved version 1 — see what changed" in html
    assert html.count("Review and sign") == 2

    mine = login(manager).get(reverse("requirements:inbox")).content.decode()
    assert 'data-testid="inbox-empty"' in mine
    assert "Nothing waits for your sign-off" in mine
    asked_rows = re.findall(r'<tr data-request="\d+" data-state="(\w+)"', mine)
    assert sorted(asked_rows) == ["approved", "in_review", "in_review"]


@pytest.mark.parametrize("count", [2, 40])
def test_the_inbox_takes_a_constant_number_of_queries(
    count, make_user, initiative, django_assert_max_num_queries
):
    me = make_user("manager", username="me")
    author = make_user("manager", username="author")
    signers = [UserFactory(roles=["stakeholder"]) for _ in range(2)]
    # A rule that does not apply here still makes the page look up teams.
    SignOffRule.objects.create(min_criticality=4, team=TeamFactory(name="Eng"))
    for index in range(count):
        # Half wait for me (some stale), half I asked for (some decided).
        if index % 2:
            doc = doc_create(actor=author, initiative=initiative, title=f"D{index}")
            request = signoff_request_create(
                actor=author, doc=doc, stakeholders=[me, *signers]
            )
            if index % 3 == 0:
                decide(request, me)
                new_version(author, doc, f"v2 of {index}")
        else:
            doc = doc_create(actor=me, initiative=initiative, title=f"M{index}")
            request = signoff_request_create(
                actor=me,
                doc=doc,
                stakeholders=signers,
                due=timezone.localdate() + dt.timedelta(days=index),
            )
            if index % 4 == 0:
                decide(request, signers[0])
    client = login(me)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("requirements:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Review and sign") == count // 2
    assert len(re.findall(r'<tr data-request="\d+" data-state=', html)) == count // 2


# The permission matrix ----------------------------------------------------------

ACTORS = [
    "manager",
    "scientist_off",
    "scientist_on",
    "stakeholder_asked",
    "stakeholder_not_asked",
    "admin",
    "anonymous",
]
OK, FORBIDDEN = 200, 403
# Expected status of each page per actor; "login" is the redirect to log in, and
# "done" the redirect after a successful write.
MATRIX = {
    "inbox": dict.fromkeys(ACTORS[:-1], OK),
    "sign page": dict.fromkeys(ACTORS[:-1], OK),
    "record": dict.fromkeys(ACTORS[:-1], OK),
    "request form": {
        "manager": OK,
        "scientist_off": FORBIDDEN,
        "scientist_on": OK,
        "stakeholder_asked": FORBIDDEN,
        "stakeholder_not_asked": FORBIDDEN,
        "admin": OK,
    },
    "request": {
        "manager": "done",
        "scientist_off": FORBIDDEN,
        "scientist_on": "done",
        "stakeholder_asked": FORBIDDEN,
        "stakeholder_not_asked": FORBIDDEN,
        "admin": "done",
    },
    "decide": {
        **dict.fromkeys(ACTORS[:-1], FORBIDDEN),
        "stakeholder_asked": "done",
    },
    "revoke": {
        **dict.fromkeys(ACTORS[:-1], FORBIDDEN),
        "stakeholder_asked": "done",
    },
}
for row in MATRIX.values():
    row["anonymous"] = "login"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", list(MATRIX))
def test_permission_matrix(make_user, manager, initiative, signer, page, actor):
    """Everyone signed in reads; managers and the people on the initiative ask
    for sign-off; only the stakeholders asked decide or revoke."""
    doc = doc_create(actor=manager, initiative=initiative, title="Asked")
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=[signer])
    decide(request, signer)
    fresh = doc_create(actor=manager, initiative=initiative, title="Not asked yet")
    users = {
        "manager": lambda: make_user("manager"),
        "scientist_off": lambda: make_user("data_scientist"),
        "scientist_on": lambda: make_user("data_scientist"),
        "stakeholder_asked": lambda: signer,
        "stakeholder_not_asked": lambda: make_user("stakeholder"),
        "admin": lambda: make_user("admin"),
    }
    client = Client()
    if actor != "anonymous":
        user = users[actor]()
        if actor == "scientist_on":
            AssignmentFactory(person=user.person, initiative=initiative)
        client.force_login(user)
    other = UserFactory(roles=["stakeholder"])
    calls = {
        "inbox": lambda: client.get(reverse("requirements:inbox")),
        "sign page": lambda: client.get(sign_url(request)),
        "record": lambda: client.get(reverse("requirements:record", args=[doc.pk, 1])),
        "request form": lambda: client.get(
            reverse("requirements:signoff_request_new", args=[fresh.pk])
        ),
        "request": lambda: client.post(
            reverse("requirements:signoff_request_new", args=[fresh.pk]),
            {"stakeholders": [other.pk], "policy": "all"},
        ),
        "decide": lambda: client.post(
            sign_url(request),
            {
                "decision": "rejected",
                "comment": "Needs a fallback.",
                "password": PASSWORD,
                "version_number": "1",
            },
        ),
        "revoke": lambda: client.post(
            reverse("requirements:signoff_revoke", args=[request.pk]),
            {"reason": "Changed my mind."},
        ),
    }
    counts = (SignOff.objects.count(), SignOffRequest.objects.count())
    response = calls[page]()
    expected = MATRIX[page][actor]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == "done":
        assert response.status_code == 302
        assert (SignOff.objects.count(), SignOffRequest.objects.count()) != counts
    else:
        assert response.status_code == expected
    if expected != "done":
        assert (SignOff.objects.count(), SignOffRequest.objects.count()) == counts

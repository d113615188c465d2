"""The requirement document pages: list, new, document, editor, diff; their bad
input, their permission matrix and their query counts."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teamhub.requirements.models import DocVersion, RequirementDoc
from teamhub.requirements.services import doc_create
from teamhub.requirements.services_signoff import signoff_request_create
from teamhub.requirements.template import FIELDS
from tests.factories import AssignmentFactory, InitiativeFactory, UserFactory
from tests.requirements.builders import decide, login, new_version

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def initiative():
    return InitiativeFactory(
        key="CHURN-1",
        title="Churn",
        mission_criticality=2,
        business_kpi="Retained revenue",
    )


def url(name, *args):
    return reverse(f"requirements:{name}", args=args)


def edit_data(doc, *, sources=(), blank_rows=3, **changes):
    """The editor's POST: the latest version's values, with ``changes``."""
    latest = doc.versions.order_by("-number").first()
    data = {
        "based_on": str(latest.number),
        "body_markdown": latest.body_markdown,
    }
    for field in FIELDS:
        if field.kind != "sources":
            data[field.key] = str(latest.fields.get(field.key, ""))
    rows = [*sources, *[{}] * blank_rows]
    data["sources-TOTAL_FORMS"] = str(len(rows))
    data["sources-INITIAL_FORMS"] = str(len(sources))
    data["sources-MIN_NUM_FORMS"] = "0"
    data["sources-MAX_NUM_FORMS"] = "1000"
    for index, row in enumerate(rows):
        for key in ("name", "owner", "freshness"):
            data[f"sources-{index}-{key}"] = row.get(key, "")
        if row.get("pii"):
            data[f"sources-{index}-pii"] = "on"
    data.update({key: str(value) for key, value in changes.items()})
    return data


def text(response) -> str:
    return response.content.decode()


# The list --------------------------------------------------------------------------


def test_the_list_shows_each_document_with_its_state_version_and_progress(
    manager, doc, signers
):
    request = signoff_request_create(
        actor=manager,
        doc=doc,
        stakeholders=signers,
        due=TODAY - dt.timedelta(days=2),
    )
    decide(request, signers[0])
    decide(request, signers[1])
    other = doc_create(
        actor=manager, initiative=InitiativeFactory(key="FRAUD-9"), title="Fraud"
    )
    response = login(manager).get(url("docs"))
    assert response.status_code == 200
    page = text(response)
    assert "Churn model" in page and "CHURN-1" in page and "Fraud" in page
    row = re.search(rf'<tr data-doc="{doc.pk}">.*?</tr>', page, re.S).group(0)
    assert 'data-state="in_review"' in row
    assert "v1" in row
    assert "2 of 3 approved" in row
    assert 'data-testid="overdue"' in row
    other_row = re.search(rf'<tr data-doc="{other.pk}">.*?</tr>', page, re.S)
    assert 'data-state="draft"' in other_row.group(0)
    assert "Not requested yet" in other_row.group(0)
    assert url("doc", doc.pk) in page
    assert 'data-testid="new-doc"' in page


def test_the_list_filters_by_state_initiative_text_and_mine(
    manager, doc, signers, initiative
):
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers[:1])
    decide(request, signers[0])
    doc_create(actor=manager, initiative=initiative, title="Second spec")
    fraud = doc_create(
        actor=manager, initiative=InitiativeFactory(key="FRAUD-9"), title="Fraud"
    )
    client = login(manager)

    def shown(**params):
        page = text(client.get(url("docs"), params))
        return {int(pk) for pk in re.findall(r'<tr data-doc="(\d+)">', page)}

    assert shown(state="approved") == {doc.pk}
    assert len(shown(state="draft")) == 2 and doc.pk not in shown(state="draft")
    assert shown(state="changes_requested") == set()
    assert shown(initiative=fraud.initiative_id) == {fraud.pk}
    assert shown(q="second") == shown(q="SECOND") and len(shown(q="second")) == 1
    assert shown(q="fraud-9") == {fraud.pk}
    assert shown(mine="on") == {doc.pk, fraud.pk} | shown(q="second")
    signer_page = text(login(signers[0]).get(url("docs"), {"mine": "on"}))
    assert re.findall(r'<tr data-doc="(\d+)">', signer_page) == [str(doc.pk)]


def test_an_invalid_filter_is_shown_and_ignored(manager, doc):
    response = login(manager).get(url("docs"), {"state": "bogus", "initiative": "x"})
    assert response.status_code == 200
    page = text(response)
    assert 'data-testid="error-state"' in page
    assert 'data-testid="error-initiative"' in page
    assert f'<tr data-doc="{doc.pk}">' in page


def test_the_list_without_documents_says_what_to_do(make_user):
    manager_page = text(login(make_user("manager")).get(url("docs")))
    assert 'data-testid="empty"' in manager_page
    assert "Start one" in manager_page
    stakeholder_page = text(login(make_user("stakeholder")).get(url("docs")))
    assert "Managers and the people working on an initiative" in stakeholder_page
    assert 'data-testid="new-doc"' not in stakeholder_page


def test_a_filter_matching_nothing_offers_to_clear_it(manager, doc):
    page = text(login(manager).get(url("docs"), {"q": "nothing like this"}))
    assert "No document matches these filters" in page


def test_the_list_is_paginated(manager, initiative):
    for index in range(30):
        doc_create(actor=manager, initiative=initiative, title=f"Spec {index:02}")
    client = login(manager)
    first = text(client.get(url("docs")))
    second = text(client.get(url("docs"), {"page": 2}))
    assert first.count("<tr data-doc=") == 25
    assert second.count("<tr data-doc=") == 5
    assert "Page 1 of 2" in first


def test_htmx_filtering_returns_only_the_results(manager, doc):
    response = login(manager).get(
        url("docs"), {"q": "churn"}, headers={"HX-Target": "doc-results"}
    )
    page = text(response)
    assert 'id="doc-results"' in page and f'<tr data-doc="{doc.pk}">' in page
    assert "<html" not in page and "<form" not in page


def many_docs(manager, signers, count):
    """``count`` documents with sign-off requests, decisions and a second version."""
    for index in range(count):
        doc = doc_create(
            actor=manager, initiative=InitiativeFactory(), title=f"Spec {index}"
        )
        if index % 3:
            request = signoff_request_create(
                actor=manager, doc=doc, stakeholders=signers[:2]
            )
            decide(request, signers[0])
            if index % 3 == 2:
                decide(request, signers[1], "rejected", comment="No.")
                new_version(manager, doc, f"body {index}")


@pytest.mark.parametrize("params", [{}, {"state": "in_review"}, {"mine": "on"}])
def test_the_list_takes_a_constant_number_of_queries(
    manager, signers, django_assert_max_num_queries, params
):
    client = login(manager)
    many_docs(manager, signers, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("docs"), params).status_code == 200
    many_docs(manager, signers, 37)
    assert RequirementDoc.objects.count() == 40
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("docs"), params)
    assert response.status_code == 200
    assert len(small.captured_queries) <= 25


def test_the_document_page_queries_do_not_grow_with_versions_or_stakeholders(
    manager, doc, signers, django_assert_max_num_queries
):
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers[:1])
    decide(request, signers[0])
    client = login(signers[0])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("doc", doc.pk)).status_code == 200
    more = [UserFactory(roles=["stakeholder"]) for _ in range(8)]
    request.stakeholders.add(*more)
    for index, user in enumerate(more):
        decide(request, user, "approved" if index % 2 else "rejected", comment="c")
        new_version(manager, doc, f"body {index}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("doc", doc.pk))
    assert text(response).count("data-stakeholder=") == 9
    assert text(response).count("data-version=") == 9


# A new document ---------------------------------------------------------------------


def test_creating_a_document_starts_version_1_from_the_template(manager, initiative):
    client = login(manager)
    form = client.get(url("doc_new"), {"initiative": initiative.pk})
    assert form.status_code == 200
    assert re.search(
        rf'<option value="{initiative.pk}" selected>CHURN-1 · Churn</option>',
        text(form),
    )
    response = client.post(
        url("doc_new"), {"initiative": initiative.pk, "title": "  Churn spec "}
    )
    doc = RequirementDoc.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("doc_edit", doc.pk)
    assert doc.title == "Churn spec" and doc.created_by == manager
    version = doc.versions.get()
    assert version.number == 1
    assert version.fields["kpi_name"] == "Retained revenue"
    assert version.fields["mission_criticality"] == 2
    assert "## Context" in version.body_markdown
    editor = client.get(response["Location"])
    assert "Created “Churn spec” for CHURN-1" in text(editor)


def test_a_data_scientist_lists_only_the_initiatives_they_work_on(make_user):
    scientist = make_user("data_scientist")
    mine = InitiativeFactory(key="MINE-1")
    AssignmentFactory(person=scientist.person, initiative=mine)
    InitiativeFactory(key="OTHER-1")
    page = text(login(scientist).get(url("doc_new")))
    assert "MINE-1" in page and "OTHER-1" not in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"initiative": ""}, "initiative"),
        ({"initiative": "999999"}, "initiative"),
        ({"initiative": "abc"}, "initiative"),
    ],
)
def test_bad_input_creates_nothing(manager, initiative, data, field):
    payload = {"initiative": initiative.pk, "title": "Spec", **data}
    response = login(manager).post(url("doc_new"), payload)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in text(response)
    assert not RequirementDoc.objects.exists()
    assert not DocVersion.objects.exists()


def test_a_data_scientist_cannot_create_for_an_initiative_they_are_not_on(
    make_user, initiative
):
    scientist = make_user("data_scientist")
    AssignmentFactory(person=scientist.person)  # on another initiative
    client = login(scientist)
    assert client.get(url("doc_new"), {"initiative": initiative.pk}).status_code == 403
    response = client.post(url("doc_new"), {"initiative": initiative.pk, "title": "X"})
    assert response.status_code == 403
    assert not RequirementDoc.objects.exists()


# A document ------------------------------------------------------------------------


def test_the_document_page_shows_its_header_fields_body_and_history(
    manager, doc, initiative
):
    new_version(
        manager,
        doc,
        "## Why\n\nBecause **churn** hurts.",
        problem_statement="Customers leave.",
        data_sources=[
            {"name": "CRM", "owner": "Sales ops", "freshness": "daily", "pii": True}
        ],
        mission_criticality=3,
    )
    response = login(manager).get(url("doc", doc.pk))
    assert response.status_code == 200
    page = text(response)
    latest = doc.versions.get(number=2)
    assert "Churn model" in page and "CHURN-1" in page
    assert "Version <strong>2</strong> of 2" in page
    assert latest.content_sha256[:12] in page
    assert f'title="SHA-256 {latest.content_sha256}"' in page
    assert 'data-state="draft"' in page
    assert "Customers leave." in page
    assert 'data-testid="pii"' in page
    assert "Sales ops" in page and "daily" in page
    assert "Criticality 3/4" in page
    assert "<h2>Why</h2>" in page and "<strong>churn</strong>" in page
    assert page.index("Problem statement") < page.index("Business KPI")
    assert page.index("Business KPI") < page.index("Data sources")
    assert f"{url('doc_diff', doc.pk)}?from=1&amp;to=2" in page
    assert 'data-testid="old-version"' not in page
    assert 'data-testid="edit"' in page
    assert "(not on a board)" in page


def test_reading_an_older_version_says_which_is_the_latest(manager, doc):
    new_version(manager, doc, "two")
    new_version(manager, doc, "three")
    new_version(manager, doc, "four")
    response = login(manager).get(url("doc", doc.pk), {"version": 2})
    assert response.status_code == 200
    page = text(response)
    assert "You are reading version 2; the latest is 4." in page
    assert "<p>two</p>" in page and "<p>four</p>" not in page


def test_an_unknown_version_is_404_and_a_non_number_is_400(manager, doc):
    client = login(manager)
    assert client.get(url("doc", doc.pk), {"version": 9}).status_code == 404
    assert client.get(url("doc", doc.pk), {"version": 0}).status_code == 404
    assert client.get(url("doc", doc.pk + 1)).status_code == 404
    bad = client.get(url("doc", doc.pk), {"version": "two"})
    assert bad.status_code == 400
    assert "“two” is not a version number." in text(bad)


def test_the_sign_off_panel_shows_each_stakeholders_standing(manager, doc, signers):
    request = signoff_request_create(
        actor=manager,
        doc=doc,
        stakeholders=signers,
        policy="quorum",
        quorum=2,
        due=TODAY - dt.timedelta(days=1),
    )
    decide(request, signers[0])
    decide(request, signers[1], "rejected", comment="Where is the fallback?")
    new_version(manager, doc, "now with a fallback")
    page = text(login(signers[0]).get(url("doc", doc.pk)))
    panel = page[page.index('data-testid="signoff-panel"') :]
    assert "A quorum of <strong>2 of 3</strong>" in panel
    assert 'data-testid="overdue"' in panel
    stale = re.search(rf'data-stakeholder="{signers[0].pk}".*?</li>', panel, re.S)
    assert "Approved version 1" in stale.group(0)
    assert f"{url('doc_diff', doc.pk)}?from=1&amp;to=2" in stale.group(0)
    rejected = re.search(rf'data-stakeholder="{signers[1].pk}".*?</li>', panel, re.S)
    assert "Where is the fallback?" in rejected.group(0)
    waiting = re.search(rf'data-stakeholder="{signers[2].pk}".*?</li>', panel, re.S)
    assert 'data-standing="waiting"' in waiting.group(0)
    assert 'data-state="changes_requested"' in page
    # The request moved to version 2: no second request is offered.
    manager_page = text(login(manager).get(url("doc", doc.pk)))
    assert 'data-testid="request-signoff"' not in manager_page
    assert 'data-testid="sign-now"' not in manager_page


def test_sign_now_is_offered_to_a_waiting_or_stale_stakeholder_only(
    manager, doc, signers
):
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers[:2])
    decide(request, signers[0])
    has_sign_now = {}
    for user in (*signers, manager):
        page = text(login(user).get(url("doc", doc.pk)))
        has_sign_now[user] = 'data-testid="sign-now"' in page
    assert has_sign_now == {
        signers[0]: False,  # approved the version under review
        signers[1]: True,
        signers[2]: False,  # not asked
        manager: False,
    }
    new_version(manager, doc, "changed")
    page = text(login(signers[0]).get(url("doc", doc.pk)))
    assert "Read the changes and sign again" in page
    assert url("signoff", request.pk) in page


def test_unmet_criticality_rules_are_listed(manager, signers):
    from teamhub.requirements.models import SignOffRule
    from tests.factories import PersonFactory, TeamFactory

    engineering = TeamFactory(name="Engineering")
    SignOffRule.objects.create(min_criticality=3, team=engineering)
    engineer = UserFactory(roles=["stakeholder"])
    PersonFactory(user=engineer, team=engineering)
    critical = doc_create(
        actor=manager,
        initiative=InitiativeFactory(mission_criticality=3),
        title="Critical",
    )
    signoff_request_create(
        actor=manager, doc=critical, stakeholders=[signers[0], engineer]
    )
    page = text(login(manager).get(url("doc", critical.pk)))
    assert 'data-testid="unmet-rules"' in page
    assert "Criticality ≥ 3 needs Engineering" in page


def test_a_draft_offers_writers_to_request_sign_off(manager, doc, make_user):
    page = text(login(manager).get(url("doc", doc.pk)))
    assert 'data-testid="no-request"' in page
    assert url("signoff_request_new", doc.pk) in page
    reader = text(login(make_user("stakeholder")).get(url("doc", doc.pk)))
    assert url("signoff_request_new", doc.pk) not in reader
    assert 'data-testid="edit"' not in reader


def test_the_document_links_to_its_card_when_on_a_board(manager, doc, initiative):
    from teamhub.initiatives.services_boards import board_create
    from teamhub.initiatives.services_cards import card_add

    board = board_create(actor=manager, name="Vision", include_initiatives=False)
    card = card_add(actor=manager, board=board, initiative=initiative)
    page = text(login(manager).get(url("doc", doc.pk)))
    assert reverse("initiatives:card", args=[card.pk]) in page


XSS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)" onclick="alert(2)">a</a>',
    "![i](javascript:alert(1))",
    "<svg onload=alert(1)>",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)
            self._in_script = False


def test_xss_in_the_body_fields_and_title_renders_inert(manager, initiative):
    payload = "\n\n".join(XSS)
    doc = doc_create(actor=manager, initiative=initiative, title=XSS[0])
    new_version(
        manager,
        doc,
        payload,
        problem_statement=payload,
        risks=XSS[1],
        data_sources=[{"name": XSS[0], "owner": XSS[1], "freshness": "", "pii": True}],
    )
    for address in (url("doc", doc.pk), url("doc_diff", doc.pk), url("docs")):
        page = text(login(manager).get(address))
        tags = _Tags()
        tags.feed(page)
        assert not [a for a in tags.attrs if a[1].startswith("on")], address
        assert not [
            a for a in tags.attrs if a[2].strip().lower().startswith("javascript:")
        ], address
        assert not [s for s in tags.scripts if "alert" in s], address
        assert "<img" not in page and "<svg" not in page
        assert "&lt;script&gt;" in page  # shown as text, not run
    # Every input of the editor keeps the payload as text.
    editor = text(login(manager).get(url("doc_edit", doc.pk)))
    assert "<script>alert" not in editor and "&lt;script&gt;" in editor


# The editor ------------------------------------------------------------------------


def test_saving_the_editor_creates_the_next_version(manager, doc):
    client = login(manager)
    form = client.get(url("doc_edit", doc.pk))
    assert form.status_code == 200
    assert 'name="based_on" value="1"' in text(form)
    data = edit_data(
        doc,
        sources=[
            {"name": "CRM", "owner": "Sales ops", "freshness": "daily", "pii": True},
            {"name": "Web logs"},
        ],
        body_markdown="# New body",
        ml_metric="AUC",
        mission_criticality=4,
    )
    response = client.post(url("doc_edit", doc.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("doc", doc.pk)
    version = doc.versions.get(number=2)
    assert version.author == manager
    assert version.body_markdown == "# New body"
    assert version.fields["ml_metric"] == "AUC"
    assert version.fields["mission_criticality"] == 4
    assert version.fields["data_sources"] == [
        {"name": "CRM", "owner": "Sales ops", "freshness": "daily", "pii": True},
        {"name": "Web logs", "owner": "", "freshness": "", "pii": False},
    ]
    assert "Saved version 2" in text(client.get(response["Location"]))
    # The editor reopens with those rows and a few blank ones.
    again = text(client.get(url("doc_edit", doc.pk)))
    assert 'value="CRM"' in again and 'name="sources-TOTAL_FORMS" value="5"' in again


def test_the_editor_keeps_line_breaks_and_every_field(manager, doc):
    client = login(manager)
    data = edit_data(doc, acceptance_criteria="- one\n- two", kpi_owner="Ana")
    assert client.post(url("doc_edit", doc.pk), data).status_code == 302
    fields = doc.versions.get(number=2).fields
    assert fields["acceptance_criteria"] == "- one\n- two"
    assert fields["kpi_owner"] == "Ana"
    assert set(fields) == {field.key for field in FIELDS}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"mission_criticality": "9"}, 'data-testid="error-mission_criticality"'),
        ({"mission_criticality": ""}, 'data-testid="error-mission_criticality"'),
        ({"body_markdown": "x" * 1_000_001}, "The body is over 1 MB"),
        ({"sources-0-owner": "orphan"}, 'data-testid="error-source-name"'),
        ({"sources-TOTAL_FORMS": ""}, 'data-testid="error-data_sources"'),
        ({"based_on": "abc"}, "The form lost track of the version you opened"),
    ],
)
def test_bad_input_in_the_editor_is_400_and_writes_nothing(
    manager, doc, changes, error
):
    before = DocVersion.objects.count()
    response = login(manager).post(url("doc_edit", doc.pk), edit_data(doc, **changes))
    assert response.status_code == 400
    assert error in text(response)
    assert DocVersion.objects.count() == before


def test_saving_without_a_change_says_so(manager, doc):
    response = login(manager).post(url("doc_edit", doc.pk), edit_data(doc))
    assert response.status_code == 400
    assert "Nothing changed since version 1." in text(response)
    assert doc.versions.count() == 1


def test_blank_source_rows_are_ignored(manager, doc):
    data = edit_data(doc, blank_rows=5, ml_metric="F1")
    assert login(manager).post(url("doc_edit", doc.pk), data).status_code == 302
    assert doc.versions.get(number=2).fields["data_sources"] == []


def test_a_save_from_an_older_version_is_409_and_keeps_the_users_text(
    manager, doc, make_user
):
    client = login(manager)
    data = edit_data(doc, risks="My careful risk analysis", body_markdown="Mine")
    new_version(make_user("manager"), doc, "Someone else's body")
    response = client.post(url("doc_edit", doc.pk), data)
    assert response.status_code == 409
    page = text(response)
    assert "Version 2 was saved since you opened version 1" in page
    assert "My careful risk analysis" in page and ">\nMine</textarea>" in page
    assert f"{url('doc_diff', doc.pk)}?from=1&amp;to=2" in page
    assert doc.versions.count() == 2
    # The form is now based on version 2: saving again is a deliberate choice.
    assert 'name="based_on" value="2"' in page
    resaved = client.post(url("doc_edit", doc.pk), {**data, "based_on": "2"})
    assert resaved.status_code == 302
    assert doc.versions.get(number=3).fields["risks"] == "My careful risk analysis"


def test_the_editor_warns_that_approvals_become_stale(manager, doc, signers):
    client = login(manager)
    assert 'data-testid="stale-warning"' not in text(
        client.get(url("doc_edit", doc.pk))
    )
    request = signoff_request_create(actor=manager, doc=doc, stakeholders=signers)
    decide(request, signers[0])
    decide(request, signers[1])
    decide(request, signers[2], "rejected", comment="No.")
    page = text(client.get(url("doc_edit", doc.pk)))
    assert (
        "Saving creates version 2: the 2 approvals of version 1 become stale and "
        "the stakeholders must sign again."
    ) in page
    assert "The 1 rejection stays in force until withdrawn." in page


def test_only_writers_open_the_editor(make_user, doc, initiative):
    member = make_user("data_scientist")
    AssignmentFactory(person=member.person, initiative=initiative)
    owner = make_user("data_scientist")
    initiative.owner = owner.person
    initiative.save()
    assert login(member).get(url("doc_edit", doc.pk)).status_code == 200
    assert login(owner).get(url("doc_edit", doc.pk)).status_code == 200
    outsider = make_user("data_scientist")
    response = login(outsider).get(url("doc_edit", doc.pk))
    assert response.status_code == 403
    assert "Only managers and the people working on an initiative" in text(response)


# Differences -----------------------------------------------------------------------


def test_the_diff_compares_the_previous_and_the_latest_by_default(manager, doc):
    new_version(manager, doc, "alpha", ml_metric="AUC")
    new_version(manager, doc, "beta", ml_metric="F1")
    response = login(manager).get(url("doc_diff", doc.pk))
    assert response.status_code == 200
    page = text(response)
    assert re.search(r'<option value="2" selected>', page)
    assert re.search(r'<option value="3" selected>', page)
    assert 'data-testid="version-diff"' in page
    assert "AUC" in page and "F1" in page and "beta" in page


def test_the_diff_compares_any_two_versions_either_way(manager, doc):
    new_version(manager, doc, "alpha", ml_metric="AUC")
    new_version(manager, doc, "beta")
    page = text(login(manager).get(url("doc_diff", doc.pk), {"from": 3, "to": 1}))
    assert "Version 3" in page and "Version 1" in page
    assert '<tr data-field="ml_metric">' in page
    same = text(login(manager).get(url("doc_diff", doc.pk), {"from": 2, "to": 2}))
    assert 'data-testid="diff-unchanged"' in same


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": 1, "to": 7}, 404),
        ({"from": 0, "to": 2}, 404),
        ({"from": "one", "to": 2}, 400),
        ({"from": 1, "to": "2x"}, 400),
        ({"from": "-1", "to": 2}, 400),
    ],
)
def test_bad_versions_in_the_diff(manager, doc, params, status):
    new_version(manager, doc, "two")
    response = login(manager).get(url("doc_diff", doc.pk), params)
    assert response.status_code == status
    if status == 400:
        assert "is not a version number" in text(response)


def test_a_document_with_one_version_has_nothing_to_compare(manager, doc):
    response = login(manager).get(url("doc_diff", doc.pk))
    assert response.status_code == 200
    assert 'data-testid="nothing-to-compare"' in text(response)


# The permission matrix -----------------------------------------------------------

ROLE_CASES = [
    "manager",
    "data_scientist",  # not on the initiative
    "data_scientist_on",  # assigned to the initiative
    "stakeholder",
    "admin",
    "anonymous",
]
WRITERS = {"manager", "data_scientist_on", "admin"}


def client_for(role, make_user, initiative):
    if role == "anonymous":
        return Client()
    if role == "data_scientist_on":
        user = make_user("data_scientist")
        AssignmentFactory(person=user.person, initiative=initiative)
    else:
        user = make_user(role)
    return login(user)


@pytest.mark.parametrize("role", ROLE_CASES)
def test_permission_matrix_of_the_pages(role, make_user, initiative, doc, manager):
    new_version(manager, doc, "two")
    client = client_for(role, make_user, initiative)
    pages = {
        "docs": (url("docs"), 200),
        "doc": (url("doc", doc.pk), 200),
        "old version": (f"{url('doc', doc.pk)}?version=1", 200),
        "diff": (f"{url('doc_diff', doc.pk)}?from=1&to=2", 200),
        "new": (
            f"{url('doc_new')}?initiative={initiative.pk}",
            200 if role in WRITERS else 403,
        ),
        "edit": (url("doc_edit", doc.pk), 200 if role in WRITERS else 403),
    }
    for name, (address, expected) in pages.items():
        response = client.get(address)
        if role == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name
        else:
            assert response.status_code == expected, (name, response.status_code)


@pytest.mark.parametrize("role", ROLE_CASES)
def test_permission_matrix_of_the_writes(role, make_user, initiative, doc):
    client = client_for(role, make_user, initiative)
    docs, versions = RequirementDoc.objects.count(), DocVersion.objects.count()
    created = client.post(
        url("doc_new"), {"initiative": initiative.pk, "title": "Another"}
    )
    saved = client.post(url("doc_edit", doc.pk), edit_data(doc, ml_metric="AUC"))
    if role == "anonymous":
        assert created.status_code == saved.status_code == 302
        assert created["Location"].startswith(reverse("login"))
        assert saved["Location"].startswith(reverse("login"))
    elif role in WRITERS:
        assert created.status_code == saved.status_code == 302
        assert RequirementDoc.objects.count() == docs + 1
        assert DocVersion.objects.count() == versions + 2
        return
    else:
        assert created.status_code == saved.status_code == 403
    assert RequirementDoc.objects.count() == docs
    assert DocVersion.objects.count() == versions


@pytest.mark.parametrize("name", ["docs", "doc", "doc_diff"])
def test_the_reading_pages_refuse_posts(manager, doc, name):
    address = url(name) if name == "docs" else url(name, doc.pk)
    assert login(manager).post(address).status_code == 405

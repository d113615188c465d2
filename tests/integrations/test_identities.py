"""Identities: matching by e-mail, GitHub noreply addresses, and a manager's
link / unlink attributing past events and their skill evidence."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from teamhub.core.models import AuditEvent
from teamhub.core.roles import user_roles
from teamhub.integrations.identities import (
    SeenIdentity,
    github_noreply_login,
    identities_resolve,
    identity_hint,
)
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    SkillEvidence,
    SkillEvidenceRule,
    Source,
)
from teamhub.integrations.services import identity_link, identity_unlink
from teamhub.people.models import Person, Skill
from tests.factories import PersonFactory, SkillFactory, UserFactory

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


def make_identity(
    *,
    source: str = Source.GIT,
    email: str = "someone@elsewhere.org",
    display_name: str = "Some One",
    person: Person | None = None,
) -> ExternalIdentity:
    n = next(_ids)
    return ExternalIdentity.objects.create(
        source=source,
        external_id=email.lower() if source == Source.GIT else f"acc-{n}",
        email=email.lower(),
        display_name=display_name,
        person=person,
    )


def make_event(
    *,
    identity: ExternalIdentity | None = None,
    person: Person | None = None,
    source: str = Source.GIT,
    kind: str = ActivityEvent.Kind.COMMIT,
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    initiative: Any = None,
    title: str = "A change",
    orphaned: bool = False,
) -> ActivityEvent:
    n = next(_ids)
    if person is None and identity is not None:
        person = identity.person
    return ActivityEvent.objects.create(
        source=source,
        kind=kind,
        external_id=f"repo:{n:040x}" if kind == "commit" else f"jira:{n}",
        identity=identity,
        person=person,
        initiative=initiative,
        occurred_at=occurred_at or timezone.now(),
        title=title,
        url=f"https://git.example.com/c/{n}",
        data=data if data is not None else {},
        orphaned=orphaned,
    )


def torch_rule() -> Skill:
    skill = SkillFactory(name="PyTorch")
    SkillEvidenceRule.objects.create(kind="import", pattern="torch", skill=skill)
    return skill


# --- GitHub noreply addresses --------------------------------------------------------


@pytest.mark.parametrize(
    "email, login",
    [
        ("12345+octocat@users.noreply.github.com", "octocat"),
        ("octocat@users.noreply.github.com", "octocat"),
        ("  9876+Mona-Lisa@Users.NoReply.GitHub.com ", "mona-lisa"),
        (
            "41898282+github-actions[bot]@users.noreply.github.com",
            "github-actions[bot]",
        ),
        ("octocat@github.com", None),
        ("12345+octocat@example.com", None),
        ("", None),
    ],
)
def test_github_noreply_login_is_parsed(email, login):
    assert github_noreply_login(email) == login


def test_noreply_hint_names_the_github_user():
    assert identity_hint("1+octocat@users.noreply.github.com") == "GitHub user @octocat"
    assert identity_hint("ada@example.com") == ""


# --- resolving by e-mail -----------------------------------------------------------


def test_resolve_links_by_email_case_insensitively():
    person = PersonFactory(user=UserFactory(email="Ada.Lovelace@Example.com"))

    found = identities_resolve(
        source=Source.GIT,
        seen=[
            SeenIdentity("ada.lovelace@example.com", " ADA.lovelace@example.COM ", "A")
        ],
    )

    identity = found["ada.lovelace@example.com"]
    assert identity.person == person
    assert identity.email == "ada.lovelace@example.com"


def test_resolve_leaves_unknown_and_noreply_authors_for_review():
    PersonFactory(user=UserFactory(username="octocat", email="octo@example.com"))

    found = identities_resolve(
        source=Source.GIT,
        seen=[
            SeenIdentity(
                "1+octocat@users.noreply.github.com",
                "1+octocat@users.noreply.github.com",
            ),
            SeenIdentity("stranger@else.org", "stranger@else.org", "Stranger"),
        ],
    )

    assert {i.person_id for i in found.values()} == {None}
    noreply = found["1+octocat@users.noreply.github.com"]
    assert noreply.display_name == "@octocat"


def test_resolve_twice_keeps_one_identity_each():
    seen = [SeenIdentity("acc-1", "x@example.com", "X")]
    first = identities_resolve(source=Source.JIRA, seen=seen)
    second = identities_resolve(source=Source.JIRA, seen=seen)
    assert first["acc-1"].pk == second["acc-1"].pk
    assert ExternalIdentity.objects.count() == 1


# --- link and unlink -----------------------------------------------------------------


def test_link_attributes_past_events_and_records_their_evidence(manager):
    skill = torch_rule()
    identity = make_identity()
    events = [
        make_event(identity=identity, data={"imports": ["torch"]}) for _ in range(3)
    ]
    other = make_event(
        identity=make_identity(email="x@y.org"), data={"imports": ["torch"]}
    )
    person = PersonFactory()

    identity_link(actor=manager, identity=identity, person=person)

    identity.refresh_from_db()
    assert identity.person == person
    assert identity.linked_by == manager
    assert identity.linked_at is not None
    assert set(
        ActivityEvent.objects.filter(person=person).values_list("pk", flat=True)
    ) == {e.pk for e in events}
    other.refresh_from_db()
    assert other.person is None
    evidence = SkillEvidence.objects.filter(person=person, skill=skill)
    assert evidence.count() == 3
    assert AuditEvent.objects.filter(
        verb="identity.linked", target_id=str(identity.pk)
    ).exists()


def test_relinking_moves_events_and_evidence_to_the_new_person(manager):
    torch_rule()
    first, second = PersonFactory(), PersonFactory()
    identity = make_identity()
    make_event(identity=identity, data={"imports": ["torch"]})
    identity_link(actor=manager, identity=identity, person=first)

    identity_link(actor=manager, identity=identity, person=second)

    assert ActivityEvent.objects.get().person == second
    assert list(SkillEvidence.objects.values_list("person", flat=True)) == [second.pk]


def test_unlink_returns_events_to_nobody_and_drops_their_evidence(manager):
    torch_rule()
    person = PersonFactory()
    identity = make_identity(person=person)
    make_event(identity=identity, data={"imports": ["torch"]})
    identity_link(actor=manager, identity=identity, person=person)
    assert SkillEvidence.objects.count() == 1

    identity_unlink(actor=manager, identity=identity)

    identity.refresh_from_db()
    assert identity.person is None and identity.linked_by is None
    assert ActivityEvent.objects.get().person is None
    assert SkillEvidence.objects.count() == 0
    assert AuditEvent.objects.filter(verb="identity.unlinked").count() == 1


@pytest.mark.parametrize("role, allowed", [
    ("manager", True), ("admin", True),
    ("data_scientist", False), ("stakeholder", False),
])  # fmt: skip
def test_only_managers_and_admins_link_and_unlink(make_user, role, allowed):
    actor = make_user(role)
    identity = make_identity()
    person = PersonFactory()

    if allowed:
        identity_link(actor=actor, identity=identity, person=person)
        identity_unlink(actor=actor, identity=identity)
    else:
        with pytest.raises(PermissionDenied):
            identity_link(actor=actor, identity=identity, person=person)
        with pytest.raises(PermissionDenied):
            identity_unlink(actor=actor, identity=identity)
        assert not AuditEvent.objects.exists()

    identity.refresh_from_db()
    assert identity.person is None


@pytest.mark.parametrize("n", [5, 100])
def test_link_uses_a_fixed_number_of_queries(manager, django_assert_max_num_queries, n):
    torch_rule()
    SkillEvidenceRule.objects.create(
        kind="file_extension", pattern=".ipynb", skill=SkillFactory(name="Jupyter")
    )
    identity = make_identity()
    for _ in range(n):
        make_event(
            identity=identity,
            data={"imports": ["torch"], "files": [{"path": "a/b.ipynb"}]},
        )
    person = PersonFactory()
    user_roles(manager)  # read once per request in real use

    # SQLite inserts at most 199 evidence rows per statement: 200 rows take two.
    with django_assert_max_num_queries(17):
        identity_link(actor=manager, identity=identity, person=person)

    assert SkillEvidence.objects.filter(person=person).count() == 2 * n

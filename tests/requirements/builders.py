"""Helpers the requirements tests share: sign, save a new version, ask, log in."""

from django.test import Client

from teamhub.requirements.services import doc_version_create
from teamhub.requirements.services_signoff import (
    signoff_decide,
    signoff_request_create,
)
from tests.factories import UserFactory

PASSWORD = "secret-pass-123"  # UserFactory's


def latest(doc):
    """The document's newest version."""
    return doc.versions.order_by("-number").first()


def decide(
    request, user, decision="approved", comment="", *, version=None, password=PASSWORD
):
    """``user`` signs ``decision`` on the version under review (or ``version``)."""
    request.refresh_from_db()
    return signoff_decide(
        request=request,
        stakeholder=user,
        decision=decision,
        password=password,
        version_number=request.version.number if version is None else version,
        comment=comment,
    )


def new_version(actor, doc, body=None, **fields):
    """Save a version on top of the latest, with ``fields`` changed; without
    ``body``, the latest body with a line added."""
    last = latest(doc)
    return doc_version_create(
        actor=actor,
        doc=doc,
        body_markdown=f"{last.body_markdown}\nmore" if body is None else body,
        fields={**last.fields, **fields},
        based_on=last.number,
    )


def ask(actor, doc, signers, **kwargs):
    """Ask ``signers`` to sign ``doc``."""
    return signoff_request_create(actor=actor, doc=doc, stakeholders=signers, **kwargs)


def named_signers():
    """Three stakeholders with first names Ann, Ben and Cat."""
    return [
        UserFactory(roles=["stakeholder"], first_name=name, last_name="Signer")
        for name in ("Ann", "Ben", "Cat")
    ]


def login(user) -> Client:
    """A Django client logged in as ``user``."""
    client = Client()
    client.force_login(user)
    return client

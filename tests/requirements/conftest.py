"""Fixtures the requirements tests share; a test file may override any of them."""

import pytest

from teamhub.requirements.services import doc_create
from tests.factories import InitiativeFactory, UserFactory


@pytest.fixture
def initiative():
    return InitiativeFactory(key="CHURN-1", title="Churn", mission_criticality=1)


@pytest.fixture
def doc(manager, initiative):
    return doc_create(actor=manager, initiative=initiative, title="Churn model")


@pytest.fixture
def signers():
    return [UserFactory(roles=["stakeholder"]) for _ in range(3)]

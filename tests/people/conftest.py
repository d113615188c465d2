"""Fixtures for the people tests."""

import pytest

from teamhub.people.models import Skill
from tests.factories import SkillFactory


@pytest.fixture
def skills() -> dict[str, Skill]:
    """Three skills the search tests look up by name, alias and typo."""
    return {
        "pytorch": SkillFactory(name="PyTorch", aliases=["torch"]),
        "nlp": SkillFactory(name="Natural language processing", aliases=["NLP"]),
        "sql": SkillFactory(name="SQL"),
    }

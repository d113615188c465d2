"""Fixtures the staffing tests share (builders in ``tests/staffing/builders.py``);
a test file may override any of them.

- ``initiative``: the initiative being staffed (key "CHURN-1", team "Data Science").
- ``pytorch``, ``sql``, ``spark``: skills.
- ``staffing_request``: an open request on ``initiative`` with one role "ML engineer"
  (1 person, 50%, the default window) needing PyTorch ≥ 3 (must) and SQL ≥ 2 (nice).
- ``ml_role``: that role.
- ``candidates``: Ana Ruiz (PyTorch 4, SQL 3, manager-validated PyTorch),
  Ben Okafor (PyTorch 3) and Cleo Park (PyTorch 2, SQL 4: an alternative).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from teamhub.people.models import Person, PersonSkill, Skill, Team
from teamhub.staffing.models import RoleRequirement, StaffingRequest
from tests.factories import InitiativeFactory, SkillFactory, TeamFactory
from tests.staffing.builders import need, person_build, request_build, role


@pytest.fixture
def ds_team(db: Any) -> Team:
    return TeamFactory(name="Data Science")


@pytest.fixture
def initiative(ds_team: Team) -> Any:
    return InitiativeFactory(
        key="CHURN-1", title="Churn model", team=ds_team, start=dt.date(2026, 1, 1)
    )


@pytest.fixture
def pytorch(db: Any) -> Skill:
    return SkillFactory(name="PyTorch")


@pytest.fixture
def sql(db: Any) -> Skill:
    return SkillFactory(name="SQL")


@pytest.fixture
def spark(db: Any) -> Skill:
    return SkillFactory(name="Spark")


@pytest.fixture
def staffing_request(
    initiative: Any, pytorch: Skill, sql: Skill, manager: Any
) -> StaffingRequest:
    return request_build(
        initiative=initiative,
        created_by=manager,
        roles=[
            role(
                "ML engineer",
                skills=[need(pytorch, 3), need(sql, 2, "nice")],
                allocation=50,
            )
        ],
    )


@pytest.fixture
def ml_role(staffing_request: StaffingRequest) -> RoleRequirement:
    return staffing_request.roles.get()


@pytest.fixture
def candidates(pytorch: Skill, sql: Skill, ds_team: Team) -> dict[str, Person]:
    return {
        "ana": person_build(
            "Ana Ruiz",
            team=ds_team,
            skills={
                pytorch: {"level": 4, "source": PersonSkill.Source.MANAGER},
                sql: 3,
            },
        ),
        "ben": person_build("Ben Okafor", team=ds_team, skills={pytorch: 3}),
        "cleo": person_build("Cleo Park", team=ds_team, skills={pytorch: 2, sql: 4}),
    }

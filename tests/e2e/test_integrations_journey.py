"""The integrations journey: an admin adds a local Git repository and syncs it
now; the run succeeds with its commit count; a manager links the unknown
author on the identities page; that person's profile then shows the commits
and the skills they show, and the initiative's board card counts the activity."""

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from teamhub.initiatives.models import Card
from teamhub.initiatives.services_boards import board_create
from teamhub.integrations.evidence import evidence_rules_seed
from teamhub.integrations.models import (
    ActivityEvent,
    ExternalIdentity,
    GitRepository,
    SyncRun,
)
from teamhub.people.services_taxonomy import skill_taxonomy_load
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories import InitiativeFactory, PersonFactory, TeamFactory, UserFactory

PASSWORD = "secret-pass-123"  # UserFactory's
DANA = ("Dana Data", "dana@acme.example")
UMA_IN_GIT = ("Uma at home", "uma.home@contractor.example")


def git(repo: Path, *args: str, author: tuple[str, str] | None = None, at: Any = None):
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("GIT_")
    }
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent), "LC_ALL": "C"})
    if author is not None:
        name, email = author
        stamp = f"{int(at.timestamp())} +0000"
        env.update(
            {
                "GIT_AUTHOR_NAME": name,
                "GIT_AUTHOR_EMAIL": email,
                "GIT_AUTHOR_DATE": stamp,
                "GIT_COMMITTER_NAME": name,
                "GIT_COMMITTER_EMAIL": email,
                "GIT_COMMITTER_DATE": stamp,
            }
        )
    subprocess.run(
        ["git", *args],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )


def commit(
    repo: Path, files: dict[str, str], message: str, author: tuple[str, str], at: Any
) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message, author=author, at=at)


NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], '
    '"execution_count": null, "source": ["import pandas as pd\\n", '
    '"from sklearn.linear_model import LogisticRegression\\n"]}], '
    '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A local repository: Dana (a known e-mail) and Uma (an unknown one)."""
    path = tmp_path / "churn-models"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch=main")
    now = timezone.now()
    commit(
        path,
        {"src/model.py": "import torch\nfrom torch import nn\n"},
        "Add the churn model",
        DANA,
        now - dt.timedelta(days=6),
    )
    commit(
        path,
        {"notebooks/eda.ipynb": NOTEBOOK, "src/baseline.py": "import sklearn\n"},
        "Explore churn by segment",
        UMA_IN_GIT,
        now - dt.timedelta(days=4),
    )
    commit(
        path,
        {"sql/training_set.sql": "SELECT 1;\n", "Dockerfile": "FROM python:3.12\n"},
        "Ship the training set and the image",
        UMA_IN_GIT,
        now - dt.timedelta(days=2),
    )
    return path


@pytest.fixture
def journey(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.TEAMHUB_GIT_MIRRORS_DIR = tmp_path / "mirrors"
    skill_taxonomy_load()
    evidence_rules_seed()
    team = TeamFactory(name="Retention")
    UserFactory(username="ada", first_name="Ada", last_name="Admin", roles=["admin"])
    manager = UserFactory(
        username="maria", first_name="Maria", last_name="Manager", roles=["manager"]
    )
    PersonFactory(user=manager, team=team)
    dana = UserFactory(
        username="dana", first_name="Dana", last_name="Data", email=DANA[1]
    )
    PersonFactory(user=dana, team=team)
    uma = UserFactory(
        username="uma", first_name="Uma", last_name="Umarov", email="uma@acme.example"
    )
    uma_person = PersonFactory(user=uma, team=team)
    initiative = InitiativeFactory(
        key="RET-9", title="Churn early warning", team=team, owner=manager.person
    )
    board = board_create(actor=manager, name="Retention", team=team)
    card = Card.objects.get(board=board, initiative=initiative)
    return {"uma": uma_person, "initiative": initiative, "board": board, "card": card}


def test_admin_adds_and_syncs_a_repository_and_a_manager_links_the_author(
    journey: dict[str, Any], repo: Path, open_page: Callable[..., Any]
) -> None:
    # The admin adds the repository on the settings page.
    admin = open_page(width=1400)
    login(admin, "ada", PASSWORD)
    admin.goto("/integrations/settings/")
    admin.get_by_role("link", name="Add a Git repository").click()
    admin.get_by_label("Name").fill("churn-models")
    admin.get_by_label("URL or path").fill(str(repo))
    admin.get_by_label("Branches").fill("main")
    admin.get_by_label("Initiative").select_option(label=str(journey["initiative"]))
    admin.get_by_role("button", name="Add the repository").click()
    repository = GitRepository.objects.get(name="churn-models")
    assert repository.branches == ["main"]
    assert repository.initiative == journey["initiative"]

    # "Sync now": the task runs when the request commits (eager in tests).
    admin.goto("/integrations/")
    section = admin.locator(f"#git-{repository.pk}")
    expect(section).to_contain_text("No runs yet")
    section.get_by_role("button", name="Sync now").click()
    section = admin.locator(f"#git-{repository.pk}")
    run_row = section.get_by_test_id("run").first
    expect(run_row).to_have_attribute("data-status", "succeeded")
    expect(run_row).to_contain_text("Succeeded")
    expect(run_row).to_contain_text("commits 3")
    expect(section.get_by_test_id("lag")).to_contain_text("Last good sync")
    run = SyncRun.objects.get(git=repository)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts["commits"] == 3
    assert run.trigger == SyncRun.Trigger.MANUAL
    admin.screenshot(path=str(SCREENSHOTS / "integrations.png"), full_page=True)

    # Dana's commit linked by e-mail; Uma's wait for a manager.
    assert ActivityEvent.objects.filter(person__user__username="dana").count() == 1
    assert ActivityEvent.objects.filter(person=None).count() == 2

    manager = open_page(width=1400)
    login(manager, "maria", PASSWORD)
    manager.goto("/integrations/identities/")
    waiting = manager.locator(f"tr[data-identity] >> text={UMA_IN_GIT[1]}")
    expect(waiting).to_be_visible()
    manager.get_by_label(f"Person for {UMA_IN_GIT[0]} (e-mail)").fill(
        "uma@acme.example"
    )
    manager.get_by_role("button", name=f"Link {UMA_IN_GIT[0]}").click()
    manager.wait_for_load_state("networkidle")
    identity = ExternalIdentity.objects.get(external_id=UMA_IN_GIT[1])
    assert identity.person == journey["uma"]
    # Linking attributes her past commits too.
    assert ActivityEvent.objects.filter(person=journey["uma"]).count() == 2

    # Uma's profile shows the commits and the skills they show.
    manager.goto(f"/people/{journey['uma'].pk}/")
    activity = manager.get_by_test_id("profile-activity")
    expect(activity).to_contain_text("Ship the training set and the image")
    expect(activity).to_contain_text("Explore churn by segment")
    expect(activity).to_contain_text("RET-9")
    evidence = manager.get_by_test_id("profile-evidence")
    for skill in ("scikit-learn", "Jupyter", "SQL", "Docker"):
        expect(evidence).to_contain_text(skill)
    expect(evidence).not_to_contain_text("PyTorch")  # Dana's commit, not hers
    manager.get_by_test_id("profile-activity").scroll_into_view_if_needed()
    manager.screenshot(
        path=str(SCREENSHOTS / "integrations-profile.png"), full_page=True
    )

    # The initiative's card counts the activity of the last 30 days.
    manager.goto(f"/boards/{journey['board'].pk}/")
    face = manager.locator(f"#card-{journey['card'].pk}")
    expect(face.get_by_test_id("activity-slot")).to_contain_text("Activity: 3")

"""Demo Git activity: a small generated repository synced once through the real
runner, so profiles, board cards and the integrations page show activity.

The repository is written with ``git fast-import`` under
``settings.VAR_DIR / "demo" / "ml-repo.git"``: commits by a few demo people (their
demo e-mails, so their identities link by themselves) and by one contractor
nobody knows yet (waiting on the identities review page), touching files the
evidence rules recognise (``import torch``, ``from sklearn …``, notebooks, SQL, a
Dockerfile, Terraform). Commit dates count back from ``today`` at fixed times and
the contents come from the seed, so the same seed and day give the same commits.
"""

import datetime as dt
import json
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q

from teamhub.core.models import User
from teamhub.initiatives.models import Assignment, Initiative
from teamhub.integrations.git.mirror import git_env
from teamhub.integrations.models import GitRepository, SyncRun
from teamhub.integrations.runs import sync_run_execute, sync_run_queue
from teamhub.people.demo import data
from teamhub.people.models import Person

DEMO_REPOSITORY_NAME = "ml-repo"
DEMO_BRANCH = "main"
COMMITS = 28
DAYS = 42  # the commits spread over the last six weeks
AUTHORS = 3  # demo people who commit, besides the contractor
CONTRACTOR = ("Alex Kowalski", "alex.kowalski@contractor.example")
GIT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class DemoActivityResult:
    repository: GitRepository | None
    run: SyncRun | None
    commits: int
    authors: int


@dataclass(frozen=True)
class _Author:
    name: str
    email: str
    # The files this author works on, from _FILES.
    files: tuple[str, ...]


def demo_repository_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "ml-repo.git"


# Each file as the commit that creates it writes it (with its imports); later
# commits append to it (see _appendix).
_FILES: dict[str, str] = {
    "src/ranking/model.py": (
        '"""Two-tower ranking model."""\n\nimport torch\nfrom torch import nn\n'
    ),
    "src/ranking/train.py": (
        '"""Training loop."""\n\nimport mlflow\nimport torch\n'
        "from sklearn.metrics import roc_auc_score\n"
    ),
    "src/features/build.py": (
        '"""Feature pipeline."""\n\nimport pandas as pd\n'
        "from sklearn.preprocessing import StandardScaler\n"
    ),
    "src/features/spark_job.py": (
        '"""Nightly aggregation."""\n\nfrom pyspark.sql import SparkSession\n'
    ),
    "notebooks/eda.ipynb": "",  # a notebook, written by _notebook
    "sql/training_set.sql": (
        "-- Training set: one row per user and day.\nSELECT user_id, day\nFROM events\n"
    ),
    "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\n",
    "infra/main.tf": 'terraform {\n  required_version = ">= 1.6"\n}\n',
    "src/baseline.py": (
        '"""Non-ML baseline for the KPI."""\n\nfrom sklearn.dummy import '
        "DummyClassifier\nimport numpy as np\n"
    ),
}

_SUBJECTS: dict[str, tuple[str, ...]] = {
    "src/ranking/model.py": (
        "Add the two-tower ranking model",
        "Tune the embedding size",
        "Share the item tower weights",
    ),
    "src/ranking/train.py": (
        "Train with early stopping",
        "Log AUC to MLflow",
        "Fix the learning-rate schedule",
    ),
    "src/features/build.py": (
        "Build the recency features",
        "Scale the price features",
        "Drop leaky features",
    ),
    "src/features/spark_job.py": (
        "Aggregate sessions nightly with Spark",
        "Partition the aggregates by day",
    ),
    "notebooks/eda.ipynb": (
        "Explore click-through by segment",
        "Plot the label drift",
    ),
    "sql/training_set.sql": (
        "Select the training window",
        "Exclude test accounts from the training set",
    ),
    "Dockerfile": ("Containerise the scoring service", "Pin the base image"),
    "infra/main.tf": ("Provision the feature store bucket", "Add the GPU node pool"),
    "src/baseline.py": ("Add a majority-class baseline", "Compare with the baseline"),
}

# Who works on what: the first author trains models, the second builds
# features and data, the third ships them; the contractor runs baselines.
_ROLES: tuple[tuple[str, ...], ...] = (
    ("src/ranking/model.py", "src/ranking/train.py", "notebooks/eda.ipynb"),
    ("src/features/build.py", "sql/training_set.sql", "src/features/spark_job.py"),
    ("Dockerfile", "infra/main.tf", "src/ranking/train.py"),
)
_CONTRACTOR_FILES = ("src/baseline.py", "notebooks/eda.ipynb")


def _notebook(cells: list[str]) -> str:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": [line + "\n" for line in cell.splitlines()],
            }
            for cell in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


_NOTEBOOK_CELLS = (
    "import pandas as pd\nimport matplotlib.pyplot as plt",
    "clicks = pd.read_parquet('clicks.parquet')\nclicks.describe()",
    "import torch\ntorch.cuda.is_available()",
    "clicks.groupby('segment').ctr.mean().plot.bar()",
    "from sklearn.calibration import calibration_curve",
)


def _authors(
    initiative: Initiative, anchor: Person, *, today: dt.date
) -> list[_Author]:
    """The anchor and up to two others working on the initiative now (the
    anchor's teammates if it has fewer), then the unknown contractor."""
    others = list(
        Person.objects.filter(
            Q(assignments__end__isnull=True) | Q(assignments__end__gte=today),
            assignments__initiative=initiative,
            assignments__status__in=[
                Assignment.Status.CONFIRMED,
                Assignment.Status.PROPOSED,
            ],
        )
        .exclude(pk=anchor.pk)
        .select_related("user")
        .distinct()
        .order_by("pk")[: AUTHORS - 1]
    )
    if len(others) < AUTHORS - 1:
        others += list(
            Person.objects.filter(team=anchor.team_id)
            .exclude(pk__in=[anchor.pk, *(p.pk for p in others)])
            .select_related("user")
            .order_by("pk")[: AUTHORS - 1 - len(others)]
        )
    people = [anchor, *others]
    authors = [
        _Author(person.name, person.email, _ROLES[i % len(_ROLES)])
        for i, person in enumerate(people)
    ]
    authors.append(_Author(*CONTRACTOR, _CONTRACTOR_FILES))
    return authors


def _anchor(*, today: dt.date) -> tuple[Person, Initiative] | None:
    """The demo scientist (or else the first person with confirmed work now) and
    the initiative they spend most of their time on."""
    assignments = Assignment.objects.filter(
        Q(end__isnull=True) | Q(end__gte=today),
        status=Assignment.Status.CONFIRMED,
        start__lte=today,
    ).select_related("person__user", "initiative")
    scientist = assignments.filter(
        person__user__username=data.SCIENTIST_LOGIN.username
    ).order_by("-allocation", "initiative__key")
    assignment = scientist.first() or assignments.order_by("person", "pk").first()
    if assignment is None:
        return None
    return assignment.person, assignment.initiative


def _stream(authors: list[_Author], *, seed: int, today: dt.date) -> bytes:
    """The fast-import stream of the demo history on ``main``."""
    rng = random.Random(f"demo-activity-{seed}")
    contents: dict[str, str] = {}
    touched: dict[str, int] = {}
    out: list[bytes] = []

    def blob(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    for n in range(COMMITS):
        # The contractor commits every seventh time, the others in turn; the
        # oldest commit comes first.
        author = authors[-1] if n % 7 == 6 else authors[n % (len(authors) - 1)]
        files = rng.sample(author.files, k=rng.choice((1, 1, 2)))
        day = today - dt.timedelta(days=DAYS - (n * DAYS) // COMMITS)
        at = dt.datetime.combine(
            day, dt.time(9 + rng.randrange(9), rng.randrange(60)), tzinfo=dt.UTC
        )
        subjects = []
        changes: list[bytes] = []
        for path in sorted(files):
            step = touched.get(path, 0)
            touched[path] = step + 1
            if path.endswith(".ipynb"):
                text = _notebook(list(_NOTEBOOK_CELLS[: min(step + 2, 5)]))
            elif path in contents:
                text = contents[path] + _appendix(path, step)
            else:
                text = _FILES[path]
            contents[path] = text
            options = _SUBJECTS[path]
            subjects.append(options[step % len(options)])
            changes.append(f"M 100644 inline {path}\n".encode() + blob(text))
        message = subjects[0] if len(subjects) == 1 else "; ".join(subjects)
        ident = f"{author.name} <{author.email}> {int(at.timestamp())} +0000"
        out.append(f"commit refs/heads/{DEMO_BRANCH}\n".encode())
        out.append(f"author {ident}\ncommitter {ident}\n".encode())
        out.append(blob(message))
        out.extend(changes)
    out.append(b"done\n")
    return b"".join(out)


def _appendix(path: str, step: int) -> str:
    if path.endswith(".py"):
        name = Path(path).stem
        return f"\n\ndef {name}_step_{step}(frame):\n    return frame\n"
    if path.endswith(".sql"):
        return f"  AND day >= CURRENT_DATE - {30 * step}\n"
    if path.endswith(".tf"):
        return f'\nresource "null_resource" "step_{step}" {{}}\n'
    return f"RUN echo step {step}\n"


def _git(args: list[str], *, cwd: Path | None = None, stdin: bytes = b"") -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=git_env(),
        input=stdin,
        capture_output=True,
        check=True,
        timeout=GIT_TIMEOUT_SECONDS,
    )


def demo_repository_write(
    authors: list[_Author], *, seed: int, today: dt.date, path: Path
) -> None:
    """(Re)write the bare demo repository at ``path``."""
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _git(["init", "--bare", "--quiet", f"--initial-branch={DEMO_BRANCH}", str(path)])
    _git(
        ["fast-import", "--quiet", "--done"],
        cwd=path,
        stdin=_stream(authors, seed=seed, today=today),
    )


def demo_activity_seed(
    *, seed: int, today: dt.date, requested_by: User | None = None
) -> DemoActivityResult:
    """Write the demo repository, register it for the initiative the demo
    scientist works on most, and sync it once (queued, then executed here: no
    worker needed). Run inside the seeding transaction; needs ``git``."""
    empty = DemoActivityResult(repository=None, run=None, commits=0, authors=0)
    if shutil.which("git") is None:
        return empty
    anchor = _anchor(today=today)
    if anchor is None:
        return empty
    person, initiative = anchor
    if GitRepository.objects.filter(name=DEMO_REPOSITORY_NAME).exists():
        raise ValidationError(
            f"A Git repository named {DEMO_REPOSITORY_NAME!r} already exists; "
            "flush the demo data first."
        )
    authors = _authors(initiative, person, today=today)
    path = demo_repository_path()
    demo_repository_write(authors, seed=seed, today=today, path=path)
    repository = GitRepository.objects.create(
        name=DEMO_REPOSITORY_NAME,
        url=str(path),
        branches=[DEMO_BRANCH],
        initiative=initiative,
        created_by=requested_by,
    )
    # A scheduled run needs no manager; its message, sent after the seeding
    # commits, finds the run finished and does nothing.
    run = sync_run_queue(connection=repository, trigger=SyncRun.Trigger.SCHEDULE)
    run = sync_run_execute(run.pk)
    if run.status != SyncRun.Status.SUCCEEDED:
        raise ValidationError(f"The demo Git sync failed: {run.error}")
    return DemoActivityResult(
        repository=repository,
        run=run,
        commits=int(run.counts.get("commits", 0)),
        authors=len(authors),
    )

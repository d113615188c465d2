"""Parsing helpers of the Git ingestion: imports, noreply e-mails, web links,
credentials removed from URLs."""

from __future__ import annotations

import pytest

from teamhub.integrations.git.log import _line_imports, commit_parse
from teamhub.integrations.git.mirror import url_redact
from teamhub.integrations.git.sync import commit_url_base, github_login


@pytest.mark.parametrize(
    ("line", "notebook", "expected"),
    [
        ("import torch", False, ["torch"]),
        ("import torch.nn as nn", False, ["torch"]),
        ("import numpy as np, pandas as pd  # data", False, ["numpy", "pandas"]),
        ("from sklearn.metrics import f1_score", False, ["sklearn"]),
        ("    from pyspark.sql import functions as F", False, ["pyspark"]),
        ("from . import sibling", False, []),
        ("from .models import Thing", False, []),
        ("from __future__ import annotations", False, []),
        ("important = 1", False, []),
        ("# import torch", False, []),
        ('    "import tensorflow as tf\\n",', True, ["tensorflow"]),
        ('    "from xgboost import XGBClassifier"', True, ["xgboost"]),
        ('    "cell_type": "code",', True, []),
    ],
)
def test_line_imports(line: str, notebook: bool, expected: list[str]) -> None:
    assert list(_line_imports(line, notebook=notebook)) == expected


@pytest.mark.parametrize(
    ("email", "login"),
    [
        ("12345+octocat@users.noreply.github.com", "octocat"),
        ("octocat@users.noreply.github.com", "octocat"),
        ("Dependabot[bot]@users.noreply.github.com", "Dependabot[bot]"),
        ("octocat@example.com", None),
        ("", None),
    ],
)
def test_github_login(email: str, login: str | None) -> None:
    assert github_login(email) == login


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://github.com/acme/models.git", "https://github.com/acme/models"),
        ("https://github.com/acme/models/", "https://github.com/acme/models"),
        (
            "https://bot:tok@gitlab.example.com/ml/nlp.git",
            "https://gitlab.example.com/ml/nlp",
        ),
        ("git@github.com:acme/models.git", "https://github.com/acme/models"),
        (
            "https://gitea.internal:3000/ds/churn",
            "https://gitea.internal:3000/ds/churn",
        ),
        ("http://github.com/acme/models.git", None),
        ("https://example.com/acme/models.git", None),
        ("/srv/git/models.git", None),
    ],
)
def test_commit_url_base(url: str, base: str | None) -> None:
    assert commit_url_base(url) == base


def test_url_redact_removes_user_and_password() -> None:
    assert url_redact("https://u:p@host/x.git") == "https://host/x.git"
    assert url_redact("https://host/x.git") == "https://host/x.git"
    assert url_redact("/srv/x.git") == "/srv/x.git"


def test_commit_parse_reads_numstat_with_tabs_and_binary_files() -> None:
    record = (
        b"abc\x1fp1 p2\x1fAda\x1fada@example.com\x1f1767225600\x1fCI\x1fci@x"
        b"\x1f1767225660\x1fMerge \x1fodd\x00\n3\t1\tdir/a b\tc.py\x00-\t-\tw.bin\x00"
    )
    commit = commit_parse(record)

    assert commit.parents == ("p1", "p2")
    assert commit.merge
    assert commit.subject == "Merge \x1fodd"
    assert [(f.path, f.added, f.deleted) for f in commit.files] == [
        ("dir/a b\tc.py", 3, 1),
        ("w.bin", None, None),
    ]
    assert commit.authored_at.isoformat() == "2026-01-01T00:00:00+00:00"

"""Streaming ``git log`` of a mirror into Commit records (mailmap honoured,
numstat per file), plus the top-level Python imports added by each commit."""

import datetime as dt
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from teamhub.integrations.git.mirror import GitError, commit_exists, git_env, git_run

RECORD = b"\x1e"
FIELD = "\x1f"
# Subject last: it is the only free text, so a stray separator in it cannot
# shift the other fields.
LOG_FORMAT = "%x1e" + "%x1f".join(
    ["%H", "%P", "%aN", "%aE", "%at", "%cN", "%cE", "%ct", "%s"]
)
READ_SIZE = 1 << 16
PYTHON_SUFFIXES = (".py", ".ipynb")
MAX_IMPORT_LINE = 500

_IMPORT = re.compile(r"^\s*import\s+([A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,.*)?)")
_FROM = re.compile(r"^\s*from\s+([A-Za-z_]\w*)[\w.]*\s+import\b")
_IGNORED_MODULES = {"__future__"}


@dataclass(frozen=True)
class FileStat:
    path: str
    added: int | None  # None: a binary file ("-" in numstat)
    deleted: int | None

    @property
    def binary(self) -> bool:
        return self.added is None


@dataclass
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    authored_at: dt.datetime
    committer_name: str
    committer_email: str
    committed_at: dt.datetime
    subject: str
    files: list[FileStat] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)

    @property
    def merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def touches_python(self) -> bool:
        return any(stat.path.endswith(PYTHON_SUFFIXES) for stat in self.files)

    def to_json(self) -> dict[str, Any]:
        """The commit as stored in a RawPayload (Commit.from_json reads it)."""
        return {
            "sha": self.sha,
            "parents": list(self.parents),
            "author_name": self.author_name,
            "author_email": self.author_email,
            "authored_at": self.authored_at.isoformat(),
            "committer_name": self.committer_name,
            "committer_email": self.committer_email,
            "committed_at": self.committed_at.isoformat(),
            "subject": self.subject,
            "files": [[stat.path, stat.added, stat.deleted] for stat in self.files],
            "imports": self.imports,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Commit":
        return cls(
            sha=raw["sha"],
            parents=tuple(raw["parents"]),
            author_name=raw["author_name"],
            author_email=raw["author_email"],
            authored_at=dt.datetime.fromisoformat(raw["authored_at"]),
            committer_name=raw["committer_name"],
            committer_email=raw["committer_email"],
            committed_at=dt.datetime.fromisoformat(raw["committed_at"]),
            subject=raw["subject"],
            files=[
                FileStat(path, added, deleted) for path, added, deleted in raw["files"]
            ],
            imports=list(raw["imports"]),
        )


def _timestamp(raw: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)


def _count(raw: str) -> int | None:
    return None if raw == "-" else int(raw)


def commit_parse(record: bytes) -> Commit:
    """Parse one ``git log -z --numstat --format=LOG_FORMAT`` record (without
    its leading separator)."""
    text = record.decode("utf-8", errors="replace")
    header, _, stats = text.partition("\0")
    (sha, parents, a_name, a_email, a_time, c_name, c_email, c_time, subject) = (
        header.split(FIELD, 8)
    )
    files = []
    for entry in stats.lstrip("\n").split("\0"):
        if not entry:
            continue
        added, deleted, path = entry.split("\t", 2)
        files.append(FileStat(path, _count(added), _count(deleted)))
    return Commit(
        sha=sha,
        parents=tuple(parents.split()),
        author_name=a_name,
        author_email=a_email,
        authored_at=_timestamp(a_time),
        committer_name=c_name,
        committer_email=c_email,
        committed_at=_timestamp(c_time),
        subject=subject,
        files=files,
    )


def _records(stream: IO[bytes]) -> Iterator[bytes]:
    buffer = b""
    while chunk := stream.read(READ_SIZE):
        buffer += chunk
        *complete, buffer = buffer.split(RECORD)
        for record in complete:
            if record:
                yield record
    if buffer:
        yield buffer


def mailmap_blob(path: Path, tip: str) -> str | None:
    """The ``.mailmap`` at a branch's tip, for ``-c mailmap.blob=``, if any."""
    blob = f"{tip}:.mailmap"
    return blob if commit_exists(path, tip) and _blob_exists(path, blob) else None


def _blob_exists(path: Path, blob: str) -> bool:
    return git_run(["cat-file", "-e", blob], cwd=path, check=False).returncode == 0


def commits_stream(
    path: Path, *, tip: str, exclude: Iterable[str] = ()
) -> Iterator[Commit]:
    """Yield the commits reachable from ``tip`` and not from ``exclude``
    (newest first), from one streaming ``git log``; memory stays flat."""
    options = [
        "-c",
        "core.quotePath=false",
        "-c",
        "i18n.logOutputEncoding=UTF-8",
        "-c",
        "log.showSignature=false",
    ]
    blob = mailmap_blob(path, tip)
    if blob:
        options += ["-c", f"mailmap.blob={blob}"]
    args = [
        "git",
        *options,
        "log",
        "--use-mailmap",
        "--numstat",
        "--no-renames",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-show-signature",
        "-z",
        f"--format={LOG_FORMAT}",
        tip,
        *(f"^{sha}" for sha in exclude),
        "--",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            args,
            cwd=path,
            env=git_env(),
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        try:
            for record in _records(process.stdout):
                yield commit_parse(record)
        finally:
            if process.poll() is None:
                process.stdout.close()
                process.kill()
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", errors="replace").strip()
            raise GitError(message or f"git log exited with {returncode}")


def _line_imports(line: str, *, notebook: bool) -> Iterator[str]:
    if len(line) > MAX_IMPORT_LINE:
        return
    if notebook:
        # An added notebook line is a JSON string: '    "import torch\n",'
        line = line.strip()
        if not line.startswith('"'):
            return
        line = line[1:].replace("\\n", "\n").split("\n", 1)[0]
    if match := _FROM.match(line):
        names = [match.group(1)]
    elif match := _IMPORT.match(line):
        names = [
            part.split()[0].split(".")[0]
            for part in match.group(1).split("#")[0].split(",")
            if part.split()
        ]
    else:
        return
    for name in names:
        if name.isidentifier() and name not in _IGNORED_MODULES:
            yield name


def imports_added(path: Path, shas: list[str]) -> dict[str, list[str]]:
    """Return, per commit, the top-level modules imported by lines the commit
    adds to .py and .ipynb files (one ``git diff-tree --stdin`` for all)."""
    if not shas:
        return {}
    found: dict[str, set[str]] = {}
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as errors:
        stdin.write("\n".join(shas).encode() + b"\n")
        stdin.seek(0)
        process = subprocess.Popen(
            [
                "git",
                "-c",
                "core.quotePath=false",
                "diff-tree",
                "--stdin",
                "-r",
                "-p",
                "-U0",
                "--root",
                "--no-renames",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--",
                "*.py",
                "*.ipynb",
            ],
            cwd=path,
            env=git_env(),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert process.stdout is not None
        current: set[str] | None = None
        notebook = False
        in_hunk = False
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if not line:
                continue
            if in_hunk and line[0] in "+- \\":
                if line[0] == "+" and current is not None:
                    current.update(_line_imports(line[1:], notebook=notebook))
                continue
            in_hunk = False
            if line.startswith("diff --git "):
                notebook = False
            elif line.startswith("+++ "):
                notebook = line.endswith(".ipynb")
            elif line.startswith("@@"):
                in_hunk = True
            elif len(line) == 40 and all(c in "0123456789abcdef" for c in line):
                current = found.setdefault(line, set())
        returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            raise GitError(
                errors.read().decode("utf-8", errors="replace").strip()
                or f"git diff-tree exited with {returncode}"
            )
    return {sha: sorted(names) for sha, names in found.items() if names}

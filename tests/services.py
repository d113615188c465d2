"""Throwaway PostgreSQL, Redis and Chromium for the tests that need the real thing.

Each finder returns the binary or calls ``missing()``, which skips the test with a
reason, or fails it when TEAMHUB_REQUIRE_SERVICES=1 (as CI sets it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def services_required() -> bool:
    return os.environ.get("TEAMHUB_REQUIRE_SERVICES") == "1"


def missing(what: str) -> None:
    message = f"{what} not found; install it (see .ci/run) to run this test"
    if services_required():
        pytest.fail(f"{message} (TEAMHUB_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# --- PostgreSQL ------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Find the folder with initdb/pg_ctl; Debian keeps it outside PATH, versioned."""
    candidates = [shutil.which("pg_ctl")]
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    for pg_ctl in candidates:
        if pg_ctl and Path(pg_ctl).exists():
            bindir = Path(pg_ctl).resolve().parent
            if (bindir / "initdb").exists() and (bindir / "postgres").exists():
                return bindir
    return None


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str

    def url(self, dbname: str = "postgres") -> str:
        return (
            f"postgres://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"
        )


@contextmanager
def postgres_server(bindir: Path) -> Iterator[Postgres]:
    """Run a fresh PostgreSQL cluster on a free port until the block ends.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    ``postgres`` system user that Debian's package creates.
    """
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs the 'postgres' user", pytrace=False)
        run_as = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="teamhub-pg-"))
    datadir, sockdir = root / "data", root / "sock"
    sockdir.mkdir()
    if owner is not None:
        for path in (root, sockdir):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = free_port()
    password = "teamhub-test"
    pwfile = root / "pw"
    pwfile.write_text(password)
    if owner is not None:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "teamhub",
            "--pwfile",
            str(pwfile),
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    log = root / "postgres.log"
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield Postgres(host="127.0.0.1", port=port, user="teamhub", password=password)
    finally:
        subprocess.run(
            [
                *run_as,
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


# --- Redis -----------------------------------------------------------------------


@contextmanager
def redis_server() -> Iterator[str]:
    """Run a throwaway redis-server on a free port; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server")
        raise AssertionError  # unreachable: missing() skips or fails
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="teamhub-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


# --- Chromium --------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None

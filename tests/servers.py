"""Real database servers for the tests, on 127.0.0.1 in temporary folders.

Registered from ``conftest.py`` (``pytest_plugins = ["servers"]``), so every
test module can ask for these fixtures:

``postgres_url`` (session)
    ``postgresql://postgres@127.0.0.1:PORT/postgres`` of a PostgreSQL server
    started from Debian's packages (``initdb`` + ``pg_ctl``, trust auth, a free
    port, no Unix socket outside its folder). As root, the server runs as the
    ``postgres`` user (PostgreSQL refuses to run as root).
``fresh_postgres_url`` (function)
    a new, empty database on that server for one test
    (``postgresql://postgres@127.0.0.1:PORT/t_<hex>``), dropped afterwards.
``database_url`` (function, parametrized)
    each backend in turn: ``sqlite:///TMP/db.sqlite3``, then a
    ``fresh_postgres_url``; a test taking it runs against both.
``redis_url`` (session)
    ``redis://127.0.0.1:PORT/0`` of a ``redis-server`` (no persistence).

When a binary is missing the test skips with a message saying what to install
(``bash scripts/test.sh`` installs both as root); under ``CI=true`` it fails
instead, so a green CI never hides a skipped database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install postgresql redis-server (or run bash scripts/test.sh as root)"


def missing(what: str) -> None:
    """Skip (locally) or fail (CI=true) for a server binary that is not installed."""
    msg = f"{what} is not installed: {INSTALL_HINT}"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """Wait until 127.0.0.1:port accepts connections (or the server died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin folder, else the one holding initdb on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def as_server_user(cmd: list[str]) -> tuple[list[str], int | None]:
    """The command run as a user PostgreSQL accepts, and that user's uid (None: ourselves)."""
    if os.geteuid() != 0:
        return cmd, None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        missing("the postgres system user (from Debian's postgresql package)")
        raise  # not reached
    return ["runuser", "-u", "postgres", "--", *cmd], uid


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A running PostgreSQL server: ``postgresql://postgres@127.0.0.1:PORT/postgres``."""
    bindir = pg_bindir()
    if bindir is None:
        missing("PostgreSQL (initdb, pg_ctl)")
        return
    # Not pytest's tmp_path: /tmp/pytest-of-root is 0700 and the postgres user
    # could not enter it.
    base = Path(tempfile.mkdtemp(prefix="newscrawl-pg-"))
    data = base / "data"
    _, uid = as_server_user([])
    if uid is not None:
        os.chown(base, uid, -1)
    port = free_port()
    log = base / "server.log"

    def run(*cmd: str) -> None:
        full, _ = as_server_user(list(cmd))
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        # fsync off: the tests kill crawls, never the server, and want speed.
        opts = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "start")
    except subprocess.CalledProcessError as exc:
        text = (exc.stderr or b"").decode(errors="replace")
        if log.exists():
            text += "\n" + log.read_text(errors="replace")
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {text[-3000:]}")
    try:
        wait_port(port, None)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new empty database on the session's server, dropped after the test."""
    psycopg = pytest.importorskip("psycopg", reason="pip install newscrawl[postgres]")
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A running redis-server: ``redis://127.0.0.1:PORT/0`` (nothing persisted)."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        missing("redis-server")
        return
    base = Path(tempfile.mkdtemp(prefix="newscrawl-redis-"))
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(base),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(base / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        try:
            wait_port(port, proc)
        except RuntimeError as exc:
            log = base / "redis.log"
            pytest.fail(
                f"redis-server did not start: {exc}\n{log.read_text() if log.exists() else ''}"
            )
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind in turn: ``sqlite:///TMP/db.sqlite3``,
    then a new PostgreSQL database (``fresh_postgres_url``). A test taking it
    runs once per backend: one suite for both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return str(request.getfixturevalue("fresh_postgres_url"))

"""Shared test helpers: running real crawls in a subprocess, the corpus, golden files."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
pytest_plugins = ["servers"]  # postgres_url, fresh_postgres_url, redis_url: tests/servers.py

CORPUS = Path(os.environ.get("NEWSCRAWL_CORPUS", ROOT.parent / "shared" / "corpus"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite fixtures/<site>/<case>.json from the current output (review the diff by hand)",
    )


def corpus_dir(*parts: str) -> Path:
    """A folder of ../shared/corpus; skip when it is missing, fail in CI."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        msg = f"corpus folder {path} is missing (set NEWSCRAWL_CORPUS)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


DATA = ROOT / "data"
"""The checkout's own data/ folder: tests never write into it (see pytest_sessionfinish)."""

OUTPUT_SETTINGS = ("NEWSCRAWL_JSONL", "NEWSCRAWL_DATABASE", "NEWSCRAWL_REPORT", "NEWSCRAWL_WARC")
"""Settings whose defaults point into data/: a test crawl gets them in its tmp folder."""

_crawl_tmp: Path | None = None
_DATA_KEY = pytest.StashKey[dict[str, tuple[int, int]]]()


@pytest.fixture(autouse=True)
def _crawls_write_into_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test's crawls get their own folder for the outputs they do not name."""
    global _crawl_tmp
    _crawl_tmp = tmp_path_factory.mktemp("crawl-defaults")
    yield
    _crawl_tmp = None


def output_defaults(
    args: tuple[str, ...], settings: dict[str, object], env: Mapping[str, str] | None = None
) -> dict[str, object]:
    """The outputs a crawl does not set itself (in ``settings``, a ``-s`` of
    ``args``, or the database in the environment), in the test's tmp folder."""
    if _crawl_tmp is None:
        return {}
    given = set(settings) | {
        arg.split("=", 1)[0] for flag, arg in itertools.pairwise(args) if flag == "-s"
    }
    if "NEWSCRAWL_DATABASE" in (os.environ if env is None else env):
        given.add("NEWSCRAWL_DATABASE")
    defaults: dict[str, object] = {
        "NEWSCRAWL_JSONL": _crawl_tmp / "articles.jsonl",
        # The run lock's file lives next to the database: in tmp too.
        "NEWSCRAWL_DATABASE": f"sqlite:///{_crawl_tmp / 'newscrawl.sqlite3'}",
        "NEWSCRAWL_REPORT": _crawl_tmp / "reports" / "{spider}-{time}.json",
        "NEWSCRAWL_WARC": _crawl_tmp / "warc",
    }
    return {k: v for k, v in defaults.items() if k not in given}


def crawl_command(
    spider: str, *args: str, env: Mapping[str, str] | None = None, **settings: object
) -> list[str]:
    """``scrapy crawl SPIDER``, each of ``settings`` as ``-s NAME=VALUE``, then ``args``
    (``-a`` arguments, and ``-s`` ones that override the settings). The
    outputs it does not set go into the test's tmp folder, never into data/
    (``env``: the environment it will run with, for ``NEWSCRAWL_DATABASE``)."""
    settings = {**output_defaults(args, settings, env), **settings}
    pairs = [x for name, value in settings.items() for x in ("-s", f"{name}={value}")]
    return [sys.executable, "-m", "scrapy", "crawl", spider, *pairs, *args]


def _data_snapshot() -> dict[str, tuple[int, int]]:
    if not DATA.exists():
        return {}
    return {
        str(p.relative_to(DATA)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in DATA.rglob("*")
        if p.is_file()
    }


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_DATA_KEY] = _data_snapshot()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the tests changed the checkout's data/ folder."""
    before = session.config.stash.get(_DATA_KEY, None)
    if before is None:
        return
    after = _data_snapshot()
    changed = sorted(
        set(after) ^ set(before)
        | {k for k in after.keys() & before.keys() if after[k] != before[k]}
    )
    if changed:
        shown = ", ".join(changed[:10]) + (
            f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        )
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the tests wrote into {DATA} (write into tmp_path instead): {shown}"
        if reporter is not None:
            reporter.write_sep("=", "the checkout's data/ changed", red=True)
            reporter.write_line(f"ERROR: {message}", red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def feeds_settings(tmp: Path) -> dict[str, object]:
    """A test's ``scrapy crawl feeds`` settings: outputs and reports in tmp/, no AutoThrottle."""
    return {
        "NEWSCRAWL_JSONL": tmp / "out.jsonl",
        "NEWSCRAWL_DATABASE": f"sqlite:///{tmp / 'db.sqlite3'}",
        "NEWSCRAWL_REPORT": tmp / "reports" / "{spider}-{time}.json",
        "AUTOTHROTTLE_ENABLED": False,
    }


def crawl(
    spider: str,
    *args: str,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: int = 600,
    **settings: object,
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl SPIDER`` (see ``crawl_command``) in a subprocess, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        crawl_command(spider, *args, env=full_env, **settings),
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def replay(
    path: Path, tmp: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]:
    """Replay ``path`` into tmp/out.jsonl and tmp/db.sqlite3; the records and the process."""
    out = tmp / "out.jsonl"
    proc = crawl(
        "replay",
        "-a",
        f"path={path}",
        "-s",
        f"NEWSCRAWL_JSONL={out}",
        "-s",
        f"NEWSCRAWL_DATABASE=sqlite:///{tmp / 'db.sqlite3'}",
        # in tmp too when called from a module fixture (no test's tmp folder yet)
        "-s",
        f"NEWSCRAWL_REPORT={tmp / 'reports' / '{spider}-{time}.json'}",
        *extra,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return (read_jsonl(out) if out.exists() else []), proc

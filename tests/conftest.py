"""Shared test helpers: running real crawls in a subprocess, the corpus, golden files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def crawl_command(spider: str, *args: str, **settings: object) -> list[str]:
    """``scrapy crawl SPIDER``, each of ``settings`` as ``-s NAME=VALUE``, then ``args``
    (``-a`` arguments, and ``-s`` ones that override the settings)."""
    pairs = [x for name, value in settings.items() for x in ("-s", f"{name}={value}")]
    return [sys.executable, "-m", "scrapy", "crawl", spider, *pairs, *args]


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
        crawl_command(spider, *args, **settings),
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
        *extra,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return (read_jsonl(out) if out.exists() else []), proc

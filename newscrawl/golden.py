"""Golden fixtures: ``fixtures/<site>/<case>.html`` is a page as fetched and
``<case>.json`` the exact Article a replay crawl of it gives after every
pipeline (the JSON Lines record, every field of ``ARTICLE_FIELDS``).

The ``.json`` is the page's sidecar too: the replay reads its ``url`` and
``fetched_at``, so a fixture is replayed at its address and time. One code
path builds, writes and checks these files: ``tests/test_golden.py`` (and its
``--update-golden``) and ``scrapy savefixture`` both use this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newscrawl.items import ARTICLE_FIELDS

UNCOMPARED = ("fetched_at",)
"""Fields a replay may give differently from its golden file (they do not say what was extracted)."""


def cases(folder: Path) -> list[Path]:
    """Every ``<site>/<case>.html`` of a fixtures folder, sorted."""
    return sorted(folder.glob("*/*.html"))


def golden_record(
    got: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The golden file's content for the replayed record ``got``: its fields
    in schema order, the ``fetched_at`` of the ``previous`` golden (the time
    the page was fetched, not the time of the replay) when there is one."""
    record = {k: got[k] for k in ARTICLE_FIELDS}
    if previous is not None and "fetched_at" in previous:
        record["fetched_at"] = previous["fetched_at"]
    return record


def dumps(record: Mapping[str, Any]) -> str:
    """A golden file's text: readable UTF-8, one field per line, for review in a diff."""
    return json.dumps(record, ensure_ascii=False, indent=1) + "\n"


def read(path: Path) -> dict[str, Any]:
    """A golden (or sidecar) file's object."""
    value = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(value, dict):
        raise ValueError(f"{path}: a JSON {type(value).__name__}, not an object")
    return value


def problems(
    case: Path, golden: Mapping[str, Any], replayed: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """What is wrong with ``case`` (``fixtures/<site>/<case>.html`` with its
    ``golden`` object) given the replay's records by URL: nothing when the
    replay gave exactly the golden Article, from the site of its folder."""
    name = f"{case.parent.name}/{case.stem}"
    got = replayed.get(str(golden.get("url")))
    if got is None:
        return [f"{name}: the replay wrote no article for {golden.get('url')}"]
    if got["site"] != case.parent.name:
        return [f"{name} was extracted by site {got['site']!r}, not {case.parent.name!r}"]
    missing = [k for k in ARTICLE_FIELDS if k not in golden]
    if missing:
        return [f"{name}.json lacks {missing}: run pytest --update-golden and review"]
    return [
        f"{name}: {field}: got {got[field]!r}, golden {golden[field]!r}"
        for field in ARTICLE_FIELDS
        if field not in UNCOMPARED and got[field] != golden[field]
    ]


@dataclass(frozen=True)
class Replay:
    """A replay crawl's records and its process."""

    records: list[dict[str, Any]]
    process: subprocess.CompletedProcess[str]

    def by_url(self) -> dict[str, dict[str, Any]]:
        """The records by URL; a ValueError when two share one (two fixtures of one page)."""
        out = {r["url"]: r for r in self.records}
        if len(out) != len(self.records):
            raise ValueError("two fixtures share a URL")
        return out


def replay(path: Path, tmp: Path, *extra: str, cwd: Path | None = None) -> Replay:
    """``scrapy crawl replay -a path=PATH`` in a process of its own, as a user
    runs it and with the project's settings, every output (JSON Lines,
    SQLite, report) in ``tmp`` (nothing of ``data/`` is read or written: a
    page stored before is no reason to skip it here). ``extra``: more
    arguments (``-s NAME=VALUE``)."""
    out = tmp / "out.jsonl"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "replay",
        "-a",
        f"path={path}",
        "-s",
        f"NEWSCRAWL_JSONL={out}",
        "-s",
        f"NEWSCRAWL_DATABASE=sqlite:///{tmp / 'db.sqlite3'}",
        "-s",
        f"NEWSCRAWL_REPORT={tmp / 'reports' / '{spider}-{time}.json'}",
        # A golden file is one page's extraction: two fixtures that are copies of
        # one story (or one template) must not link each other, or a fixture's
        # story fields would depend on which others share its folder. Only
        # bodies the same word for word still share a story.
        "-s",
        "NEWSCRAWL_STORY_THRESHOLD=1",
        *extra,
    ]
    # Local whatever the environment says: a fixture is one file's replay.
    env = {k: v for k, v in os.environ.items() if k != "NEWSCRAWL_REDIS_URL"}
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    records = []
    if out.exists():
        lines = out.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line]
    return Replay(records, proc)

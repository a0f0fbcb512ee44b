"""Crash safety: a replay of a few thousand generated pages is killed with
SIGKILL at random moments (at least 10 times), each kill followed by a
re-run; then one run completes. The database must hold every article
exactly once, the JSON Lines file must have no broken line, and every
Markdown post must be whole.

Figures are printed (``pytest -s -m slow tests/test_crash.py``) and written to
``$NEWSCRAWL_CRASH_REPORT`` when set.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, crawl_command
from pagegen import write_pages

from newscrawl.spiders.replay import split_front_matter
from newscrawl.storage import open_store
from newscrawl.urls import article_key

PAGES = int(os.environ.get("NEWSCRAWL_CRASH_PAGES", "3000"))
KILLS = int(os.environ.get("NEWSCRAWL_CRASH_KILLS", "10"))
COMMIT_ITEMS = 50


def start(pages: Path, tmp: Path, db: str) -> subprocess.Popen[bytes]:
    with (tmp / "stderr.log").open("ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            crawl_command(
                "replay",
                "-a",
                f"path={pages}",
                NEWSCRAWL_JSONL=tmp / "out.jsonl",
                NEWSCRAWL_MARKDOWN=tmp / "posts",
                NEWSCRAWL_DATABASE=db,
                NEWSCRAWL_COMMIT_ITEMS=COMMIT_ITEMS,
                LOG_LEVEL="WARNING",
                NEWSCRAWL_REPORT="",
            ),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def rows(db: str) -> int:
    store = open_store(db)
    try:
        return store.count()
    finally:
        store.close()


def jsonl_state(path: Path) -> tuple[int, int, bool]:
    """(whole records, broken lines before the last, torn last line?)"""
    if not path.exists():
        return 0, 0, False
    data = path.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    good = broken = 0
    for line in lines:
        try:
            json.loads(line)
            good += 1
        except ValueError:
            broken += 1
    return good, broken, tail != b""


def wait_for_records(out: Path, base: int, target: int, proc: subprocess.Popen[bytes]) -> None:
    """Return once the run has appended ``target`` records to ``out`` after ``base``."""
    seen = 0
    pos = base
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.stat().st_size > pos:
            with out.open("rb") as f:
                f.seek(pos)
                chunk = f.read()
            seen += chunk.count(b"\n")
            pos += len(chunk)
            if seen >= target:
                return
        time.sleep(0.02)


@pytest.mark.slow
def test_killed_and_rerun_replays_store_every_article_once(
    database_url: str, tmp_path: Path
) -> None:
    urls = write_pages(tmp_path / "pages", PAGES)
    expected = sorted(article_key(u) for u in urls)
    rng = random.Random(20261122)

    # Kills 1 and 2 land early (start-up, schema creation, first batch); the
    # others when this run has written a random number of records, so they
    # are spread over whole runs, up to their last pages.
    out = tmp_path / "out.jsonl"
    kills: list[dict[str, Any]] = []
    proc = start(tmp_path / "pages", tmp_path, database_url)
    for n in range(KILLS):
        base = out.stat().st_size if out.exists() else 0
        t0 = time.monotonic()
        if n < 2:
            target = 0
            time.sleep(rng.uniform(0.3, 3.0))
        else:
            target = rng.randint(1, PAGES - 1)
            wait_for_records(out, base, target, proc)
        assert proc.poll() is None, (
            "the run ended before its kill: " + (tmp_path / "stderr.log").read_text()[-2000:]
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        good, broken, torn = jsonl_state(out)
        kills.append(
            {
                "kill": n + 1,
                "after_s": round(time.monotonic() - t0, 2),
                "after_records": target,
                "rows": rows(database_url),
                "jsonl_records": good,
                "jsonl_broken_lines": broken,
                "jsonl_torn_tail": torn,
                "temp_posts_left": len(list((tmp_path / "posts").glob(".*.tmp"))),
            }
        )
        assert broken == 0
        proc = start(tmp_path / "pages", tmp_path, database_url)
    assert proc.wait(timeout=900) == 0, (tmp_path / "stderr.log").read_text()[-3000:]

    store = open_store(database_url)
    try:
        found = sorted(r[0] for r in store.execute("SELECT id FROM articles").fetchall())
        distinct_urls = store.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0]
    finally:
        store.close()
    good, broken, torn = jsonl_state(tmp_path / "out.jsonl")
    jsonl_urls = {
        json.loads(line)["url"] for line in (tmp_path / "out.jsonl").read_bytes().splitlines()
    }
    posts = list((tmp_path / "posts").glob("*.md"))
    for p in posts:
        meta, body = split_front_matter(p.read_text(encoding="utf-8"))
        assert meta["title"] and body.strip().endswith("</p>"), p
    figures = {
        "backend": database_url.split(":", 1)[0],
        "pages": PAGES,
        "kills": len(kills),
        "rows_expected": len(expected),
        "rows_found": len(found),
        "distinct_urls": distinct_urls,
        "jsonl_records": good,
        "jsonl_broken_lines": broken,
        "jsonl_torn_tail": torn,
        "torn_tails_set_aside": len(list(tmp_path.glob("out.jsonl.torn-*"))),
        "markdown_posts": len(posts),
        "temp_posts_left": len(list((tmp_path / "posts").glob(".*.tmp"))),
        "per_kill": kills,
    }
    print(json.dumps(figures, indent=1))
    report = os.environ.get("NEWSCRAWL_CRASH_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            f.write(json.dumps(figures) + "\n")

    assert len(kills) >= 10
    assert found == expected  # every article, exactly once (id is the primary key)
    assert distinct_urls == len(expected)
    assert broken == 0 and not torn
    assert jsonl_urls == set(urls)  # re-runs appended; nothing lost from the file
    assert len(posts) == PAGES and figures["temp_posts_left"] == 0
    assert any(0 < k["rows"] < PAGES for k in kills), "no kill landed mid-run"
    # A kill loses at most the open batch: of the records this run had
    # written out, all but NEWSCRAWL_COMMIT_ITEMS were committed.
    assert all(k["rows"] >= k["after_records"] - COMMIT_ITEMS for k in kills), kills

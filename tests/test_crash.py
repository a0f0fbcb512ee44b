"""Crash safety: a replay of a few hundred generated pages is killed with
SIGKILL several times, each kill followed by a re-run; then one run
completes. Kills land when the database has grown (the first right after the
run's first commit, the others after a random number of new rows), with
small batches (``NEWSCRAWL_COMMIT_ITEMS=10``) so they fall mid-batch.

Then the database holds every article exactly once, the JSON Lines file
holds each article exactly once and equals the database rows (a file never
gets a record before its row is committed, so a killed run leaves nothing the
next run writes again), and every Markdown post is whole and there once.

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

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.spiders.replay import split_front_matter
from newscrawl.storage import StorageError, open_store
from newscrawl.urls import article_key

PAGES = int(os.environ.get("NEWSCRAWL_CRASH_PAGES", "400"))
KILLS = int(os.environ.get("NEWSCRAWL_CRASH_KILLS", "5"))
COMMIT_ITEMS = 10


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


def stored_ids(db: str) -> set[str] | None:
    """The ids of the committed rows (None while the schema is not there yet)."""
    try:
        store = open_store(db)
    except StorageError:
        return None
    try:
        return {r[0] for r in store.execute("SELECT id FROM articles").fetchall()}
    finally:
        store.close()


def jsonl_state(path: Path) -> tuple[list[dict[str, Any]], int, bool]:
    """(whole records, broken lines before the last, torn last line?)"""
    if not path.exists():
        return [], 0, False
    lines = path.read_bytes().split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    good, broken = [], 0
    for line in lines:
        try:
            good.append(json.loads(line))
        except ValueError:
            broken += 1
    return good, broken, tail != b""


def wait_for_rows(db: str, target: int, proc: subprocess.Popen[bytes]) -> int:
    """Poll the database until it holds ``target`` rows; the count seen."""
    deadline = time.monotonic() + 300
    n = 0
    while time.monotonic() < deadline and proc.poll() is None:
        ids = stored_ids(db)
        n = len(ids) if ids is not None else 0
        if n >= target:
            return n
        time.sleep(0.005)
    return n


@pytest.mark.slow
def test_killed_and_rerun_replays_store_and_write_every_article_once(
    database_url: str, tmp_path: Path
) -> None:
    urls = write_pages(tmp_path / "pages", PAGES)
    expected = sorted(article_key(u) for u in urls)
    rng = random.Random(20261202)
    out = tmp_path / "out.jsonl"
    posts = tmp_path / "posts"
    t_start = time.monotonic()

    kills: list[dict[str, Any]] = []
    proc = start(tmp_path / "pages", tmp_path, database_url)
    for n in range(KILLS):
        base = len(stored_ids(database_url) or ())
        # The first kill right after the run's first commit; the others after
        # a random number of new rows, up to the last pages.
        target = base + (1 if n == 0 else rng.randint(1, max(1, PAGES - base - 1)))
        seen = wait_for_rows(database_url, target, proc)
        assert proc.poll() is None, (
            "the run ended before its kill: " + (tmp_path / "stderr.log").read_text()[-2000:]
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        ids = stored_ids(database_url) or set()
        records, broken, torn = jsonl_state(out)
        in_file = [article_key(r["url"], r["canonical_url"]) for r in records]
        kills.append(
            {
                "kill": n + 1,
                "rows_when_killed": seen,
                "rows": len(ids),
                "jsonl_records": len(records),
                "jsonl_broken_lines": broken,
                "jsonl_torn_tail": torn,
                "temp_posts_left": len(list(posts.glob(".*.tmp"))),
            }
        )
        assert broken == 0
        # Never ahead of the database: every record in the file is a committed row.
        assert set(in_file) <= ids, kills[-1]
        assert len(in_file) == len(set(in_file)), kills[-1]
        proc = start(tmp_path / "pages", tmp_path, database_url)
    assert proc.wait(timeout=300) == 0, (tmp_path / "stderr.log").read_text()[-3000:]

    store = open_store(database_url)
    try:
        found = sorted(r[0] for r in store.execute("SELECT id FROM articles").fetchall())
        distinct_urls = store.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0]
        rows = {k: store.get(k) for k in found}
    finally:
        store.close()
    records, broken, torn = jsonl_state(out)
    post_files = list(posts.glob("*.md"))
    for p in post_files:
        meta, body = split_front_matter(p.read_text(encoding="utf-8"))
        assert meta["title"] and body.strip().endswith("</p>"), p
    post_urls = sorted(
        split_front_matter(p.read_text(encoding="utf-8"))[0]["url"] for p in post_files
    )
    figures = {
        "backend": database_url.split(":", 1)[0],
        "pages": PAGES,
        "kills": len(kills),
        "seconds": round(time.monotonic() - t_start, 1),
        "rows_expected": len(expected),
        "rows_found": len(found),
        "distinct_urls": distinct_urls,
        "jsonl_records": len(records),
        "jsonl_broken_lines": broken,
        "jsonl_torn_tail": torn,
        "torn_tails_set_aside": len(list(tmp_path.glob("out.jsonl.torn-*"))),
        "markdown_posts": len(post_files),
        "temp_posts_left": len(list(posts.glob(".*.tmp"))),
        "per_kill": kills,
    }
    print(json.dumps(figures, indent=1))
    report = os.environ.get("NEWSCRAWL_CRASH_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            f.write(json.dumps(figures) + "\n")

    assert len(kills) == KILLS
    assert found == expected  # every article, exactly once (id is the primary key)
    assert distinct_urls == len(expected)
    assert broken == 0 and not torn
    # The file: each article exactly once, record for record the database's row.
    assert sorted(r["url"] for r in records) == sorted(urls)
    for r in records:
        row = rows[article_key(r["url"], r["canonical_url"])]
        assert row is not None
        # duplicate_of is the story's earliest copy as known when the record was
        # written; the row follows a copy published earlier that came later.
        assert {f: row[f] for f in ARTICLE_FIELDS if f != "duplicate_of"} == {
            k: v for k, v in r.items() if k != "duplicate_of"
        }
        linked = rows[r["duplicate_of"]] if r["duplicate_of"] else row
        assert linked is not None and linked["story_id"] == row["story_id"]
    # The posts: one per article, whole, no temp file left.
    assert post_urls == sorted(urls) and figures["temp_posts_left"] == 0
    assert any(0 < k["rows"] < PAGES for k in kills), "no kill landed mid-run"

"""Re-extraction: a live crawl of a local site is archived to WARC; after its
site module changes, ``scrapy crawl replay -a path=<the WARC folder>``
extracts the archive again: each article whose extraction changed gets a new
version, with its own first-seen time, and the run summary counts the
changed fields; replayed again, nothing changes."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import crawl, feeds_settings, read_jsonl
from feed_server import FeedServer, feed_server
from test_sina_live import stats
from test_site_module import MODULE_DIR, run_site

# The site module, improved: the headline in capitals (a title change: a new
# text) and the paper's wire service as the source (a change of another field only).
IMPROVED = """

def _improved(base: type[Site]) -> type[Site]:
    class DemoDaily(base):  # type: ignore[misc,valid-type]
        def title(self, page):  # type: ignore[no-untyped-def]
            found = super().title(page)
            return found.upper() if found else found

        def source(self, page):  # type: ignore[no-untyped-def]
            return "Demo Daily wire"

    return DemoDaily


DemoDaily = _improved(DemoDaily)  # type: ignore[misc]
"""


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with feed_server(tmp_path, MODULE_DIR) as s:
        yield s


def replay_with(module_dir: Path, warc: Path, tmp: Path) -> tuple[list[dict[str, Any]], str]:
    path = os.pathsep.join(p for p in (str(module_dir), os.environ.get("PYTHONPATH")) if p)
    out = tmp / "replay.jsonl"
    out.unlink(missing_ok=True)
    proc = crawl(
        "replay",
        "-a",
        f"path={warc}",
        env={"PYTHONPATH": path},
        NEWSCRAWL_SITE_MODULES="demo_daily",
        NEWSCRAWL_JSONL=out,
        NEWSCRAWL_DATABASE=f"sqlite:///{tmp / 'db.sqlite3'}",
        NEWSCRAWL_REPORT=tmp / "reports" / "{spider}-{time}.json",
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return (read_jsonl(out) if out.exists() else []), proc.stderr


def summary_line(log: str, start: str) -> str:
    m = re.search(rf"^\s*{re.escape(start)}.*$", log, re.M)
    assert m, log[-3000:]
    return m[0].strip()


def test_an_archived_crawl_is_extracted_again_after_its_site_changed(
    server: FeedServer, tmp_path: Path
) -> None:
    warc = tmp_path / "warc"
    crawled, log, status = run_site(
        server, tmp_path, "-a", "name=demo_daily", "-a", "since=2024-05-01", "-s",
        f"NEWSCRAWL_WARC={warc}",
    )  # fmt: skip
    assert status == 0, log[-4000:]
    assert len(crawled) == 3
    assert "Demo Daily wire" not in {r["source"] for r in crawled}

    improved = tmp_path / "improved"
    improved.mkdir()
    source = (MODULE_DIR / "demo_daily.py").read_text("utf-8")
    (improved / "demo_daily.py").write_text(source + IMPROVED, "utf-8")
    replayed, log = replay_with(improved, warc, tmp_path)

    # The same three articles, from the archive alone (the server is not asked).
    before = {r["url"].split("?")[0]: r for r in crawled}
    after = {r["url"].split("?")[0]: r for r in replayed}
    assert sorted(after) == sorted(before)
    for url, r in after.items():
        assert r["title"] == before[url]["title"].upper()
        assert r["source"] == "Demo Daily wire"
        assert r["body_text"] == before[url]["body_text"]
        assert r["fetched_at"] == before[url]["fetched_at"]  # the archived fetch's time
    s = stats(log)
    # The lists are in the archive too, marked as such: not extracted.
    assert s["newscrawl/skipped/not_article_page"] == 2
    assert s["newscrawl/store/changed"] == 3
    assert s["newscrawl/store/changed_field/title"] == 3
    assert s["newscrawl/store/changed_field/source"] == 3
    assert not any(k.startswith("newscrawl/store/changed_field/body") for k in s)
    assert "changed fields: source 3, title 3" in summary_line(log, "changed fields:")
    report = json.loads(sorted((tmp_path / "reports").glob("replay-*.json"))[-1].read_text())
    assert report["articles"]["changed_fields"] == {"source": 3, "title": 3}

    # Each article: the replayed record current, the crawled one a version
    # spanning its own sighting.
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        rows = db.execute(
            "SELECT a.id, a.title, a.changed_at, v.title, v.first_seen, v.last_seen "
            "FROM articles a JOIN article_versions v ON v.article_id = a.id ORDER BY a.id"
        ).fetchall()
    assert [r[0] for r in rows] == ["demo_daily:1001", "demo_daily:1002", "demo_daily:1004"]
    for _, title, changed_at, old_title, first, last in rows:
        assert title == old_title.upper()
        assert first <= last <= changed_at

    # Replayed again with the same module: nothing changes.
    _, log = replay_with(improved, warc, tmp_path)
    s = stats(log)
    assert s.get("newscrawl/store/changed", 0) == 0
    assert s["newscrawl/store/seen"] == 3
    assert "changed fields: none" in summary_line(log, "changed fields:")
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 3


WIRE = "wire.example.test"
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Wire</title><link>http://wire.example.test/</link><description>Wire</description>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>http://wire.example.test/{n}.html</link>
<pubDate>Fri, 03 May 2024 0{n}:00:00 +0000</pubDate><dc:creator>Ana Ruiz</dc:creator>
<category>Ports</category></item>"""


def write_wire(root: Path) -> None:
    """A feed whose entries give the date, author and category the pages lack."""
    site = root / WIRE
    site.mkdir(parents=True)
    titles = {1: "Ferry timetable changes", 2: "Harbour crane delivered"}
    items = "".join(ITEM.format(n=n, title=t) for n, t in titles.items())
    (site / "rss.xml").write_text(RSS.format(items=items), "utf-8")
    for n, title in titles.items():
        body = "".join(
            f"<p>{title}: paragraph {k}, written for newscrawl's tests and long enough "
            "to count as article text.</p>"
            for k in (1, 2)
        )
        (site / f"{n}.html").write_text(
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{body}</article></body></html>",
            "utf-8",
        )


def test_a_feed_crawl_replayed_from_its_archive_changes_nothing(tmp_path: Path) -> None:
    """The feed's entries (date, author, category: the pages have none) are
    archived with their pages: the same modules read the archive into the
    same articles, none changed."""
    write_wire(tmp_path / "wire")
    warc = tmp_path / "warc"
    with feed_server(tmp_path, tmp_path / "wire") as server:
        proc = crawl(
            "feeds",
            "-a",
            f"url=http://{WIRE}/rss.xml",
            env=server.env(),
            NEWSCRAWL_WARC=warc,
            **feeds_settings(tmp_path),
        )
    assert proc.returncode == 0, proc.stderr[-4000:]
    crawled = read_jsonl(tmp_path / "out.jsonl")
    assert len(crawled) == 2
    assert {r["published_from"] for r in crawled} == {"feed"}
    assert {tuple(r["authors"]) for r in crawled} == {("Ana Ruiz",)}
    replayed, log = replay_with(MODULE_DIR, warc, tmp_path)
    s = stats(log)
    assert s["newscrawl/store/seen"] == 2
    assert s.get("newscrawl/store/changed", 0) == 0, s
    assert s["newscrawl/skipped/metadata_record"] == 2  # the listings
    assert replayed == []  # nothing new or changed to write

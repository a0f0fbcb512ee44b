"""Incremental runs against a real HTTP server on 127.0.0.1: the database is
the crawl's memory, the recheck policy, the since cut-off, the run lock and
JOBDIR pause/resume, each through a real ``scrapy crawl feeds``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from conftest import ROOT, crawl_command, feeds_settings, read_jsonl
from feed_server import FeedServer, feed_server
from test_feeds import BASE, feeds_crawl

STORY = "news.example.test/story/"


def stories(server: FeedServer) -> list[str]:
    return sorted(server.fetched(STORY))


def add_rss_item(server: FeedServer, slug: str, title: str) -> None:
    """Publish a new story: a page, and an item on top of the RSS feed."""
    story = server.root / "news.example.test" / "story"
    page = (story / "rail-strike.html").read_text("utf-8")
    page = page.replace("rail-strike", slug).replace("Rail workers call off Friday strike", title)
    (story / f"{slug}.html").write_text(page, "utf-8")
    rss = server.root / "news.example.test" / "rss.xml"
    rss.write_text(
        rss.read_text("utf-8").replace(
            "<item>",
            f"<item><title>{title}</title><link>{BASE}story/{slug}.html</link></item>\n  <item>",
            1,
        ),
        "utf-8",
    )


def report(tmp: Path) -> dict:  # type: ignore[type-arg]
    """The newest health report of the runs into tmp/."""
    files = sorted((tmp / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return dict(json.loads(files[-1].read_text("utf-8")))


def test_second_run_fetches_only_the_feed_and_the_new_article(tmp_path: Path) -> None:
    feeds = f"url={BASE}rss.xml {BASE}atom.xml"
    with feed_server(tmp_path) as server:
        _, first = feeds_crawl(server, tmp_path, "-a", feeds)
        assert first.returncode == 0, first.stderr[-3000:]
        assert stories(server) == [
            f"{STORY}harbor-bridge.html",
            f"{STORY}library-reopens.html",
            f"{STORY}rail-strike.html",
        ]
        assert report(tmp_path)["articles"]["new"] == 4  # + the Sina page

        server.log.clear()
        add_rss_item(server, "bus-lanes", "Bus lanes open on the ring road")
        records, second = feeds_crawl(server, tmp_path, "-a", feeds)
        assert second.returncode == 0, second.stderr[-3000:]
        assert sorted(server.fetched()) == [
            "news.example.test/atom.xml",
            "news.example.test/rss.xml",
            f"{STORY}bus-lanes.html",
        ]
    rep = report(tmp_path)
    assert rep["skipped"]["already_stored"] == 4
    assert rep["articles"]["new"] == 1
    assert records[-1]["title"] == "Bus lanes open on the ring road"
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def test_changed_article_inside_recheck_window_is_fetched_and_versioned(tmp_path: Path) -> None:
    # The fixture stories are from 2024: a window of 36500 days holds them,
    # and RECHECK_HOURS=0 makes "last checked" always long enough ago.
    window = ["-s", "NEWSCRAWL_RECHECK_DAYS=36500", "-s", "NEWSCRAWL_RECHECK_HOURS=0"]
    with feed_server(tmp_path) as server:
        _, first = feeds_crawl(server, tmp_path, *window, url=f"{BASE}rss.xml")
        assert first.returncode == 0, first.stderr[-3000:]
        page = server.root / "news.example.test" / "story" / "harbor-bridge.html"
        page.write_text(
            page.read_text("utf-8").replace(
                "Buses return to their old route from next week.",
                "Correction: buses return to their old route in April, not next week.",
            ),
            "utf-8",
        )
        server.log.clear()
        _, second = feeds_crawl(server, tmp_path, *window, url=f"{BASE}rss.xml")
        assert second.returncode == 0, second.stderr[-3000:]
        assert f"{STORY}harbor-bridge.html" in server.fetched()
        rep = report(tmp_path)
        assert rep["rechecked"] == 3
        assert rep["articles"]["changed"] == 1 and rep["articles"]["unchanged"] == 2

        # Outside the window (a day), nothing stored is fetched again.
        server.log.clear()
        _, third = feeds_crawl(
            server, tmp_path, "-s", "NEWSCRAWL_RECHECK_DAYS=1", url=f"{BASE}rss.xml"
        )
        assert third.returncode == 0
        assert server.fetched() == ["news.example.test/rss.xml"]

    db = sqlite3.connect(tmp_path / "db.sqlite3")
    key = "http://news.example.test/story/harbor-bridge.html"
    (body,) = db.execute("SELECT body_text FROM articles WHERE id = ?", (key,)).fetchone()
    assert "Correction: buses return" in body
    versions = db.execute(
        "SELECT body_text FROM article_versions WHERE article_id = ?", (key,)
    ).fetchall()
    assert len(versions) == 1 and "from next week" in versions[0][0]


def test_since_skips_old_sitemaps_and_entries(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        records, proc = feeds_crawl(
            server, tmp_path, "-a", "since=2024-03-05", url=f"{BASE}sitemap_index.xml"
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The 2019 sitemap is not read; harbor-bridge (2024-03-04) is too old.
    assert "news.example.test/sitemap-archive.xml.gz" not in server.fetched()
    assert stories(server) == [f"{STORY}market-hall.html"]
    assert [r["title"] for r in records] == ["Market hall gets a new roof"]
    assert report(tmp_path)["skipped"]["older_than_since"] == 2


def test_bad_since_is_a_usage_error(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        _, proc = feeds_crawl(server, tmp_path, "-a", "since=last tuesday", url=f"{BASE}rss.xml")
    assert proc.returncode != 0
    assert "since='last tuesday' is no date" in proc.stderr


def start(
    server: FeedServer,
    tmp: Path,
    *args: str,
    urls: str = f"{BASE}rss.xml {BASE}atom.xml {BASE}sitemap_index.xml",
) -> subprocess.Popen[str]:
    """``scrapy crawl feeds`` in the background (for lock and JOBDIR tests)."""
    return subprocess.Popen(
        crawl_command(
            "feeds",
            "-a",
            f"url={urls}",
            *args,
            **feeds_settings(tmp),
            CONCURRENT_REQUESTS=1,
            NEWSCRAWL_COMMIT_ITEMS=1,
        ),
        cwd=ROOT,
        env={**os.environ, **server.env()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def page_asked(server: FeedServer) -> bool:
    """True once a run asked for an article page (held while the gate is
    cleared). Any page: with one request at a time, the first one asked may be
    the Sina page, and waiting for a story instead waited out its 30 s timeout."""
    return any(p.endswith((".html", ".shtml")) for p in server.fetched())


def holds_lock(tmp: Path, proc: subprocess.Popen[str]) -> bool:
    """True once ``proc`` holds a run lock next to tmp/db.sqlite3."""
    return any(f"pid {proc.pid}," in f.read_text("utf-8") for f in tmp.glob("db.sqlite3.*.lock"))


def wait_for(pred: object, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not pred():  # type: ignore[operator]
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_second_run_refuses_to_start_while_one_runs(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        server.gate.clear()  # article pages wait: the first run stays running
        first = start(server, tmp_path)
        wait_for(lambda: holds_lock(tmp_path, first), first)
        second = start(server, tmp_path)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 1
        assert "another run of 'feeds:http://news.example.test/rss.xml" in err
        assert f"pid {first.pid}" in err
        assert "Traceback" not in err and err.count("cannot start") == 1, err[-3000:]
        # Another job (another feed) on the same database is no second run.
        (server.root / "news.example.test" / "empty.xml").write_text(
            '<rss version="2.0"><channel><title>Nothing new</title></channel></rss>', "utf-8"
        )
        other = start(server, tmp_path, urls=f"{BASE}empty.xml")
        _, err_other = other.communicate(timeout=120)
        assert other.returncode == 0, err_other[-3000:]
        assert first.poll() is None  # still running (held at the gate)
        server.gate.set()
        _, err1 = first.communicate(timeout=120)
        assert first.returncode == 0, err1[-3000:]
        # The lock went with the first run: a third one starts.
        third = start(server, tmp_path)
        _, err3 = third.communicate(timeout=120)
        assert third.returncode == 0, err3[-3000:]


def test_killed_run_leaves_no_stale_lock(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        server.gate.clear()
        first = start(server, tmp_path)
        wait_for(lambda: holds_lock(tmp_path, first), first)
        first.kill()  # SIGKILL: no cleanup at all
        first.wait()
        server.gate.set()
        second = start(server, tmp_path)
        _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-3000:]


def test_jobdir_pause_and_resume(tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    with feed_server(tmp_path) as server:
        server.gate.clear()
        first = start(server, tmp_path, "-s", f"JOBDIR={jobdir}")
        wait_for(lambda: page_asked(server), first)  # one article page asked for, held
        first.send_signal(signal.SIGINT)  # Ctrl-C: a graceful stop
        time.sleep(0.5)  # (SIGINT seen before the page arrives; either order is fine)
        server.gate.set()  # the request in flight completes, the rest stays queued
        _, err = first.communicate(timeout=120)
        assert first.returncode == 6, err[-3000:]  # stopped: the run did not finish
        assert "finish reason: shutdown" in err
        done = server.fetched()
        assert (jobdir / "requests.queue").is_dir()
        stored = {r["url"].removeprefix("http://") for r in read_jsonl(tmp_path / "out.jsonl")}
        assert 0 < len(stored) < 6
        server.log.clear()
        second = start(server, tmp_path, "-s", f"JOBDIR={jobdir}")
        _, err2 = second.communicate(timeout=120)
        assert second.returncode == 0, err2[-3000:]
        resumed = server.fetched()
    # The resumed run fetched no feed the paused one had read, and no article it
    # had stored (a page cut off by the stop is fetched again: it was not stored).
    feeds = {p for p in done if p.endswith((".xml", ".gz"))}
    assert resumed and not feeds & set(resumed) and not stored & set(resumed)
    records = read_jsonl(tmp_path / "out.jsonl")
    urls = sorted(r["url"] for r in records)
    assert len(urls) == len(set(urls)) == 6
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 6


def test_postgresql_is_the_memory_and_holds_the_lock(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    import psycopg

    pg = ["-s", f"NEWSCRAWL_DATABASE={fresh_postgres_url}"]
    with feed_server(tmp_path) as server:
        _, first = feeds_crawl(server, tmp_path, *pg, url=f"{BASE}rss.xml")
        assert first.returncode == 0, first.stderr[-3000:]
        server.log.clear()
        _, second = feeds_crawl(server, tmp_path, *pg, url=f"{BASE}rss.xml")
        assert second.returncode == 0, second.stderr[-3000:]
        assert server.fetched() == ["news.example.test/rss.xml"]
        assert report(tmp_path)["skipped"]["already_stored"] == 3

        # The run lock is a PostgreSQL advisory lock: a second run refuses.
        server.gate.clear()
        running = start(server, tmp_path, *pg, "-s", "NEWSCRAWL_INCREMENTAL=False")
        wait_for(lambda: page_asked(server), running)  # the lock is taken before any fetch
        refused = start(server, tmp_path, *pg)
        _, err = refused.communicate(timeout=120)
        assert refused.returncode == 1, err[-3000:]
        assert "another run of 'feeds:http://news.example.test/rss.xml" in err
        assert "advisory lock" in err
        server.gate.set()
        _, err1 = running.communicate(timeout=120)
        assert running.returncode == 0, err1[-3000:]

    with psycopg.connect(fresh_postgres_url) as conn:
        runs = conn.execute("SELECT spider, drift FROM newscrawl_runs ORDER BY id").fetchall()
    assert runs == [("feeds", 0)] * 3


def test_listed_address_other_than_canonical_is_remembered(tmp_path: Path) -> None:
    """A feed lists an address (an AMP copy) whose page names another
    canonical URL: stored under the canonical identity, it is still known
    by the address it was fetched from."""
    with feed_server(tmp_path) as server:
        site = server.root / "news.example.test"
        (site / "amp").mkdir()
        shutil.copy(site / "story" / "rail-strike.html", site / "amp" / "rail-strike.html")
        (site / "amp.xml").write_text(
            '<rss version="2.0"><channel><title>AMP</title><item><title>Rail</title>'
            f"<link>{BASE}amp/rail-strike.html</link></item></channel></rss>",
            "utf-8",
        )
        _, first = feeds_crawl(server, tmp_path, url=f"{BASE}amp.xml")
        assert first.returncode == 0, first.stderr[-3000:]
        server.log.clear()
        _, second = feeds_crawl(server, tmp_path, url=f"{BASE}amp.xml")
        assert second.returncode == 0, second.stderr[-3000:]
        assert server.fetched() == ["news.example.test/amp.xml"]
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT id, url FROM articles").fetchall() == [
        (
            "http://news.example.test/story/rail-strike.html",
            "http://news.example.test/amp/rail-strike.html",
        )
    ]

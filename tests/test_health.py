"""The health report and the drift alarm: table tests of the pure parts, then
real ``scrapy crawl feeds`` runs against a real HTTP server on 127.0.0.1
whose site "breaks" (its pages lose the date) between runs."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, crawl
from feed_server import FeedServer, feed_server
from test_feeds import BASE, feeds_crawl

from newscrawl.drift import errors_by_kind, fill_counts, find_drift, site_summaries
from newscrawl.items import Article


def summary(n: int, **fill: float) -> dict[str, Any]:
    rates = {"title": 1.0, "published_at": 1.0, "authors": 1.0} | fill
    return {"articles": n, "fill": rates, "body_chars_mean": fill.get("body", 800.0)}


@pytest.mark.parametrize(
    ("now", "history", "alarms"),
    [
        # a field that was always there and is gone: alarm
        (summary(10, published_at=0.0), [summary(10)] * 3, [("published_at", 1.0, 0.0)]),
        # a small dip is no drift (threshold 0.3)
        (summary(10, published_at=0.8), [summary(10)] * 3, []),
        # the level is the mean of the runs: (1 + 1 + 0.4) / 3 = 0.8, now 0.5
        (
            summary(10, authors=0.5),
            [summary(10), summary(10), summary(10, authors=0.4)],
            [("authors", 0.8, 0.5)],
        ),
        # no earlier runs: nothing to compare with
        (summary(10, published_at=0.0), [], []),
        # too few articles now, or only in the past: not judged
        (summary(2, published_at=0.0), [summary(10)], []),
        (summary(10, published_at=0.0), [summary(2)], []),
        # bodies shrinking by 30% or more
        (summary(10, body=500.0), [summary(10)], [("body_chars_mean", 800.0, 500.0)]),
        # a field that was never filled cannot fall
        (summary(10, editors=0.0), [summary(10, editors=0.0)], []),
    ],
)
def test_find_drift(
    now: dict[str, Any], history: list[dict[str, Any]], alarms: list[tuple[str, float, float]]
) -> None:
    found = find_drift({"site": now}, [{"site": h} for h in history], 0.3, 5)
    assert [(a["field"], a["baseline"], a["now"]) for a in found] == alarms


def test_fill_stats_count_real_values_only() -> None:
    stats: Counter[str] = Counter()
    for article in (
        Article(site="s", title="A", body_text="x" * 100, authors=["Ana"], published_at="2024"),
        Article(site="s", title="B", body_text="y" * 300, source=" ", authors=[], editors=[""]),
    ):
        stats.update(fill_counts(article))
    # An empty list, or one of blank names, counts as missing (Spidermon's field
    # coverage would count both present).
    assert stats["newscrawl/filled/s/authors"] == 1
    assert stats["newscrawl/items/s"] == 2
    s = site_summaries(stats)["s"]
    assert s["articles"] == 2
    assert s["fill"] == {
        "title": 1.0,
        "published_at": 0.5,
        "authors": 0.5,
        "editors": 0.0,
        "source": 0.0,  # blank is empty
        "body_text": 1.0,
    }
    assert s["body_chars_mean"] == 200.0


def test_errors_by_kind_leaves_out_skips() -> None:
    stats = {
        "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 40,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2,
        "downloader/response_status_count/500": 3,
        "spider_exceptions/ValueError": 1,
    }
    assert errors_by_kind(stats) == {
        "download/TimeoutError": 2,
        "http/500": 3,
        "spider/ValueError": 1,
    }


# -- real runs ---------------------------------------------------------------

N = 6


def publish(server: FeedServer, batch: str, dated: bool) -> str:
    """``N`` new stories and a sitemap listing them (no dates in the sitemap
    or the URLs: the page is the only place the date can come from)."""
    story = server.root / "news.example.test" / "story"
    template = (story / ("harbor-bridge.html" if dated else "nodate.html")).read_text("utf-8")
    locs = []
    for i in range(N):
        slug = f"{batch}-{i}"
        page = template.replace("story/harbor-bridge.html", f"story/{slug}.html")
        page = page.replace("Harbor bridge reopens", f"Story {slug}: harbor bridge reopens")
        (story / f"{slug}.html").write_text(page, "utf-8")
        locs.append(f"<url><loc>{BASE}story/{slug}.html</loc></url>")
    name = f"sitemap-{batch}.xml"
    (server.root / "news.example.test" / name).write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(locs)
        + "</urlset>",
        "utf-8",
    )
    return f"{BASE}{name}"


def reports(tmp: Path) -> list[dict[str, Any]]:
    files = sorted((tmp / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return [json.loads(p.read_text("utf-8")) for p in files]


def test_layout_break_raises_the_drift_alarm_and_a_nonzero_exit(tmp_path: Path) -> None:
    job = ["-s", "NEWSCRAWL_JOB=example-daily", "-s", "NEWSCRAWL_DRIFT_MIN_ARTICLES=3"]
    with feed_server(tmp_path) as server:
        for batch in ("mon", "tue"):
            _, ok = feeds_crawl(server, tmp_path, *job, url=publish(server, batch, dated=True))
            assert ok.returncode == 0, ok.stderr[-3000:]
            assert "ERROR" not in ok.stderr
        # The site changes its layout: Wednesday's pages have no date element.
        _, broken = feeds_crawl(server, tmp_path, *job, url=publish(server, "wed", dated=False))
    assert broken.returncode == 3, broken.stderr[-3000:]
    assert "exit status: 3 (drift alarm" in broken.stderr
    assert (
        "ERROR: drift: site generic gives published_at on 0% of its articles now, "
        "100% over the last 2 runs" in broken.stderr
    )
    last = reports(tmp_path)[-1]
    assert last["drift"] == [
        {"site": "generic", "field": "published_at", "baseline": 1.0, "now": 0.0, "runs": 2}
    ]
    assert last["sites"]["generic"]["articles"] == N
    assert last["sites"]["generic"]["fill"]["title"] == 1.0
    # Every run is kept in the database; the alarm's run says so.
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    rows = db.execute("SELECT job, drift FROM newscrawl_runs ORDER BY id").fetchall()
    assert rows == [("example-daily", 0), ("example-daily", 0), ("example-daily", 1)]


def test_report_file_holds_what_the_run_did(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        (server.root / "news.example.test" / "story" / "rail-strike.html").unlink()  # a 404
        _, proc = feeds_crawl(server, tmp_path, url=f"{BASE}rss.xml {BASE}atom.xml")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (rep,) = reports(tmp_path)
    assert rep["spider"] == "feeds"
    assert rep["finish_reason"] == "finished"
    assert rep["pages_fetched"] == 6  # 2 feeds + 4 pages, one a 404 (robots.txt left out)
    assert rep["pages_read"] == 3
    assert rep["articles"] == {
        "written": 3, "stored": 3, "new": 3, "changed": 0, "unchanged": 0, "changed_fields": {}
    }  # fmt: skip
    assert rep["errors"] == {"http/404": 1}
    assert set(rep["sites"]) == {"generic", "sina"}
    assert rep["sites"]["sina"]["fill"]["editors"] == 1.0
    assert rep["sites"]["generic"]["fill"]["editors"] == 0.0
    assert "newscrawl run summary:" in proc.stderr
    assert "site generic: 2 articles; fill: title 100%" in proc.stderr
    # One 404 among pages that answered is no failed run: the report says how it ends.
    assert rep["exit_status"] == 0
    assert "exit status: 0 (the run finished and its report found nothing wrong)" in proc.stderr


def test_replay_report_counts_drops_by_reason(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.html").write_text("")
    (tmp_path / "in" / "ok.html").write_bytes(
        (FIXTURES / "generic" / "jsonld_news.html").read_bytes()
    )
    proc = crawl(
        "replay",
        "-a",
        f"path={tmp_path / 'in'}",
        "-s",
        f"NEWSCRAWL_JSONL={tmp_path / 'out.jsonl'}",
        "-s",
        f"NEWSCRAWL_DATABASE=sqlite:///{tmp_path / 'db.sqlite3'}",
        "-s",
        f"NEWSCRAWL_REPORT={tmp_path / 'reports' / '{spider}-{time}.json'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (rep,) = reports(tmp_path)
    assert rep["dropped"] == {"empty_file": 1}
    assert rep["articles"]["new"] == 1
    assert rep["job"] == f"replay:{tmp_path / 'in'}"


def test_progress_line_gives_rates_and_the_queue(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        server.delay = 0.3
        _, proc = feeds_crawl(
            server,
            tmp_path,
            "-s",
            "LOGSTATS_INTERVAL=0.2",
            "-s",
            "CONCURRENT_REQUESTS=1",
            url=f"{BASE}rss.xml {BASE}atom.xml",
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if "[newscrawl.progress] INFO:" in line]
    assert lines, proc.stderr[-3000:]
    assert all(re.search(r"items/min\); queue: \d+ requests;", line) for line in lines)
    # at some point there were articles waiting in the queue
    assert any(not re.search(r"queue: 0 requests", line) for line in lines)

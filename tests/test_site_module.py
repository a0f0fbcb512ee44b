"""A site is one module: ``tests/site_module/demo_daily.py`` (a made-up paper,
outside the project's package) and its pages beside it are all it takes to
crawl a new site with ``scrapy crawl site -a name=demo_daily``, through the
real command, against a real HTTP server on 127.0.0.1 (an HTTP proxy, so the
site keeps its own host name, news.demo-daily.test).

What its list holds (Tokyo time; the crawl runs with ``since=2024-05-01``):

* page 1: story 1001 (``?via=home``), story 1002, a video, story 1001 again
  (``?via=river&slot=3``: the site's tracking parameters), the about page;
  "Older stories" -> page 2: story 1004 and story 1005, older than ``since``
  (so page 3 is never asked for).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import crawl, feeds_settings, read_jsonl
from feed_server import FeedServer, feed_server
from test_sina_live import stats

from newscrawl.sites import SITES

MODULE_DIR = Path(__file__).resolve().parent / "site_module"
HOST = "news.demo-daily.test"


def run_site(
    server: FeedServer, tmp: Path, *args: str, modules: str = "demo_daily"
) -> tuple[list[dict[str, Any]], str, int]:
    """``scrapy crawl site`` with the module's folder on PYTHONPATH; the
    records, the log and the exit status."""
    path = os.pathsep.join(p for p in (str(MODULE_DIR), os.environ.get("PYTHONPATH")) if p)
    proc = crawl(
        "site",
        *args,
        "-s",
        f"NEWSCRAWL_SITE_MODULES={modules}",
        env={**server.env(), "PYTHONPATH": path},
        timeout=300,
        **feeds_settings(tmp),
    )
    out = tmp / "out.jsonl"
    return (read_jsonl(out) if out.exists() else []), proc.stderr, proc.returncode


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with feed_server(tmp_path, MODULE_DIR) as s:
        yield s


def test_the_site_is_not_part_of_the_project() -> None:
    # Known only through NEWSCRAWL_SITE_MODULES: nothing in newscrawl/ names it.
    assert "demo_daily" not in SITES
    assert not (
        Path(__file__).resolve().parents[1] / "newscrawl" / "sites" / "demo_daily.py"
    ).exists()


def test_a_site_module_of_its_own_is_crawled_through_its_hooks(
    server: FeedServer, tmp_path: Path
) -> None:
    records, log, status = run_site(
        server, tmp_path, "-a", "name=demo_daily", "-a", "since=2024-05-01"
    )
    assert status == 0, log[-4000:]
    by_story = {r["url"].split("/story/")[1].split("-")[0]: r for r in records}
    assert sorted(by_story) == ["1001", "1002", "1004"]
    assert len(records) == 3

    # Its name and its time zone: the page's "2024-05-03 10:00" is Tokyo time.
    assert {r["site"] for r in records} == {"demo_daily"}
    assert by_story["1001"]["published_at"] == "2024-05-03T10:00:00+09:00"
    assert by_story["1004"]["published_at"] == "2024-05-01T09:00:00+09:00"
    assert by_story["1001"]["title"] == "Harbour traffic reaches a ten-year high"
    assert "ten years" in by_story["1001"]["body_text"]

    # Its identity and tracking parameters: the story listed twice, with
    # ?via=home and ?via=river&slot=3, is one request and one row, keyed by
    # the module's own identity.
    assert server.fetched(f"{HOST}/story/1001-harbour-traffic.html") == [
        f"{HOST}/story/1001-harbour-traffic.html"
    ]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        ids = sorted(row[0] for row in db.execute("SELECT id FROM articles"))
    assert ids == ["demo_daily:1001", "demo_daily:1002", "demo_daily:1004"]

    # Its discovery: the list's own item selector and next-page link, its
    # skip reasons, and the since cut-off that ends the pagination.
    assert server.fetched(f"{HOST}/latest/") == [
        f"{HOST}/latest/index.html",
        f"{HOST}/latest/2.html",
    ]
    assert not server.fetched(f"{HOST}/video/") and not server.fetched(f"{HOST}/about")
    assert not server.fetched(f"{HOST}/story/1005")
    s = stats(log)
    assert s["newscrawl/skipped/video"] == 1
    assert s["newscrawl/skipped/not_article_url"] == 1
    assert s["newscrawl/skipped/older_than_since"] == 1
    assert f"Skipped video: http://{HOST}/video/1003-festival.html" in log
    # Politeness as for every live crawl: robots.txt asked for, the project's User-Agent.
    assert f"{HOST}/robots.txt" in server.log


def test_the_site_names_of_the_module_are_nobody(server: FeedServer, tmp_path: Path) -> None:
    # The pages' <meta name=author> names the paper (デモ日報), a name only the
    # module's site_names knows: the byline's person is the author.
    records, log, status = run_site(server, tmp_path, "-a", "name=demo_daily", "-a", "limit=1")
    assert status == 0, log[-4000:]
    assert [r["authors"] for r in records] == [["Kenji Sato"]]


def test_limit_and_lists_arguments(server: FeedServer, tmp_path: Path) -> None:
    records, log, status = run_site(
        server,
        tmp_path,
        "-a",
        "name=demo_daily",
        "-a",
        f"lists=http://{HOST}/latest/2.html",
        "-a",
        "limit=1",
    )
    assert status == 0, log[-4000:]
    assert [r["url"] for r in records] == [f"http://{HOST}/story/1004-library-hours.html"]
    assert server.fetched(f"{HOST}/latest/") == [f"{HOST}/latest/2.html"]
    assert "demo_daily: limit of 1 articles reached" in log


def test_an_unknown_site_is_refused_with_the_known_ones(server: FeedServer, tmp_path: Path) -> None:
    _, log, status = run_site(server, tmp_path, "-a", "name=nope")
    assert status == 1
    assert "unknown site 'nope'" in log and "demo_daily" in log and "sina" in log
    _, log, status = run_site(server, tmp_path)
    assert status == 1 and "pass -a name=SITE" in log


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (
            "no_such_module",
            "NEWSCRAWL_SITE_MODULES: cannot import 'no_such_module' (ModuleNotFoundError",
        ),
        ("json", "NEWSCRAWL_SITE_MODULES: 'json' defines no site"),
    ],
)
def test_a_bad_site_module_stops_the_crawl_at_start(
    server: FeedServer, tmp_path: Path, modules: str, message: str
) -> None:
    _, log, status = run_site(server, tmp_path, "-a", "name=demo_daily", modules=modules)
    assert status == 1
    assert message in log
    assert not server.log  # nothing fetched

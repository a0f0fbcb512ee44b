"""The feeds spider: RSS, Atom, sitemaps (news, gzipped, indexes) and
robots.txt, read by a real ``scrapy crawl feeds`` from a real HTTP server on
127.0.0.1 serving fixtures/feeds/ (pages and feeds written for these tests)."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import crawl, feeds_settings, read_jsonl
from feed_server import FEED_FIXTURES, FeedServer, feed_server

from newscrawl.spiders.feeds import parse_feed
from newscrawl.urls import canonicalize

SITE = FEED_FIXTURES / "news.example.test"
BASE = "http://news.example.test/"


def feeds_crawl(
    server: FeedServer, tmp: Path, *args: str, url: str | None = None
) -> tuple[list[dict[str, Any]], Any]:
    """``scrapy crawl feeds`` through the fixture server into tmp/."""
    extra = ["-a", f"url={url}"] if url else []
    proc = crawl("feeds", *extra, *args, env=server.env(), **feeds_settings(tmp))
    out = tmp / "out.jsonl"
    return (read_jsonl(out) if out.exists() else []), proc


# -- parsing ---------------------------------------------------------------


def test_rss_entries_carry_the_feed_values() -> None:
    feed = parse_feed((SITE / "rss.xml").read_bytes(), BASE + "rss.xml")
    assert feed.kind == "rss"
    assert [e.url for e in feed.entries] == [
        "http://news.example.test/story/harbor-bridge.html?utm_source=rss",
        "http://news.example.test/story/rail-strike.html",
        "http://finance.sina.com.cn/roll/2024-03-05/doc-inabcdef1234567.shtml",
    ]
    first, second, _ = (e.listing for e in feed.entries)
    assert first is not None and second is not None
    assert first.title == "Harbor bridge reopens after repairs"
    assert first.published == "Mon, 04 Mar 2024 09:30:00 GMT"
    assert first.authors == ["Mara Quint"]
    assert first.categories == ["City"]
    assert first.summary == "The bridge is open again."  # feed HTML as text
    assert first.image == "http://news.example.test/img/bridge.jpg"
    assert second.authors == ["Tomas Reyes"]  # "desk@… (Tomas Reyes)"
    assert feed.entries[1].date == "Tue, 05 Mar 2024 17:05:00 +0100"


def test_atom_entry_link_is_made_absolute() -> None:
    feed = parse_feed((SITE / "atom.xml").read_bytes(), BASE + "atom.xml")
    assert feed.kind == "atom"
    (entry,) = feed.entries
    assert entry.url == "http://news.example.test/story/library-reopens.html"
    assert entry.listing is not None
    assert entry.listing.authors == ["Ines Albers"]
    assert entry.listing.categories == ["Culture"]
    assert entry.listing.published == "2024-03-06T07:45:00Z"


def test_sitemap_index_lists_child_sitemaps_with_lastmod() -> None:
    feed = parse_feed((SITE / "sitemap_index.xml").read_bytes(), BASE + "sitemap_index.xml")
    assert feed.kind == "sitemapindex"
    assert [(e.url, e.date, e.sitemap) for e in feed.entries] == [
        ("http://news.example.test/sitemap-news.xml", "2024-03-06T08:00:00Z", True),
        ("http://news.example.test/sitemap-archive.xml.gz", "2019-06-02", True),
    ]


def test_news_sitemap_gives_title_publication_date_and_keywords() -> None:
    feed = parse_feed((SITE / "sitemap-news.xml").read_bytes(), BASE + "sitemap-news.xml")
    assert feed.kind == "urlset"
    harbor, market = feed.entries
    assert harbor.listing is not None and market.listing is not None
    assert harbor.listing.title == "Harbor bridge reopens after repairs"
    assert harbor.listing.published == "2024-03-04T09:30:00+00:00"
    assert harbor.listing.tags == ["bridge", "harbor", "roads"]
    # publication date wins over lastmod for the since cut-off
    assert market.date == "2024-03-06T09:00:00+00:00"


def test_gzipped_sitemap_lastmod_is_no_publication_date() -> None:
    body = (SITE / "sitemap-archive.xml.gz").read_bytes()
    assert gzip.decompress(body).startswith(b"<?xml")
    feed = parse_feed(body, BASE + "sitemap-archive.xml.gz")
    (entry,) = feed.entries
    assert entry.url == "http://news.example.test/story/old-ferry.html"
    assert entry.date == "2019-06-01"
    assert entry.listing is not None and entry.listing.published is None


def test_robots_txt_names_the_sitemaps() -> None:
    feed = parse_feed((SITE / "robots.txt").read_bytes(), BASE + "robots.txt")
    assert feed.kind == "robots"
    assert [e.url for e in feed.entries] == ["http://news.example.test/sitemap_index.xml"]


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"\x00\x01"])
def test_anything_else_is_unknown(body: bytes) -> None:
    assert parse_feed(body, BASE + "x").kind == "unknown"


# -- crawling --------------------------------------------------------------


def test_crawl_reads_every_kind_of_feed(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        records, proc = feeds_crawl(
            server,
            tmp_path,
            url=f"{BASE}rss.xml {BASE}atom.xml {BASE}robots.txt",
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # A link is fetched as the feed writes it (harbor-bridge.html?utm_source=rss in the RSS);
    # the RSS link and the sitemap's one are one request all the same.
    by_url = {canonicalize(r["url"]): r for r in records}
    assert len(records) == len(by_url)
    assert sorted(by_url) == [
        "http://finance.sina.com.cn/roll/2024-03-05/doc-inabcdef1234567.shtml",
        "http://news.example.test/story/harbor-bridge.html",  # RSS + sitemap: one fetch
        "http://news.example.test/story/library-reopens.html",
        "http://news.example.test/story/market-hall.html",
        "http://news.example.test/story/old-ferry.html",
        "http://news.example.test/story/rail-strike.html",
    ]
    assert server.fetched().count("news.example.test/story/harbor-bridge.html") == 1
    # A Sina page reached through a feed is read by the Sina module.
    sina = by_url["http://finance.sina.com.cn/roll/2024-03-05/doc-inabcdef1234567.shtml"]
    assert sina["site"] == "sina"
    assert sina["title"] == "港口吞吐量创新高 集装箱航线再添三条"
    assert sina["editors"] == ["孙佳 SF012"] or sina["editors"] == ["孙佳"]
    # Everything else goes to the generic site; the page's own values win ...
    rail = by_url["http://news.example.test/story/rail-strike.html"]
    assert rail["site"] == "generic"
    assert rail["published_at"] == "2024-03-05T17:05:00+01:00"
    assert rail["published_from"] == "meta"
    # ... and the feed's values fill what the page lacks.
    library = by_url["http://news.example.test/story/library-reopens.html"]
    assert library["authors"] == ["Ines Albers"]
    assert library["published_from"] == "feed"
    assert library["published_at"].startswith("2024-03-06T07:45:00")
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 6


def test_feed_list_from_settings(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        records, proc = feeds_crawl(
            server, tmp_path, "-s", f"NEWSCRAWL_FEEDS={BASE}atom.xml,{BASE}rss.xml"
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(records) == 4
    assert set(server.fetched(f"{BASE[7:]}")) >= {
        "news.example.test/atom.xml",
        "news.example.test/rss.xml",
    }


def test_no_feed_is_a_usage_error(tmp_path: Path) -> None:
    proc = crawl("feeds", "-s", f"NEWSCRAWL_DATABASE=sqlite:///{tmp_path / 'db.sqlite3'}")
    assert proc.returncode != 0
    assert "no feed to read: pass -a url=" in proc.stderr


def test_not_a_feed_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        records, proc = feeds_crawl(server, tmp_path, url=f"{BASE}story/rail-strike.html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert records == []
    assert "not a feed or sitemap: http://news.example.test/story/rail-strike.html" in proc.stderr

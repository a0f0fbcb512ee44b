"""The feeds spider fetches an entry's URL as the feed gives it: identity
drops tracking parameters (newscrawl.urls), the request does not."""

from __future__ import annotations

from pathlib import Path

from conftest import crawl, feeds_settings, read_jsonl
from feed_server import feed_server


def test_feed_links_are_fetched_as_given(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        proc = crawl(
            "feeds",
            "-a",
            "url=http://news.example.test/rss.xml",
            env=server.env(),
            **feeds_settings(tmp_path),
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "http://news.example.test/story/harbor-bridge.html?utm_source=rss" in server.targets
    records = read_jsonl(tmp_path / "out.jsonl")
    # the stored URL is what was fetched; the identity (and canonical_url) are clean
    bridge = [r for r in records if "harbor-bridge" in r["url"]]
    assert bridge and bridge[0]["url"].endswith("harbor-bridge.html?utm_source=rss")

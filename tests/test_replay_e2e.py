"""End to end: ``scrapy crawl replay`` in a subprocess over a folder holding
saved pages, a Markdown post, a WARC file and bad inputs; then both outputs
are read back as a user would."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, read_jsonl, replay
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.items import ARTICLE_FIELDS

PAGE = """<html><head><meta charset="utf-8"><title>{title} - Example Daily</title>
<meta property="article:published_time" content="2024-03-0{day}T10:00:00+01:00">
<meta name="author" content="Ana Silva"></head><body><article itemprop="articleBody">
<p>{title}: the first paragraph of this test article says something useful.</p>
<p>A second paragraph closes it.</p></article></body></html>"""

POST = """---
title: 'Rates held steady'
categories:
 - 金融
 - 新浪财经－国內
headimg: 'https://n.sinaimg.cn/finance/test/qr.png'
author: 新浪财经
comments: false
date: Tue, 05 Mar 2024 02:00:00 GMT
---

<div><p>　　The central bank held rates steady on Tuesday, as expected by <a href="https://finance.sina.com.cn/realstock/company/sh600000/nc.shtml">most economists</a>.</p>
<p>来源 测试日报|记者 王小明</p>
<p class="article-editor">责任编辑：赵六 SN001</p></div>
"""


def write_warc(path: Path, pages: list[tuple[str, str]], broken_tail: bool = False) -> None:
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=path.suffix == ".gz")
        for url, html in pages:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            rec = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(html.encode("utf-8")),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-03-06T12:00:00Z"},
            )
            writer.write_record(rec)
        if broken_tail:
            f.write(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\ntruncated")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "saved").mkdir(parents=True)
    (d / "saved" / "a.html").write_text(PAGE.format(title="Saved page one", day=1), "utf-8")
    (d / "saved" / "a.json").write_text('{"url": "https://daily.example/2024/03/01/one"}', "utf-8")
    (d / "saved" / "b.html").write_text(
        PAGE.format(title="Canonical page", day=2).replace(
            "<title>", '<link rel="canonical" href="https://daily.example/canon/two"><title>'
        ),
        "utf-8",
    )
    (d / "post.md").write_text(POST, "utf-8")
    write_warc(
        d / "crawl.warc.gz",
        [
            ("https://daily.example/2024/03/03/three", PAGE.format(title="From the WARC", day=3)),
            ("https://daily.example/2024/03/04/four", PAGE.format(title="Second WARC page", day=4)),
        ],
    )
    # Bad inputs: each must be one counted drop naming the file, never a stop.
    (d / "bad").mkdir()
    (d / "bad" / "empty.html").write_bytes(b"")
    (d / "bad" / "binary.html").write_bytes(bytes(range(256)) * 20)
    (d / "bad" / "notitle.html").write_text("<html><body><div></div></body></html>", "utf-8")
    write_warc(d / "bad" / "broken.warc", [], broken_tail=True)
    (d / "notes.txt").write_text("not replayed", "utf-8")
    return d


def test_replay_folder_to_jsonl_and_sqlite(folder: Path, tmp_path: Path) -> None:
    records, proc = replay(folder, tmp_path)
    by_title = {r["title"]: r for r in records}
    assert set(by_title) == {
        "Saved page one",
        "Canonical page",
        "Rates held steady",
        "From the WARC",
        "Second WARC page",
    }
    for r in records:
        assert list(r) == list(ARTICLE_FIELDS), "outputs write the schema's fields, in order"
        assert r["body_text"] and r["fingerprint"] and r["fetched_at"]
    one = by_title["Saved page one"]
    assert one["url"] == "https://daily.example/2024/03/01/one"
    assert one["published_at"] == "2024-03-01T10:00:00+01:00"
    assert one["authors"] == ["Ana Silva"]
    assert by_title["Canonical page"]["url"] == "https://daily.example/canon/two"
    warc = by_title["From the WARC"]
    assert warc["url"] == "https://daily.example/2024/03/03/three"
    assert warc["fetched_at"] == "2024-03-06T12:00:00Z"
    post = by_title["Rates held steady"]
    assert (
        post["published_at"] == "2024-03-05T10:00:00+08:00"
    )  # a post linking to Sina: Beijing time
    assert post["published_from"] == "feed"
    assert post["authors"] == ["王小明"] and post["editors"] == ["赵六"]
    assert post["source"] == "测试日报"
    assert post["categories"] == ["金融", "新浪财经-国内"]
    assert "责任编辑" not in post["body_text"] and "来源" not in post["body_text"]

    # The database holds the same articles, one row each, lists as JSON.
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    rows = db.execute("SELECT title, authors, published_at FROM articles").fetchall()
    assert sorted(r[0] for r in rows) == sorted(by_title)
    assert ("Saved page one", '["Ana Silva"]', "2024-03-01T10:00:00+01:00") in rows

    # Every bad input is a counted drop whose log line names the file.
    log = proc.stderr
    for name, reason in [
        ("empty.html", "empty_file"),
        ("binary.html", "not_html"),
        ("notitle.html", "no_title"),
        ("broken.warc", "bad_warc_record"),
    ]:
        assert any(reason in line and name in line for line in log.splitlines()), (name, reason)
    assert "'newscrawl/dropped/total': 4" in log
    assert "newscrawl run summary" in log


def test_rerun_appends_jsonl_and_upserts_rows(folder: Path, tmp_path: Path) -> None:
    replay(folder, tmp_path)
    replay(folder, tmp_path)
    # appended to, never overwritten; the re-run's unchanged articles are not written again
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 5
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def test_default_path_replays_the_fixtures(tmp_path: Path) -> None:
    records, _ = replay(FIXTURES, tmp_path)
    assert len(records) == len(list(FIXTURES.glob("*/*.html")))


def test_bad_setting_stops_at_start(tmp_path: Path) -> None:
    from conftest import crawl

    proc = crawl("replay", "-a", f"path={FIXTURES}", "-s", "NEWSCRAWL_DEFAULT_TIMEZONE=Mars/Base")
    assert proc.returncode != 0
    assert "NEWSCRAWL_DEFAULT_TIMEZONE='Mars/Base' is not an IANA time zone" in proc.stderr


def test_missing_path_says_so(tmp_path: Path) -> None:
    from conftest import crawl

    proc = crawl("replay", "-a", f"path={tmp_path / 'nope'}")
    assert proc.returncode != 0
    assert "no such file or folder" in proc.stderr


def test_schema_field_names_are_the_contract() -> None:
    assert ARTICLE_FIELDS == (
        "url", "canonical_url", "site", "title", "published_at", "published_raw",
        "published_from", "updated_at", "authors", "editors", "source", "original_title",
        "categories", "tags", "lead", "body_text", "body_html", "images", "language",
        "fetched_at", "fingerprint", "story_id", "duplicate_of",
    )  # fmt: skip
    _ = json


def test_saved_page_moved_to_its_address_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page saved without a sidecar gets its address from its <head>
    (parsed alone); the whole page is parsed once, at that address."""
    import parsel.selector
    from scrapy.http import HtmlResponse

    from newscrawl.charset import resolve
    from newscrawl.sites import get_site
    from newscrawl.spiders.replay_inputs import saved_address

    parses: list[int] = []
    real = parsel.selector.create_root_node

    def counting(text: str, *args: object, **kwargs: object) -> object:
        parses.append(len(text))
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parsel.selector, "create_root_node", counting)
    head = '<html><head><meta charset="gbk"><link rel="canonical" href="https://x.test/a"></head>'
    body = head + "<body><h1>标题</h1>" + "<p>新闻正文，第二段落。</p>" * 200 + "</body></html>"
    page = resolve(HtmlResponse("file:///saved/a.html", body=body.encode("gbk")))
    found = saved_address(page)
    assert found == "https://x.test/a"
    moved = page.replace(url=found)
    article = get_site("generic").extract(resolve(moved))
    assert article.url == "https://x.test/a" and "新闻正文" in article.body_html
    whole = [n for n in parses if n > len(head) + 100]
    assert len(whole) == 1, parses

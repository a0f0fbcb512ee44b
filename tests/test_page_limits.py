"""Every input accounted for: hostile pages (wide encodings, malformed
links, implausible canonical links, no-HTML files, pages too large or too
complex, fields without bounds) are stored right or dropped with one counted
reason and one WARNING, never a traceback or an ERROR line.

Set NEWSCRAWL_BIG_TESTS=1 to also replay a million-paragraph page and a
50 MB page at the default limits (slow: each is written to tmp_path first).
"""

from __future__ import annotations

import json
import os
import re
import time
from html import escape
from pathlib import Path

import pytest
from conftest import replay
from scrapy.exceptions import DropItem

from newscrawl.items import Article
from newscrawl.pipelines import DROP_PREFIX
from newscrawl.pipelines.validate import CUT_PREFIX, ValidatePipeline, cut_body, problem

PARAS = (
    "<p>The council met on Monday to discuss the new budget for the coming year.</p>"
    "<p>Members agreed that the library would keep its opening hours all summer.</p>"
)


def page(title: str, head: str = "", body: str = "", lang: str = "en") -> str:
    return (
        f"<html lang='{lang}'><head><title>{escape(title)}</title>{head}</head>"
        f"<body><h1>{escape(title)}</h1>{PARAS}{body}</body></html>"
    )


# -- the validate pipeline's bounds (table tests) --------------------------


class Stats:
    """The two calls the pipelines make on Scrapy's stats collector."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count

    def get(self, key: str) -> int | None:
        return self.values.get(key)


def article(**fields: object) -> Article:
    base: dict[str, object] = {
        "url": "https://news.example/a/1.html",
        "title": "A headline",
        "body_text": "One.\nTwo.",
        "body_html": "<p>One.</p>\n<p>Two.</p>",
    }
    return Article(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": "x" * 1001}, "title_too_long"),
        ({"title": "   "}, "no_title"),
        ({"url": "https://news.example/" + "a" * 10_000}, "url_too_long"),
        ({"body_text": ""}, "no_body"),
        ({"title": "x" * 1000}, None),
    ],
)
def test_problem(fields: dict[str, object], reason: str | None) -> None:
    assert problem(article(**fields), 1) == reason


def test_a_five_million_character_title_is_dropped_counted() -> None:
    stats = Stats()
    pipe = ValidatePipeline(stats, 1)
    with pytest.raises(DropItem, match="title_too_long"):
        pipe.process_item(article(title="t" * 5_000_000))
    assert stats.get(f"{DROP_PREFIX}/title_too_long") == 1
    assert stats.get(f"{DROP_PREFIX}/total") == 1


def test_long_body_is_cut_at_a_paragraph_with_its_html_and_images() -> None:
    paras = [f"Paragraph {i} " + "x" * 80 for i in range(30)]
    html = []
    images = []
    for i, p in enumerate(paras):
        html.append(f"<p><strong>{p}</strong></p>")
        if i % 10 == 0:
            html.append(f'<figure><img src="https://news.example/{i}.jpg"></figure>')
            images.append({"url": f"https://news.example/{i}.jpg", "caption": None})
    a = article(body_text="\n".join(paras), body_html="\n".join(html), images=images)
    assert cut_body(a, 1000)
    kept = a.body_text.split("\n")
    assert kept == paras[: len(kept)] and len(a.body_text) <= 1000 and len(kept) == 10
    assert a.body_html.count("<p>") == 10 and a.body_html.endswith("</p>")
    assert [i["url"] for i in a.images] == ["https://news.example/0.jpg"]
    # one paragraph longer than the limit alone: cut at a word
    a = article(body_text="word " * 500, body_html="<p>" + "word " * 500 + "</p>")
    assert cut_body(a, 100)
    assert a.body_text == ("word " * 20).strip() and a.body_html == f"<p>{a.body_text}</p>"


def test_other_fields_are_cut_and_counted() -> None:
    stats = Stats()
    pipe = ValidatePipeline(stats, 1, max_body_chars=50, max_field_chars=100)
    a = pipe.process_item(
        article(
            body_text="a" * 40 + "\n" + "b" * 40,
            body_html="<p>" + "a" * 40 + "</p>\n<p>" + "b" * 40 + "</p>",
            lead="lead " * 100,
            source="s" * 101,
            canonical_url="https://news.example/" + "c" * 100,
            authors=["Jane Doe"] + ["x" * 60] * 3,
            tags=["t"] * 1000,
            images=[{"url": "https://news.example/i.jpg", "caption": "c" * 200}],
        )
    )
    assert a.body_text == "a" * 40 and a.body_html == "<p>" + "a" * 40 + "</p>"
    assert len(a.lead or "") <= 100 and (a.lead or "").startswith("lead lead")
    assert a.source is None and a.canonical_url is None
    assert a.authors == ["Jane Doe", "x" * 60] and a.tags == ["t"] * 100 and a.images == []
    for name in ("body_text", "lead", "source", "canonical_url", "authors", "tags", "images"):
        assert stats.get(f"{CUT_PREFIX}/{name}") == 1, name
    assert a.fingerprint


# -- one real replay over a folder of hostile pages ------------------------

WIDE_TITLE = "Grüße aus 北京"


def hostile_pages(folder: Path) -> dict[str, str | None]:
    """Write the pages; each file name -> the drop reason expected (None: stored)."""
    expected: dict[str, str | None] = {}

    def put(name: str, data: str | bytes, reason: str | None, url: str | None = None) -> None:
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if url:
            path.with_suffix(".json").write_text(json.dumps({"url": url}), encoding="utf-8")
        expected[name] = reason

    wide = page(WIDE_TITLE, body="<p>中文段落，会议讨论了明年的预算安排。</p>")
    put("u16le_bom.html", b"\xff\xfe" + wide.encode("utf-16-le"), None)
    put("u16be.html", wide.encode("utf-16-be"), None)
    put("u32le_meta.html", page(WIDE_TITLE, "<meta charset='utf-32'>").encode("utf-32-le"), None)
    put("u32be_bom.html", b"\x00\x00\xfe\xff" + wide.encode("utf-32-be"), None)
    bad_links = (
        '<header><nav><a href="http://[::1/x">x</a> <a href="http://a:99999/">y</a>'
        '<link rel="alternate" href="http://[::1"></nav></header>'
    )
    put("bad_links.html", page("Bad links", body=bad_links), None)  # no address: site_for
    put(
        "canon_port.html",
        page("Canonical port", "<link rel='canonical' href='http://news.example:99999/a'>"),
        None,
        "https://news.example/canon_port.html",
    )
    put(
        "canon_v6.html",
        page("Canonical v6", "<link rel='canonical' href='http://[::1'>"),
        None,
        "https://news.example/canon_v6.html",
    )
    put(
        "canon_js.html",
        page("Canonical js", "<link rel='canonical' href='javascript:alert(1)'>"),
        None,
        "https://news.example/canon_js.html",
    )
    put(
        "canon_elsewhere.html",
        page("Canonical elsewhere", "<meta property='og:url' content='https://evil.example/x'>"),
        None,
        "https://news.example/canon_elsewhere.html",
    )
    put("one_byte.html", b"x", "not_html")
    put("bom_only.html", b"\xef\xbb\xbf", "empty_file")
    put("json.html", '{"a": [1, 2, {"b": "c"}]}', "not_html")
    put(
        "rss.html",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>I</title><link>http://x.example/1</link></item></channel></rss>",
        "not_html",
    )
    put("empty_body.html", "<html><head><title>Empty</title></head><body></body></html>", "no_body")
    put("png.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "not_html")
    put("long_title.html", page("Headline " * 600), "title_too_long")
    # 200,000 paragraphs (1.6 MB): over this run's NEWSCRAWL_MAX_ELEMENTS
    put("many.html", page("Many", body="<p>x</p>" * 200_000), "too_complex")
    put("large.html", page("Large", body="<p>" + "y " * 1_600_000 + "</p>"), "too_large")
    long_body = "".join(f"<p>Paragraph {i}: " + "words " * 60 + "</p>" for i in range(40))
    put("long_body.html", page("Long body", body=long_body), None)
    return expected


def test_hostile_pages_are_stored_or_dropped_counted(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    expected = hostile_pages(folder)
    records, proc = replay(
        folder,
        tmp_path,
        "-s",
        "NEWSCRAWL_MAX_ELEMENTS=2000",
        "-s",
        "NEWSCRAWL_MAX_PAGE_BYTES=3000000",
        "-s",
        "NEWSCRAWL_MAX_BODY_CHARS=5000",
    )
    err = proc.stderr
    assert "Traceback" not in err
    assert not re.findall(r"^.*\] (?:ERROR|CRITICAL):.*$", err, re.M)
    assert not re.findall(r"^.*\[(?:trafilatura|htmldate|courlan)[^\]]*\] (?!DEBUG).*$", err, re.M)
    stored = {Path(r["url"]).name: r for r in records}
    for name, reason in expected.items():
        warnings = [
            line
            for line in err.splitlines()
            if "WARNING: Dropped " in line and re.search(rf"[/ ]{re.escape(name)}\b", line)
        ]
        if reason is None:
            assert name in stored, (name, warnings)
            assert not warnings, warnings
        else:
            assert name not in stored
            assert len(warnings) == 1 and f"Dropped {reason}" in warnings[0], (name, warnings)
    drops = [r for r in expected.values() if r]
    assert f"'{DROP_PREFIX}/total': {len(drops)}," in err
    for name in ("u16le_bom.html", "u16be.html", "u32be_bom.html"):
        assert stored[name]["title"] == WIDE_TITLE
        assert "中文段落" in stored[name]["body_text"]
    assert stored["u32le_meta.html"]["title"] == WIDE_TITLE
    assert "library would keep" in stored["bad_links.html"]["body_text"]
    for name in ("canon_port.html", "canon_v6.html", "canon_js.html", "canon_elsewhere.html"):
        assert stored[name]["canonical_url"] is None, name
        assert stored[name]["url"] == f"https://news.example/{name}"
    assert "Refused canonical URL 'https://evil.example/x'" in err
    body = stored["long_body.html"]["body_text"]
    assert len(body) <= 5000 and body.splitlines()[-1].startswith("Paragraph ")
    assert f"'{CUT_PREFIX}/body_text': 1," in err


def test_malformed_link_in_the_body_is_ignored() -> None:
    from newscrawl.pipelines.text import clean_body

    body = clean_body(
        '<p>Text <a href="http://[::1/x">link</a></p><p><img src="http://[::1/i.png"></p>',
        "https://news.example/a",
    )
    assert "Text link" in body.text


def test_malformed_figure_image_is_ignored() -> None:
    from scrapy.http import HtmlResponse

    from newscrawl.charset import resolve
    from newscrawl.sites import get_site

    html = page(
        "Figure", body="<figure><img src='http://[::1/i.png'><figcaption>C</figcaption></figure>"
    )
    resp = resolve(HtmlResponse("https://news.example/a", body=html.encode("utf-8")))
    assert get_site("generic").extract(resp).title == "Figure"


# -- big inputs at the default limits (NEWSCRAWL_BIG_TESTS=1) ----------------


@pytest.mark.skipif(not os.environ.get("NEWSCRAWL_BIG_TESTS"), reason="NEWSCRAWL_BIG_TESTS unset")
def test_a_million_paragraphs_and_fifty_megabytes_finish_in_seconds(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "million.html").write_text(page("Million", body="<p>x</p>" * 1_000_000))
    para = "<p>" + "The council met on Monday to discuss the budget. " * 10 + "</p>\n"
    (folder / "fifty.html").write_text(page("Fifty", body=para * (50_000_000 // len(para))))
    start = time.monotonic()
    records, proc = replay(folder, tmp_path)
    assert time.monotonic() - start < 60
    assert records == []
    assert "Dropped too_complex: " in proc.stderr and "Dropped too_large: " in proc.stderr
    assert "Traceback" not in proc.stderr

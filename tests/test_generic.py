"""Generic extraction on hard layouts, one row per case: dates shown after
the headline, the page's zone, title tails naming the site, author metadata
that only names the site."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.sites.base import Page, utf8_if_valid
from newscrawl.sites.generic import Generic, page_zone


def page(body: str, head: str = "", url: str = "https://news.example/a/1.html") -> Page:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return Page(HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # the first date after the headline, with its time
        (
            "<p>2005年01月01日</p><h1>标题</h1><p>2005-04-05 06:40更新 来源：某报</p>",
            "2005-04-05 06:40",
        ),
        # a day alone (a calendar) loses to a date with a time
        ("<h1>标题</h1><p>2006年8月10日</p><p>帖子 2005-06-14 03:25:55</p>", "2005-06-14 03:25:55"),
        # a modification time is passed over
        (
            "<h1>Title</h1><p>Updated: 2024-05-04 09:00</p><p>3 May 2024, 10:30</p>",
            "3 May 2024, 10:30",
        ),
        ("<h1>Titel</h1><span>28.04.2023, 16:11 Uhr</span>", "28.04.2023, 16:11 Uhr"),
        (
            "<h1>Title</h1><time datetime='2024-05-03T10:00:00-04:00'>May 3</time>",
            "2024-05-03T10:00:00-04:00",
        ),
    ],
)
def test_shown_date(body: str, expected: str) -> None:
    p = page(body)
    assert next(c for c in Generic().published(p) if c[1] == "visible")[0] == expected


@pytest.mark.parametrize(
    ("url", "language", "zone"),
    [
        ("https://www.example.de/a", None, "Europe/Berlin"),
        ("https://www.example.co.uk/a", None, "Europe/London"),
        ("https://www.example.com/a", "zh-CN", "Asia/Shanghai"),
        ("https://www.example.com/a", "en", None),
    ],
)
def test_page_zone(url: str, language: str | None, zone: str | None) -> None:
    assert page_zone(url, language) == zone


@pytest.mark.parametrize(
    ("og_title", "site_name", "url", "title"),
    [
        ("Headline here | Börsen-Zeitung", "Börsen-Zeitung", "https://x.example/", "Headline here"),
        ("Headline here | DW | 28.04.2023", "DW.COM", "https://www.dw.example/", "Headline here"),
        ("Headline here - Golem.de", "", "https://www.golem.de/a", "Headline here"),
        (
            "Headline - with a dash inside",
            "Other Site",
            "https://x.example/",
            "Headline - with a dash inside",
        ),
    ],
)
def test_title_loses_the_site_name(og_title: str, site_name: str, url: str, title: str) -> None:
    head = f'<meta property="og:title" content="{og_title}">'
    if site_name:
        head += f'<meta property="og:site_name" content="{site_name}">'
    assert Generic().title(page("<p>x</p>", head, url)) == title


def test_author_metadata_naming_the_site_is_passed_over() -> None:
    p = page(
        "<h1>T</h1><span class='author-name'>Von Hans Müller</span>",
        '<meta name="author" content="Musterstädter Anzeiger">'
        '<meta property="og:site_name" content="Musterstädter Anzeiger">',
    )
    assert Generic().authors(p) == ["Von Hans Müller"]


def test_utf8_bytes_under_a_legacy_charset_read_as_utf8() -> None:
    html = "<html><head><meta charset='iso-8859-15'><title>sanción</title></head><body><h1>sanción</h1><p>x</p></body></html>"
    resp = HtmlResponse(url="https://x.example/", body=html.encode("utf-8"))
    assert resp.encoding == "iso8859-15"
    assert Generic().title(Page(utf8_if_valid(resp))) == "sanción"
    legacy = HtmlResponse(url="https://x.example/", body=html.encode("iso-8859-15"))
    assert utf8_if_valid(legacy) is legacy

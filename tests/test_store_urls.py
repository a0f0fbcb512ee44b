"""Article identity: every spelling of one article's address gives one key."""

from __future__ import annotations

import pytest

from newscrawl.urls import article_key, canonicalize, sina_doc_id

SAME = [
    # scheme, host case, trailing slash, fragment, tracking parameters
    ("https://News.Example.com/a/b/?utm_source=x#top", "http://news.example.com/a/b"),
    ("https://example.com/p?id=3&fbclid=abc&gclid=1", "http://example.com/p?id=3"),
    ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
    ("https://example.com:443/p", "http://example.com/p"),
    # Sina desktop and mobile addresses of one doc-i article
    (
        "https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml",
        "https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html",
    ),
    (
        "https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml?cref=cj",
        "http://finance.sina.cn/china/gncj/2021-08-27/detail-ikqcfncc5263842.d.html?from=wap&vt=4",
    ),
    (
        "https://news.sina.com.cn/c/2020-01-02/doc-iihnzahk1234567.shtml",
        "https://news.sina.cn/gn/2020-01-02/detail-iihnzahk1234567.d.html",
    ),
]

DIFFERENT = [
    ("https://example.com/p?id=3", "https://example.com/p?id=4"),
    ("https://example.com/a", "https://example.org/a"),
    (
        "https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml",
        "https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263843.shtml",
    ),
    # "from" is tracking only on Sina
    ("https://example.com/p?from=a", "https://example.com/p?from=b"),
    # not a Sina host: no doc-id identity
    ("https://notsina.example/doc-iabcdefg1.shtml", "https://other.example/doc-iabcdefg1.shtml"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_article_same_key(a: str, b: str) -> None:
    assert article_key(a) == article_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_articles_different_keys(a: str, b: str) -> None:
    assert article_key(a) != article_key(b)


@pytest.mark.parametrize(
    ("url", "doc"),
    [
        (
            "https://finance.sina.com.cn/stock/2021-08-27/doc-ikqcfncc5263842.shtml",
            "ikqcfncc5263842",
        ),
        ("https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html", "ikqcfncc5263842"),
        ("https://tech.sina.com.cn/i/2004-05-12/1031361234.shtml", None),
        ("https://example.com/doc-ikqcfncc5263842.shtml", None),
        ("file:///tmp/doc-ikqcfncc5263842.shtml", None),
    ],
)
def test_sina_doc_id(url: str, doc: str | None) -> None:
    assert sina_doc_id(url) == doc


def test_canonical_url_wins_over_fetched_url() -> None:
    assert article_key("https://m.example.com/x?amp=1", "https://example.com/x") == article_key(
        "https://example.com/x/"
    )


def test_non_web_addresses_are_kept() -> None:
    assert article_key("file:///tmp/a.html") == "file:///tmp/a.html"
    assert canonicalize(" file:///tmp/a.html ") == "file:///tmp/a.html"

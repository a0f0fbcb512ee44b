"""Article identity: every spelling of one article's address gives one key,
and two different pages never share one."""

from __future__ import annotations

import pytest

from newscrawl.sites.base import Site
from newscrawl.urls import article_key, canonicalize, clean_url, plausible_canonical

SAME = [
    # scheme, host case, trailing slash, fragment, tracking parameters
    ("https://News.Example.com/a/b/?utm_source=x#top", "http://news.example.com/a/b"),
    ("https://example.com/p?id=3&fbclid=abc&gclid=1", "http://example.com/p?id=3"),
    ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
    ("https://example.com:443/p", "http://example.com/p"),
    ("http://example.com:80/p", "http://example.com/p"),
    # the same bytes, percent-encoded in either case
    ("http://example.com/s?t=%d6%d0", "http://example.com/s?t=%D6%D0"),
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
    # Sina's feed tracking parameters, on a Sina page without a doc id
    (
        "https://tech.sina.com.cn/i/2004-05-12/1031361234.shtml?cre=tianyi&mod=pcpager&loc=2&r=0",
        "https://tech.sina.com.cn/i/2004-05-12/1031361234.shtml",
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
    # r, mod, loc, wm, cre are Sina's tracking parameters, real ones elsewhere
    ("https://example.com/p?r=1", "https://example.com/p?r=2"),
    ("https://example.com/list?mod=a&loc=1", "https://example.com/list?mod=b&loc=1"),
    ("https://example.com/p?wm=1&cre=2", "https://example.com/p"),
    # GBK percent-encoded query values (中文, 新闻): different bytes, different pages
    ("http://example.com/s?t=%D6%D0%CE%C4", "http://example.com/s?t=%D0%C2%CE%C5"),
    ("http://example.com/s?t=%D6%D0", "http://example.com/s?t=%FF%FE"),
    # not a Sina host: no doc-id identity
    ("https://notsina.example/doc-iabcdefg1.shtml", "https://other.example/doc-iabcdefg1.shtml"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_article_same_key(a: str, b: str) -> None:
    assert article_key(a) == article_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_articles_different_keys(a: str, b: str) -> None:
    assert article_key(a) != article_key(b)


def test_undecodable_bytes_are_kept_in_the_key() -> None:
    assert "%D6%D0%CE%C4" in article_key("http://example.com/s?t=%D6%D0%CE%C4")
    assert "\ufffd" not in article_key("http://example.com/s?t=%D6%D0%CE%C4")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (
            "https://finance.sina.com.cn/stock/2021-08-27/doc-ikqcfncc5263842.shtml",
            "sina:doc-ikqcfncc5263842",
        ),
        (
            "https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html",
            "sina:doc-ikqcfncc5263842",
        ),
        (
            "https://example.com/doc-ikqcfncc5263842.shtml",
            "http://example.com/doc-ikqcfncc5263842.shtml",
        ),
        ("file:///tmp/doc-ikqcfncc5263842.shtml", "file:///tmp/doc-ikqcfncc5263842.shtml"),
    ],
)
def test_sina_doc_identity(url: str, key: str) -> None:
    assert article_key(url) == key


class _Paper(Site):
    """A site of this test's own (not in newscrawl.sites): its own tracking parameter."""

    name = ""  # not registered
    domains = ("paper.test",)
    tracking_params = frozenset({"src"})


def test_a_site_names_its_own_tracking_parameters() -> None:
    paper = _Paper()
    assert paper.article_key("https://paper.test/a?id=1&src=home") == paper.article_key(
        "https://paper.test/a?id=1"
    )
    # the same parameter elsewhere is kept
    assert article_key("https://other.test/a?id=1&src=home") != article_key(
        "https://other.test/a?id=1"
    )


def test_canonical_url_wins_over_fetched_url() -> None:
    assert article_key("https://m.example.com/x?amp=1", "https://example.com/x") == article_key(
        "https://example.com/x/"
    )


def test_non_web_addresses_are_kept() -> None:
    assert article_key("file:///tmp/a.html") == "file:///tmp/a.html"
    assert canonicalize(" file:///tmp/a.html ") == "file:///tmp/a.html"


@pytest.mark.parametrize(
    "bad", ["http://[::1/x", "http://example.com:99999/a", "javascript:alert(1)"]
)
def test_malformed_urls_do_not_raise(bad: str) -> None:
    assert article_key(bad) == bad
    assert clean_url(bad) == bad


@pytest.mark.parametrize(
    ("page", "candidate", "hosts", "ok"),
    [
        ("https://a.example/x", "https://a.example/y", (), True),
        ("https://a.example/x", "https://victim.example/story", (), False),
        (
            "https://news.sina.cn/x",
            "https://finance.sina.com.cn/y",
            ("sina.com.cn", "sina.cn"),
            True,
        ),
        ("https://a.example/x", "file:///etc/passwd", (), False),
        ("https://a.example/x", "data:text/html,hi", (), False),
        ("https://a.example/x", "javascript:alert(1)", (), False),
        ("https://a.example/x", "http://a.example:99999/", (), False),
        ("file:///saved/a.html", "https://a.example/x", (), True),
        ("file:///saved/a.html", "https://elsewhere.example/x", ("sina.com.cn",), False),
    ],
)
def test_plausible_canonical(page: str, candidate: str, hosts: tuple[str, ...], ok: bool) -> None:
    assert plausible_canonical(page, candidate, hosts) is ok

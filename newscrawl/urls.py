"""URL identity: one spelling of an article's address, and which addresses
a page may claim as its own.

Identity never merges different pages: the URL is canonicalized by w3lib
(query sorted, percent-encoding normalized, fragment dropped), percent-encoded
bytes that are no UTF-8 (``?t=%D6%D0`` in GBK) are kept as they are, and only
tracking parameters are removed: the ones every site uses (``utm_*``,
``fbclid``...) plus those the site module claiming the URL names
(``Site.tracking_params``). A site module may give its own identity
(``Site.article_key``: Sina's desktop and mobile addresses of one story).
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "spm",
    }
)
"""Click-tracking parameters no site needs to tell its pages apart (plus every ``utm_*``)."""

WEB_SCHEMES = ("http", "https")


def _split(url: str) -> tuple[str, str, str, str, str] | None:
    """``urlsplit`` of a web URL with a valid port, else None."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return None
    return parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host (and a valid port).

    >>> is_web_url("https://example.com/a"), is_web_url("javascript:alert(1)")
    (True, False)
    >>> is_web_url("http://[::1/x"), is_web_url("http://example.com:99999/")
    (False, False)
    """
    return _split(url) is not None


def join_url(base: str, ref: str) -> str | None:
    """``ref`` made absolute against ``base``; None when either is malformed
    (an unclosed IPv6 bracket, a port out of range): a bad link is skipped,
    the page kept.

    >>> join_url("https://example.com/a/b", "../c.jpg")
    'https://example.com/c.jpg'
    >>> join_url("https://example.com/a", "http://[::1/x") is None
    True
    """
    try:
        joined = urljoin(base, ref.strip())
        urlsplit(joined).port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    return joined


def host_of(url: str) -> str:
    """The lower-cased host of a web URL, else ``""``."""
    if _split(url) is None:
        return ""
    return (urlsplit(url.strip()).hostname or "").lower()


def is_tracking(key: str, site_params: frozenset[str] = frozenset()) -> bool:
    """True when query parameter ``key`` only says where a click came from.

    >>> is_tracking("utm_source"), is_tracking("id"), is_tracking("from", frozenset({"from"}))
    (True, False, True)
    """
    k = unquote(key).lower()
    return k.startswith("utm_") or k in TRACKING_PARAMS or k in site_params


def _without_params(query: str, site_params: frozenset[str]) -> str:
    """``query`` less its tracking parameters; the others kept byte for byte."""
    kept = [
        pair
        for pair in query.split("&")
        if pair and not is_tracking(pair.split("=", 1)[0], site_params)
    ]
    return "&".join(kept)


def clean_url(url: str, site_params: frozenset[str] = frozenset()) -> str:
    """The URL canonicalized (w3lib), host lower-cased, default port, fragment
    and tracking parameters removed. Non-web URLs come back stripped.

    >>> clean_url("HTTPS://News.Example.com:443/a/b/?utm_source=x&id=3#top")
    'https://news.example.com/a/b/?id=3'
    >>> clean_url("http://example.com/s?t=%D6%D0%CE%C4")
    'http://example.com/s?t=%D6%D0%CE%C4'
    """
    split = _split(url)
    if split is None:
        return url.strip()
    scheme, _, path, query, _ = split
    parts = urlsplit(url.strip())
    netloc = (parts.hostname or "").lower()
    if ":" in netloc:  # an IPv6 address
        netloc = f"[{netloc}]"
    port = parts.port
    if (
        port
        and not (scheme.lower() == "http" and port == 80)
        and not (scheme.lower() == "https" and port == 443)
    ):
        netloc += f":{port}"
    bare = urlunsplit(
        (scheme.lower(), netloc, path or "/", _without_params(query, site_params), "")
    )
    try:
        return str(canonicalize_url(bare, keep_blank_values=True))
    except ValueError:
        return bare


def identity(url: str, site_params: frozenset[str] = frozenset()) -> str:
    """The identity form of a URL: :func:`clean_url`, then the scheme and a
    trailing slash made irrelevant.

    >>> identity("https://example.com/a/?b=2&a=1") == identity("http://example.com/a?a=1&b=2")
    True
    """
    norm = clean_url(url, site_params)
    if _split(norm) is None:
        return norm
    parts = urlsplit(norm)
    return urlunsplit(("http", parts.netloc, parts.path.rstrip("/") or "/", parts.query, ""))


def canonicalize(url: str) -> str:
    """:func:`clean_url` with the tracking parameters of the site that claims ``url``.

    >>> canonicalize("HTTPS://News.Example.com/a/b/?utm_source=x&id=3#top")
    'https://news.example.com/a/b/?id=3'
    """
    from newscrawl.sites import site_for_url

    return clean_url(url, site_for_url(url).tracking_params)


def article_key(url: str, canonical_url: str | None = None) -> str:
    """The identity of an article: its canonical URL (else its URL) as the
    site module claiming it spells identities (``Site.article_key``: by
    default :func:`identity` with the site's tracking parameters).

    >>> article_key("https://news.example.com/a/b/?utm_source=x") == article_key("http://news.example.com/a/b")
    True
    >>> article_key("https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html")
    'sina:doc-ikqcfncc5263842'
    >>> article_key("http://e.com/s?t=%D6%D0%CE%C4") != article_key("http://e.com/s?t=%D0%C2%CE%C5")
    True
    """
    from newscrawl.sites import site_for_url

    chosen = canonical_url or url
    return site_for_url(chosen).article_key(chosen)


def plausible_canonical(page_url: str, candidate: str, hosts: tuple[str, ...] = ()) -> bool:
    """True when a page at ``page_url`` may name ``candidate`` as its canonical
    address: an http(s) URL on the page's own host or on one of ``hosts`` (the
    site module's domains, subdomains included). A page with no web address
    (a saved file) may name any http(s) address of the site's hosts, or any
    at all when the site names none.

    >>> plausible_canonical("https://m.example.com/a", "https://m.example.com/b")
    True
    >>> plausible_canonical("https://a.example/x", "https://b.example/x")
    False
    >>> plausible_canonical("https://news.sina.cn/x", "https://finance.sina.com.cn/x", ("sina.com.cn", "sina.cn"))
    True
    >>> plausible_canonical("https://a.example/x", "javascript:alert(1)")
    False
    >>> plausible_canonical("file:///saved/a.html", "https://a.example/x")
    True
    >>> plausible_canonical("file:///saved/a.html", "https://evil.example/x", ("sina.com.cn",))
    False
    """
    target = host_of(candidate)
    if not target:
        return False
    if any(target == h or target.endswith("." + h) for h in hosts):
        return True
    own = host_of(page_url)
    if own:
        return target == own
    return not hosts

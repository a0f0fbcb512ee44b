"""URL normalization: one spelling of an article's address."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = (
    "utm_",
    "spm",
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
    "share_token",
    "wm",
    "cre",
    "mod",
    "loc",
    "r",
)


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k.startswith("utm_") or k in TRACKING_PARAMS


def canonicalize(url: str) -> str:
    """The URL with host case, fragment and tracking parameters normalized away.

    >>> canonicalize("HTTPS://News.Example.com/a/b/?utm_source=x&id=3#top")
    'https://news.example.com/a/b/?id=3'
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return url.strip()
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    netloc = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def article_key(url: str, canonical_url: str | None = None) -> str:
    """The identity of an article: its canonical URL (else its URL),
    normalized, with the scheme and a trailing slash also made irrelevant.

    >>> article_key("https://news.example.com/a/b/?utm_source=x") == article_key("http://news.example.com/a/b")
    True
    """
    norm = canonicalize(canonical_url or url)
    parts = urlsplit(norm)
    if parts.scheme not in ("http", "https"):
        return norm
    return urlunsplit(("http", parts.netloc, parts.path.rstrip("/") or "/", parts.query, ""))

"""URL normalization: one spelling of an article's address."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = (
    "utm_",
    "spm",
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
    "share_token",
    "ref_src",
    "ocid",
    "cmpid",
    "wm",
    "cre",
    "mod",
    "loc",
    "r",
)

# Sina only: where the link was clicked (cref=cj, from=wap, vt=4, pos=...).
SINA_TRACKING_PARAMS = (
    "from",
    "cref",
    "sudaref",
    "vt",
    "pos",
    "tj",
    "fromsinago",
    "sinawap",
)

# Sina's desktop and mobile addresses of one article share its doc id:
#   https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml
#   https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html
SINA_HOST = re.compile(
    r"^(?:[a-z0-9-]+\.)*sina\.(?:com\.cn|cn)$",
)
SINA_DOC_PATH = re.compile(r"/(?:doc|detail)-(i[a-z0-9]{6,})(?:\.d)?\.s?html?$")


def _is_tracking(key: str, host: str = "") -> bool:
    k = key.lower()
    if k.startswith("utm_") or k in TRACKING_PARAMS:
        return True
    return k in SINA_TRACKING_PARAMS and SINA_HOST.match(host) is not None


def canonicalize(url: str) -> str:
    """The URL with host case, fragment and tracking parameters normalized away.

    >>> canonicalize("HTTPS://News.Example.com/a/b/?utm_source=x&id=3#top")
    'https://news.example.com/a/b/?id=3'
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return url.strip()
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k, (parts.hostname or "").lower())
    ]
    netloc = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def sina_doc_id(url: str) -> str | None:
    """The ``doc-i...`` id of a Sina article URL, desktop or mobile, else None.

    >>> sina_doc_id("https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html?from=wap")
    'ikqcfncc5263842'
    >>> sina_doc_id("https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml")
    'ikqcfncc5263842'
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not SINA_HOST.match((parts.hostname or "").lower()):
        return None
    m = SINA_DOC_PATH.search(parts.path.lower())
    return m.group(1) if m else None


def article_key(url: str, canonical_url: str | None = None) -> str:
    """The identity of an article: its canonical URL (else its URL),
    normalized, with the scheme, a trailing slash, tracking parameters and
    the order of the other parameters also made irrelevant. A Sina article
    is ``sina:doc-<id>`` whichever of its desktop or mobile URLs is given.

    >>> article_key("https://news.example.com/a/b/?utm_source=x") == article_key("http://news.example.com/a/b")
    True
    >>> article_key("https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html")
    'sina:doc-ikqcfncc5263842'
    """
    chosen = canonical_url or url
    doc = sina_doc_id(chosen)
    if doc:
        return f"sina:doc-{doc}"
    norm = canonicalize(chosen)
    parts = urlsplit(norm)
    if parts.scheme not in ("http", "https"):
        return norm
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit(("http", parts.netloc, parts.path.rstrip("/") or "/", query, ""))

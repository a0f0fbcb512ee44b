"""Feeds: any news site through its RSS, Atom or sitemap.

    scrapy crawl feeds -a url=https://example.com/rss.xml
    scrapy crawl feeds -a url=https://example.com/sitemap_index.xml -a since=2d
    scrapy crawl feeds -a url=https://example.com/robots.txt     # its Sitemap: lines
    scrapy crawl feeds                                           # NEWSCRAWL_FEEDS

RSS 2.0, RSS 1.0 (RDF), Atom, sitemaps (gzipped or not), Google News
sitemaps and sitemap indexes (followed). Each entry becomes a ``Listing``
whose title, date, authors, categories and summary are fallbacks for what the
article page itself says; the page goes to the site module that claims its
URL (a Sina URL to ``sina``), else to the generic site.

Feeds and sitemaps are discovery pages: always fetched. Articles already
stored are skipped by ``newscrawl.incremental.IncrementalMiddleware``, which
also drops entries older than ``-a since=`` using the date the feed or
sitemap gives (``pubDate``, ``published``/``updated``, ``lastmod``,
``news:publication_date``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any, ClassVar, Self
from urllib.parse import urljoin, urlsplit

import lxml.etree
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from newscrawl.incremental import DISCOVERY, ENTRY_DATE, parse_since
from newscrawl.items import Listing
from newscrawl.spiders.base import ArticleSpider

_TAGS = re.compile(r"<[^>]+>")
_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")


@dataclass
class Entry:
    """One thing a feed or sitemap points to."""

    url: str
    date: str | None = None
    """The date the feed gives (publication, else modification): for ``since``."""
    listing: Listing | None = None
    """What the feed says about the article (None for a child sitemap)."""
    sitemap: bool = False
    """True for a child sitemap of a sitemap index (followed, not an article)."""


@dataclass
class Feed:
    """A parsed feed or sitemap."""

    kind: str
    """``rss``, ``atom``, ``urlset``, ``sitemapindex``, ``robots`` or ``unknown``."""
    entries: list[Entry] = field(default_factory=list)


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name]


def _text(el: Any, *names: str) -> str | None:
    """The stripped text of the first child named one of ``names``."""
    for name in names:
        for c in _children(el, name):
            value = "".join(c.itertext()).strip()
            if value:
                return value
    return None


def _plain(html: str | None) -> str | None:
    """Feed HTML (a description) as one line of text.

    >>> _plain("<p>Rates <b>held</b> &amp; steady</p>")
    'Rates held & steady'
    """
    if not html:
        return None
    text = " ".join(unescape(_TAGS.sub(" ", html)).split())
    return text or None


def _person(value: str) -> str:
    """``jane@example.com (Jane Doe)`` -> ``Jane Doe`` (RSS author form)."""
    m = _EMAIL_NAME.match(value)
    return m[1].strip() if m else value.strip()


def _xml(body: bytes) -> Any:
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, remove_comments=True, no_network=True
    )
    try:
        return lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        return None


def _image(el: Any) -> str | None:
    for c in el:
        name = _local(c.tag)
        if name == "enclosure" and (c.get("type") or "").startswith("image/") and c.get("url"):
            return str(c.get("url"))
        if name in ("content", "thumbnail") and c.get("url"):
            if name == "content" and c.get("medium") not in (None, "image"):
                continue
            return str(c.get("url"))
    return None


def rss_entry(item: Any, base: str) -> Entry | None:
    """An RSS 2.0 / 1.0 ``<item>`` as an Entry (None without a link)."""
    link = _text(item, "link")
    if not link:
        guid = _children(item, "guid")
        if guid and guid[0].get("isPermaLink", "true") != "false":
            link = (guid[0].text or "").strip() or None
    if not link:
        about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        link = about.strip() if about else None
    if not link:
        return None
    url = urljoin(base, link)
    published = _text(item, "pubDate", "date", "published", "issued")
    authors = [
        _person("".join(a.itertext()))
        for a in item
        if _local(a.tag) in ("author", "creator") and "".join(a.itertext()).strip()
    ]
    categories = [
        "".join(c.itertext()).strip()
        for c in _children(item, "category")
        if "".join(c.itertext()).strip()
    ]
    return Entry(
        url=url,
        date=published,
        listing=Listing(
            url=url,
            title=_plain(_text(item, "title")),
            published=published,
            authors=authors,
            categories=categories,
            image=_image(item),
            summary=_plain(_text(item, "description", "summary")),
        ),
    )


def atom_entry(entry: Any, base: str) -> Entry | None:
    """An Atom ``<entry>`` as an Entry (None without a link)."""
    href = None
    for link in _children(entry, "link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            href = link.get("href")
            break
    if not href:
        return None
    url = urljoin(base, href)
    published = _text(entry, "published", "issued", "created")
    updated = _text(entry, "updated", "modified")
    authors = [n for a in _children(entry, "author") if (n := _text(a, "name"))]
    categories = [
        str(c.get("label") or c.get("term"))
        for c in _children(entry, "category")
        if c.get("label") or c.get("term")
    ]
    return Entry(
        url=url,
        date=published or updated,
        listing=Listing(
            url=url,
            title=_plain(_text(entry, "title")),
            published=published or updated,
            authors=authors,
            categories=categories,
            image=_image(entry),
            summary=_plain(_text(entry, "summary")),
        ),
    )


_NEWS_NS = b"http://www.google.com/schemas/sitemap-news/"


def news_details(body: bytes) -> dict[str, dict[str, Any]]:
    """Per ``<loc>``, what a Google News sitemap says: title, publication
    date, keywords (``Sitemap`` keeps only flat children)."""
    out: dict[str, dict[str, Any]] = {}
    root = _xml(body)
    if root is None:
        return out
    for url in root:
        if _local(url.tag) != "url":
            continue
        loc = _text(url, "loc")
        news = _children(url, "news")
        if not loc or not news:
            continue
        n = news[0]
        keywords = _text(n, "keywords")
        out[loc] = {
            "title": _text(n, "title"),
            "published": _text(n, "publication_date"),
            "tags": [k.strip() for k in keywords.split(",") if k.strip()] if keywords else [],
        }
    return out


def sitemap_entries(body: bytes, base: str) -> Feed:
    """A sitemap or sitemap index, read with Scrapy's ``Sitemap``."""
    sitemap = Sitemap(body)
    kind = "sitemapindex" if sitemap.type == "sitemapindex" else "urlset"
    news = news_details(body) if _NEWS_NS in body else {}
    feed = Feed(kind)
    for d in sitemap:
        loc = urljoin(base, d["loc"])
        if kind == "sitemapindex":
            feed.entries.append(Entry(loc, d.get("lastmod") or None, sitemap=True))
            continue
        extra = news.get(d["loc"], {})
        published = extra.get("published")
        feed.entries.append(
            Entry(
                loc,
                published or d.get("lastmod") or None,
                # lastmod is when the page changed, not when it was published:
                # it dates the entry for `since` but is no publication date.
                Listing(
                    url=loc,
                    title=extra.get("title"),
                    published=published,
                    tags=extra.get("tags", []),
                ),
            )
        )
    return feed


def parse_feed(body: bytes, base: str) -> Feed:
    """Whatever ``body`` is: RSS, Atom, a sitemap (index), or robots.txt."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    head = body[:512].lstrip().lower()
    if base.endswith("/robots.txt") or head.startswith((b"user-agent", b"sitemap:", b"#")):
        urls = list(sitemap_urls_from_robots(body, base_url=base))
        return Feed("robots", [Entry(u, sitemap=True) for u in urls])
    root = _xml(body)
    if root is None:
        return Feed("unknown")
    kind = _local(root.tag)
    if kind in ("urlset", "sitemapindex"):
        return sitemap_entries(body, base)
    entries: list[Entry | None] = []
    if kind == "rss" or kind == "RDF":
        entries = [rss_entry(i, base) for i in root.iter() if _local(i.tag) == "item"]
        kind = "rss"
    elif kind == "feed":
        entries = [atom_entry(e, base) for e in _children(root, "entry")]
        kind = "atom"
    else:
        return Feed("unknown")
    return Feed(kind, [e for e in entries if e is not None])


class FeedsSpider(ArticleSpider):
    """Articles listed by feeds and sitemaps: ``-a url=`` (several separated
    by spaces or commas), else the ``NEWSCRAWL_FEEDS`` setting."""

    name = "feeds"
    arguments: ClassVar[dict[str, str]] = {
        "url": "feeds, sitemaps (news, index, gzipped) or robots.txt URLs to read, separated "
        "by spaces or commas (default: the NEWSCRAWL_FEEDS setting)",
        "since": "skip entries older than this: 2024-05-01 or an age: 12h, 2d, 1w (default: "
        "NEWSCRAWL_SINCE)",
        "site": "force this site module for every page (a name of newscrawl/sites/ or of "
        "NEWSCRAWL_SITE_MODULES; default: the site claiming the URL)",
    }

    def __init__(
        self,
        url: str | None = None,
        site: str | None = None,
        since: str | None = None,
        feeds: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.site = site
        self.since = since
        if since:
            try:
                parse_since(since)
            except ValueError as exc:
                raise UsageError(f"feeds: {exc}") from None
        self.urls = [u for u in re.split(r"[\s,]+", url or "") if u] or list(feeds or [])
        self.url = url  # the job's identity (newscrawl.incremental.run_job)
        if not self.urls:
            raise UsageError(
                "feeds: no feed to read: pass -a url=https://site/rss.xml (or a sitemap, "
                "or robots.txt) or list them in the NEWSCRAWL_FEEDS setting"
            )
        for u in self.urls:
            parts = urlsplit(u)
            # Checked here: Request() would raise "Missing scheme" from start(),
            # a traceback and a run that "finished" with start_error.
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UsageError(
                    f"feeds: {u!r} is no feed URL: give it with its scheme, "
                    f"e.g. -a url=https://{u.split('://')[-1].lstrip('/')}"
                )
        self.check_site_argument()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        kwargs.setdefault("feeds", crawler.settings.getlist("NEWSCRAWL_FEEDS"))
        spider: Self = super().from_crawler(crawler, *args, **kwargs)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.urls:
            yield Request(url, callback=self.parse_feed, meta={DISCOVERY: True})

    def parse_feed(self, response: Response) -> Iterator[Request]:
        assert self.crawler.stats is not None
        feed = parse_feed(response.body, response.url)
        if feed.kind == "unknown":
            self.logger.warning("not a feed or sitemap: %s", response.url)
            self.crawler.stats.inc_value("newscrawl/feeds/unknown")
            return
        self.crawler.stats.inc_value(f"newscrawl/feeds/{feed.kind}")
        self.logger.info("%s %s: %d entries", feed.kind, response.url, len(feed.entries))
        for entry in feed.entries:
            meta: dict[str, Any] = {ENTRY_DATE: entry.date} if entry.date else {}
            if entry.sitemap:
                meta[DISCOVERY] = True
                yield Request(entry.url, callback=self.parse_feed, meta=meta)
            else:
                self.crawler.stats.inc_value("newscrawl/feeds/entries")
                # Fetched as the feed gives it: a site may need what looks
                # like tracking (identity drops it: newscrawl.urls.article_key).
                yield Request(
                    entry.url,
                    callback=self.parse_article,
                    cb_kwargs={"listing": entry.listing},
                    meta=meta,
                )

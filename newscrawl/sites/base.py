"""Site: where an article's values are on a page, with defaults that fit most
news sites (JSON-LD, Open Graph and ``<meta>``, ``<time>``, ``<link
rel=canonical>``). A site module overrides only what these defaults get wrong.

A site *finds* values; it never cleans them (the pipelines do). Dates are
returned as candidates ``(text, from)`` in the order the site trusts them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from html import escape
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.charset import (  # noqa: F401 - moved there; importers of base keep working
    _writes_cjk,
    declares_encoding,
    gb18030_if_undeclared,
    looks_chinese,
    looks_utf8,
    utf8_if_valid,
)
from newscrawl.items import Article, Listing
from newscrawl.pipelines.dates import MONTHS
from newscrawl.pipelines.people import is_site_name
from newscrawl.sites.discovery import Discovery
from newscrawl.urls import host_of, identity, join_url, plausible_canonical

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "TechArticle",
    "ScholarlyArticle",
    "WebPage",
}

Candidate = tuple[str, str]
"""A date as found: ``(text, from)`` where from is visible/meta/jsonld/url/feed."""

_URL_DATE = re.compile(r"/((?:19|20)\d\d)[-/]?(0[1-9]|1[0-2])[-/]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])")


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("@type", [])
    return set(t) if isinstance(t, list) else {str(t)}


def _walk_ld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for x in node:
            yield from _walk_ld(x)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk_ld(node["@graph"])


def ld_names(value: Any) -> list[str]:
    """Names in a JSON-LD value: a string, a Person/Organization, or a list of them.

    >>> ld_names([{"@type": "Person", "givenName": "Jane", "familyName": "Doe"}, "Bo Li"])
    ['Jane Doe', 'Bo Li']
    """
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            name = v.get("name")
            if not name and (v.get("givenName") or v.get("familyName")):
                name = " ".join(str(p) for p in (v.get("givenName"), v.get("familyName")) if p)
            if isinstance(name, str):
                out.append(name)
    return out


# Where pages show their authors, most specific first.
_AUTHOR_CSS = (
    '[itemprop="author"] [itemprop="name"]',
    '[rel="author"]',
    '[itemprop="author"]',
    ".byline__author, .byline-author, .author-name, .authorName, .article-author, .author__name",
    '.byline, [class*="byline"]',
    'a[href*="/autor/"], a[href*="/autoren/"], a[href*="/author/"], a[href*="/authors/"]',
)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " ‹ ", " « ", " » ")
_DATE_PART = re.compile(r"^[\d\s./:-]+$")


def _squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _is_site_part(part: str, names: list[str]) -> bool:
    """True for a title part that is a date or names the site (fuzzily:
    ``Golem.de`` is the site golem.de, ``Die Neue Südtiroler Tageszeitung``
    the site tageszeitung.it)."""
    key = _squash(part)
    if not key or _DATE_PART.match(part.strip()):
        return True
    if len(part.split()) > 6:
        return False
    return any(
        key == n or (len(n) >= 4 and n in key) or (len(key) >= 4 and key in n) for n in names
    )


@lru_cache(maxsize=256)
def _compiled(query: str) -> Any:
    return etree.XPath(query, smart_strings=False)


def node_xpath(node: Any, query: str) -> list[Any]:
    """``query`` on an lxml node: its elements and plain strings. Faster
    than parsel for per-node work: no Selector object per result."""
    result = _compiled(query)(node)
    return result if isinstance(result, list) else []


def element_text(el: Any) -> str:
    """The text under an lxml element, its text nodes joined by spaces."""
    return " ".join(t for t in node_xpath(el, ".//text()") if t.strip())


def stripped_text(el: Any) -> str:
    """The text under an lxml element, each text node stripped, joined by spaces."""
    return " ".join(t.strip() for t in node_xpath(el, ".//text()") if t.strip())


@lru_cache(maxsize=512)
def _css_xpath(css: str, prefix: str = "descendant-or-self::") -> Any:
    """A CSS selector as a compiled XPath (``prefix`` is its first axis), translated once."""
    from cssselect import HTMLTranslator

    return etree.XPath(HTMLTranslator().css_to_xpath(css, prefix=prefix), smart_strings=False)


def css_elements(node: Any, css: str) -> list[Any]:
    """The elements a CSS selector finds under an lxml node (document order)."""
    result = _css_xpath(css)(node)
    return result if isinstance(result, list) else []


# A CSS selector of tag names, #ids, .classes and combinators; the ids and
# classes in it; one compound selector (``div.article#artibody``).
_PLAIN_CSS = re.compile(r"^[\w\s#.>,+~*-]+$")
_CSS_NAMES = re.compile(r"[#.][\w-]+")
_COMPOUND = re.compile(r"^[\w#.-]+$")
_CSS_ID = re.compile(r"#([\w-]+)")
# The text before a class name inside a class attribute's value (searched
# backwards from the name, within 200 characters), and what may follow it.
_IN_CLASS = re.compile(rb"""\bclass\s*=\s*["']?(?:[^"'<>=]*\s)?\Z""", re.I)
_IN_CLASS_PART = re.compile(rb"""\bclass\s*=\s*["']?[^"'<>=]*\Z""", re.I)
_CLASS_END = (b'"', b"'", b" ", b"\t", b"\r", b"\n", b"\f", b"/", b">")
_TAG_NAME = re.compile(rb"[A-Za-z][A-Za-z0-9]*")


class Page:
    """A response with its metadata parsed once, shared by every field method."""

    def __init__(self, response: TextResponse, listing: Listing | None = None) -> None:
        self.response = response
        self.listing = listing or Listing()
        self.sel: Selector = response.selector
        self.root: Any = self.sel.root
        """The page's lxml tree: per-field queries run on it directly (a
        parsel Selector per result node costs more than most queries)."""
        self.url: str = response.url

    def xpath(self, query: str) -> list[Any]:
        """``query`` on the page: lxml elements and plain strings."""
        return node_xpath(self.root, query)

    def first(self, query: str) -> str | None:
        """The first string ``query`` selects (an attribute, a text node), or None."""
        for value in self.xpath(query):
            if isinstance(value, str):
                return value
        return None

    @cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """Every JSON-LD node on the page, ``@graph`` flattened."""
        nodes: list[dict[str, Any]] = []
        for text in self.xpath('descendant::script[@type="application/ld+json"]/text()'):
            try:
                data = json.loads(text, strict=False)
            except ValueError:
                continue
            nodes.extend(_walk_ld(data))
        return nodes

    @cached_property
    def ld_article(self) -> dict[str, Any]:
        """The JSON-LD node describing the article (empty when there is none)."""
        best: dict[str, Any] = {}
        for node in self.jsonld:
            types = _types(node)
            if types & (ARTICLE_TYPES - {"WebPage"}):
                return node
            if "WebPage" in types and not best:
                best = node
        return best

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        """``<meta>`` contents keyed by lower-cased name, property or itemprop."""
        out: dict[str, list[str]] = {}
        for m in self.xpath("descendant::meta[@content]"):
            key = m.get("name") or m.get("property") or m.get("itemprop")
            if key:
                out.setdefault(key.strip().lower(), []).append(m.get("content"))
        return out

    @cached_property
    def all_text(self) -> str:
        """The page's visible text in document order, whitespace collapsed,
        one line per text node."""
        return "\n".join(" ".join(t.split()) for t in self.xpath(_TEXT_XPATH) if t.strip())

    def text_after(self, headline: str | None, size: int = 3000) -> str:
        """``size`` characters of the page's text from the end of the headline
        (from the start when the headline is not found in it)."""
        head = " ".join((headline or "").split())[:40]
        text = self.all_text
        pos = text.find(head) if head else -1
        start = pos + len(head) if pos >= 0 else 0
        return text[start : start + size]

    def mentions(self, name: str) -> bool:
        """False when ``name`` is nowhere in the page's HTML, so that a query
        looking for it (in a comment, a text, a class) can be skipped: a
        search of the page's bytes costs microseconds, a query testing every
        element up to a millisecond."""
        encoding = self.response.encoding.lower()
        if not encoding.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
            try:
                return name.encode(encoding) in self.response.body
            except (UnicodeEncodeError, LookupError):
                pass
        return name in self.response.text

    def has_id(self, name: str) -> bool:
        """True when an element has ``id=name`` (the parser's table of ids, no walk)."""
        return bool(self.xpath(f"id('{name}')")) if _COMPOUND.match(name) else False

    @cached_property
    def classes(self) -> frozenset[str]:
        """Every class on the page (one query returning strings, no elements)."""
        return frozenset(" ".join(self.xpath("descendant-or-self::*/@class")).split())

    def has_class(self, name: str) -> bool:
        """True when an element of the page has the class ``name``."""
        return name in self.classes

    def class_tags(self, name: str, whole: bool = True) -> frozenset[str]:
        """The tag names of the elements whose ``class`` holds ``name`` (as
        one of its classes; with ``whole=False``, anywhere in the value),
        read from the page's HTML: each place it holds the name (a few) is
        looked at, no element visited. A query can then test only those
        tags: testing ``@class`` on every element is what costs.
        ``"*"`` stands for a tag that could not be read."""
        memo = self._tags_memo
        if (name, whole) in memo:
            return memo[name, whole]
        present = name in self.classes if whole else any(name in c for c in self.classes)
        if not present:
            memo[name, whole] = frozenset()
            return memo[name, whole]
        # In the bytes: an ASCII name is the same bytes in every encoding
        # pages use (UTF-8, GBK, Latin-1...), and bytes are searched fastest.
        html, key = self.response.body, name.encode("ascii", "replace")
        context = _IN_CLASS if whole else _IN_CLASS_PART
        tags: set[str] = set()
        i = html.find(key)
        while i >= 0:
            end = i + len(key)
            if not whole or end == len(html) or html[end : end + 1] in _CLASS_END:
                m = context.search(html, max(0, i - 200), i)
                if m:
                    lt = html.rfind(b"<", max(0, m.start() - 2000), m.start())
                    tag = _TAG_NAME.match(html, lt + 1) if lt >= 0 else None
                    tags.add(tag[0].decode().lower() if tag else "*")
            i = html.find(key, i + 1)
        # The page has the class, but its HTML did not show where (an
        # escaped name, UTF-16 bytes): any tag.
        memo[name, whole] = frozenset(tags or {"*"})
        return memo[name, whole]

    @cached_property
    def _tags_memo(self) -> dict[tuple[str, bool], frozenset[str]]:
        return {}

    def with_class(self, name: str, whole: bool = True) -> list[Any]:
        """The elements whose ``class`` holds ``name`` (see ``class_tags``), in document order."""
        tags = self.class_tags(name, whole)
        if not tags:
            return []
        if whole:
            test = f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
        else:
            test = f"contains(@class, '{name}')"
        if "*" in tags:
            return self.xpath(f"descendant::*[{test}]")
        return self.xpath(" | ".join(f"descendant::{t}[{test}]" for t in sorted(tags)))

    def has(self, css_name: str) -> bool:
        """``has_id`` for ``#name``, ``has_class`` for ``.name`` (once per page each)."""
        memo = self._has_memo
        if css_name not in memo:
            name = css_name[1:]
            memo[css_name] = self.has_id(name) if css_name[0] == "#" else self.has_class(name)
        return memo[css_name]

    @cached_property
    def _has_memo(self) -> dict[str, bool]:
        return {}

    def select(self, css: str) -> list[Any]:
        """The elements a CSS selector finds, in document order, as lxml elements.

        A query that tests every element costs about a microsecond per
        element, and sites ask for a dozen selectors of which most name an
        id or class the page lacks. So, for plain selectors: alternatives
        naming an id or class the page lacks are skipped unqueried; an
        ``#id`` is looked up in the parser's table of ids; a ``.class`` is
        tested only on the tags that carry it (``class_tags``); the first
        part of ``A B`` is found once per page and ``B`` searched under it.
        (An id used twice on a page finds the first.)
        """
        memo = self._select_memo
        if css not in memo:
            if not _PLAIN_CSS.match(css):
                memo[css] = css_elements(self.root, css)
            else:
                alts = [a.strip() for a in css.split(",")]
                live = [a for a in alts if all(map(self.has, _CSS_NAMES.findall(a)))]
                found = [r for r in map(self._select_one, live) if r]
                if len(found) > 1 and any(el not in found[0] for r in found[1:] for el in r):
                    # Several alternatives found different nodes: the union, in document order.
                    memo[css] = css_elements(self.root, ", ".join(live))
                else:
                    memo[css] = found[0] if found else []
        return memo[css]

    @cached_property
    def _select_memo(self) -> dict[str, list[Any]]:
        return {}

    def _select_one(self, css: str) -> list[Any]:
        head, _, rest = css.partition(" ")
        rest = rest.strip()
        if not _COMPOUND.match(head) or rest[:1] in (">", "+", "~"):
            return css_elements(self.root, css)
        if rest:
            under = _css_xpath(rest, "descendant::")
            return [el for base in self.select(head) for el in under(base)]
        m = _CSS_ID.search(head)
        if m:
            me = _css_xpath(head, "self::")
            return [el for el in self.xpath(f"id('{m[1]}')") if me(el)]
        _, *classes = head.split(".")
        if classes and "#" not in head:
            me = _css_xpath(head, "self::")
            return [el for el in self.with_class(classes[0]) if me(el)]
        return css_elements(self.root, head)

    def meta_first(self, *keys: str) -> str | None:
        """The first non-empty ``<meta>`` content among ``keys``."""
        for key in keys:
            for v in self.meta.get(key, []):
                if v.strip():
                    return v
        return None

    def text(self, css: str) -> str | None:
        """The joined text of the first node a CSS selector finds, or None."""
        # Sites ask for the same nodes from several fields: one query each.
        if css not in self._text_memo:
            self._text_memo[css] = self._text(css)
        return self._text_memo[css]

    @cached_property
    def _text_memo(self) -> dict[str, str | None]:
        return {}

    def _text(self, css: str) -> str | None:
        nodes = self.select(css)
        if not nodes:
            return None
        return element_text(nodes[0]) or None

    def texts(self, css: str) -> list[str]:
        """The text of every node a CSS selector finds (empty ones left out)."""
        out: list[str] = []
        for node in self.select(css):
            value = element_text(node)
            if value.strip():
                out.append(value)
        return out


class Site(Discovery):
    """Generic field extraction; subclass it in ``newscrawl/sites/<name>.py``."""

    name: ClassVar[str] = ""
    """The site's name everywhere: ``-a site=``, ``Article.site``, ``fixtures/<name>/``."""

    domains: ClassVar[tuple[str, ...]] = ()
    """Hosts this site claims, subdomains included."""

    timezone: ClassVar[str] = "UTC"
    """IANA zone of the times the site shows without an offset."""

    language: ClassVar[str | None] = None
    """Language when the page does not say."""

    title_separators: ClassVar[tuple[str, ...]] = (" | ", " - ", " – ", " — ", "_", " :: ")
    """Where the ``<title>`` tag's site-name tail starts."""

    tracking_params: ClassVar[frozenset[str]] = frozenset()
    """Query parameters of the site's URLs that only say where a click came
    from (beyond ``utm_*``, ``fbclid``... of ``newscrawl.urls.TRACKING_PARAMS``):
    removed from identities and canonical URLs, never from what is fetched."""

    def article_key(self, url: str) -> str:
        """The identity of the article at ``url`` (the database's primary key)."""
        return identity(url, self.tracking_params)

    @classmethod
    def claims(cls, url: str) -> bool:
        """True when ``url`` is on one of the site's domains."""
        host = host_of(url)
        return bool(host) and any(host == d or host.endswith("." + d) for d in cls.domains)

    @classmethod
    def claims_page(cls, hosts: dict[str, int]) -> bool:
        """True when a page saved without its address belongs here, judged
        by ``hosts``, the count of links and images per host on the page."""
        mine = sum(n for h, n in hosts.items() if cls.claims("http://" + h + "/"))
        return bool(cls.domains) and mine >= 2 and mine * 2 >= sum(hosts.values())

    def is_article_url(self, url: str) -> bool:
        """True when a link on a list page points to an article (live crawls)."""
        return True

    # -- assembling -------------------------------------------------------

    def extract(
        self,
        response: TextResponse,
        listing: Listing | None = None,
        fetched_at: datetime | None = None,
    ) -> Article:
        """Find every field of the article on ``response``.

        ``listing`` supplies what a feed or saved post said (fallbacks only);
        ``fetched_at`` is when the response was received (now by default).
        """
        # Its encoding was decided before, once (newscrawl.charset.resolve).
        page = Page(response, listing)
        fetched = (fetched_at or datetime.now(UTC)).astimezone(UTC)
        body = self.body_html(page) or ""
        return Article(
            url=response.url,
            canonical_url=self.canonical_url(page),
            site=self.name,
            title=self.title(page) or "",
            published_raw=None,
            authors=self.authors(page),
            editors=self.editors(page),
            source=self.source(page),
            original_title=self.original_title(page),
            categories=self.categories(page),
            tags=self.tags(page),
            lead=self.lead(page),
            body_html=body,
            language=self.page_language(page),
            fetched_at=fetched.isoformat(timespec="seconds").replace("+00:00", "Z"),
            raw={
                "published": self.published(page),
                "updated": self.updated(page),
                "bylines": self.bylines(page),
                "url_date": self.url_date(response.url),
                "timezone": self.timezone,
                "base_url": response.url,
                "site_names": self.site_names(page),
            },
        )

    # -- fields: each returns what the page says, uncleaned ---------------

    def title(self, page: Page) -> str | None:
        """JSON-LD headline, og:title, a lone ``<h1>``, then the ``<title>``
        tag less its site-name tail; a listing's title last. A metadata
        title loses a tail (or head) naming the site or a date
        (``Headline | DW | 28.04.2023``)."""
        for value in (
            page.ld_article.get("headline"),
            page.meta_first("og:title", "twitter:title"),
        ):
            if isinstance(value, str) and value.strip():
                return self.strip_site_name(value, page)
        h1 = page.texts("h1")
        if len(h1) == 1:
            return h1[0]
        tag = page.text("title")
        if tag:
            return self.strip_title_tail(tag)
        # Pages saved by corpus tools wrap the page in <text id=URL title=TITLE>.
        saved = page.first("//text/@title")
        if saved and saved.strip():
            return self.strip_title_tail(saved)
        return page.listing.title

    def strip_site_name(self, title: str, page: Page) -> str:
        """``title`` without parts, at either end, that name the site or
        are a date, or that a ``<h1>`` of the page shows the title without."""
        h1s = {_squash(h) for h in page.texts("h1")}
        names = [k for k in (_squash(n) for n in self.site_names(page)) if len(k) >= 2]
        for sep in _TITLE_SEPARATORS:
            if sep not in title:
                continue
            parts = title.split(sep)
            while len(parts) > 1:
                if _squash(sep.join(parts[:-1])) in h1s or _is_site_part(parts[-1], names):
                    parts = parts[:-1]
                elif _is_site_part(parts[0], names):
                    parts = parts[1:]
                else:
                    break
            title = sep.join(parts)
        return title

    def strip_title_tail(self, title: str) -> str:
        """``Headline - Site Name`` -> ``Headline`` (the longest part wins)."""
        for sep in self.title_separators:
            if sep in title:
                parts = [p for p in title.split(sep) if p.strip()]
                if parts:
                    return max(parts, key=len) if len(parts) > 1 else parts[0]
        return title

    def canonical_url(self, page: Page) -> str | None:
        """``<link rel=canonical>``, else og:url, made absolute; None when it
        is no address this page may claim (``plausible_canonical``: http(s),
        on the page's own host, its parent domain, or one of the site's
        domains), so that another site's address never takes over the
        article's identity."""
        href = page.first('descendant::link[@rel="canonical"]/@href') or page.meta_first("og:url")
        if not href or not href.strip():
            return None
        url = join_url(page.url, href) or href.strip()
        # www.example.com may name example.com (or m.example.com) as canonical.
        own = host_of(page.url).removeprefix("www.")
        if not plausible_canonical(page.url, url, (*self.domains, *([own] if own else []))):
            logging.getLogger(__name__).info("Refused canonical URL %r of %s", url[:300], page.url)
            return None
        return url

    def published(self, page: Page) -> list[Candidate]:
        """Publication date candidates, most trusted first: JSON-LD, ``<meta>``,
        then the time shown to readers (``<time>``, ``itemprop=datePublished``,
        a date-classed element, else the first date after the headline), then
        a listing's. The dates pipeline lets a shown time overrule metadata
        within a day of it (see ``choose_date``)."""
        out: list[Candidate] = []
        ld = page.ld_article.get("datePublished") or page.ld_article.get("dateCreated")
        if isinstance(ld, (str, int, float)):
            out.append((str(ld), "jsonld"))
        meta = page.meta_first(
            "article:published_time",
            "og:article:published_time",
            "datepublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "publish_date",
            "date",
            "dc.date",
            "dc.date.issued",
            "dcterms.created",
            "dcterms.date",
            "sailthru.date",
            "parsely-pub-date",
            "weibo: article:create_at",
            "article.published",
            "og:published_time",
            "published_time",
            "release_date",
        )
        if meta:
            out.append((meta, "meta"))
        out += [(text, "visible") for text in self.shown_dates(page)]
        if page.listing.published:
            out.append((page.listing.published, "feed"))
        return out

    def shown_dates(self, page: Page) -> list[str]:
        """Dates shown to readers (see ``shown_dates``); a site that finds
        its shown time itself overrides this to skip the search."""
        return shown_dates(page, self.title(page))

    def updated(self, page: Page) -> list[Candidate]:
        """Last-modified candidates, most trusted first."""
        out: list[Candidate] = []
        ld = page.ld_article.get("dateModified")
        if isinstance(ld, (str, int, float)):
            out.append((str(ld), "jsonld"))
        meta = page.meta_first("article:modified_time", "og:updated_time", "dcterms.modified")
        if meta:
            out.append((meta, "meta"))
        return out

    def url_date(self, url: str) -> str | None:
        """The ``YYYY-MM-DD`` a URL carries (``/2021-08-27/``, ``/20210827/``), if any."""
        m = _URL_DATE.search(urlsplit(url).path + "/")
        return f"{m[1]}-{m[2]}-{m[3]}" if m else None

    def authors(self, page: Page) -> list[str]:
        """Author names or labelled byline text; the people pipeline splits
        them. Metadata that names only the site itself is passed over for
        the byline the page shows."""
        site = tuple(self.site_names(page))
        names = [n for n in ld_names(page.ld_article.get("author")) if not is_site_name(n, site)]
        if names:
            return names
        for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator"):
            values = [
                v
                for v in page.meta.get(key, [])
                if v.strip() and "://" not in v and not is_site_name(v, site)
            ]
            if values:
                return values
        for css in _AUTHOR_CSS:
            found: list[str] = []
            for text in page.texts(css):
                text = " ".join(text.split())
                if 2 <= len(text) <= 80 and text not in found:
                    found.append(text)
            if found:
                # Many hits are a list of other articles' authors: keep the first.
                return found[:1] if len(found) > 3 else found
        return list(page.listing.authors)

    def site_names(self, page: Page) -> list[str]:
        """What the page calls its site (og:site_name, application-name, the
        JSON-LD publisher, the host's name): never a person in a byline."""
        names = [
            page.meta_first(k) or "" for k in ("og:site_name", "application-name", "twitter:site")
        ]
        names += ld_names(page.ld_article.get("publisher"))
        host = (urlsplit(page.url).hostname or "").lower().removeprefix("www.")
        if host:
            names += [host, host.split(".")[0]]
        # A long "name" is some page's misuse of the tag (a headline), not a site.
        return [n.strip().lstrip("@") for n in names if n and n.strip() and len(n.split()) <= 4]

    def editors(self, page: Page) -> list[str]:
        """Editor names (none by default: pages rarely mark them up)."""
        return []

    def source(self, page: Page) -> str | None:
        """The originating outlet (来源), when the page names one apart from the byline."""
        return None

    def bylines(self, page: Page) -> list[str]:
        """Lines mixing roles (``来源：X 记者 Y``) for the people pipeline:
        by default the labelled Chinese bylines (``作者：X``, ``记者 X Y``,
        ``文/X``) in the text that follows the headline."""
        return shown_bylines(page.text_after(self.title(page), 1500))

    def original_title(self, page: Page) -> str | None:
        """原标题, when the page shows one outside the body."""
        return None

    def categories(self, page: Page) -> list[str]:
        """Breadcrumb / section trail, outermost first."""
        for node in page.jsonld:
            if "BreadcrumbList" in _types(node):
                items = node.get("itemListElement") or []
                names = []
                for it in items if isinstance(items, list) else []:
                    if isinstance(it, dict):
                        n = it.get("name") or (it.get("item") or {}).get("name")
                        if isinstance(n, str):
                            names.append(n)
                if names:
                    return names
        section = page.ld_article.get("articleSection")
        if isinstance(section, str):
            return [section]
        if isinstance(section, list):
            return [str(s) for s in section]
        meta = page.meta.get("article:section")
        if meta:
            return meta
        return list(page.listing.categories)

    def tags(self, page: Page) -> list[str]:
        """Keywords: ``article:tag``, ``news_keywords``/``keywords``, JSON-LD keywords."""
        tags = list(page.meta.get("article:tag", []))
        if not tags:
            kw = page.meta_first("news_keywords", "keywords")
            ld = page.ld_article.get("keywords")
            if kw:
                tags = re.split(r"\s*[,，;；]\s*", kw)
            elif isinstance(ld, str):
                tags = re.split(r"\s*[,，;；]\s*", ld)
            elif isinstance(ld, list):
                tags = [str(k) for k in ld]
        return tags or list(page.listing.tags)

    def lead(self, page: Page) -> str | None:
        """Description or summary."""
        ld = page.ld_article.get("description")
        return (
            page.meta_first("description", "og:description", "twitter:description")
            or (ld if isinstance(ld, str) else None)
            or page.listing.summary
        )

    def body_html(self, page: Page) -> str | None:
        """The article container's HTML: a listing's full text, else
        trafilatura's main-text extraction (it already prefers the
        ``articleBody`` container, and cleans it), else the ``articleBody``
        element or JSON-LD text."""
        if page.listing.body_html:
            return page.listing.body_html
        found = trafilatura_body(page.response.text, page.url, page.sel)
        if found:
            return found
        node = page.sel.css('[itemprop="articleBody"]')
        if node:
            return str(node[0].get())
        text = page.ld_article.get("articleBody")
        if isinstance(text, str) and text.strip():
            return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
        return None

    def page_language(self, page: Page) -> str | None:
        """``<html lang>``, content-language, og:locale, JSON-LD inLanguage, the site's."""
        lang = (
            page.first("/html/@lang")
            or page.meta_first("content-language", "og:locale", "language")
            or page.ld_article.get("inLanguage")
        )
        return lang if isinstance(lang, str) and lang.strip() else self.language


# A date as pages show it, always with a year, with the time when there is one.
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_CLOCK = (
    r"(?:\s*(?:T|,|um|at|à|a las|-|\|)?\s*(?:上午|下午|晚上|凌晨|早上|中午)?\s*"
    r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?(?:\s*(?:[AaPp]\.?\s?[Mm]\.?|Uhr))?)?"
)
SHOWN_DATE = re.compile(
    r"(?<![\d.])(?:(?:19|20)\d\d(?:-\d{1,2}-\d{1,2}(?![\d-])|/\d{1,2}/\d{1,2}(?![\d/])"
    r"|\.\d{1,2}\.\d{1,2}(?![\d.])|\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?)"
    r"|\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d\d(?!\d)"
    rf"|\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTH_WORDS})\.?\s+(?:de\s+)?(?:19|20)\d\d(?!\d)"
    rf"|(?:{_MONTH_WORDS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d(?!\d))" + _CLOCK,
    re.I,
)
# A shown date right after one of these is a modification, not the publication.
_UPDATE_LABEL = re.compile(
    r"(更新|修改|Updated?|Aktualisiert|Mis à jour|Actualizado|Last modified)\W{0,4}$", re.I
)
_DATE_CLASS = re.compile(r"date|time|pub|posted|datum|fecha", re.I)
_TEXT_XPATH = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template or ancestor::option or ancestor::select)]"
)


def _first_shown(text: str) -> str | None:
    """The first date in ``text`` that shows a time of day, else the first
    date (a day alone is more often a calendar, an archive or a list's)."""
    first = None
    for m in SHOWN_DATE.finditer(text):
        if _UPDATE_LABEL.search(text[max(0, m.start() - 16) : m.start()]):
            continue
        if _CLOCK_IN.search(m[0]):
            return m[0].strip()
        first = first or m[0].strip()
    return first


_CLOCK_IN = re.compile(r"\d\s*[:：]\s*\d\d")


# 作者：张三 / 记者 张三 李四 / 文/张三 / 本报实习生 张三: a label, a separator, names.
_ZH_NAME = r"[\u4e00-\u9fff·]{2,4}"
ZH_BYLINE = re.compile(
    r"(?:^|(?<=[\s（(【\[|｜]))((?:作者|撰文|文|[\u4e00-\u9fff·]{0,10}?(?:记者|实习生|通讯员))"
    rf"[ \t]*[:：/／ \n][ \t\n]*{_ZH_NAME}(?:(?: |、| 、 ){_ZH_NAME}){{0,5}})(?=[\s）)】\]|｜,，。]|$)"
)


def shown_bylines(text: str, limit: int = 2) -> list[str]:
    """The first labelled Chinese bylines in ``text``.

    >>> shown_bylines("2022-02-13 09:57 光明网 光明日报记者 王建宏 张文攀 土豆，听名字")
    ['光明日报记者 王建宏 张文攀 土豆']
    """
    return [" ".join(m[1].split()) for m in ZH_BYLINE.finditer(text)][:limit]


def shown_dates(page: Page, headline: str | None) -> list[str]:
    """Dates shown to readers, best first: ``<time>`` and
    ``itemprop=datePublished``, an element whose class or id says date/time,
    then the first date after the headline in the page's text (else the
    first date in it)."""
    out: list[str] = []
    for node in page.xpath('//*[@itemprop="datePublished"] | descendant::time')[:3]:
        value = node.get("datetime") or node.get("content")
        if not value:
            value = stripped_text(node)
        if value and value.strip() and value not in out:
            out.append(value.strip())
    for el in page.xpath("//body//*[@class or @id]"):
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if not _DATE_CLASS.search(marker):
            continue
        text = stripped_text(el)
        if len(text) > 120:
            continue
        found = _first_shown(text)
        if found and found not in out:
            out.append(found)
            break
    found = _first_shown(page.text_after(headline)) or _first_shown(page.all_text)
    if found and found not in out:
        out.append(found)
    return out


_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "output_format": "html",
    "include_tables": True,
    "include_comments": False,
    "include_links": False,
}


def _extract(html: str, url: str, images: bool) -> str | None:
    import trafilatura

    result = trafilatura.extract(html, url=url, include_images=images, **_TRAFILATURA_OPTIONS)
    if result is None:
        # A page saved inside a wrapper element (corpus tools' <text id=...>)
        # is no HTML tree to trafilatura: read it without the wrapper.
        bare = _WRAPPER.sub("", html, count=1)
        if bare != html:
            result = trafilatura.extract(
                bare, url=url, include_images=images, **_TRAFILATURA_OPTIONS
            )
    return str(result) if result else None


def _blocks(fragment: str) -> tuple[str, list[Any]]:
    """The leading text and the top-level blocks of an extraction."""
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return "", []
    body = root.find(".//body")
    top = body if body is not None else root
    while len(top) == 1 and top[0].tag in ("div", "main", "article", "doc", "body"):
        if (top.text or "").strip():
            break
        top = top[0]
    return top.text or "", list(top)


def _block_key(el: Any) -> str:
    return "".join(el.text_content().split())[:200]


def with_images(text_html: str, image_html: str, captions: dict[str, str] | None = None) -> str:
    """trafilatura's text (extracted without images, which it prunes less
    well with them) with the images of its image-including extraction put
    back after the paragraph they follow there, each with its caption from
    ``captions`` (image URL -> the page's ``<figcaption>``)."""
    import lxml.html

    lead, text_blocks = _blocks(text_html)
    keys = {_block_key(b) for b in text_blocks if _block_key(b)}
    after: dict[str, list[str]] = {}
    last = ""
    for block in _blocks(image_html)[1]:
        key = _block_key(block)
        if key in keys:
            last = key
        imgs = [block] if block.tag in ("img", "graphic") else block.findall(".//img")
        for img in imgs:
            src = img.get("src")
            if src:
                fig = lxml.html.tostring(img, encoding="unicode", with_tail=False)
                caption = (captions or {}).get(src)
                if caption:
                    fig = f"<figure>{fig}<figcaption>{escape(caption)}</figcaption></figure>"
                after.setdefault(last, []).append(fig)
    if not after:
        return text_html
    parts = [escape(lead), *after.get("", [])]
    for block in text_blocks:
        parts.append(lxml.html.tostring(block, encoding="unicode", with_tail=True))
        parts += after.pop(_block_key(block), [])
    return "<div>" + "".join(parts) + "</div>"


def trafilatura_body(html: str, url: str, sel: Selector | None = None) -> str | None:
    """Main text as HTML by trafilatura (imported here: it is slow to import),
    with the images in it and their captions (from ``sel``, the page)."""
    text = _extract(html, url, images=False)
    if text is None or "<img" not in html.lower():
        return text
    rich = _extract(html, url, images=True)
    if not rich:
        return text
    captions: dict[str, str] = {}
    for fig in sel.xpath("//figure[.//img][.//figcaption]") if sel is not None else []:
        cap = " ".join(" ".join(fig.xpath(".//figcaption//text()").getall()).split())
        for src in fig.xpath(".//img/@src | .//img/@data-src").getall():
            absolute = join_url(url, src)
            if absolute:
                captions.setdefault(absolute, cap)
    return with_images(text, rich, captions)


_WRAPPER = re.compile(r"^\s*<(?!html|head|body|meta|!|\?)[a-z]+\b[^>]*>", re.I)

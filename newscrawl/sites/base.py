"""Site: where an article's values are on a page, with defaults that fit most
news sites (JSON-LD, Open Graph and ``<meta>``, ``<time>``, ``<link
rel=canonical>``). A site module overrides only what these defaults get wrong.

A site *finds* values; it never cleans them (the pipelines do). Dates are
returned as candidates ``(text, from)`` in the order the site trusts them.
The parts a site is built from live in modules named for them: ``page``
(the parsed page and its CSS selection), ``css``, ``metadata`` (JSON-LD,
``<meta>``), ``shown`` (dates and bylines shown to readers),
``fallback_body`` (trafilatura) and ``discovery`` (list pages and APIs).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from html import escape
from typing import ClassVar
from urllib.parse import urlsplit

import lxml.html
from scrapy.http import TextResponse

from newscrawl.charset import redecode
from newscrawl.found import BodyRules, Byline, Candidate, Extracted, Found
from newscrawl.items import Article, Listing
from newscrawl.normalize.names import is_site_name
from newscrawl.sites.css import Node, element_text, node_xpath, stripped_text
from newscrawl.sites.discovery import Discovery
from newscrawl.sites.fallback_body import trafilatura_body, with_images
from newscrawl.sites.metadata import ld_breadcrumbs, ld_names
from newscrawl.sites.page import Page
from newscrawl.sites.shown import SHOWN_DATE, shown_bylines, shown_dates
from newscrawl.urls import host_of, identity, join_url, plausible_canonical

__all__ = [
    "SHOWN_DATE",
    "Candidate",
    "Page",
    "Site",
    "element_text",
    "ld_names",
    "node_xpath",
    "shown_bylines",
    "stripped_text",
    "trafilatura_body",
    "with_images",
]


_URL_DATE = re.compile(r"/((?:19|20)\d\d)[-/]?(0[1-9]|1[0-2])[-/]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])")

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

    # -- hooks: what a site module sets -------------------------------------

    site_names: ClassVar[tuple[str, ...]] = ()
    """Names the site goes by besides those its pages give (og:site_name,
    the JSON-LD publisher, its host): a byline or ``<meta name=author>``
    naming one of them is the site, not a person."""

    fallback_encodings: ClassVar[tuple[str, ...]] = ()
    """Encodings the site's pages may be in whatever they declare: when the
    encoding decided for a page leaves undecodable bytes, the one of these
    leaving the fewest is used (``newscrawl.charset.redecode``)."""

    boilerplate_css: ClassVar[tuple[str, ...]] = ()
    """Selectors of elements inside the article container that are never
    text (the site's widgets, players, promos), removed by the body normalizer."""

    boilerplate_strings: ClassVar[tuple[str, ...]] = ()
    """A body paragraph holding one of these strings is never text (the
    site's promos and disclaimers)."""

    boilerplate_patterns: ClassVar[tuple[str, ...]] = ()
    """Regular expressions: a body paragraph one matches (``search``) is never text."""

    def zone(self, page: Page) -> str:
        """The IANA zone of the times ``page`` shows without an offset (``timezone``)."""
        return self.timezone

    @classmethod
    def body_rules(cls) -> BodyRules:
        """The site's own body rules (its boilerplate hooks), built once per class."""
        rules = cls.__dict__.get("_body_rules")
        if not isinstance(rules, BodyRules):
            rules = BodyRules(
                drop_css=cls.boilerplate_css,
                line_strings=cls.boilerplate_strings,
                line_patterns=tuple(re.compile(p) for p in cls.boilerplate_patterns),
            )
            cls._body_rules = rules
        return rules

    _body_rules: ClassVar[BodyRules | None] = None

    # -- assembling -------------------------------------------------------

    def extracted(
        self,
        response: TextResponse,
        listing: Listing | None = None,
        fetched_at: datetime | None = None,
    ) -> Extracted:
        """What the site finds on ``response``: the Article as found and the
        :class:`~newscrawl.found.Found` (what the spider yields).

        ``listing`` supplies what a feed or saved post said (fallbacks only);
        ``fetched_at`` is when the response was received (now by default).
        The response's encoding was decided before, once
        (``newscrawl.charset.resolve``); a site with ``fallback_encodings``
        may still correct it here.
        """
        if self.fallback_encodings:
            response = redecode(response, self.fallback_encodings)
        page = Page(response, listing)
        fetched = (fetched_at or datetime.now(UTC)).astimezone(UTC)
        found = self.find(page)
        return Extracted(self.article(page, found, fetched), found)

    def extract(
        self,
        response: TextResponse,
        listing: Listing | None = None,
        fetched_at: datetime | None = None,
    ) -> Article:
        """The Article as found on ``response``, its ``body_html`` the
        container's HTML (uncleaned: the pipelines clean it). For callers
        that want the values a site finds without the pipelines."""
        x = self.extracted(response, listing, fetched_at)
        if x.found.container is not None and not x.article.body_html:
            x.article.body_html = str(lxml.html.tostring(x.found.container, encoding="unicode"))
        return x.article

    def find(self, page: Page) -> Found:
        """What the page says that the Article's fields do not hold: date
        and title candidates, bylines by role, the article container, the zone."""
        title = self.title(page)
        return Found(
            base_url=page.url,
            titles=[(title, "page")] if title else [],
            published=self.published(page),
            updated=self.updated(page),
            url_date=self.url_date(page.url),
            zone=self.zone(page),
            bylines=self.bylines(page),
            site_names=tuple(self.names_of(page)),
            container=self.container(page),
            rules=self.body_rules(),
        )

    def article(self, page: Page, found: Found, fetched: datetime) -> Article:
        """The Article's fields as the page gives them (the pipelines clean them)."""
        return Article(
            url=page.url,
            canonical_url=self.canonical_url(page),
            site=self.name,
            title=found.titles[0][0] if found.titles else "",
            published_raw=None,
            authors=self.authors(page),
            editors=self.editors(page),
            source=self.source(page),
            original_title=self.original_title(page),
            categories=self.categories(page),
            tags=self.tags(page),
            lead=self.lead(page),
            body_html="" if found.container is not None else (self.body_html(page) or ""),
            language=self.page_language(page),
            fetched_at=fetched.isoformat(timespec="seconds").replace("+00:00", "Z"),
        )

    def container(self, page: Page) -> Node | None:
        """The article container as an element of the page's tree, for the
        body normalizer; None (the default) when the body is ``body_html``'s text."""
        return None

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
        names = [k for k in (_squash(n) for n in self.names_of(page)) if len(k) >= 2]
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
        """The page's canonical URL (``read_canonical``), read once per page."""
        if not page.canonical_read:
            page.canonical, page.canonical_read = self.read_canonical(page), True
        return page.canonical

    def read_canonical(self, page: Page) -> str | None:
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
        site = tuple(self.names_of(page))
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

    def names_of(self, page: Page) -> list[str]:
        """What the page calls its site (og:site_name, application-name, the
        JSON-LD publisher, the host's name) and the site's ``site_names``:
        never a person in a byline."""
        names = [
            page.meta_first(k) or "" for k in ("og:site_name", "application-name", "twitter:site")
        ]
        names += ld_names(page.ld_article.get("publisher"))
        host = (urlsplit(page.url).hostname or "").lower().removeprefix("www.")
        if host:
            names += [host, host.split(".")[0]]
        # A long "name" is some page's misuse of the tag (a headline), not a site.
        return [
            n.strip().lstrip("@") for n in names if n and n.strip() and len(n.split()) <= 4
        ] + list(self.site_names)

    def editors(self, page: Page) -> list[str]:
        """Editor names (none by default: pages rarely mark them up)."""
        return []

    def source(self, page: Page) -> str | None:
        """The originating outlet (来源), when the page names one apart from the byline."""
        return None

    def bylines(self, page: Page) -> list[Byline]:
        """Bylines by role for the people pipeline: by default the labelled
        Chinese bylines (``作者：X``, ``记者 X Y``, ``文/X``) in the text that
        follows the headline, as lines whose labels say the roles."""
        return [("line", t) for t in shown_bylines(page.text_after(self.title(page), 1500))]

    def original_title(self, page: Page) -> str | None:
        """原标题, when the page shows one outside the body."""
        return None

    def categories(self, page: Page) -> list[str]:
        """Breadcrumb / section trail, outermost first."""
        names = ld_breadcrumbs(page.jsonld)
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

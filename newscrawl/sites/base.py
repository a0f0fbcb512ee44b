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

import re
from datetime import UTC, datetime
from typing import ClassVar

import lxml.html
from scrapy.http import TextResponse

from newscrawl.charset import redecode
from newscrawl.found import BodyRules, Candidate, Extracted, Found
from newscrawl.items import Article, Listing
from newscrawl.sites.css import Node, element_text, node_xpath, stripped_text
from newscrawl.sites.discovery import Discovery
from newscrawl.sites.fallback_body import trafilatura_body, with_images
from newscrawl.sites.fields import Fields
from newscrawl.sites.metadata import ld_names
from newscrawl.sites.page import Page
from newscrawl.sites.shown import SHOWN_DATE, shown_bylines
from newscrawl.urls import host_of, identity

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


class Site(Fields, Discovery):
    """Generic field extraction; subclass it in ``newscrawl/sites/<name>.py``."""

    name: ClassVar[str] = ""
    """The site's name everywhere: ``-a site=``, ``Article.site``, ``fixtures/<name>/``."""

    timezone: ClassVar[str] = "UTC"
    """IANA zone of the times the site shows without an offset."""

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

    # -- hooks: what a site module sets (and, in ``Fields``: domains,
    # language, title_separators, site_names) -------------------------------

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
        # A site module may override title (the text) or title_found (with where).
        text, found = self.title(page), self.title_found(page)
        title = (text, found[1] if found and found[0] == text else "site") if text else None
        return Found(
            base_url=page.url,
            titles=[title] if title else [],
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

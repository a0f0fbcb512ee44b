"""What every newscrawl spider shares: choosing the site module for a page
and turning a response into what the site finds (``newscrawl.found.Extracted``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse

from newscrawl.charset import is_wide, looks_binary, resolve, text_head
from newscrawl.found import Extracted
from newscrawl.items import Listing
from newscrawl.pipelines import DROP_PREFIX
from newscrawl.sites import get_site, hosts_of, load_site_modules, site_for_hosts, site_for_url
from newscrawl.sites.base import Site

logger = logging.getLogger(__name__)


# The page limits' defaults (NEWSCRAWL_MAX_PAGE_BYTES, NEWSCRAWL_MAX_ELEMENTS).
MAX_PAGE_BYTES = 10_000_000
MAX_ELEMENTS = 50_000
# A feed (RSS, Atom, RDF) saved or served where a page was expected.
_FEED_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
# The loggers of trafilatura and the libraries it logs through.
_EXTRACTOR_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")


class _Demote(logging.Filter):
    """Logs an extractor's records as DEBUG: a page trafilatura cannot read
    (``empty HTML tree``, ``discarding data``) is newscrawl's to count and
    report, once, as a drop; its own ERROR lines would make a bad input
    look like a crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_DEMOTE = _Demote()


def quiet_extractors() -> None:
    """Put ``_Demote`` on every logger of trafilatura (imported here, so that
    its modules' loggers exist) and of the libraries it uses."""
    import trafilatura  # noqa: F401 - creates its loggers

    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in _EXTRACTOR_LOGGERS:
            logging.getLogger(name).addFilter(_DEMOTE)


def start_tags(response: TextResponse) -> int:
    """About how many elements the page's tree will hold: its ``<`` less its
    ``</`` (a comment, a ``<`` in text or script count too; the parser's own
    html/head/body do not), counted in C in microseconds, so that a page of a
    million elements is refused before anything parses it (lxml takes some
    400 bytes an element, trafilatura minutes).

    >>> from scrapy.http import HtmlResponse
    >>> start_tags(HtmlResponse("https://a.example/", body=b"<p>1 < 2<br/><p>x</p>"))
    4
    """
    if is_wide(response.encoding):
        return response.text.count("<") - response.text.count("</")
    return response.body.count(b"<") - response.body.count(b"</")


def no_page(response: TextResponse) -> tuple[str, str] | None:
    """``(reason, detail)`` when the text is no HTML page: empty once its
    BOM is read, no markup at all (JSON, plain text, one byte), or a feed."""
    head = response.text[:4096].lstrip("\ufeff \t\r\n\x00")
    if not head:
        return "empty_file", ""
    if "<" not in head:
        return "not_html", "no markup"
    if _FEED_START.match(head):
        return "not_html", "a feed, not a page"
    return None


def splits(url: str) -> bool:
    """False for a link ``urlsplit`` refuses (``http://[::1/x``): one
    malformed link must not cost the page.

    >>> splits("https://a.example/x"), splits("http://[::1/x")
    (True, False)
    """
    try:
        urlsplit(url.strip())
    except ValueError:
        return False
    return True


class ArticleSpider(scrapy.Spider):
    """Base of newscrawl's spiders. ``-a site=NAME`` forces a site module."""

    arguments: ClassVar[dict[str, str]] = {}
    """The spider's ``-a NAME=VALUE`` arguments: name -> what it means
    (``scrapy crawl SPIDER -h`` lists them; every spider declares its own)."""

    site: str | None = None
    max_page_bytes: int = MAX_PAGE_BYTES
    """Larger responses are dropped ``too_large`` unparsed (NEWSCRAWL_MAX_PAGE_BYTES)."""
    max_elements: int = MAX_ELEMENTS
    """Pages of more elements are dropped ``too_complex`` before extraction
    (NEWSCRAWL_MAX_ELEMENTS). Extraction costs about 0.1 ms an element of
    text (5 s at 50,000, 30 s at 190,000), more for tiny ones (a million
    ``<p>x</p>``: over 20 minutes); the largest page of the test corpus has
    under 10,000."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        # Before the spider exists (its arguments may name one of their sites):
        # Scrapy creates the spider before the add-ons check the settings.
        try:
            load_site_modules(crawler.settings.getlist("NEWSCRAWL_SITE_MODULES"))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        spider: Self = super().from_crawler(crawler, *args, **kwargs)
        spider.max_page_bytes = crawler.settings.getint("NEWSCRAWL_MAX_PAGE_BYTES", MAX_PAGE_BYTES)
        spider.max_elements = crawler.settings.getint("NEWSCRAWL_MAX_ELEMENTS", MAX_ELEMENTS)
        quiet_extractors()
        return spider

    @classmethod
    def argument_help(cls) -> dict[str, str]:
        """The ``-a`` arguments ``scrapy crawl SPIDER -h`` lists (``arguments``)."""
        return dict(cls.arguments)

    def count_drop(self, reason: str, where: str, detail: str = "") -> None:
        """Count a page that gave no article, with a log line naming it."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{DROP_PREFIX}/{reason}")
        self.crawler.stats.inc_value(f"{DROP_PREFIX}/total")
        self.logger.warning("Dropped %s: %s%s", reason, where, f" ({detail})" if detail else "")

    def site_for(self, response: TextResponse) -> Site:
        """The forced site, the one claiming the URL, or (for a page with no
        web address) the one most of its links and images point to."""
        if self.site:
            return get_site(self.site)
        if response.url.startswith(("http://", "https://")):
            return site_for_url(response.url)
        refs = response.xpath("//a/@href | //img/@src | //link/@href | //meta/@content").getall()
        return site_for_hosts(hosts_of(r for r in refs if splits(r)))

    def article(
        self,
        response: Response,
        listing: Listing | None = None,
        fetched_at: datetime | None = None,
        where: str | None = None,
    ) -> Extracted | None:
        """What the site finds on ``response``: the Article and the rest of
        what was found, for the pipelines (None, counted, when it is no page)."""
        where = where or response.url
        if fetched_at is None and response.request is not None:
            # The archive's WARC-Date for this response (newscrawl.archive):
            # the article and its archived page carry the same fetch time.
            fetched_at = response.request.meta.get("newscrawl_fetched_at")
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/pages")
        size = len(response.body)
        if size > self.max_page_bytes > 0:
            detail = f"{size:,} bytes > NEWSCRAWL_MAX_PAGE_BYTES={self.max_page_bytes:,}"
            self.count_drop("too_large", where, detail)
            return None
        if not response.body.strip():
            self.count_drop("empty_file", where)
            return None
        text = resolve(response)  # the encoding, decided once for every reader
        if looks_binary(text_head(text)):
            self.count_drop("not_html", where, "binary content")
            return None
        try:
            refused = no_page(text)
            if refused:
                self.count_drop(refused[0], where, refused[1])
                return None
            elements = start_tags(text)
            if elements > self.max_elements > 0:
                self.count_drop(
                    "too_complex", where, f"{elements:,} elements > {self.max_elements:,}"
                )
                return None
            site = self.site_for(text)
            return site.extracted(text, listing, fetched_at)
        except Exception as exc:  # one broken page must not stop the crawl
            self.count_drop("extract_error", where, f"{type(exc).__name__}: {exc}")
            logger.debug("extraction failed", exc_info=True)
            return None

    def check_site_argument(self) -> None:
        """Stop at start, with the list of sites, when ``-a site=`` names none."""
        if self.site:
            get_site(self.site)

    def parse_article(
        self, response: Response, listing: Listing | None = None
    ) -> Iterator[Extracted]:
        """Callback of a live crawl's article request (``cb_kwargs`` may give
        the listing that linked to it)."""
        article = self.article(response, listing)
        if article is not None:
            yield article

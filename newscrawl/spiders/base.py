"""What every newscrawl spider shares: choosing the site module for a page
and turning a response into an Article."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse

from newscrawl.items import Article, Listing
from newscrawl.pipelines import DROP_PREFIX
from newscrawl.sites import get_site, hosts_of, site_for_hosts, site_for_url
from newscrawl.sites.base import Site

logger = logging.getLogger(__name__)


# Control bytes, less the whitespace ones (9-13: tab, newlines, form feed, CR).
_CONTROLS = bytes(b for b in range(32) if b < 9 or b > 13)


def looks_binary(body: bytes) -> bool:
    """True for bytes that are no web page (NUL bytes, or mostly control bytes).

    >>> looks_binary(b"<html>\\x1b[0m</html>"), looks_binary(b"\\x01\\x02\\x03<p>")
    (False, True)
    """
    head = body[:4096]
    if b"\x00" in head:
        return True
    # Counted in C (bytes.translate), not byte by byte: this runs on every page.
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls * 10 > len(head)


class ArticleSpider(scrapy.Spider):
    """Base of newscrawl's spiders. ``-a site=NAME`` forces a site module."""

    site: str | None = None

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
        return site_for_hosts(hosts_of(refs))

    def article(
        self,
        response: Response,
        listing: Listing | None = None,
        fetched_at: datetime | None = None,
        where: str | None = None,
    ) -> Article | None:
        """The Article on ``response`` (None, counted, when it is no page)."""
        where = where or response.url
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/pages")
        if not response.body.strip():
            self.count_drop("empty_file", where)
            return None
        if looks_binary(response.body):
            self.count_drop("not_html", where, "binary content")
            return None
        if not isinstance(response, TextResponse):
            response = response.replace(cls=HtmlResponse)
        assert isinstance(response, TextResponse)
        try:
            site = self.site_for(response)
            return site.extract(response, listing, fetched_at)
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
    ) -> Iterator[Article]:
        """Callback of a live crawl's article request (``cb_kwargs`` may give
        the listing that linked to it)."""
        article = self.article(response, listing)
        if article is not None:
            yield article

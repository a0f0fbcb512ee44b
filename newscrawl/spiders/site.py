"""Any site's live crawl through its discovery hooks (``newscrawl.sites.discovery``):
its list pages or API -> its article pages -> the article pipeline.

    scrapy crawl site -a name=sina -a since=2d          # every site module has its lists
    scrapy crawl site -a name=demo -a lists=https://demo.example/latest/ -a limit=100

The site says where to start (``list_starts``), how to read a list page or
API response (``read_list``: its articles with their dates, and the next
page) and which listed URLs are no article (``skip_reason``). This spider
does what is the same for every site: pagination stops at a page with no
entries, at the ``since`` cut-off (a page whose listed articles are older),
at ``limit`` articles or at ``max_pages`` (``NEWSCRAWL_MAX_LIST_PAGES``); a
URL listed twice is fetched once. Listed URLs not fetched are counted under
``newscrawl/skipped/<reason>`` with a log line naming the URL; article pages
that fail (404, or 5xx after Scrapy's retries) are counted as
``newscrawl/dropped/http_error`` and the crawl goes on. Politeness
(robots.txt, AutoThrottle, a User-Agent with a contact, per-domain
concurrency) comes from ``settings.py``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.incremental import DISCOVERY, ENTRY_DATE
from newscrawl.items import Listing
from newscrawl.sites import SITES, get_site
from newscrawl.sites.discovery import ListPage, parse_since
from newscrawl.spiders.base import ArticleSpider

SKIP_PREFIX = "newscrawl/skipped"
PAGE = "newscrawl_list_page"
"""Request meta: the ``ListPage`` a list or API request fetches."""


class SiteSpider(ArticleSpider):
    """A site's live crawl, newest first as its lists are."""

    name = "site"
    site_name: ClassVar[str | None] = None
    """The site a subclass always crawls (``sina``); None: ``-a name=``."""
    max_pages_setting: ClassVar[str] = "NEWSCRAWL_MAX_LIST_PAGES"
    arguments: ClassVar[dict[str, str]] = {
        "name": "the site to crawl: a site module's name (newscrawl/sites/, NEWSCRAWL_SITE_MODULES)",
        "since": "stop at articles older than this: 2024-05-01, 2024-05-01T08:00 (the site's "
        "zone unless it has an offset) or an age: 90m, 12h, 2d, 1w",
        "limit": "request at most this many articles",
        "lists": "list pages to start from (URLs separated by spaces or commas), instead of "
        "the site's; empty: none",
        "max_pages": "read at most this many pages of each list (default "
        "NEWSCRAWL_MAX_LIST_PAGES, 50)",
    }

    def __init__(
        self,
        name: str | None = None,
        since: str | None = None,
        limit: str | int | None = None,
        lists: str | list[str] | None = None,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        site_name = self.site_name or name
        if not site_name:
            known = ", ".join(sorted(SITES))
            raise UsageError(f"{self.name}: which site? pass -a name=SITE (known: {known})")
        try:
            self.source = get_site(site_name)
        except ValueError as exc:
            raise UsageError(f"{self.name}: {exc}") from None
        own = self.source.discovery_arguments
        self.site_args = {k: str(v) for k, v in kwargs.items() if k in own}
        super().__init__(**{k: v for k, v in kwargs.items() if k not in own})
        self.site = site_name
        # The job's identity (newscrawl.runlock.run_job): one site, one job.
        self.url = None if self.site_name else f"site={site_name}"
        try:
            self.cutoff = parse_since(since, self.source.timezone)
        except ValueError as exc:
            raise UsageError(f"{site_name}: {exc}") from None
        # As an ISO instant with its offset, for middlewares that read ``since``.
        self.since = self.cutoff.isoformat() if self.cutoff else None
        try:
            self.limit = int(limit) if limit not in (None, "") else None
            self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        except ValueError as exc:
            raise UsageError(f"{site_name}: limit and max_pages are numbers ({exc})") from None
        if (self.limit is not None and self.limit < 1) or (
            self.max_pages is not None and self.max_pages < 1
        ):
            raise UsageError(f"{site_name}: limit and max_pages are 1 or more")
        if isinstance(lists, str):
            self.lists: list[str] | None = [u for u in re.split(r"[\s,]+", lists) if u]
        else:
            self.lists = None if lists is None else list(lists)
        self.starts: list[ListPage] = []
        self.seen: set[str] = set()
        self.requested = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider: Self = super().from_crawler(crawler, *args, **kwargs)
        if spider.max_pages is None:
            spider.max_pages = crawler.settings.getint(spider.max_pages_setting, 50)
        try:
            spider.source.configure_discovery(spider.site_args, crawler.settings)
        except ValueError as exc:
            raise UsageError(f"{spider.site}: {exc}") from None
        spider.starts = spider.source.list_starts(spider.lists)
        for page in spider.starts:
            parts = urlsplit(page.url)
            # Checked here: Request() would raise "Missing scheme" from start().
            web = parts.scheme in ("http", "https") and parts.netloc
            if not web and not (parts.scheme == "file" and parts.path):
                raise UsageError(
                    f"{spider.site}: {page.url!r} is no http(s) URL (the start pages, "
                    "lists= and api= need one)"
                )
        return spider

    @classmethod
    def argument_help(cls) -> dict[str, str]:
        """This spider's ``-a`` arguments, and each site's own (``name=SITE: arg``)."""
        shown = dict(cls.arguments)
        for name, site in sorted(SITES.items()):
            if cls.site_name in (None, name):
                for arg, text in site.discovery_arguments.items():
                    shown[arg if cls.site_name else f"{arg} (name={name})"] = text
        return shown

    # -- discovery -----------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        own = self.source.describe_discovery()
        self.logger.info(
            "%s: %ssince %s, limit %s, %d start page(s)",
            self.site,
            f"{own}, " if own else "",
            self.since or "-",
            self.limit if self.limit is not None else "-",
            len(self.starts),
        )
        for page in self.starts:
            yield self.list_request(page)

    def list_request(self, page: ListPage) -> Request:
        """The request for a list or API page."""
        return Request(
            page.url,
            callback=self.parse_list,
            errback=self.list_failed,
            meta={DISCOVERY: True, PAGE: page, "list_page": page.number},
            dont_filter=page.dont_filter,
        )

    def parse_list(self, response: Response) -> Iterator[Request]:
        """The article requests of a list page, then its next page while
        pagination goes on (``more``)."""
        page: ListPage = response.meta[PAGE]
        if not isinstance(response, TextResponse):  # an API served as application/octet-stream
            response = response.replace(cls=TextResponse)
            assert isinstance(response, TextResponse)
        try:
            read = self.source.read_list(response, page)
        except (ValueError, AttributeError, TypeError) as exc:
            self.skip("bad_list_page", response.url, f"{page.kind} page unread: {exc}")
            return
        self.logger.info(
            "%s: %s page %d (%s): %d entries",
            self.site,
            page.kind,
            page.number,
            response.url,
            len(read.entries),
        )
        older = False
        for entry in read.entries:
            req = self.listed(entry.url, entry.when, entry.listing)
            if req is None and entry.when is not None and self.cutoff and entry.when < self.cutoff:
                older = True
            if req is not None:
                yield req
        if read.next is not None and self.more(bool(read.entries), older, page.number):
            yield self.list_request(read.next)

    def listed(self, url: str, when: datetime | None, listing: Listing) -> Request | None:
        """The request for a listed URL, or None (skipped, with its reason counted)."""
        if not url.startswith(("http://", "https://")):
            return None
        key = url.split("#", 1)[0]
        if key in self.seen:
            return None
        self.seen.add(key)
        reason = self.source.skip_reason(url)
        if reason:
            self.skip(reason, url)
            return None
        if self.cutoff and when is not None and when < self.cutoff:
            self.skip("older_than_since", url, when.isoformat(), level="debug")
            return None
        if self.limit is not None and self.requested >= self.limit:
            return None
        self.requested += 1
        meta: dict[str, Any] = {ENTRY_DATE: when.isoformat()} if when else {}
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"listing": listing},
            meta=meta,
        )

    def more(self, entries: bool, older: bool, number: int) -> bool:
        """Whether to read the page after page ``number`` of a list."""
        if not entries:
            return False
        if older:
            self.logger.info(
                "%s: page %d reaches the since cut-off; not paginating further", self.site, number
            )
            return False
        if self.limit is not None and self.requested >= self.limit:
            self.logger.info("%s: limit of %d articles reached", self.site, self.limit)
            return False
        if self.max_pages is not None and number >= self.max_pages:
            self.logger.info(
                "%s: %s (%d) reached", self.site, self.max_pages_setting, self.max_pages
            )
            return False
        return True

    # -- articles and failures -------------------------------------------------

    def skip(self, reason: str, url: str, detail: str = "", level: str = "info") -> None:
        """Count a listed URL not fetched, with a log line naming it."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{SKIP_PREFIX}/{reason}")
        log = self.logger.debug if level == "debug" else self.logger.info
        log("Skipped %s: %s%s", reason, url, f" ({detail})" if detail else "")

    def article_failed(self, failure: Failure) -> None:
        """An article request that failed: counted, the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        if isinstance(exc, HttpError):
            self.count_drop("http_error", request.url, f"HTTP {exc.response.status}")
        elif isinstance(exc, IgnoreRequest):
            reason = "robots_txt" if "robots" in str(exc).lower() else "ignored"
            self.skip(reason, request.url, str(exc) or "a downloader middleware")
        else:
            self.count_drop("fetch_error", request.url, f"{type(exc).__name__}: {exc}")

    def list_failed(self, failure: Failure) -> None:
        """A list or API page that failed: counted; the other lists go on."""
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        if isinstance(exc, HttpError):
            detail = f"HTTP {exc.response.status}"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        self.skip("list_page_error", request.url, detail)
        self.logger.warning("list page failed: %s (%s)", request.url, detail)

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        skipped = {
            k[len(SKIP_PREFIX) + 1 :]: v
            for k, v in sorted(stats.items())
            if k.startswith(SKIP_PREFIX)
        }
        self.logger.info(
            "%s: %d articles requested; skipped: %s",
            self.site,
            self.requested,
            ", ".join(f"{k} {v}" for k, v in skipped.items()) or "none",
        )

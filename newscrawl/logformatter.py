"""Log lines that name the URL or file and the reason, not the whole item."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Spider, logformatter
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from twisted.python.failure import Failure


class NewscrawlLogFormatter(logformatter.LogFormatter):
    """A dropped article is one WARNING line: ``Dropped no_title: URL``.

    The two per-page DEBUG lines (``Crawled (200) ...``, ``Scraped URL``) are
    not built at all when ``LOG_LEVEL`` hides them: a log record costs about
    as much as Scrapy's whole handling of a replayed page.
    """

    def __init__(self, debug: bool = True) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        enabled = crawler.settings.getbool("LOG_ENABLED", True)
        return cls(debug=enabled and isinstance(level, int) and level <= logging.DEBUG)

    # Scrapy's engine and scraper skip the line when these return None.
    def crawled(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider
    ) -> logformatter.LogFormatterResult | None:
        if not self.debug:
            return None
        return super().crawled(request, response, spider)

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider | None = None,
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.WARNING,
            "msg": "Dropped %(exception)s",
            "args": {"exception": exception},
        }

    def scraped(  # type: ignore[override]
        self, item: Any, response: Response | Any, spider: Any = None
    ) -> logformatter.LogFormatterResult | None:
        if not self.debug:
            return None
        url = getattr(item, "url", "")
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": url}}

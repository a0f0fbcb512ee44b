"""Sina live crawl: roll-news lists -> article pages.

    scrapy crawl sina                                # finance, newest first
    scrapy crawl sina -a channel=tech -a since=2d    # stop at articles older than 2 days
    scrapy crawl sina -a since=2024-05-01 -a limit=200

The crawl of ``scrapy crawl site -a name=sina``, with Sina's arguments and
settings: where the lists are and how they read is the Sina site's
(``newscrawl.sites.sina_lists``: the roll API, then roll list pages), the
crawl itself the generic spider's (``newscrawl.spiders.site``: since, limit,
skips counted by reason, failures counted, politeness). Pagination stops at
``NEWSCRAWL_SINA_MAX_PAGES`` pages (``-a max_pages=`` wins).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from scrapy.exceptions import UsageError

from newscrawl.sites.discovery import list_date
from newscrawl.sites.discovery import parse_since as _parse_since
from newscrawl.sites.sina_lists import api_items
from newscrawl.spiders.site import SiteSpider

__all__ = ["SinaSpider", "api_items", "list_date", "parse_since"]


def parse_since(text: str | None, tz: str, now: datetime | None = None) -> datetime | None:
    """``newscrawl.sites.discovery.parse_since``, its error a UsageError.

    >>> parse_since("2024-05-01", "Asia/Shanghai").isoformat()
    '2024-05-01T00:00:00+08:00'
    """
    try:
        return _parse_since(text, tz, now)
    except ValueError as exc:
        raise UsageError(f"sina: {exc}") from None


class SinaSpider(SiteSpider):
    """Sina's roll news, newest first, into the article pipeline."""

    name = "sina"
    site_name = "sina"
    max_pages_setting = "NEWSCRAWL_SINA_MAX_PAGES"
    arguments: ClassVar[dict[str, str]] = {
        **{k: v for k, v in SiteSpider.arguments.items() if k != "name"},
        "max_pages": "read at most this many pages of each list (default "
        "NEWSCRAWL_SINA_MAX_PAGES, 50)",
    }

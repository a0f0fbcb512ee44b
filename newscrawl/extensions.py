"""Run summary: one block at the end of every crawl saying what it did."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.pipelines import DROP_PREFIX

logger = logging.getLogger("newscrawl.summary")


def summarize(stats: dict[str, Any]) -> str:
    """The end-of-run summary lines from the crawl stats."""
    drops = {
        k[len(DROP_PREFIX) + 1 :]: v
        for k, v in sorted(stats.items())
        if k.startswith(DROP_PREFIX + "/") and not k.endswith("/total")
    }
    lines = [
        f"articles written: {stats.get('item_scraped_count', 0)}",
        f"articles stored in the database: {stats.get('newscrawl/stored', 0)}",
        f"pages read: {stats.get('newscrawl/pages', 0)}",
        "dropped: " + (", ".join(f"{k} {v}" for k, v in drops.items()) if drops else "none"),
        f"errors: {stats.get('log_count/ERROR', 0)}",
        f"finish reason: {stats.get('finish_reason', '?')}",
    ]
    return "\n  ".join(["newscrawl run summary:", *lines])


class RunSummary:
    """Logs the run summary when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        logger.info(summarize(stats))

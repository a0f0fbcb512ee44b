"""Log lines that name the URL or file and the reason, not the whole item."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, logformatter
from scrapy.http import Response
from twisted.python.failure import Failure


class NewscrawlLogFormatter(logformatter.LogFormatter):
    """A dropped article is one WARNING line: ``Dropped no_title: URL``."""

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

    def scraped(
        self, item: Any, response: Response | Any, spider: Any = None
    ) -> logformatter.LogFormatterResult:
        url = getattr(item, "url", "")
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": url}}

"""The comparison spiders of the benchmark, each run in its own process:

    python -m bench.spiders bare PAGES OUT          # the ceiling: Scrapy alone
    python -m bench.spiders floor PAGES OUT         # the floor: Scrapy + lxml parse + <title>
    python -m bench.spiders trafilatura PAGES OUT   # what users would otherwise write
    python -m bench.spiders bare-defaults PAGES OUT # the ceiling with Scrapy's defaults

``floor`` is what any Scrapy replay that reads its pages pays at least:
Scrapy's own encoding resolution and decode, one lxml parse (parsel, as
``response.css`` builds it) and one query, the ``<title>``; no output file.

All read the same files as ``scrapy crawl replay`` (``file://`` requests)
with the replay spider's own tuning (concurrency, no delay, no robots.txt),
so the comparison is of the work done per page, not of settings. The run's
Scrapy stats are written to ``OUT/stats.json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

from newscrawl.spiders.replay import ReplaySpider, replay_files

# The replay spider's tuning, applied to both (as project settings, so that
# NAME=VALUE arguments can override them in experiments).
TUNING: dict[str, Any] = dict(ReplaySpider.custom_settings or {})


class _FilesSpider(scrapy.Spider):
    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path)

    async def start(self) -> AsyncIterator[Any]:
        # Files listed as the replay spider lists them (streamed, sorted).
        base = self.path.resolve()
        assert self.crawler.engine is not None
        for path, kind in replay_files(self.path):
            if self.crawler.engine.needs_backout():  # lazily, as the replay spider
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            if kind == "html":
                yield scrapy.Request(
                    (base / path.relative_to(self.path)).as_uri(), dont_filter=True
                )


class BareSpider(_FilesSpider):
    """Scrapy alone: one one-field item per page, nothing parsed."""

    name = "bench_bare"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield {"url": response.url}


class FloorSpider(_FilesSpider):
    """Scrapy plus the least a reader of pages does: decode the page, parse
    it with lxml (parsel) and take its ``<title>``."""

    name = "bench_floor"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        assert isinstance(response, TextResponse)
        yield {"url": response.url, "title": response.css("title::text").get()}


class TrafilaturaSpider(_FilesSpider):
    """The spider a user writes without newscrawl: trafilatura for the body
    (and its metadata), dateparser for the date shown on the page."""

    name = "bench_trafilatura"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        import dateparser
        import trafilatura

        assert isinstance(response, TextResponse)
        url = response.css('link[rel="canonical"]::attr(href)').get() or response.url
        doc = trafilatura.bare_extraction(
            response.text, url=url, include_comments=False, with_metadata=True
        )
        shown = response.css(".date-source .date::text, .date::text, #pub_date::text").get()
        when = dateparser.parse(
            shown or (doc.date if doc is not None else "") or "",
            settings={"TIMEZONE": "Asia/Shanghai", "RETURN_AS_TIMEZONE_AWARE": True},
        )
        yield {
            "url": url,
            "title": doc.title if doc is not None else None,
            "published_at": when.isoformat() if when else None,
            "author": doc.author if doc is not None else None,
            "body_text": doc.text if doc is not None else None,
        }


SPIDERS: dict[str, type[_FilesSpider]] = {
    "bare": BareSpider,
    "bare-defaults": BareSpider,  # Scrapy's own defaults: what the tuning buys
    "floor": FloorSpider,
    "trafilatura": TrafilaturaSpider,
}


def main(argv: list[str]) -> None:
    kind, pages, out = argv[0], argv[1], Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {
        **({} if kind == "bare-defaults" else TUNING),
        "LOG_LEVEL": "INFO",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TELNETCONSOLE_ENABLED": False,
    }
    for pair in argv[3:]:  # NAME=VALUE overrides, for experiments
        name, _, value = pair.partition("=")
        settings[name] = json.loads(value) if value[:1] in "{[0123456789tf" else value
    if kind == "trafilatura":
        # It writes its records, as newscrawl does.
        settings["FEEDS"] = {str(out / "items.jsonl"): {"format": "jsonlines", "encoding": "utf8"}}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SPIDERS[kind])
    process.crawl(crawler, path=pages)
    process.start()
    assert crawler.stats is not None
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float))}
    (out / "stats.json").write_text(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Replay: saved pages, Markdown posts and WARC files through the same site
modules, pipelines and outputs as a live crawl, with no network.

    scrapy crawl replay                       # the project's fixtures/
    scrapy crawl replay -a path=saved/        # a folder, walked recursively
    scrapy crawl replay -a path=crawl.warc.gz -a site=sina

Every input is accounted for: ``newscrawl/inputs`` counts each replayed file
and each WARC record (and each folder entry that cannot be read), and each
one ends as an article, a drop (``newscrawl/dropped/<reason>``) or a skip
(``newscrawl/skipped/<reason>``: a WARC record that is by design no page).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar, Self

import yaml
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.archive import LISTING_TYPE
from newscrawl.charset import resolve
from newscrawl.found import Extracted
from newscrawl.items import Listing
from newscrawl.sites import get_site, site_for_url
from newscrawl.spiders.base import ArticleSpider
from newscrawl.spiders.replay_inputs import (
    GZIP_ERRORS,
    BadEntry,
    FolderWalk,
    TooLarge,
    fetch_time,
    file_kind,
    mtime,
    read_bounded,
    read_sidecar,
    replay_files,
    saved_address,
    shown,
    sidecar_path,
    web_address,
)
from newscrawl.spiders.replay_posts import (
    post_listing,
    post_page,
    post_record,
    split_front_matter,
)
from newscrawl.spiders.replay_warc import Damage, Record, warc_records

__all__ = ["ReplaySpider", "file_kind", "replay_files", "split_front_matter"]

SKIP_PREFIX = "newscrawl/skipped"


class ReplaySpider(ArticleSpider):
    """Replays saved pages (``NAME.html`` + optional ``NAME.json`` with its
    ``url``), Markdown posts and WARC files."""

    name = "replay"
    # It reads archives: what it "fetches" (files) is never archived.
    archive_fetches = False
    arguments: ClassVar[dict[str, str]] = {
        "path": "a saved page (NAME.html, with its NAME.json sidecar giving its url), a "
        "Markdown post, a WARC file (.warc, .warc.gz) or a folder of them, searched "
        "recursively (default: fixtures/)",
        "site": "force this site module for every page (a name of newscrawl/sites/ or of "
        "NEWSCRAWL_SITE_MODULES; default: the site claiming the URL)",
    }
    # Replay tuning (measured by bench/): a live crawl keeps its polite
    # settings from settings.py; files on disk need none of them.
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        # Enough file reads in flight to keep the parser busy; more only
        # holds more pages in memory.
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        # One article per page: Scrapy's default of 100 starts 100 asyncio
        # tasks per response to process it, doubling Scrapy's cost per page.
        "CONCURRENT_ITEMS": 1,
        "RETRY_ENABLED": False,
        "COOKIES_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        # Scrapy's check that a generator callback returns no value: its
        # cache misses often (it is keyed by bound methods, made anew for
        # each request), and each miss reads and parses the callback's
        # source. About 0.5 ms a page over a 2,000-page replay.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # A saved page's <meta http-equiv=refresh> must not send a replay to the web.
        "METAREFRESH_ENABLED": False,
        "REDIRECT_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    }

    # Limits (settings, read in from_crawler): a replay's memory must not
    # depend on what its files hold.
    max_page_bytes = 10_000_000
    max_front_matter_bytes = 65536
    max_sidecar_bytes = 65536

    def __init__(self, path: str | None = None, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path) if path else Path("fixtures")
        self.site = site
        if not self.path.exists():
            hint = "" if path else " (run from the project folder, or pass -a path=FOLDER)"
            raise UsageError(f"replay: no such file or folder: {self.path}{hint}")
        self.check_site_argument()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_page_bytes = settings.getint("NEWSCRAWL_MAX_PAGE_BYTES", 10_000_000)
        spider.max_front_matter_bytes = settings.getint("NEWSCRAWL_MAX_FRONT_MATTER_BYTES", 65536)
        spider.max_sidecar_bytes = settings.getint("NEWSCRAWL_MAX_SIDECAR_BYTES", 65536)
        return spider

    def count_input(self) -> None:
        """One input given to the replay (a file, a WARC record, a bad entry)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/inputs")

    def count_skip(self, reason: str, where: str) -> None:
        """An input that is by design no article page (a WARC request record...)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{SKIP_PREFIX}/{reason}")
        self.crawler.stats.inc_value(f"{SKIP_PREFIX}/total")
        self.logger.debug("Skipped %s: %s", reason, where)

    async def start(self) -> AsyncIterator[Any]:
        count = 0
        # Resolved once: resolving each file costs a stat per path component.
        base = self.path.resolve()
        assert self.crawler.engine is not None
        walk = FolderWalk(self.path)
        for entry in walk:
            # One file at a time, when the engine can take it: Scrapy
            # otherwise drains start() into its scheduler, and a replay of
            # 100,000 files held 100,000 requests (+90 MB) before its end.
            if self.crawler.engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            if isinstance(entry, BadEntry):
                self.count_input()
                self.count_drop(entry.reason, shown(entry.path), entry.detail)
                continue
            count += 1
            if entry.kind != "warc":  # a WARC's inputs are its records
                self.count_input()
                if entry.size > self.max_page_bytes:
                    detail = f"{entry.size} bytes, NEWSCRAWL_MAX_PAGE_BYTES={self.max_page_bytes}"
                    self.count_drop("too_large", shown(entry.path), detail)
                    continue
            # Read in the callback (bounded, gunzipped, streamed for a WARC),
            # not by Scrapy's file:// handler, which reads any size whole.
            meta = {
                "replay_path": entry.path,
                "replay_kind": entry.kind,
                "replay_url": (base / entry.path.relative_to(self.path)).as_uri(),
            }
            callback = {"warc": self.parse_warc, "markdown": self.parse_markdown}.get(
                entry.kind, self.parse_html
            )
            yield Request(
                "data:,", callback=callback, errback=self.unreadable, meta=meta, dont_filter=True
            )
        self.logger.info(
            "replayed %d files (%d not replayable by name, ignored) from %s",
            count,
            walk.ignored,
            shown(self.path),
        )

    def unreadable(self, failure: Failure) -> None:
        path = failure.request.meta.get("replay_path", failure.request.url)  # type: ignore[attr-defined]
        self.count_drop("unreadable_file", shown(path), str(failure.value))

    def read_page(self, response: Response) -> bytes | None:
        """The replayed file's bytes, None (counted) when it cannot be read."""
        path: Path = response.meta["replay_path"]
        try:
            return read_bounded(path, response.meta["replay_kind"], self.max_page_bytes)
        except TooLarge as exc:
            self.count_drop("too_large", shown(path), f"{exc} once gunzipped")
        except GZIP_ERRORS as exc:
            self.count_drop("bad_gzip", shown(path), shown(f"{type(exc).__name__}: {exc}", 160))
        except OSError as exc:
            self.count_drop("unreadable_file", shown(path), exc.strerror or str(exc))
        return None

    def parse_html(self, response: Response) -> Iterator[Extracted]:
        path: Path = response.meta["replay_path"]
        where = shown(path)
        body = self.read_page(response)
        if body is None:
            return
        side = sidecar_path(path)
        sidecar, why = read_sidecar(side, self.max_sidecar_bytes)
        if why:
            self.logger.warning("Ignoring sidecar %s: %s", shown(side), why)
        url = web_address(sidecar.get("url"))
        if url is None and "url" in sidecar:
            self.logger.warning(
                "Ignoring url %.80r of %s: not an http(s) address", sidecar["url"], shown(side)
            )
        page: TextResponse = HtmlResponse(url=response.meta["replay_url"], body=body)
        if url is None and page.body.strip():
            page = resolve(page)  # the charset the whole page is read in, decided once
            url = saved_address(page)
        if url:
            # Nothing is parsed yet (saved_address parsed the <head> alone): the
            # response at its address is parsed once, by the site module.
            page = page.replace(url=url)
        when = fetch_time(sidecar.get("fetched_at"))
        if when is None and sidecar.get("fetched_at") is not None:
            self.logger.warning(
                "Ignoring fetched_at %.80r of %s: no aware time between 1990 and now",
                sidecar["fetched_at"],
                shown(side),
            )
        article = self.article(page, fetched_at=when or mtime(path), where=where)
        if article is not None:
            yield article

    def parse_markdown(self, response: Response) -> Iterator[Extracted]:
        path: Path = response.meta["replay_path"]
        where = shown(path)
        raw = self.read_page(response)
        if raw is None:
            return
        if not raw.strip():
            self.count_drop("empty_file", where)
            return
        try:
            meta, body = split_front_matter(raw.decode("utf-8"), self.max_front_matter_bytes)
        except (ValueError, yaml.YAMLError, RecursionError) as exc:
            self.count_drop("bad_markdown", where, shown(_first_line(exc), 160))
            return

        def ignored(key: str) -> None:
            self.logger.warning("Ignoring %s of %s: %.80r", key, where, meta.get(key))

        listing = post_listing(meta, body, ignored)
        url = listing.url or response.meta["replay_url"]
        html = post_page(listing).encode("utf-8", "replace")
        page = HtmlResponse(url=url, body=html, encoding="utf-8")
        article = self.article(page, listing, mtime(path), where=where)
        if article is not None:
            record = post_record(meta, body, ignored)
            if record is not None:  # a post newscrawl wrote: its fields win
                article.found.recorded = record
            yield article

    def parse_warc(self, response: Response) -> Iterator[Extracted]:
        path: Path = response.meta["replay_path"]
        # newscrawl's archive: an article's listing (metadata record) comes
        # before its response; kept until then, at most a few at a time.
        listings: dict[str, Listing] = {}
        try:
            for item in warc_records(path, self.max_page_bytes):
                self.count_input()
                if isinstance(item, Damage):
                    where = f"{shown(path)} at offset {item.offset}"
                    self.count_drop(item.reason, where, shown(item.detail, 160))
                    continue
                if item.rec_type == "metadata" and item.content_type == LISTING_TYPE:
                    found = archived_listing(item.body)
                    if found is not None and len(listings) < 100:
                        listings[item.concurrent_to] = found
                article = self.warc_article(path, item, listings.pop(item.record_id, None))
                if article is not None:
                    yield article
        except OSError as exc:  # opening or seeking the file
            self.count_input()
            self.count_drop("unreadable_file", shown(path), exc.strerror or str(exc))

    def warc_article(
        self, path: Path, rec: Record, listing: Listing | None = None
    ) -> Extracted | None:
        """The article of one WARC record; None (counted) for every other record."""
        place = "uncompressed offset" if rec.unzipped else "offset"
        where = f"{shown(path)} (record at {place} {rec.offset})"
        if rec.rec_type not in ("response", "resource"):
            kind = rec.rec_type if rec.rec_type.replace("_", "").isalpha() else "unknown"
            self.count_skip(f"{kind.lower()}_record", where)
            return None
        # First: warcio reads no HTTP headers in a record at a javascript: address.
        url = web_address(rec.target)
        if url is None:
            self.count_drop("bad_target_uri", where, f"WARC-Target-URI {rec.target[:80]!r}")
            return None
        if "html" not in rec.content_type.lower():
            self.count_skip("not_html_record", f"{where} {rec.content_type!r}")
            return None
        where = f"{where} {url}"
        if rec.body is None:
            self.count_drop("too_large", where, f"NEWSCRAWL_MAX_PAGE_BYTES={self.max_page_bytes}")
            return None
        # A live crawl's archive holds its list pages, feeds and robots.txt
        # too: newscrawl's own archive says which pages were articles; in
        # another WARC, a page the site's discovery would not take for an
        # article is skipped (a site module without a rule takes every page).
        if rec.page is not None:
            if rec.page != "article":
                self.count_skip("not_article_page", f"{where} (archived as {rec.page!r})")
                return None
        else:
            site = get_site(self.site) if self.site else site_for_url(url)
            if not site.is_article_url(url):
                self.count_skip("not_article_url", f"{where} ({site.name})")
                return None
        if rec.status < 200 or 300 <= rec.status < 400:
            self.count_skip("redirect_record", f"{where} status {rec.status}")
            return None
        if rec.status >= 400:
            self.count_drop("http_error", where, f"recorded status {rec.status}")
            return None
        if rec.truncated:
            # Cut by the crawler that wrote it (Common Crawl cuts at 1 MiB):
            # the title and the text before the cut are still there.
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newscrawl/warc/truncated")
            self.logger.info("Truncated payload (WARC-Truncated: %s): %s", rec.truncated, where)
        when = fetch_time(rec.date)
        if when is None and rec.date:
            self.logger.warning("Ignoring WARC-Date %.80r of %s", rec.date, where)
        try:
            page = HtmlResponse(url=url, body=rec.body, headers=rec.headers, status=rec.status)
        except (TypeError, ValueError) as exc:
            self.count_drop("bad_warc_record", where, f"{type(exc).__name__}: {exc}")
            return None
        return self.article(page, listing, fetched_at=when, where=where)


def archived_listing(body: bytes | None) -> Listing | None:
    """The Listing a metadata record of newscrawl's archive holds (None when unreadable)."""
    try:
        value = json.loads(body or b"")
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    names = {f.name for f in dataclasses.fields(Listing)}
    try:
        return Listing(**{k: v for k, v in value.items() if k in names})
    except TypeError:
        return None


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

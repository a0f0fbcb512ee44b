"""Local feed files that survive re-runs and killed crawls.

``SafeFileFeedStorage`` replaces Scrapy's file storage for plain paths and
``file://`` URIs:

* appending (the default, ``overwrite: False``): before a run appends, a
  torn last record left by a killed run (bytes after the last record
  terminator) is moved aside to ``<file>.torn-<time>`` and cut off, so the
  next reader never meets half a line. The file is opened unbuffered: each
  record goes out in one ``write()``, which a kill cannot split.
* overwriting (``-O``, ``overwrite: True``): written to a temporary file that
  replaces the old one only when the run closes the feed.

``CsvExporter`` appends without repeating the header row and writes list
fields (authors, categories, images...) as JSON, as the SQLite store does.

``CommittedFeedExporter`` replaces Scrapy's ``FeedExporter``: with a database
on, a record reaches the feeds only once its row is committed (the store's
``articles_committed`` signal), so a killed crawl never leaves records in a
file that the database lost and the next run fetches again. What each feed
gets of a committed batch:

* appending feeds (``NEWSCRAWL_JSONL``, ``NEWSCRAWL_CSV``, ``-o``, FEEDS with
  ``overwrite: False``): the articles that are new or whose text changed. The
  file is the log of what was stored, each article once per text; a re-run
  over unchanged pages adds nothing.
* overwriting feeds (``-O``, ``overwrite: True``): every article of the run,
  changed or not.

With no database (``NEWSCRAWL_DATABASE`` empty, or the store pipeline off)
every scraped item is written at once, as Scrapy does.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import IO, Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import CsvItemExporter
from scrapy.extensions.feedexport import FeedExporter, FeedSlot, FileFeedStorage

from newscrawl.exporters.journal import (
    clear_journal,
    cut_back,
    journal_path,
    recover,
    write_journal,
)
from newscrawl.pipelines.store import articles_committed, articles_committing, store_enabled

logger = logging.getLogger(__name__)

#: What ends one record, per feed format; formats not listed are not repaired.
TERMINATORS = {"jsonlines": b"\n", "jsonl": b"\n", "jl": b"\n", "csv": b"\r\n"}
_CHUNK = 1 << 16
#: Store outcomes an appending feed records (``seen``: same text again; ``older``: an old copy).
APPENDED_OUTCOMES = frozenset({"new", "changed"})
WRITTEN_STAT = "newscrawl/written"


def torn_tail_start(path: Path, terminator: bytes) -> int | None:
    """Offset where a torn last record starts (None when the file ends cleanly)."""
    size = path.stat().st_size
    if size == 0:
        return None
    with path.open("rb") as f:
        f.seek(max(0, size - len(terminator)))
        if f.read() == terminator:
            return None
        # Search backwards, chunk by chunk (a record may be long), for the
        # last terminator.
        end = size
        while end > 0:
            start = max(0, end - _CHUNK)
            f.seek(start)
            chunk = f.read(end - start + len(terminator) - 1)
            i = chunk.rfind(terminator)
            if i >= 0:
                return start + i + len(terminator)
            end = start
    return 0


def repair_torn_tail(path: Path, terminator: bytes) -> int:
    """Cut a torn last record off ``path``, keeping its bytes in a ``.torn-*``
    file next to it; the number of bytes cut."""
    if not path.exists():
        return 0
    start = torn_tail_start(path, terminator)
    if start is None:
        return 0
    with path.open("r+b") as f:
        f.seek(start)
        torn = f.read()
        aside = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        aside.write_bytes(torn)
        f.truncate(start)
        f.flush()
        os.fsync(f.fileno())
    logger.warning(
        "%s ended with a torn record (%d bytes, from a killed run): moved to %s",
        path,
        len(torn),
        aside,
    )
    return len(torn)


class SafeFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, made safe for re-runs and kills (see module doc)."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.format = str((feed_options or {}).get("format") or "")
        self.tmp: Path | None = None

    def open(self, spider: Any) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "wb":
            self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            return self.tmp.open("wb", buffering=0)
        terminator = TERMINATORS.get(self.format)
        if terminator is not None:
            repair_torn_tail(path, terminator)
        return path.open("ab", buffering=0)

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        if self.tmp is not None:
            os.replace(self.tmp, self.path)


class CsvExporter(CsvItemExporter):
    """CSV rows; the header only at the top of a new file; lists as JSON."""

    def __init__(self, file: Any, **kwargs: Any) -> None:
        try:
            appending = file.tell() > 0
        except (OSError, AttributeError, ValueError):
            appending = False
        if appending:
            kwargs["include_headers_line"] = False
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, list | tuple | dict):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)


def _overwrites(slot: FeedSlot) -> bool:
    return bool(slot.feed_options.get("overwrite", False))


class CommittedFeedExporter(FeedExporter):
    """Scrapy's feed exporter, fed by committed batches (see module doc).

    Appending local files keep a journal of the batch being committed
    (:mod:`newscrawl.exporters.journal`): a kill between the commit and the
    write is repaired when the next run opens the feed."""

    database = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        exporter = cls(crawler)
        crawler.signals.connect(exporter.open_spider, signals.spider_opened)
        crawler.signals.connect(exporter.close_spider, signals.spider_closed)
        if store_enabled(crawler.settings):
            exporter.database = str(crawler.settings.get("NEWSCRAWL_DATABASE"))
            crawler.signals.connect(exporter.articles_committing, articles_committing)
            crawler.signals.connect(exporter.articles_committed, articles_committed)
        else:
            crawler.signals.connect(exporter.item_scraped, signals.item_scraped)
        return exporter

    def _journaled(self) -> list[tuple[FeedSlot, Path]]:
        """The appending local-file feeds and their journals."""
        return [
            (slot, Path(slot.storage.path))
            for slot in self.slots
            if not _overwrites(slot) and isinstance(slot.storage, FileFeedStorage)
        ]

    def open_spider(self, spider: Spider) -> None:
        super().open_spider(spider)
        if not self.database:
            return
        for slot, path in self._journaled():
            found = recover(journal_path(path), self.database)
            if found is None:
                continue
            offset, again = found
            cut_back(path, offset)
            for item in again:
                self._export_to(item, spider, [slot])
            clear_journal(journal_path(path))

    def _export_to(self, item: Any, spider: Spider, only: list[FeedSlot]) -> None:
        """FeedExporter.item_scraped on the slots ``only`` (it exports to
        self.slots and may replace a full batch slot there)."""
        others = [s for s in self.slots if s not in only]
        self.slots = [s for s in self.slots if s in only]
        try:
            if self.slots:
                super().item_scraped(item, spider)
        finally:
            self.slots = others + self.slots

    def item_scraped(self, item: Any, spider: Spider) -> None:
        super().item_scraped(item, spider)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(WRITTEN_STAT)

    def articles_committing(self, articles: list[Any], outcomes: list[str], spider: Spider) -> None:
        appended = [a for a, o in zip(articles, outcomes, strict=True) if o in APPENDED_OUTCOMES]
        if not appended:
            return
        for _slot, path in self._journaled():
            offset = path.stat().st_size if path.exists() else 0
            write_journal(journal_path(path), appended, offset)

    def articles_committed(self, articles: list[Any], outcomes: list[str], spider: Spider) -> None:
        """Export a committed batch: to every feed, or only to overwriting
        ones when the article was already stored with this text."""
        written = 0
        for item, outcome in zip(articles, outcomes, strict=True):
            overwriting = [s for s in self.slots if _overwrites(s)]
            if outcome in APPENDED_OUTCOMES:
                super().item_scraped(item, spider)
                written += 1 if self.slots else 0
            elif overwriting:
                self._export_to(item, spider, overwriting)
                written += 1
        for _slot, path in self._journaled():
            clear_journal(journal_path(path))
        if self.crawler.stats is not None:
            # articles that reached at least one file output
            self.crawler.stats.inc_value(WRITTEN_STAT, written)

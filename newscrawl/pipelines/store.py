"""Storage: the database is the crawl's memory. Last in ``ITEM_PIPELINES``:
a row committed means an article seen.

One row per article, keyed by its identity (the normalized canonical URL,
else the URL), upserted on re-crawl; a changed text keeps the old one in
``article_versions`` (see :mod:`newscrawl.storage`). Rows are committed in
small transactions (every ``NEWSCRAWL_COMMIT_ITEMS`` items or
``NEWSCRAWL_COMMIT_SECONDS`` seconds), so a killed crawl loses at most the
uncommitted batch, which the next run fetches again; closing the spider
commits the rest.

A database that cannot be opened stops the crawl at start with a message
naming it (password masked). One that goes away mid-run is reconnected
``NEWSCRAWL_DATABASE_RETRIES`` times (the uncommitted batch is written again
each time); after that the crawl stops with reason ``database_unavailable``,
and every later item is dropped rather than passed on as if stored.

A row the database refuses (PostgreSQL's SQLSTATE says data exception,
integrity, program limit such as an identity too long for its index...) is
that article's problem: it is dropped as ``store_refused`` with one WARNING
naming its URL and the reason, and the rest of the batch is written again
without it. Which errors mean "lost" and which "refused" is the backend's
:meth:`~newscrawl.storage.Store.error_kind`.

After each commit the pipeline sends :data:`articles_committed` with the
batch as stored and what each write did; the file outputs
(:mod:`newscrawl.exporters.feeds`, :mod:`newscrawl.exporters.markdown`) write
from that signal, so a file never holds a record the database lost.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from twisted.internet import task

from newscrawl.items import Article
from newscrawl.pipelines import as_article, drop
from newscrawl.storage import (
    RefusedValue,
    StorageError,
    Store,
    mask_password,
    open_store,
    stored_article,
)
from newscrawl.stories import DEFAULT_THRESHOLD

logger = logging.getLogger(__name__)

articles_committing = object()
"""Signal sent just before each commit, with the same arguments as
:data:`articles_committed`: file outputs note what they are about to write
(:mod:`newscrawl.exporters.journal`), so a kill between the commit and their
writes is repaired by the next run."""

articles_committed = object()
"""Signal sent after each commit: ``articles`` (the batch as stored, in
order) and ``outcomes`` (``new``, ``seen``, ``changed`` or ``older`` for each).
The articles are the very objects :meth:`StorePipeline.process_item`
returned, so a listener can tell which items passed on are now committed
(:mod:`newscrawl.distributed.ledger` acknowledges their requests)."""

PIPELINE = "newscrawl.pipelines.store.StorePipeline"
CHANGED_FIELD_PREFIX = "newscrawl/store/changed_field/"
"""Stats: per Article field, in how many stored articles it changed."""


def store_enabled(settings: BaseSettings) -> bool:
    """True when this crawl stores articles in a database (so file outputs
    wait for :data:`articles_committed` instead of ``item_scraped``)."""
    if not settings.get("NEWSCRAWL_DATABASE"):
        return False
    pipelines = settings.getwithbase("ITEM_PIPELINES")
    return any(
        (k if isinstance(k, str) else f"{k.__module__}.{k.__qualname__}") == PIPELINE
        and v is not None
        for k, v in pipelines.items()
    )


def _short(url: str, limit: int = 200) -> str:
    """A URL fit for one log line (a refused one may be 100 KB long)."""
    return url if len(url) <= limit else f"{url[:limit]}... ({len(url)} characters)"


class DatabaseUnavailable(StorageError):
    """The database went away and did not come back within the retries."""


class StorePipeline:
    """Writes each article to the database in small transactions."""

    def __init__(
        self,
        database: str,
        commit_items: int,
        commit_seconds: float,
        retries: int,
        retry_delay: float,
        crawler: Crawler | None = None,
        story_threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.database = database
        self.commit_items = max(1, commit_items)
        self.commit_seconds = commit_seconds
        self.retries = max(0, retries)
        self.retry_delay = retry_delay
        self.story_threshold = story_threshold
        self.crawler = crawler
        self.stats = crawler.stats if crawler is not None else None
        self.store: Store | None = None
        # The uncommitted batch, kept so it can be written again after a reconnect.
        self.pending: list[Article] = []
        # What each pending write did (new, seen, changed, older): counted once committed.
        self.outcomes: list[str] = []
        # The fields each pending write changed (Store.changed_fields), counted once committed.
        self.field_changes: list[list[str]] = []
        self.last_commit = time.monotonic()
        self.failed = False
        self.timer: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        database = s.get("NEWSCRAWL_DATABASE")
        if not database:
            raise NotConfigured("NEWSCRAWL_DATABASE is empty: no database output")
        return cls(
            str(database),
            s.getint("NEWSCRAWL_COMMIT_ITEMS", 50),
            s.getfloat("NEWSCRAWL_COMMIT_SECONDS", 2.0),
            s.getint("NEWSCRAWL_DATABASE_RETRIES", 5),
            s.getfloat("NEWSCRAWL_DATABASE_RETRY_DELAY", 1.0),
            crawler,
            s.getfloat("NEWSCRAWL_STORY_THRESHOLD", DEFAULT_THRESHOLD),
        )

    # --- lifecycle -------------------------------------------------------
    def open_spider(self) -> None:
        # A StorageError here stops the crawl before any page is fetched; its
        # message names the database with the password masked.
        self.store = open_store(self.database, self.story_threshold)
        logger.info("storing articles in %s", mask_password(self.database))
        # Commit on time too, not only when an item arrives: a slow crawl
        # must not hold a batch open for minutes.
        self.last_commit = time.monotonic()
        self.timer = task.LoopingCall(self._tick)
        self.timer.start(self.commit_seconds, now=False)

    def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        try:
            if not self.failed:
                self.flush()
        except DatabaseUnavailable as exc:
            logger.error("%s", exc)
        finally:
            if self.store is not None:
                try:
                    self.store.close()
                except Exception:  # closing a dead connection must not hide the real error
                    logger.debug("closing the database failed", exc_info=True)

    # --- items -----------------------------------------------------------
    def process_item(self, item: Any) -> Article:
        a = as_article(item)
        if self.failed or self.store is None:
            raise drop(self.stats, "database_unavailable", _short(a.url))
        try:
            a = stored_article(a)
        except RefusedValue as exc:
            raise drop(self.stats, "store_refused", f"{_short(a.url)} ({exc})") from exc
        self.pending.append(a)
        try:
            self._write(a)
        except DatabaseUnavailable as exc:
            self._give_up(exc)
            raise drop(self.stats, "database_unavailable", _short(a.url)) from exc
        except _BadValue as exc:
            self.pending.pop()
            raise drop(self.stats, "store_refused", f"{_short(a.url)} ({exc})") from exc
        if (
            len(self.pending) >= self.commit_items
            or time.monotonic() - self.last_commit >= self.commit_seconds
        ):
            try:
                self.flush()
            except DatabaseUnavailable as exc:
                self._give_up(exc)
                raise drop(self.stats, "database_unavailable", _short(a.url)) from exc
        return a

    def _tick(self) -> None:
        if self.failed or not self.pending:
            return
        if time.monotonic() - self.last_commit >= self.commit_seconds:
            try:
                self.flush()
            except DatabaseUnavailable as exc:
                self._give_up(exc)

    def flush(self) -> None:
        """Commit the batch (reconnecting and writing it again if needed)."""
        if self.store is not None and self.pending:
            if self.crawler is not None:
                self.crawler.signals.send_catch_log(
                    articles_committing,
                    articles=self.pending,
                    outcomes=self.outcomes,
                    spider=self.crawler.spider,
                )
            try:
                self._run(self.store.commit, replay=self.pending)
            except _BadValue as exc:
                # Refused at COMMIT (a deferred check): nothing of the batch
                # is stored, each article is a counted drop.
                self.store.rollback()
                for a in self.pending:
                    logger.warning(
                        "%s", drop(self.stats, "store_refused", f"{_short(a.url)} ({exc})")
                    )
                self.pending, self.outcomes, self.field_changes = [], [], []
                self.last_commit = time.monotonic()
                return
            batch, outcomes, fields = self.pending, self.outcomes, self.field_changes
            self.pending, self.outcomes, self.field_changes = [], [], []
            # First thing after the commit: the files get the batch now.
            if self.crawler is not None:
                self.crawler.signals.send_catch_log(
                    articles_committed,
                    articles=batch,
                    outcomes=outcomes,
                    spider=self.crawler.spider,
                )
            self._stored(outcomes, fields)
        self.last_commit = time.monotonic()

    def _stored(self, outcomes: list[str], fields: list[list[str]]) -> None:
        if self.stats is not None:
            self.stats.inc_value("newscrawl/stored", len(outcomes))
            for outcome in outcomes:
                self.stats.inc_value(f"newscrawl/store/{outcome}")
            for changed in fields:
                for name in changed:
                    self.stats.inc_value(f"{CHANGED_FIELD_PREFIX}{name}")

    # --- errors ----------------------------------------------------------
    def _write(self, article: Article) -> None:
        assert self.store is not None
        store = self.store
        try:
            outcome = self._run(lambda: store.upsert(article), replay=self.pending[:-1])
        except _BadValue:
            # The failed statement spoiled the transaction (PostgreSQL):
            # roll back and write the rest of the batch again without it.
            store.rollback()
            batch = self.pending[:-1]
            self._run(lambda: self._rewrite(batch), replay=[])
            raise
        self.outcomes.append(outcome)
        self.field_changes.append(list(store.changed_fields))

    def _rewrite(self, batch: list[Article]) -> None:
        assert self.store is not None
        for a in batch:
            self.store.upsert(a)

    def _run(self, op: Any, replay: list[Article]) -> Any:
        """``op()``; on a lost connection reconnect, write ``replay`` (the
        uncommitted batch before ``op``) again and retry, up to ``retries`` times."""
        assert self.store is not None
        store = self.store
        attempt = 0
        while True:
            try:
                return op()
            except Exception as exc:
                kind = store.error_kind(exc)
                if kind is None:
                    raise
                if kind == "refused":
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    raise _BadValue(f"{type(exc).__name__}: {reason}"[:300]) from exc
                if attempt >= self.retries:
                    raise DatabaseUnavailable(
                        f"lost the database {mask_password(self.database)} and could not get it "
                        f"back after {self.retries} retries: {type(exc).__name__}: {exc}"
                    ) from exc
                attempt += 1
                delay = self.retry_delay * 2 ** (attempt - 1)
                logger.warning(
                    "database %s: %s; reconnecting in %.1fs (retry %d of %d)",
                    mask_password(self.database),
                    str(exc).strip() or type(exc).__name__,
                    delay,
                    attempt,
                    self.retries,
                )
                if self.stats is not None:
                    self.stats.inc_value("newscrawl/store/reconnects")
                # Blocking on purpose: nothing may be acknowledged while the
                # database is away, and the batch is small.
                time.sleep(delay)
                try:
                    store.close()
                except Exception:
                    logger.debug("closing the lost connection failed", exc_info=True)
                try:
                    store.connect()
                    # The open transaction died with the connection: write it again,
                    # then the loop retries op itself.
                    for a in replay:
                        store.upsert(a)
                except Exception:  # still away: the next op() fails and counts a retry
                    logger.debug("reconnect failed", exc_info=True)
                    continue

    def _give_up(self, exc: Exception) -> None:
        """Stop the crawl: the database is gone. Nothing uncommitted was
        acknowledged as stored; the next run fetches those articles again."""
        if self.failed:
            return
        self.failed = True
        logger.error(
            "%s. Stopping the crawl; %d uncommitted articles were not stored and will be "
            "fetched again by the next run.",
            exc,
            len(self.pending),
        )
        self.pending = []
        self.outcomes = []
        self.field_changes = []
        if self.crawler is not None and self.crawler.engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(
                self.crawler.engine.close_spider_async(reason="database_unavailable")
            )


class _BadValue(Exception):
    """The database refused one value (not the connection)."""

"""The parts of a worker around the scheduler: seeding once, following each
request to its end for the ledger, and the run's heartbeat, recovery and end."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawl.distributed.ledger import TOKEN, Ledger, TrackedErrback, ledger_for, track
from newscrawl.distributed.run import STATS_PREFIX, DistributedError, Run, redis_url, run_for
from newscrawl.distributed.scheduler import INPUTS, SEED, RunScheduler
from newscrawl.exitstatus import INPUTS_STAT, inputs_of

logger = logging.getLogger(__name__)

SEED_PAUSE_EVERY = 500
"""Seeding gives the reactor a turn after this many requests (heartbeats go on)."""


def _pause(seconds: float) -> Any:
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor, task

    return maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


def token_of(source: Response | Failure | None) -> str | None:
    """The in-flight token of the request a response (or failure) answers."""
    request = getattr(source, "request", None)
    return request.meta.get(TOKEN) if isinstance(request, Request) else None


class SeedOnce:
    """Spider middleware: only the worker that claims the run's seeding runs
    the spider's ``start()``, and queues all of it in Redis at once, so every
    worker takes its share from the start (Scrapy would otherwise read
    ``start()`` only as fast as the seeding worker itself can download). The
    others wait until the seeding is done, or take it over if the seeder dies:
    then the start requests it had queued are not queued again."""

    def __init__(self, crawler: Crawler, run: Run, poll_seconds: float = 1.0) -> None:
        self.crawler = crawler
        self.run = run
        self.poll_seconds = poll_seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not redis_url(crawler.settings):
            raise NotConfigured
        return cls(crawler, run_for(crawler))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        while (role := self.run.claim_seeding()) == "wait":
            await _pause(self.poll_seconds)
        if role == "done":
            logger.info("run %s is seeded: taking requests from the queue", self.run.run_id)
            return
        logger.info("seeding run %s", self.run.run_id)
        engine = self.crawler.engine
        assert engine is not None
        count = 0
        before = self.counted()
        try:
            async for item_or_request in start:
                if not isinstance(item_or_request, Request):
                    yield item_or_request
                    continue
                item_or_request.meta[SEED] = True
                # The inputs a replay counted for this request go with it, to
                # the worker that handles it: each worker's exit status
                # accounts for what it handled (see newscrawl.exitstatus).
                now = self.counted()
                read = now[0] - before[0]
                if carried := max(0, min(read, read - (now[1] - before[1]))):
                    item_or_request.meta[INPUTS] = carried
                    assert self.crawler.stats is not None
                    self.crawler.stats.inc_value(INPUTS_STAT, -carried)
                engine.crawl(item_or_request)
                before = self.counted()
                count += 1
                if count % SEED_PAUSE_EVERY == 0:
                    await _pause(0)
        except Exception:
            # start() failed (the crawl says start_error): the run goes on
            # with what was queued rather than wait for a seeding that will
            # not end. (A worker stopped mid-seeding leaves it to another.)
            self.run.seeding_done()
            raise
        self.run.seeding_done()
        logger.info("seeded run %s with %d start requests", self.run.run_id, count)

    def counted(self) -> tuple[int, int]:
        """(inputs a replay counted, of them dropped or skipped), 0s for live crawls."""
        assert self.crawler.stats is not None
        inputs = inputs_of(self.crawler.stats.get_stats())
        return (inputs.read, inputs.dropped + inputs.skipped) if inputs else (0, 0)


class InFlightTracker:
    """Spider middleware (outermost): tells the ledger when a callback's
    output is exhausted and which items it gave."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not redis_url(crawler.settings):
            raise NotConfigured
        return cls(ledger_for(crawler))

    def process_spider_input(self, response: Response) -> None:
        self.ledger.scraping(token_of(response))

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        return track(self.ledger, token_of(response), result)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        token = token_of(response)
        self.ledger.scraping(token)
        try:
            async for out in result:
                if out is not None and not isinstance(out, Request):
                    self.ledger.item_out(token)
                yield out
        finally:
            self.ledger.handled(token)


class FailedDownloads:
    """Downloader middleware (outermost, so its ``process_exception`` sees
    the failures no other middleware turned into a response or a retry):
    the failed request's errback is wrapped to report its end."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not redis_url(crawler.settings):
            raise NotConfigured
        return cls(ledger_for(crawler))

    def process_exception(self, request: Request, exception: Exception) -> None:
        token = request.meta.get(TOKEN)
        if token in self.ledger.entries and not isinstance(request.errback, TrackedErrback):
            request.errback = TrackedErrback(self.ledger, token, request.errback)


class RunCoordinator:
    """Extension: feeds the ledger from Scrapy's signals and the store's
    commits; heartbeat, recovery of dead workers' requests, and the end of
    the run once it has been idle (seeded, queue empty, nothing held by any
    worker) for ``NEWSCRAWL_REDIS_IDLE_SECONDS``."""

    def __init__(self, crawler: Crawler, run: Run, ledger: Ledger, idle_seconds: float) -> None:
        self.crawler = crawler
        self.run = run
        self.ledger = ledger
        self.idle_seconds = idle_seconds
        self.interval = max(0.2, min(2.0, run.worker_timeout / 5))
        self.idle_since: float | None = None
        self.run_over = False
        self.ended_here = False
        self.failing_since: float | None = None
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not redis_url(s):
            raise NotConfigured
        idle = s.getfloat("NEWSCRAWL_REDIS_IDLE_SECONDS", 30.0)
        if idle <= 0:
            raise DistributedError("NEWSCRAWL_REDIS_IDLE_SECONDS must be more than 0")
        ext = cls(crawler, run_for(crawler), ledger_for(crawler), idle)
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.spider_idle, signal=signals.spider_idle)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.item_scraped, signal=signals.item_scraped)
        connect(ext.item_dropped, signal=signals.item_dropped)
        connect(ext.item_error, signal=signals.item_error)
        connect(ext.spider_error, signal=signals.spider_error)
        if ext.ledger.wait_for_commit:
            from newscrawl.pipelines.store import articles_committed

            connect(ext.articles_committed, signal=articles_committed)
        return ext

    # --- the ledger's signals ---
    def item_scraped(self, item: Any, response: Response | Failure | None) -> None:
        self.ledger.item_scraped(token_of(response), item)

    def item_dropped(self, response: Response | Failure | None, exception: Exception) -> None:
        # The store drops what it cannot write once the database is gone: that
        # request stays on record and goes back to the queue when this worker leaves.
        lost = getattr(exception, "newscrawl_reason", "") == "database_unavailable"
        self.ledger.item_dropped(token_of(response), lost=lost)

    def item_error(self, response: Response | Failure | None) -> None:
        self.ledger.item_dropped(token_of(response))

    def spider_error(self, response: Response | Failure | None) -> None:
        self.ledger.handled(token_of(response))

    def articles_committed(self, articles: list[Any]) -> None:
        self.ledger.committed(articles)

    # --- the run ---
    def spider_opened(self, spider: Spider) -> None:
        from twisted.internet import task

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=True)

    def tick(self) -> None:
        from redis.exceptions import RedisError

        try:
            self.run.heartbeat()
            self.run.recover_dead()
            seed, queued, held = self.run.state()
            self.failing_since = None
        except RedisError as exc:
            now = time.monotonic()
            self.failing_since = self.failing_since or now
            logger.error("Redis: %s", exc)
            if now - self.failing_since > self.run.worker_timeout and self.crawler.engine:
                # Without Redis this worker can neither get work nor tell the
                # others it is alive; what it holds is put back by a survivor.
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_error"))
            return
        engine = self.crawler.engine
        if queued and not self.ledger and engine is not None:
            # Nothing in progress here while the run has work queued.
            scheduler = engine.scheduler
            if isinstance(scheduler, RunScheduler):
                scheduler.wake(engine)
        if seed == "finished":
            self.run_over = True  # another worker ended the run
        elif seed == "done" and queued == 0 and held == 0:
            self.idle_since = self.idle_since or time.monotonic()
        else:
            self.idle_since = None

    def spider_idle(self, spider: Spider) -> None:
        self.ledger.engine_idle()
        if self.run_over:
            return
        if self.idle_since is not None and time.monotonic() - self.idle_since >= self.idle_seconds:
            self.run_over = self.ended_here = True
            logger.info(
                "run %s: queue empty and no worker busy for %.0fs: the run is over",
                self.run.run_id,
                self.idle_seconds,
            )
            raise CloseSpider("finished")
        raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(f"{STATS_PREFIX}/recovered", self.run.recovered)
        stats.set_value(f"{STATS_PREFIX}/acknowledged", self.ledger.acked)
        logger.info(
            "distributed: worker %s took %d requests from run %s (%d put back from dead workers)",
            self.run.worker,
            stats.get_value(f"{STATS_PREFIX}/popped", 0),
            self.run.run_id,
            self.run.recovered,
        )
        try:
            # The pipelines have closed (the store's last commit acknowledged
            # its requests): what is still on record goes back to the queue.
            if self.ended_here:
                self.run.finish(keep_marker=max(3600, int(self.idle_seconds * 10)))
            elif back := self.run.leave():
                logger.warning(
                    "%d requests whose articles are not in the database are back in the queue", back
                )
        except Exception as exc:  # a dead worker's keys are recovered or expire anyway
            logger.error("Redis cleanup failed: %s", exc)

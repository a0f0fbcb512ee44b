"""Distributed crawls: one crawl shared by several workers (processes on one
machine or on several) through Redis, every worker writing to the same
database (PostgreSQL), on scrapy-redis' scheduler, queue and duplicate
filter (subclassed in :mod:`~newscrawl.distributed.scheduler`).

Setting ``NEWSCRAWL_REDIS_URL`` (or the environment variable of that name)
turns any newscrawl spider into a worker of a shared crawl::

    scrapy crawl feeds -a url=... -s NEWSCRAWL_REDIS_URL=redis://host:6379/0 \\
        -s NEWSCRAWL_DATABASE=postgresql://user@host/news

What scrapy-redis lacks and this adds (see the README, "Scale out"):

- **One run, seeded once** (:mod:`~newscrawl.distributed.run`): workers
  started together or later join the spider's current run; one of them runs
  ``start()`` and queues all of it in Redis at once, so every worker takes its
  share from the start (:class:`~newscrawl.distributed.worker.SeedOnce`). A
  worker taking over a dead seeder queues only the start requests missing.
- **No lost request**: a popped request stays on record in Redis until the
  worker has handled it and the store has committed its articles
  (:class:`~newscrawl.distributed.scheduler.ReliableQueue`,
  :class:`~newscrawl.distributed.ledger.Ledger`); a dead worker's records go
  back to the queue; the upsert by article identity stores each article once.
- **The end**: the run is over when it is seeded, its queue is empty and no
  worker holds a request, continuously for ``NEWSCRAWL_REDIS_IDLE_SECONDS``;
  every worker then closes by itself (plain scrapy-redis spiders wait
  forever) and the run's keys are deleted
  (:class:`~newscrawl.distributed.worker.RunCoordinator`).
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from newscrawl.distributed.run import (
    INSTALL_HINT,
    URL_SETTING,
    DistributedError,
    Run,
    redis_url,
    require_scrapy_redis,
    run_for,
)

__all__ = [
    "INSTALL_HINT",
    "URL_SETTING",
    "Distributed",
    "DistributedError",
    "Run",
    "redis_url",
    "run_for",
]


class Distributed:
    """Scrapy add-on: with ``NEWSCRAWL_REDIS_URL`` set, the crawl's scheduler,
    duplicate filter, seeding and end are shared through Redis; without it,
    nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        require_scrapy_redis()
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise DistributedError(
                f"{URL_SETTING}={url!r}: use redis://host:6379/0 (or rediss://, unix://)"
            )
        # The environment variable becomes the setting, so every component
        # reads one value in from_crawler.
        if not settings.get(URL_SETTING):
            settings.set(URL_SETTING, url, "addon")
        settings.set("SCHEDULER", "newscrawl.distributed.scheduler.RunScheduler", "addon")
        # The one-run-per-database lock (newscrawl.runlock.CrawlLock) stands
        # aside by itself when NEWSCRAWL_REDIS_URL is set.
        from newscrawl.distributed.worker import (
            FailedDownloads,
            InFlightTracker,
            RunCoordinator,
            SeedOnce,
        )

        settings.set_in_component_priority_dict("EXTENSIONS", RunCoordinator, 100)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, 10)
        # Outermost: sees every callback's final output and every failure
        # no other middleware turned into a response or a retry.
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", InFlightTracker, 1)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", FailedDownloads, 1)

"""Distributed crawls: one crawl shared by several workers (processes on one
machine or on several) through Redis, every worker writing to the same
database (PostgreSQL).

Setting ``NEWSCRAWL_REDIS_URL`` (or the environment variable of that name)
turns any newscrawl spider into a worker of a shared crawl::

    scrapy crawl feeds -a url=... -s NEWSCRAWL_REDIS_URL=redis://host:6379/0 \\
        -s NEWSCRAWL_DATABASE=postgresql://user@host/news

How a run works (keys under ``newscrawl:<spider>:``; see the README, "Scale out"):

- **Joining.** ``<spider>:run`` names the current run. The first worker to
  start creates it (``SET NX``); workers started later join it, also while it
  is running. ``NEWSCRAWL_RUN_ID`` names the run explicitly instead.
- **Seeding once.** The worker that claims ``<run>:seed`` runs the spider's
  ``start()`` (start URLs, feeds, list pages, replay file list); the others
  skip theirs and take requests from the shared queue. A seeder that dies
  while seeding is replaced by the next worker that notices.
- **Shared queue and duplicate filter.** scrapy-redis' priority queue
  (``<run>:requests``) and request-fingerprint set (``<run>:dupefilter``).
  Both belong to one run and are deleted when it ends (and expire after
  ``NEWSCRAWL_REDIS_RUN_TTL`` if every worker died): Redis holds only the
  current run's requests; across runs the database is the memory.
- **No lost request.** A request popped from the queue is recorded in the
  worker's ``<run>:inflight:<worker>`` hash in the same atomic step, and leaves
  it only when it is fully handled (callback and item pipelines done) *and*
  the items it gave are committed to the database. A worker whose heartbeat
  key expires (killed, machine lost) has its recorded requests put back in
  the queue by a surviving worker (or by the next run's first worker), so
  they are fetched again; the upsert by article identity stores them once.
- **The end.** A run is over when it is seeded, its queue is empty and no
  worker holds a request, continuously for ``NEWSCRAWL_REDIS_IDLE_SECONDS``.
  Every worker then closes by itself (plain scrapy-redis spiders wait
  forever) and the run's keys are deleted.

Requests are pickled into Redis (scrapy-redis' format): use a Redis server
only trusted workers can write to.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import weakref
from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

URL_SETTING = "NEWSCRAWL_REDIS_URL"
INSTALL_HINT = "pip install 'newscrawl[redis]'"
STATS_PREFIX = "newscrawl/redis"


class DistributedError(RuntimeError):
    """Redis cannot be used for a distributed crawl; the message says why."""


def redis_url(settings: BaseSettings) -> str:
    """The Redis URL of a distributed crawl ('' when the crawl is not one)."""
    return str(settings.get(URL_SETTING) or os.environ.get(URL_SETTING) or "")


def _require_scrapy_redis() -> None:
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError as exc:
        raise DistributedError(
            f"{URL_SETTING} is set, so this crawl is distributed, but {exc.name} "
            f"is not installed: {INSTALL_HINT}"
        ) from exc


class Distributed:
    """Scrapy add-on: with ``NEWSCRAWL_REDIS_URL`` set, the crawl's scheduler,
    duplicate filter, seeding and end are shared through Redis; without it,
    nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        _require_scrapy_redis()
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise DistributedError(
                f"{URL_SETTING}={url!r}: use redis://host:6379/0 (or rediss://, unix://)"
            )
        # The environment variable becomes the setting, so every component
        # reads one value in from_crawler.
        if not settings.get(URL_SETTING):
            settings.set(URL_SETTING, url, "addon")
        settings.set("SCHEDULER", "newscrawl.distributed.RedisScheduler", "addon")
        # The one-run-per-database lock (newscrawl.incremental.CrawlLock)
        # stands aside by itself when NEWSCRAWL_REDIS_URL is set.
        settings.set_in_component_priority_dict("EXTENSIONS", RunCoordinator, 100)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, 10)


# --- Lua scripts: each runs atomically in Redis, so no two workers can
# interleave inside one of them. ---

# Pop the best request and record it in this worker's in-flight hash in one
# step: a worker killed right after the pop still has it on record. The hash
# field carries the queue score (``token:score``) so the request can be put
# back with its priority.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1] .. ':' .. r[2], r[1])
return r
"""

# Put a dead worker's requests back in the queue. SREM decides which worker
# does it when several notice the death at once.
_RECOVER = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
local n = 0
for i = 2, 3 do
  local all = redis.call('HGETALL', KEYS[i])
  for j = 1, #all, 2 do
    redis.call('ZADD', KEYS[4], string.match(all[j], ':([^:]*)$'), all[j + 1])
    n = n + 1
  end
  redis.call('DEL', KEYS[i])
end
return n
"""

# Seeding state: 'seeding:<worker>', 'done', or 'finished' (run over). Claim
# it when nobody holds it, when the run is finished (a reused run id starts
# again), or when its seeder is dead (no heartbeat key).
_CLAIM_SEED = """
local v = redis.call('GET', KEYS[1])
local mine = 'seeding:' .. ARGV[1]
if v == 'done' then return 'done' end
if v and v ~= 'finished' and v ~= mine then
  if redis.call('EXISTS', ARGV[2] .. string.sub(v, 9)) == 1 then return 'wait' end
end
redis.call('SET', KEYS[1], mine, 'EX', ARGV[3])
return 'seed'
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


class Run:
    """One run of one spider as this worker sees it: the Redis keys, this
    worker's identity and heartbeat, and the requests it holds."""

    def __init__(
        self,
        server: Any,
        spider: str,
        run_id: str,
        *,
        prefix: str = "newscrawl",
        run_ttl: int = 7 * 86400,
        worker_timeout: float = 60.0,
        auto: bool = True,
    ) -> None:
        self.server = server
        self.spider = spider
        self.run_id = run_id
        self.auto = auto
        self.run_ttl = run_ttl
        self.worker_timeout = worker_timeout
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        base = f"{prefix}:{spider}"
        self.pointer_key = f"{base}:run"
        k = f"{base}:{run_id}"
        self.queue_key = f"{k}:requests"
        self.dupefilter_key = f"{k}:dupefilter"
        self.seed_key = f"{k}:seed"
        self.workers_key = f"{k}:workers"
        self.alive_prefix = f"{k}:alive:"
        self.inflight_prefix = f"{k}:inflight:"
        self.uncommitted_prefix = f"{k}:uncommitted:"
        self._pop = server.register_script(_POP)
        self._recover = server.register_script(_RECOVER)
        self._claim = server.register_script(_CLAIM_SEED)
        self._token = 0
        # Requests popped by this worker and not yet done: hash field -> (request, data).
        self.held: dict[str, tuple[Request, bytes]] = {}
        # Done, but their items may not be committed yet: hash field -> data,
        # in batches of (the store's committed count then, fields).
        self.uncommitted: dict[str, bytes] = {}
        self.batches: list[tuple[int, list[str]]] = []
        self.popped = 0
        self.recovered = 0

    @classmethod
    def join(
        cls,
        server: Any,
        spider: str,
        run_id: str = "",
        *,
        prefix: str = "newscrawl",
        run_ttl: int = 7 * 86400,
        worker_timeout: float = 60.0,
    ) -> Run:
        """Join the spider's current run (creating it when there is none), or
        the run named ``run_id``, and register this worker in it."""
        auto = not run_id
        pointer = f"{prefix}:{spider}:run"
        while not run_id:
            fresh = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
            if server.set(pointer, fresh, nx=True, ex=run_ttl):
                run_id = fresh
            else:  # someone's run; it may end (and vanish) between the two calls
                run_id = _text(server.get(pointer))
        run = cls(
            server,
            spider,
            run_id,
            prefix=prefix,
            run_ttl=run_ttl,
            worker_timeout=worker_timeout,
            auto=auto,
        )
        run.register()
        return run

    # --- keys of this worker ---
    @property
    def alive_key(self) -> str:
        return self.alive_prefix + self.worker

    @property
    def inflight_key(self) -> str:
        return self.inflight_prefix + self.worker

    @property
    def uncommitted_key(self) -> str:
        return self.uncommitted_prefix + self.worker

    def register(self) -> None:
        """Announce this worker (and its heartbeat) to the run."""
        pipe = self.server.pipeline()
        pipe.sadd(self.workers_key, self.worker)
        pipe.set(self.alive_key, "1", px=int(self.worker_timeout * 1000))
        pipe.expire(self.workers_key, self.run_ttl)
        pipe.execute()

    def heartbeat(self) -> None:
        """Keep this worker alive in the run, and the run's keys from expiring."""
        pipe = self.server.pipeline()
        pipe.set(self.alive_key, "1", px=int(self.worker_timeout * 1000))
        pipe.sismember(self.workers_key, self.worker)
        for key in (self.queue_key, self.dupefilter_key, self.workers_key, self.inflight_key):
            pipe.expire(key, self.run_ttl)
        if self.auto:
            pipe.expire(self.pointer_key, self.run_ttl)
        pipe.get(self.seed_key)
        results = pipe.execute()
        member, seed = results[1], _text(results[-1])
        if not member and seed != "finished":
            # Declared dead (stalled longer than the worker timeout): what it
            # held was put back in the queue; it goes on as a fresh member.
            logger.warning("worker %s was taken for dead; joining again", self.worker)
            self.server.sadd(self.workers_key, self.worker)
            pipe = self.server.pipeline()
            for field, (_req, data) in self.held.items():
                pipe.hset(self.inflight_key, field, data)
            for field, data in self.uncommitted.items():
                pipe.hset(self.uncommitted_key, field, data)
            pipe.execute()

    # --- the queue ---
    def pop(self) -> tuple[str, bytes] | None:
        """The best queued request's data, recorded as held by this worker."""
        self._token += 1
        got = self._pop(keys=[self.queue_key, self.inflight_key], args=[self._token])
        if not got:
            return None
        data, score = got
        self.popped += 1
        return f"{self._token}:{_text(score)}", data

    def hold(self, field: str, request: Request, data: bytes) -> None:
        self.held[field] = (request, data)

    def settle(self, in_progress: set[Request], stored: int | None, scraped: int) -> int:
        """Release the held requests the engine has finished with; returns
        how many finished.

        Without a database (``stored`` None) their records are deleted. With
        one, a finished request's items have reached the store but may sit in
        its open batch: the records move to the ``uncommitted`` hash (which a
        recovery also puts back in the queue) and are deleted once the store
        has committed after this moment: its ``newscrawl/stored`` count grew
        (a commit takes the whole open batch), or it equals the items scraped
        (nothing open)."""
        done = [f for f, (req, _d) in self.held.items() if req not in in_progress]
        released: list[str] = []
        if stored is not None:
            self.batches = [b for b in self.batches if b[1]]
            for b in self.batches:
                if stored > b[0] or stored >= scraped:
                    released.extend(b[1])
                    b[1].clear()
        if not done and not released:
            return 0
        pipe = self.server.pipeline()
        if done:
            pipe.hdel(self.inflight_key, *done)
        if stored is not None and done:
            if stored >= scraped:
                released.extend(done)
            else:
                self.batches.append((stored, list(done)))
                for f in done:
                    data = self.held[f][1]
                    self.uncommitted[f] = data
                    pipe.hset(self.uncommitted_key, f, data)
                pipe.expire(self.uncommitted_key, self.run_ttl)
        if released:
            pipe.hdel(self.uncommitted_key, *released)
            for f in released:
                self.uncommitted.pop(f, None)
        for f in done:
            del self.held[f]
        pipe.execute()
        return len(done)

    def recover_dead(self) -> int:
        """Put the requests of workers with no heartbeat back in the queue."""
        workers = [_text(w) for w in self.server.smembers(self.workers_key)]
        others = [w for w in workers if w != self.worker]
        if not others:
            return 0
        pipe = self.server.pipeline()
        for w in others:
            pipe.exists(self.alive_prefix + w)
        alive = pipe.execute()
        total = 0
        for w, is_alive in zip(others, alive, strict=True):
            if is_alive:
                continue
            n = int(
                self._recover(
                    keys=[
                        self.workers_key,
                        self.inflight_prefix + w,
                        self.uncommitted_prefix + w,
                        self.queue_key,
                    ],
                    args=[w],
                )
            )
            if n >= 0:
                logger.warning(
                    "worker %s stopped answering; %d of its requests are back in the queue", w, n
                )
                total += n
        self.recovered += total
        return total

    # --- seeding and the end ---
    def claim_seeding(self) -> str:
        """'seed' (this worker seeds the run), 'done' (already seeded), or
        'wait' (a live worker is seeding)."""
        return _text(
            self._claim(
                keys=[self.seed_key],
                args=[self.worker, self.alive_prefix, self.run_ttl],
            )
        )

    def seeding_done(self) -> None:
        self.server.set(self.seed_key, "done", ex=self.run_ttl)

    def state(self) -> tuple[str, int, int]:
        """(seeding state, queued requests, requests held by live or dead workers)."""
        workers = [_text(w) for w in self.server.smembers(self.workers_key)]
        pipe = self.server.pipeline()
        pipe.get(self.seed_key)
        pipe.zcard(self.queue_key)
        for w in workers:
            pipe.hlen(self.inflight_prefix + w)
        seed, queued, *held = pipe.execute()
        return _text(seed), int(queued), sum(int(h) for h in held)

    def leave(self) -> int:
        """Unregister this worker. Whatever it still holds (requests whose
        articles the store could not commit) goes back to the queue, for
        another worker or the run's next start; returns how many."""
        back = int(
            self._recover(
                keys=[self.workers_key, self.inflight_key, self.uncommitted_key, self.queue_key],
                args=[self.worker],
            )
        )
        self.server.delete(self.alive_key)
        self.held.clear()
        self.uncommitted.clear()
        self.batches.clear()
        return max(back, 0)

    def finish(self, keep_marker: int) -> None:
        """End the run: tell the workers still open, delete its keys."""
        workers = [_text(w) for w in self.server.smembers(self.workers_key)]
        pipe = self.server.pipeline()
        pipe.set(self.seed_key, "finished", ex=keep_marker)
        pipe.delete(self.queue_key, self.dupefilter_key, self.workers_key)
        for w in {*workers, self.worker}:
            pipe.delete(
                self.alive_prefix + w, self.inflight_prefix + w, self.uncommitted_prefix + w
            )
        pipe.execute()
        if self.auto:
            # Only this run's pointer: a new run may already have started.
            self.server.eval(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                "return redis.call('DEL', KEYS[1]) end return 0",
                1,
                self.pointer_key,
                self.run_id,
            )


_RUNS: weakref.WeakKeyDictionary[Crawler, Run] = weakref.WeakKeyDictionary()


def run_for(crawler: Crawler) -> Run:
    """The crawler's run, joined on first use (shared by the scheduler, the
    seeding middleware and the run coordinator)."""
    if crawler in _RUNS:
        return _RUNS[crawler]
    s = crawler.settings
    url = redis_url(s)
    if not url:
        raise NotConfigured(f"{URL_SETTING} is not set: not a distributed crawl")
    _require_scrapy_redis()
    from redis.exceptions import RedisError
    from scrapy_redis.connection import get_redis
    from scrapy_redis.defaults import REDIS_PARAMS

    assert crawler.spidercls is not None
    server = get_redis(url=url, **REDIS_PARAMS)
    try:
        run = Run.join(
            server,
            crawler.spidercls.name,
            str(s.get("NEWSCRAWL_RUN_ID") or ""),
            prefix=str(s.get("NEWSCRAWL_REDIS_PREFIX") or "newscrawl"),
            run_ttl=s.getint("NEWSCRAWL_REDIS_RUN_TTL", 7 * 86400),
            worker_timeout=s.getfloat("NEWSCRAWL_REDIS_WORKER_TIMEOUT", 60.0),
        )
    except RedisError as exc:
        raise DistributedError(f"cannot use Redis at {URL_SETTING}={url!r}: {exc}") from exc
    logger.info(
        "distributed crawl: worker %s in run %s of %s (Redis %s)",
        run.worker,
        run.run_id,
        crawler.spidercls.name,
        url,
    )
    _RUNS[crawler] = run
    return run


class RedisScheduler:
    """The run's shared scheduler: scrapy-redis' priority queue and
    request-fingerprint duplicate filter, on the run's own keys, with each
    popped request recorded as held by this worker (see :class:`Run`).

    Not ``scrapy_redis.scheduler.Scheduler`` itself: that one pops without
    a record (a killed worker loses what it popped), keys its queue by spider
    only (runs would share one ever-growing dupefilter), and passes the
    ``spider`` argument Scrapy 2.13+ deprecates to the stats collector."""

    def __init__(self, run: Run, stats: Any, debug: bool = False) -> None:
        self.run = run
        self.stats = stats
        self.debug = debug
        self.spider: Spider | None = None
        self.queue: Any = None
        self.df: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(run_for(crawler), crawler.stats, crawler.settings.getbool("DUPEFILTER_DEBUG"))

    def open(self, spider: Spider) -> None:
        from scrapy_redis.dupefilter import RFPDupeFilter
        from scrapy_redis.queue import PriorityQueue

        self.spider = spider
        # scrapy-redis %-formats the key with the spider name.
        key = self.run.queue_key.replace("%", "%%")
        self.queue = PriorityQueue(server=self.run.server, spider=spider, key=key)
        self.df = RFPDupeFilter(self.run.server, key=self.run.dupefilter_key, debug=self.debug)
        queued = len(self.queue)
        if queued:
            logger.info("joining run %s: %d requests queued", self.run.run_id, queued)

    def close(self, reason: str) -> None:
        """Nothing: the run's keys outlive one worker (see RunCoordinator)."""

    def __len__(self) -> int:
        return len(self.queue) if self.queue is not None else 0

    def has_pending_requests(self) -> bool:
        return len(self) > 0

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self.stats.inc_value(f"{STATS_PREFIX}/filtered")
            return False
        self.queue.push(request)
        self.stats.inc_value(f"{STATS_PREFIX}/pushed")
        return True

    def next_request(self) -> Request | None:
        got = self.run.pop()
        if got is None:
            return None
        field, data = got
        request: Request = self.queue._decode_request(data)
        self.run.hold(field, request, data)
        self.stats.inc_value(f"{STATS_PREFIX}/popped")
        return request


class SeedOnce:
    """Spider middleware: only the worker that claims the run's seeding runs
    the spider's ``start()``; the others wait until it is done (taking over
    if the seeder dies), then only work from the shared queue."""

    def __init__(self, run: Run, poll_seconds: float = 1.0) -> None:
        self.run = run
        self.poll_seconds = poll_seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not redis_url(crawler.settings):
            raise NotConfigured
        return cls(run_for(crawler))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor, task

        while (role := self.run.claim_seeding()) == "wait":
            await maybe_deferred_to_future(
                task.deferLater(reactor, self.poll_seconds, lambda: None)
            )
        if role == "done":
            logger.info("run %s is seeded: taking requests from the queue", self.run.run_id)
            return
        logger.info("seeding run %s", self.run.run_id)
        count = 0
        async for item_or_request in start:
            count += 1
            yield item_or_request
        self.run.seeding_done()
        logger.info("seeded run %s with %d start requests", self.run.run_id, count)


class RunCoordinator:
    """Extension: heartbeat, settling of finished requests, recovery of dead
    workers' requests, and the end of the run once it has been idle (queue
    empty, nothing held anywhere) for ``NEWSCRAWL_REDIS_IDLE_SECONDS``."""

    def __init__(
        self,
        crawler: Crawler,
        run: Run,
        idle_seconds: float,
        gate_on_store: bool,
    ) -> None:
        self.crawler = crawler
        self.run = run
        self.idle_seconds = idle_seconds
        self.gate_on_store = gate_on_store
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
        pipelines = s.getdict("ITEM_PIPELINES")
        gate = bool(s.get("NEWSCRAWL_DATABASE")) and any(
            "StorePipeline" in str(p) and v is not None for p, v in pipelines.items()
        )
        ext = cls(crawler, run_for(crawler), idle, gate)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        from twisted.internet import task

        if not hasattr(getattr(self.crawler.engine, "_slot", None), "inprogress"):
            # Without it no request would ever count as finished and the run
            # would never end: refuse rather than hang.
            from scrapy.utils.defer import deferred_from_coro

            logger.error("newscrawl.distributed needs Scrapy's engine slot (Scrapy 2.13 to 2.19)")
            assert self.crawler.engine is not None
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="unsupported_scrapy"))
            return

        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=True)

    def _in_progress(self) -> set[Request]:
        # The engine's own record of requests it has not finished with (from
        # the scheduler's pop to the end of the callback and item pipelines).
        slot = getattr(self.crawler.engine, "_slot", None)
        return set(getattr(slot, "inprogress", ())) if slot is not None else set()

    def _store_counts(self) -> tuple[int | None, int]:
        """(articles the store has committed, or None without a store; items scraped)."""
        stats = self.crawler.stats
        assert stats is not None
        scraped = int(stats.get_value("item_scraped_count", 0) or 0)
        if not self.gate_on_store:
            return None, scraped
        return int(stats.get_value("newscrawl/stored", 0) or 0), scraped

    def tick(self) -> None:
        from redis.exceptions import RedisError

        try:
            self.run.heartbeat()
            self.run.settle(self._in_progress(), *self._store_counts())
            self.run.recover_dead()
            seed, queued, held = self.run.state()
            self.failing_since = None
        except RedisError as exc:
            now = time.monotonic()
            self.failing_since = self.failing_since or now
            logger.error("Redis: %s", exc)
            if now - self.failing_since > self.run.worker_timeout and self.crawler.engine:
                # Without Redis this worker can neither get work nor tell the
                # others it is alive; its held requests go back to the queue.
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_error"))
            return
        if seed == "finished":
            self.run_over = True  # another worker ended the run
        elif seed == "done" and queued == 0 and held == 0:
            self.idle_since = self.idle_since or time.monotonic()
        else:
            self.idle_since = None

    def spider_idle(self, spider: Spider) -> None:
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
        logger.info(
            "distributed: worker %s took %d requests from run %s (%d put back from dead workers)",
            self.run.worker,
            self.run.popped,
            self.run.run_id,
            self.run.recovered,
        )
        try:
            # The engine has finished every request and the store has closed
            # (pipelines close before spider_closed): release what it committed.
            self.run.settle(set(), *self._store_counts())
            if self.ended_here:
                self.run.finish(keep_marker=max(3600, int(self.idle_seconds * 10)))
            elif back := self.run.leave():
                logger.warning(
                    "%d requests whose articles are not in the database are back in the queue", back
                )
        except Exception as exc:  # a dead worker's keys are recovered or expire anyway
            logger.error("Redis cleanup failed: %s", exc)

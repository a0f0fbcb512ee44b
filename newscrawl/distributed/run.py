"""One run of one spider in Redis, as a worker sees it: its keys, the
workers that joined it and their heartbeats, who seeds it, putting a dead
worker's requests back, and its end.

Keys, under ``<prefix>:<spider>:`` (``newscrawl:feeds:`` by default):

``run``
    the current run's id (automatic runs; ``NEWSCRAWL_RUN_ID`` names one instead)
``<run>:requests``
    the queue (scrapy-redis' sorted set, score = -priority)
``<run>:dupefilter``
    the request fingerprints seen in the run (scrapy-redis' set)
``<run>:seeded``
    the start requests already queued: a worker that takes over a dead
    seeder's seeding queues only the ones missing
``<run>:seed``
    ``seeding:<worker>``, ``done`` or ``finished`` (the run is over)
``<run>:workers``, ``<run>:alive:<worker>``
    who joined; a heartbeat key per worker that expires when it stops answering
``<run>:inflight:<worker>``
    the requests a worker took and has not finished with (see
    :mod:`newscrawl.distributed.scheduler`)
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import weakref
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
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


def require_scrapy_redis() -> None:
    """Raise :class:`DistributedError` naming the extra when scrapy-redis is missing."""
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError as exc:
        raise DistributedError(
            f"{URL_SETTING} is set, so this crawl is distributed, but {exc.name} "
            f"is not installed: {INSTALL_HINT}"
        ) from exc


# --- Lua scripts: each runs atomically in Redis, so no two workers can
# interleave inside one of them. ---

# Put a worker's in-flight requests back in the queue (the hash field ends
# with the request's queue score). SREM decides which worker does it when
# several notice the death at once; -1: someone else did.
_RECOVER = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
local n = 0
local all = redis.call('HGETALL', KEYS[2])
for j = 1, #all, 2 do
  redis.call('ZADD', KEYS[3], string.match(all[j], ':([^:]*)$'), all[j + 1])
  n = n + 1
end
redis.call('DEL', KEYS[2])
return n
"""

# Claim the seeding when nobody holds it, when the run is finished (a reused
# run id starts again), or when its seeder is dead (no heartbeat key).
_CLAIM_SEED = """
local v = redis.call('GET', KEYS[1])
local mine = 'seeding:' .. ARGV[1]
if v == 'done' then return 'done' end
if v and v ~= 'finished' and v ~= mine then
  if redis.call('EXISTS', ARGV[2] .. string.sub(v, 9)) == 1 then return 'wait' end
end
if v == 'finished' then redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[1], mine, 'EX', ARGV[3])
return 'seed'
"""


def text(value: Any) -> str:
    """A Redis reply as str."""
    return value.decode() if isinstance(value, bytes) else str(value or "")


class Run:
    """One run of one spider: this worker's identity and heartbeat, the
    run's keys, seeding, recovery of dead workers, and the end."""

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
        self.seeded_key = f"{k}:seeded"
        self.seed_key = f"{k}:seed"
        self.workers_key = f"{k}:workers"
        self.alive_prefix = f"{k}:alive:"
        self.inflight_prefix = f"{k}:inflight:"
        self._recover = server.register_script(_RECOVER)
        self._claim = server.register_script(_CLAIM_SEED)
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
                run_id = text(server.get(pointer))
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

    @property
    def alive_key(self) -> str:
        return self.alive_prefix + self.worker

    @property
    def inflight_key(self) -> str:
        return self.inflight_prefix + self.worker

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
        keys = (self.queue_key, self.dupefilter_key, self.seeded_key, self.workers_key)
        for key in (*keys, self.inflight_key):
            pipe.expire(key, self.run_ttl)
        if self.auto:
            pipe.expire(self.pointer_key, self.run_ttl)
        pipe.get(self.seed_key)
        results = pipe.execute()
        if not results[1] and text(results[-1]) != "finished":
            # Taken for dead (stalled longer than the worker timeout): what it
            # held is back in the queue for anyone; it goes on as a fresh member.
            logger.warning("worker %s was taken for dead; joining again", self.worker)
            self.server.sadd(self.workers_key, self.worker)

    def recover_dead(self) -> int:
        """Put the requests of workers with no heartbeat back in the queue."""
        others = [w for w in map(text, self.server.smembers(self.workers_key)) if w != self.worker]
        if not others:
            return 0
        pipe = self.server.pipeline()
        for w in others:
            pipe.exists(self.alive_prefix + w)
        total = 0
        for w, alive in zip(others, pipe.execute(), strict=True):
            if alive:
                continue
            n = int(
                self._recover(
                    keys=[self.workers_key, self.inflight_prefix + w, self.queue_key], args=[w]
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
        return text(
            self._claim(
                keys=[self.seed_key, self.seeded_key],
                args=[self.worker, self.alive_prefix, self.run_ttl],
            )
        )

    def seeding_done(self) -> None:
        self.server.set(self.seed_key, "done", ex=self.run_ttl)

    def state(self) -> tuple[str, int, int]:
        """(seeding state, queued requests, requests held by live or dead workers)."""
        workers = [text(w) for w in self.server.smembers(self.workers_key)]
        pipe = self.server.pipeline()
        pipe.get(self.seed_key)
        pipe.zcard(self.queue_key)
        for w in workers:
            pipe.hlen(self.inflight_prefix + w)
        seed, queued, *held = pipe.execute()
        return text(seed), int(queued), sum(int(h) for h in held)

    def leave(self) -> int:
        """Unregister this worker. Whatever it still holds (requests whose
        articles the store could not commit) goes back to the queue, for
        another worker or the run's next start; returns how many."""
        back = int(
            self._recover(
                keys=[self.workers_key, self.inflight_key, self.queue_key], args=[self.worker]
            )
        )
        self.server.delete(self.alive_key)
        return max(back, 0)

    def finish(self, keep_marker: int) -> None:
        """End the run: tell the workers still open, delete its keys."""
        workers = [text(w) for w in self.server.smembers(self.workers_key)]
        pipe = self.server.pipeline()
        pipe.set(self.seed_key, "finished", ex=keep_marker)
        pipe.delete(self.queue_key, self.dupefilter_key, self.seeded_key, self.workers_key)
        for w in {*workers, self.worker}:
            pipe.delete(self.alive_prefix + w, self.inflight_prefix + w)
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
    seeding and tracking middlewares and the run coordinator)."""
    if crawler in _RUNS:
        return _RUNS[crawler]
    s = crawler.settings
    url = redis_url(s)
    if not url:
        raise NotConfigured(f"{URL_SETTING} is not set: not a distributed crawl")
    require_scrapy_redis()
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

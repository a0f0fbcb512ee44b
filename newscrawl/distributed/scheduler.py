"""scrapy-redis' scheduler, queue and duplicate filter, subclassed for a
run shared by workers that may die.

- :class:`ReliableQueue` (scrapy-redis' ``PriorityQueue``): a pop records
  the request in the worker's ``inflight`` hash in the same atomic step, and
  the record stays until :meth:`ReliableQueue.ack` (the request handled and
  its articles committed, see :mod:`newscrawl.distributed.ledger`); a dead
  worker's records go back to the queue (:meth:`Run.recover_dead`). A push
  checks the duplicate filter and queues in one atomic step too, so a worker
  killed in between cannot leave a request marked seen but never queued.
- :class:`RunDupeFilter` (scrapy-redis' ``RFPDupeFilter``): the run's
  fingerprints, kept when one worker closes (the run's end deletes them).
- :class:`RunScheduler` (scrapy-redis' ``Scheduler``): both on the run's
  keys, persistent, feeding the ledger.

Requests are stored as Scrapy's public :meth:`Request.to_dict
<scrapy.http.Request.to_dict>` (read back with
:func:`scrapy.utils.request.request_from_dict`), pickled by scrapy-redis'
``picklecompat`` serializer: use a Redis server
only trusted workers can write to.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from newscrawl.distributed.ledger import TOKEN, Ledger, TrackedErrback, ledger_for
from newscrawl.distributed.run import STATS_PREFIX, Run, run_for
from newscrawl.exitstatus import INPUTS_STAT

SEED = "newscrawl_seed"
"""Request meta key: a start request being seeded (set by
:class:`~newscrawl.distributed.worker.SeedOnce`, removed before queuing)."""

INPUTS = "newscrawl_inputs"
"""Request meta key: the replay inputs a start request stands for, counted
by the worker that pops it (:data:`newscrawl.exitstatus.INPUTS_STAT`)."""

# Pop the best request and record it in the worker's in-flight hash in one
# step: a worker killed right after the pop still has it on record. The
# hash field (``token:score``) keeps the score for a put-back. The worker is
# (again) a member of the run, so its records are seen if it dies, also
# right after others took it for dead and before its next heartbeat.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1] .. ':' .. r[2], r[1])
redis.call('SADD', KEYS[3], ARGV[2])
return r
"""

# Queue a request unless a start request already queued (seeded set) or a
# fingerprint already seen (dupefilter set). 1 queued, 0 seen, 2 seeded.
_PUSH = """
if ARGV[4] ~= '' and redis.call('SADD', KEYS[3], ARGV[4]) == 0 then return 2 end
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

QUEUED, SEEN, SEEDED = 1, 0, 2


class ReliableQueue(PriorityQueue):  # type: ignore[misc]
    """A priority queue whose pops are recorded until acknowledged."""

    inflight_key = ""
    """The worker's in-flight hash (set by the scheduler before the first pop)."""
    workers_key = ""
    worker = ""
    """The run's set of workers and this worker's name (set with inflight_key)."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer or picklecompat)
        self._pop_script = server.register_script(_POP)
        self._push_script = server.register_script(_PUSH)
        self.token = 0

    def encode(self, request: Request) -> bytes:
        """The request as stored in Redis, without this worker's bookkeeping."""
        if isinstance(request.errback, TrackedErrback):
            request = request.replace(errback=request.errback.errback)
        d = request.to_dict(spider=self.spider)
        if d.get("meta"):
            d["meta"] = {k: v for k, v in d["meta"].items() if k not in (TOKEN, SEED)}
        data: bytes = self.serializer.dumps(d)
        return data

    def decode(self, data: bytes) -> Request:
        return request_from_dict(self.serializer.loads(data), spider=self.spider)

    def push(self, request: Request) -> None:
        self.server.zadd(self.key, {self.encode(request): -request.priority})

    def push_new(
        self,
        request: Request,
        dupefilter: RFPDupeFilter | None = None,
        seeded_key: str = "",
    ) -> int:
        """Queue ``request`` in one atomic step with its checks: not when
        ``dupefilter`` has seen its fingerprint (SEEN), nor when it is a
        start request already queued in ``seeded_key`` (SEEDED)."""
        data = self.encode(request)
        fingerprint = dupefilter.request_fingerprint(request) if dupefilter is not None else ""
        seed_print = hashlib.sha1(data).hexdigest() if seeded_key else ""
        return int(
            self._push_script(
                keys=[self.key, dupefilter.key if dupefilter else self.key, seeded_key or self.key],
                args=[-request.priority, data, fingerprint, seed_print],
            )
        )

    def pop(self, timeout: int = 0) -> Request | None:
        """The best request, recorded in the in-flight hash under a token
        that is also put in its ``meta`` (see :meth:`ack`)."""
        assert self.inflight_key and self.worker, "ReliableQueue.inflight_key is not set"
        self.token += 1
        got = self._pop_script(
            keys=[self.key, self.inflight_key, self.workers_key], args=[self.token, self.worker]
        )
        if not got:
            return None
        data, score = got
        request = self.decode(data)
        score = score.decode() if isinstance(score, bytes) else str(score)
        request.meta[TOKEN] = f"{self.token}:{score}"
        return request

    def ack(self, *tokens: str) -> None:
        """Forget popped requests: handled, their articles committed."""
        if tokens:
            self.server.hdel(self.inflight_key, *tokens)


class RunDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis' fingerprint set, on the run's key; it outlives a worker."""

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers go on (the run's end deletes them)."""


class RunScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis' scheduler on the run's keys with :class:`ReliableQueue`
    and :class:`RunDupeFilter`, feeding the worker's :class:`Ledger`."""

    queue: ReliableQueue
    df: RunDupeFilter

    def __init__(self, run: Run, ledger: Ledger, stats: Any, debug: bool = False) -> None:
        super().__init__(
            run.server,
            persist=True,  # the run's queue outlives one worker
            # scrapy-redis %-formats the key with the spider name.
            queue_key=run.queue_key.replace("%", "%%"),
            queue_cls=f"{ReliableQueue.__module__}.{ReliableQueue.__qualname__}",
            dupefilter=RunDupeFilter(run.server, key=run.dupefilter_key, debug=debug),
            serializer=picklecompat,
        )
        self.run = run
        self.ledger = ledger
        self.stats = stats
        self.handing: Request | None = None
        self.ready: deque[Request] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            run_for(crawler),
            ledger_for(crawler),
            crawler.stats,
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.queue.inflight_key = self.run.inflight_key
        self.queue.workers_key = self.run.workers_key
        self.queue.worker = self.run.worker
        self.ledger.ack = self.queue.ack

    def enqueue_request(self, request: Request) -> bool:
        if request is self.handing:  # see wake()
            self.handing = None
            self.ready.append(request)
            return True
        seed = bool(request.meta.pop(SEED, False))
        outcome = self.queue.push_new(
            request,
            None if request.dont_filter else self.df,
            self.run.seeded_key if seed else "",
        )
        # A request carrying a token it was popped with and not yet
        # answered is its replacement (a redirect, a retry): now queued, the
        # original is done with.
        self.ledger.replaced(request.meta.get(TOKEN))
        if outcome == SEEN:
            self.df.log(request, self.spider)
            self.stats.inc_value(f"{STATS_PREFIX}/filtered")
            return False
        if outcome == SEEDED:
            self.stats.inc_value(f"{STATS_PREFIX}/seeded_before")
            return False
        self.stats.inc_value(f"{STATS_PREFIX}/pushed")
        return True

    def next_request(self) -> Request | None:
        if self.ready:
            return self.ready.popleft()
        return self._take()

    def _take(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.ledger.popped(request.meta[TOKEN])
            self.stats.inc_value(f"{STATS_PREFIX}/popped")
            if inputs := request.meta.pop(INPUTS, 0):
                self.stats.inc_value(INPUTS_STAT, inputs)
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.ready) or bool(super().has_pending_requests())

    def __len__(self) -> int:
        return len(self.ready) + int(super().__len__())

    def wake(self, engine: ExecutionEngine) -> bool:
        """Hand ``engine`` a request from the run's queue, if any.

        An idle Scrapy engine asks its scheduler again only every 5 seconds
        (its heartbeat): requests other workers queue meanwhile would wait
        that long. ``engine.crawl()`` with a request popped here (kept
        locally, not queued again) makes it ask now, and go on with the
        queue."""
        request = self._take()
        if request is None:
            return False
        self.handing = request
        engine.crawl(request)
        if self.handing is request:  # refused by a request_scheduled handler
            self.handing = None
            self.ledger.handled(request.meta[TOKEN])
        return True

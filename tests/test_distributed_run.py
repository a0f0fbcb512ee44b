"""The distributed run's bookkeeping against a real Redis: what a worker
holds and until when, what a dead worker's survivors get back, who seeds,
what is left when a run ends. (The end-to-end crawls are in test_distributed.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.settings import Settings
from twisted.python.failure import Failure

from newscrawl.distributed import Distributed, DistributedError, Run
from newscrawl.distributed.ledger import TOKEN, Ledger, TrackedErrback
from newscrawl.distributed.scheduler import SEED, RunScheduler

redis = pytest.importorskip("redis", reason="pip install 'newscrawl[redis]'")


class Worker(Spider):
    name = "feeds"

    def parse(self, response: object) -> None:
        pass

    def failed(self, failure: object) -> None:
        pass


class Stats:
    """The call the scheduler makes on Scrapy's stats collector."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


@pytest.fixture
def server(redis_url: str) -> Iterator[Any]:
    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    yield r
    r.flushdb()


def worker(
    server: Any, run_id: str = "", timeout: float = 60.0, commits: bool = True
) -> tuple[Run, RunScheduler]:
    run = Run.join(server, "feeds", run_id, worker_timeout=timeout)
    scheduler = RunScheduler(run, Ledger(wait_for_commit=commits), Stats())
    scheduler.open(Worker())
    return run, scheduler


def pop(s: RunScheduler) -> tuple[Request, str]:
    req = s.next_request()
    assert req is not None
    return req, req.meta[TOKEN]


def test_workers_started_together_join_one_run(server: Any) -> None:
    a, _ = worker(server)
    b, _ = worker(server)
    assert a.run_id == b.run_id
    assert a.worker != b.worker
    assert {w.decode() for w in server.smembers(a.workers_key)} == {a.worker, b.worker}


def test_one_worker_seeds_the_others_wait_then_join(server: Any) -> None:
    a, _ = worker(server)
    b, _ = worker(server)
    assert a.claim_seeding() == "seed"
    assert b.claim_seeding() == "wait"
    a.seeding_done()
    assert b.claim_seeding() == "done"


def test_a_dead_seeder_is_replaced(server: Any) -> None:
    a, _ = worker(server)
    b, _ = worker(server)
    assert a.claim_seeding() == "seed"
    server.delete(a.alive_key)  # its heartbeat expired
    assert b.claim_seeding() == "seed"


def test_requests_are_shared_once_and_filtered_across_workers(server: Any) -> None:
    _a, sa = worker(server)
    _b, sb = worker(server)
    assert sa.enqueue_request(Request("http://example.test/1"))
    assert not sb.enqueue_request(Request("http://example.test/1"))  # seen by a
    assert sb.enqueue_request(Request("http://example.test/2", priority=5))
    first, second = sb.next_request(), sa.next_request()
    assert first is not None and second is not None
    assert [first.url, second.url] == ["http://example.test/2", "http://example.test/1"]
    assert sa.next_request() is None and not sa.has_pending_requests()


def test_a_popped_request_is_held_until_handled_and_committed(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    _req, token = pop(s)
    assert server.hlen(run.inflight_key) == 1
    article = object()  # the item the store passes on, and later commits
    s.ledger.item_out(token)
    s.ledger.handled(token)  # the callback's output is exhausted ...
    assert server.hlen(run.inflight_key) == 1  # ... but its item is in the pipelines
    s.ledger.item_scraped(token, article)
    assert server.hlen(run.inflight_key) == 1  # through the store, in its open batch
    s.ledger.committed([object(), article])
    assert server.hlen(run.inflight_key) == 0


def test_an_item_committed_inside_the_store_call_releases_at_once(server: Any) -> None:
    """The store may commit a batch while taking its last item (before
    item_scraped): the item is matched by identity either way."""
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    _req, token = pop(s)
    article = object()
    s.ledger.item_out(token)
    s.ledger.committed([article])
    s.ledger.item_scraped(token, article)
    s.ledger.handled(token)
    assert server.hlen(run.inflight_key) == 0


def test_without_a_database_a_handled_request_is_released(server: Any) -> None:
    run, s = worker(server, commits=False)
    s.enqueue_request(Request("http://example.test/1"))
    _req, token = pop(s)
    s.ledger.item_out(token)
    s.ledger.item_scraped(token, object())
    assert server.hlen(run.inflight_key) == 1
    s.ledger.handled(token)
    assert server.hlen(run.inflight_key) == 0


def test_a_redirect_queued_releases_its_original_not_a_child(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/a"))
    s.enqueue_request(Request("http://example.test/b"))
    ra, _ta = pop(s)
    rb, tb = pop(s)
    # a redirects: its replacement (same meta) is queued while a still downloads.
    assert s.enqueue_request(ra.replace(url="http://example.test/a2"))
    # b's callback runs and yields a request built with b's meta: b is not done.
    s.ledger.scraping(tb)
    assert s.enqueue_request(Request("http://example.test/c", meta=dict(rb.meta)))
    assert server.hgetall(run.inflight_key).keys() == {tb.encode()}
    queued = [r.meta for r in iter(s.next_request, None)]
    # Queued without the worker's token: each pop gets its own.
    assert len({m[TOKEN] for m in queued}) == 2


def test_a_request_whose_item_the_database_lost_stays_on_record(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    _req, token = pop(s)
    s.ledger.item_out(token)
    s.ledger.item_dropped(token, lost=True)  # database_unavailable
    s.ledger.handled(token)
    s.ledger.engine_idle()
    assert server.hlen(run.inflight_key) == 1
    assert run.leave() == 1  # back in the queue for another worker or the next run
    assert server.zcard(run.queue_key) == 1


def test_an_idle_engine_has_handled_everything_it_took(server: Any) -> None:
    """Safety net for paths no hook sees: when the engine is idle, every
    request it took is handled; only commits are still awaited."""
    run, s = worker(server)
    for i in range(2):
        s.enqueue_request(Request(f"http://example.test/{i}"))
    _r0, _t0 = pop(s)
    _r1, t1 = pop(s)
    article = object()
    s.ledger.item_out(t1)
    s.ledger.item_scraped(t1, article)
    s.ledger.engine_idle()
    assert server.hgetall(run.inflight_key).keys() == {t1.encode()}
    s.ledger.committed([article])
    assert server.hlen(run.inflight_key) == 0


def test_a_failed_request_retried_by_its_errback_is_queued_with_its_errback(
    server: Any,
) -> None:
    _run, s = worker(server)
    spider = s.spider
    s.enqueue_request(Request("http://example.test/1", errback=spider.failed))
    req, token = pop(s)
    tracked = TrackedErrback(s.ledger, token, req.errback)
    req.errback = tracked
    assert tracked(Failure(ValueError("boom"))) is None  # the spider's errback ran
    assert token not in s.ledger.entries
    assert s.enqueue_request(req.replace(url="http://example.test/again"))
    again = s.next_request()
    assert again is not None and again.errback == spider.failed


def test_a_dead_workers_requests_go_back_to_the_queue_once(server: Any) -> None:
    dead, sd = worker(server)
    alive, sa = worker(server)
    carol, _ = worker(server)
    for i in range(3):
        sd.enqueue_request(Request(f"http://example.test/{i}", priority=i))
    _r0, _t0 = pop(sd)  # priority 2: in progress
    _r1, t1 = pop(sd)  # priority 1: handled, its article not committed yet
    sd.ledger.item_out(t1)
    sd.ledger.item_scraped(t1, object())
    sd.ledger.handled(t1)
    server.delete(dead.alive_key)  # SIGKILL: no heartbeat
    assert alive.recover_dead() == 2
    assert carol.recover_dead() == 0  # already taken care of
    assert server.zcard(alive.queue_key) == 3
    urls = [r.url for r in iter(sa.next_request, None)]
    # Back with their priorities, not filtered as duplicates.
    assert urls == ["http://example.test/2", "http://example.test/1", "http://example.test/0"]


def test_a_seeder_taking_over_queues_only_the_start_requests_missing(server: Any) -> None:
    """Start requests are queued once per run even when they bypass the
    duplicate filter (a replay's are all ``data:,`` with dont_filter)."""
    dead, sd = worker(server)
    alive, sa = worker(server)

    def start(n: int) -> list[Request]:
        return [
            Request(
                "data:,", meta={"replay_path": f"/pages/{i}.html", SEED: True}, dont_filter=True
            )
            for i in range(n)
        ]

    assert dead.claim_seeding() == "seed"
    queued = [sd.enqueue_request(r) for r in start(3)]  # killed after 3 of 5
    assert queued == [True] * 3
    server.delete(dead.alive_key)
    dead.recover_dead()
    assert alive.claim_seeding() == "seed"
    queued = [sa.enqueue_request(r) for r in start(5)]
    assert queued == [False] * 3 + [True] * 2
    paths = sorted(r.meta["replay_path"] for r in iter(sa.next_request, None))
    assert paths == [f"/pages/{i}.html" for i in range(5)]


def test_the_end_of_a_run_leaves_only_an_expiring_marker(server: Any) -> None:
    a, sa = worker(server)
    b, _ = worker(server)
    sa.enqueue_request(Request("http://example.test/1"))
    a.claim_seeding()
    a.seeding_done()
    _req, token = pop(sa)
    sa.ledger.handled(token)
    a.finish(keep_marker=3600)
    b.leave()
    keys = [k.decode() for k in server.keys("*")]
    assert keys == [a.seed_key]
    assert server.get(a.seed_key) == b"finished"
    assert 0 < server.ttl(a.seed_key) <= 3600
    c, _ = worker(server)
    assert c.run_id != a.run_id  # the next worker starts the next run
    assert c.claim_seeding() == "seed"


def test_a_named_run_can_be_run_again(server: Any) -> None:
    a, _ = worker(server, "nightly")
    assert a.claim_seeding() == "seed"
    a.seeding_done()
    a.finish(keep_marker=3600)
    b, _ = worker(server, "nightly")
    assert b.run_id == "nightly"
    assert b.claim_seeding() == "seed"


def test_the_add_on_changes_nothing_without_a_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSCRAWL_REDIS_URL", raising=False)
    settings = Settings()
    Distributed().update_settings(settings)
    assert settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"


def test_the_add_on_takes_the_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCRAWL_REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = Settings()
    Distributed().update_settings(settings)
    assert settings.get("SCHEDULER") == "newscrawl.distributed.scheduler.RunScheduler"
    assert settings.get("NEWSCRAWL_REDIS_URL") == "redis://127.0.0.1:6379/3"


def test_the_add_on_rejects_a_url_that_is_no_redis_url() -> None:
    settings = Settings({"NEWSCRAWL_REDIS_URL": "127.0.0.1:6379"})
    with pytest.raises(DistributedError, match=r"use redis://host:6379/0"):
        Distributed().update_settings(settings)


def test_a_worker_leaving_with_uncommitted_articles_puts_them_back(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    _req, token = pop(s)
    s.ledger.item_out(token)
    s.ledger.item_scraped(token, object())  # the store never committed it (database gone)
    s.ledger.handled(token)
    assert run.leave() == 1
    assert server.zcard(run.queue_key) == 1
    assert not server.exists(run.inflight_key, run.alive_key)
    assert not server.sismember(run.workers_key, run.worker)


def test_wake_hands_a_queued_request_to_an_idle_engine(server: Any) -> None:
    """An idle engine asks the scheduler again only on its 5 s heartbeat:
    wake() pops a request and gives it through engine.crawl(), which puts it
    in the scheduler (kept locally, not queued in Redis again)."""
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))

    class Engine:
        def crawl(self, request: Request) -> None:  # what ExecutionEngine.crawl does
            assert s.enqueue_request(request)

    assert s.wake(Engine())  # type: ignore[arg-type]
    assert server.zcard(run.queue_key) == 0 and server.hlen(run.inflight_key) == 1
    assert s.has_pending_requests()
    req = s.next_request()
    assert req is not None and req.url == "http://example.test/1"
    assert s.next_request() is None
    assert not s.wake(Engine())  # type: ignore[arg-type]


def test_a_worker_taken_for_dead_is_a_member_again_at_its_next_pop(server: Any) -> None:
    """Taken for dead while stalled (its requests put back), a worker that
    goes on pops again: it is a member again in the same step, so the
    requests it holds are put back if it really dies before its heartbeat."""
    slow, ss = worker(server)
    other, _ = worker(server)
    for i in range(2):
        ss.enqueue_request(Request(f"http://example.test/{i}"))
    server.delete(slow.alive_key)
    assert other.recover_dead() == 0  # held nothing yet; no longer a member
    assert not server.sismember(other.workers_key, slow.worker)
    pop(ss)
    assert server.sismember(other.workers_key, slow.worker)
    assert other.recover_dead() == 1  # it died: its request is back

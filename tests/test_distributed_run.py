"""The distributed run's bookkeeping against a real Redis: what a worker
holds, what a dead worker's survivors get back, who seeds, what is left
when a run ends. (The end-to-end crawls are in test_distributed.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.settings import Settings

from newscrawl.distributed import Distributed, DistributedError, RedisScheduler, Run

redis = pytest.importorskip("redis", reason="pip install 'newscrawl[redis]'")


class Worker(Spider):
    name = "feeds"

    def parse(self, response: object) -> None:
        pass


class Stats:
    """The two calls the scheduler makes on Scrapy's stats collector."""

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


def worker(server: Any, run_id: str = "", timeout: float = 60.0) -> tuple[Run, RedisScheduler]:
    run = Run.join(server, "feeds", run_id, worker_timeout=timeout)
    scheduler = RedisScheduler(run, Stats())
    scheduler.open(Worker())
    return run, scheduler


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


def test_a_popped_request_is_held_until_the_engine_is_done_with_it(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    req = s.next_request()
    assert req is not None
    assert server.hlen(run.inflight_key) == 1
    assert run.settle({req}, None, 0) == 0  # still in progress
    assert run.settle(set(), None, 0) == 1
    assert server.hlen(run.inflight_key) == 0


def test_a_finished_request_waits_for_the_database_commit(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    s.next_request()
    # Its item reached the store (scraped 1) but no commit yet (stored 0).
    run.settle(set(), 0, 1)
    assert server.hlen(run.inflight_key) == 0
    assert server.hlen(run.uncommitted_key) == 1
    # Items scraped meanwhile keep the count below, but a commit happened after: released.
    run.settle(set(), 40, 45)
    assert server.hlen(run.uncommitted_key) == 0


def test_a_dead_workers_requests_go_back_to_the_queue_once(server: Any) -> None:
    dead, sd = worker(server)
    alive, sa = worker(server)
    carol, _ = worker(server)
    for i in range(3):
        sd.enqueue_request(Request(f"http://example.test/{i}", priority=i))
    r0, r1 = sd.next_request(), sd.next_request()  # priority 2 and 1
    assert r0 is not None and r1 is not None
    dead.settle({r0}, 0, 1)  # r1 done but not committed; r0 in progress
    server.delete(dead.alive_key)  # SIGKILL: no heartbeat
    assert alive.recover_dead() == 2
    assert carol.recover_dead() == 0  # already taken care of
    assert server.zcard(alive.queue_key) == 3
    urls = [r.url for r in iter(sa.next_request, None)]
    # Back with their priorities, not filtered as duplicates.
    assert urls == ["http://example.test/2", "http://example.test/1", "http://example.test/0"]


def test_the_end_of_a_run_leaves_only_an_expiring_marker(server: Any) -> None:
    a, sa = worker(server)
    b, _ = worker(server)
    sa.enqueue_request(Request("http://example.test/1"))
    a.claim_seeding()
    a.seeding_done()
    sa.next_request()
    a.settle(set(), None, 0)
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
    assert settings.get("SCHEDULER") == "newscrawl.distributed.RedisScheduler"
    assert settings.get("NEWSCRAWL_REDIS_URL") == "redis://127.0.0.1:6379/3"


def test_the_add_on_rejects_a_url_that_is_no_redis_url() -> None:
    settings = Settings({"NEWSCRAWL_REDIS_URL": "127.0.0.1:6379"})
    with pytest.raises(DistributedError, match=r"use redis://host:6379/0"):
        Distributed().update_settings(settings)


def test_a_worker_leaving_with_uncommitted_articles_puts_them_back(server: Any) -> None:
    run, s = worker(server)
    s.enqueue_request(Request("http://example.test/1"))
    s.next_request()
    run.settle(set(), 0, 1)  # handled, but the store never committed it (database gone)
    assert run.leave() == 1
    assert server.zcard(run.queue_key) == 1
    assert not server.exists(run.inflight_key, run.uncommitted_key, run.alive_key)
    assert not server.sismember(run.workers_key, run.worker)

"""Distributed crawls: real worker processes (two, or three) sharing one
crawl through a real Redis, storing into a real PostgreSQL, over a few
hundred pages (as many as it takes to see the work split and a kill land
mid-run: more pages prove nothing more and cost CI minutes). Most run the
``feeds`` spider on a sitemap served from 127.0.0.1, the production path of a
scheduled crawl (seed = the sitemap, fetched once; then one request per
article, shared between the workers); two replay saved pages, whose start
requests are the whole file list."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from feed_server import FeedServer, feed_server
from pagegen import page_html, write_pages

redis = pytest.importorskip("redis", reason="pip install 'newscrawl[redis]'")
psycopg = pytest.importorskip("psycopg", reason="pip install 'newscrawl[postgres]'")

HOST = "news.example.test"
PAGES = 400
LATE_PAGES = 300
NEXT_PAGES = 200


def article_url(i: int) -> str:
    return f"http://{HOST}/news/story-{i}.html"


def make_site(folder: Path, n: int) -> Path:
    """A news site of ``n`` article pages and a sitemap listing them all."""
    site = folder / "gen" / HOST
    (site / "news").mkdir(parents=True)
    for i in range(n):
        (site / "news" / f"story-{i}.html").write_text(page_html(i), encoding="utf-8")
    locs = "".join(f"<url><loc>{article_url(i)}</loc></url>" for i in range(n))
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
        encoding="utf-8",
    )
    return folder / "gen"


@pytest.fixture
def site(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[FeedServer]:
    """The site served on 127.0.0.1: ``PAGES`` pages, or as many as the test's
    indirect parameter says."""
    n = int(getattr(request, "param", PAGES))
    with feed_server(tmp_path, make_site(tmp_path, n)) as server:
        yield server


@pytest.fixture
def fresh_redis(redis_url: str) -> Iterator[str]:
    """The session's Redis, emptied before and after the test."""
    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    yield redis_url
    r.flushdb()


def start_worker(
    name: str,
    tmp: Path,
    server: FeedServer | None,
    redis_url: str,
    database: str,
    *extra: str,
    worker_timeout: int = 30,
    spider: tuple[str, ...] = ("feeds", "-a", f"url=http://{HOST}/sitemap.xml"),
) -> tuple[subprocess.Popen[bytes], Path]:
    """``scrapy crawl feeds`` (or ``spider``) as a user starts a worker; its log file."""
    log = tmp / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        *spider,
        "-s",
        f"NEWSCRAWL_REDIS_URL={redis_url}",
        "-s",
        f"NEWSCRAWL_DATABASE={database}",
        "-s",
        f"NEWSCRAWL_JSONL={tmp / (name + '.jsonl')}",
        "-s",
        f"NEWSCRAWL_WARC={tmp / 'warc'}",
        "-s",
        "NEWSCRAWL_REDIS_IDLE_SECONDS=3",
        "-s",
        f"NEWSCRAWL_REDIS_WORKER_TIMEOUT={worker_timeout}",
        "-s",
        "ROBOTSTXT_OBEY=False",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s",
        f"NEWSCRAWL_COMMIT_ITEMS={COMMIT_ITEMS}",
        "-s",
        "LOGSTATS_INTERVAL=5",
        "-s",
        f"LOG_FILE={log}",
        "-s",
        f"NEWSCRAWL_REPORT={tmp / 'reports' / (name + '-{time}.json')}",
        *extra,
    ]
    env = {**os.environ, **(server.env() if server else {})}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return proc, log


def final_stats(log: Path) -> dict[str, Any]:
    """The numbers of the stats dump at the end of a worker's log."""
    text = log.read_text(encoding="utf-8")
    dump = text[text.rindex("Dumping Scrapy stats:") :]
    return {k: int(v) for k, v in re.findall(r"'([^']+)': (\d+)[,}]", dump)}


def stored_rows(database: str) -> list[tuple[str, str]]:
    with psycopg.connect(database) as conn:
        return [(str(r[0]), str(r[1])) for r in conn.execute("SELECT id, url FROM articles")]


def row_count(database: str) -> int:
    """Articles stored so far (0 before a worker has created the table)."""
    try:
        return len(stored_rows(database))
    except psycopg.errors.UndefinedTable:
        return 0


def wait(proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"worker did not end by itself within {timeout}s")
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    assert proc.returncode == 0, stderr[-3000:]


def redis_keys(redis_url: str) -> list[str]:
    """The keys left in Redis, besides the marker telling late workers that a
    run is over (a few bytes that expire within hours)."""
    r = redis.Redis.from_url(redis_url)
    left = []
    for key in sorted(k.decode() for k in r.keys("*")):
        if key.endswith(":seed") and r.get(key) == b"finished" and 0 < r.ttl(key) <= 3600:
            continue
        left.append(key)
    return left


def test_two_workers_share_one_crawl(
    tmp_path: Path, site: FeedServer, fresh_redis: str, fresh_postgres_url: str
) -> None:
    a, log_a = start_worker("a", tmp_path, site, fresh_redis, fresh_postgres_url)
    b, log_b = start_worker("b", tmp_path, site, fresh_redis, fresh_postgres_url)
    wait(a)
    wait(b)  # both ended by themselves once the shared queue stayed empty

    rows = stored_rows(fresh_postgres_url)
    assert sorted(url for _id, url in rows) == sorted(article_url(i) for i in range(PAGES))
    sa, sb = final_stats(log_a), final_stats(log_b)
    # Every article was fetched and stored by exactly one worker ...
    assert sa["newscrawl/stored"] + sb["newscrawl/stored"] == PAGES
    assert sa.get("item_scraped_count", 0) + sb.get("item_scraped_count", 0) == PAGES
    # ... and each worker did a real part of the work.
    assert min(sa["newscrawl/stored"], sb["newscrawl/stored"]) > PAGES // 5
    # The sitemap was seeded and fetched once, by one worker.
    assert site.fetched(f"{HOST}/sitemap.xml") == [f"{HOST}/sitemap.xml"]
    assert len(site.fetched(f"{HOST}/news/")) == PAGES
    for log in (log_a, log_b):
        text = log.read_text(encoding="utf-8")
        assert "the run is over" in text or "finished" in text
        assert "Closing spider (finished)" in text
    # The run's requests and fingerprints are gone from Redis.
    assert redis_keys(fresh_redis) == [], redis_keys(fresh_redis)


def test_worker_killed_halfway_loses_nothing(
    tmp_path: Path, site: FeedServer, fresh_redis: str, fresh_postgres_url: str
) -> None:
    site.delay = 0.05  # each worker always holds requests in flight: the kill lands on some
    # A short timeout: the survivor takes the dead worker's requests back 5s after its death.
    a, _log_a = start_worker("a", tmp_path, site, fresh_redis, fresh_postgres_url, worker_timeout=5)
    b, log_b = start_worker("b", tmp_path, site, fresh_redis, fresh_postgres_url, worker_timeout=5)
    deadline = time.monotonic() + 120
    while len(site.fetched(f"{HOST}/news/")) < PAGES // 2:
        assert time.monotonic() < deadline, "the crawl did not get halfway"
        assert a.poll() is None and b.poll() is None
        time.sleep(0.05)
    os.kill(a.pid, signal.SIGKILL)
    a.wait()
    wait(b)  # the survivor takes back what the dead worker held, then ends

    rows = stored_rows(fresh_postgres_url)
    urls = [url for _id, url in rows]
    assert len(urls) == len(set(urls)) == PAGES
    assert set(urls) == {article_url(i) for i in range(PAGES)}
    text = log_b.read_text(encoding="utf-8")
    assert "stopped answering" in text  # the survivor put the dead worker's requests back
    assert final_stats(log_b)["newscrawl/redis/recovered"] > 0
    assert redis_keys(fresh_redis) == []


@pytest.mark.parametrize("site", [LATE_PAGES], indirect=True)
def test_late_worker_joins_the_running_crawl(
    tmp_path: Path, site: FeedServer, fresh_redis: str, fresh_postgres_url: str
) -> None:
    a, log_a = start_worker("a", tmp_path, site, fresh_redis, fresh_postgres_url)
    while len(site.fetched(f"{HOST}/news/")) < LATE_PAGES // 4:
        assert a.poll() is None, "worker a ended early"
        time.sleep(0.05)
    # Article pages wait until worker b has joined: the run is still going when it does.
    site.gate.clear()
    b, log_b = start_worker("b", tmp_path, site, fresh_redis, fresh_postgres_url)
    deadline = time.monotonic() + 60
    while not (log_b.exists() and "is seeded: taking requests" in log_b.read_text()):
        assert time.monotonic() < deadline and b.poll() is None, "worker b did not join"
        time.sleep(0.05)
    site.gate.set()
    wait(a)
    wait(b)
    assert len(stored_rows(fresh_postgres_url)) == LATE_PAGES
    sa, sb = final_stats(log_a), final_stats(log_b)
    assert sa["newscrawl/stored"] + sb["newscrawl/stored"] == LATE_PAGES
    assert sb["newscrawl/stored"] > 0
    assert re.search(r"run \S+ is seeded: taking requests from the queue", log_b.read_text())
    assert site.fetched(f"{HOST}/sitemap.xml") == [f"{HOST}/sitemap.xml"]


@pytest.mark.parametrize("site", [NEXT_PAGES], indirect=True)
def test_next_run_starts_afresh_and_the_database_remembers(
    tmp_path: Path, site: FeedServer, fresh_redis: str, fresh_postgres_url: str
) -> None:
    """Scheduled use: a run ends, the next run is seeded again (the sitemap is
    read again) and fetches only what the database does not hold."""
    a, _ = start_worker("a", tmp_path, site, fresh_redis, fresh_postgres_url)
    wait(a)
    assert len(stored_rows(fresh_postgres_url)) == NEXT_PAGES
    extra = site.root / HOST / "news" / f"story-{NEXT_PAGES}.html"
    extra.write_text(page_html(NEXT_PAGES), encoding="utf-8")
    sitemap = site.root / HOST / "sitemap.xml"
    sitemap.write_text(
        sitemap.read_text().replace(
            "</urlset>", f"<url><loc>{article_url(NEXT_PAGES)}</loc></url></urlset>"
        )
    )
    before = len(site.fetched(f"{HOST}/news/"))
    b, log_b = start_worker("b", tmp_path, site, fresh_redis, fresh_postgres_url)
    wait(b)
    assert len(stored_rows(fresh_postgres_url)) == NEXT_PAGES + 1
    assert site.fetched(f"{HOST}/sitemap.xml") == [f"{HOST}/sitemap.xml"] * 2
    assert site.fetched(f"{HOST}/news/")[before:] == [f"{HOST}/news/story-{NEXT_PAGES}.html"]
    assert "seeding run" in log_b.read_text(encoding="utf-8")
    assert redis_keys(fresh_redis) == []


REPLAY_PAGES = 300
COMMIT_ITEMS = 16
"""A worker's batch: what a kill between its commit and its acknowledgement
can leave stored but still in flight (the default, 50, would make that bound loose)."""


def replay_worker(
    name: str, tmp: Path, redis_url: str, database: str, worker_timeout: int = 30
) -> tuple[subprocess.Popen[bytes], Path]:
    """``scrapy crawl replay`` of the saved pages in tmp/pages, as a worker."""
    return start_worker(
        name,
        tmp,
        None,
        redis_url,
        database,
        worker_timeout=worker_timeout,
        spider=("replay", "-a", f"path={tmp / 'pages'}"),
    )


def test_three_workers_share_a_replay(
    tmp_path: Path, fresh_redis: str, fresh_postgres_url: str
) -> None:
    """A replay's start requests are its files (all ``data:,`` and not
    filtered): the seeder queues them all in Redis, and all three workers
    take their share."""
    urls = write_pages(tmp_path / "pages", REPLAY_PAGES)
    workers = [replay_worker(name, tmp_path, fresh_redis, fresh_postgres_url) for name in "abc"]
    for proc, _log in workers:
        wait(proc)
    rows = stored_rows(fresh_postgres_url)
    assert sorted(url for _id, url in rows) == sorted(urls)
    stats = [final_stats(log) for _proc, log in workers]
    stored = [s["newscrawl/stored"] for s in stats]
    assert sum(stored) == REPLAY_PAGES, stored  # nothing read and stored twice
    assert min(stored) > REPLAY_PAGES // 6, stored  # each did a real part
    logs = [log.read_text(encoding="utf-8") for _proc, log in workers]
    assert sum("seeding run" in text for text in logs) == 1
    for text in logs:
        assert "Closing spider (finished)" in text
    assert redis_keys(fresh_redis) == []


def test_replay_seeder_killed_the_survivor_redoes_nothing_stored(
    tmp_path: Path, fresh_redis: str, fresh_postgres_url: str
) -> None:
    """The worker that seeded a replay dies mid-run: the run is seeded, so
    the survivor does not read the files list again; it takes back the dead
    worker's unfinished requests and stores the rest, each article once."""
    urls = write_pages(tmp_path / "pages", REPLAY_PAGES)
    a, log_a = replay_worker("a", tmp_path, fresh_redis, fresh_postgres_url, worker_timeout=5)
    b, log_b = replay_worker("b", tmp_path, fresh_redis, fresh_postgres_url, worker_timeout=5)
    deadline = time.monotonic() + 120
    while row_count(fresh_postgres_url) < REPLAY_PAGES // 3:
        assert time.monotonic() < deadline, "the replay did not get a third of the way"
        assert a.poll() is None and b.poll() is None
        time.sleep(0.1)
    seeder, survivor_log = (a, log_b) if "seeding run" in log_a.read_text() else (b, log_a)
    survivor = b if seeder is a else a
    os.kill(seeder.pid, signal.SIGKILL)
    seeder.wait()
    wait(survivor)

    rows = stored_rows(fresh_postgres_url)
    assert sorted(url for _id, url in rows) == sorted(urls)  # nothing lost, one row each
    text = survivor_log.read_text(encoding="utf-8")
    assert "seeding run" not in text  # not seeded again
    assert "stopped answering" in text
    stats = final_stats(survivor_log)
    # What the survivor stored was new to the database, but for requests the
    # dead worker had committed and not yet acknowledged: at most one batch (a
    # kill between a commit and its acknowledgement) plus the requests it had in
    # progress (an article can be committed before its callback has ended, and a
    # request is acknowledged only then). Nothing it had finished is redone.
    in_progress = 16  # Scrapy's CONCURRENT_REQUESTS
    assert stats.get("newscrawl/store/seen", 0) <= COMMIT_ITEMS + in_progress, stats
    assert stats["newscrawl/store/new"] >= REPLAY_PAGES - REPLAY_PAGES // 2
    assert redis_keys(fresh_redis) == []


def test_missing_scrapy_redis_says_what_to_install(tmp_path: Path) -> None:
    """Without scrapy-redis, a distributed crawl stops at start, naming the extra."""
    shadow = tmp_path / "shadow"
    (shadow / "scrapy_redis").mkdir(parents=True)
    (shadow / "scrapy_redis" / "__init__.py").write_text(
        "raise ImportError('gone', name='scrapy_redis')"
    )
    env = {**os.environ, "PYTHONPATH": f"{shadow}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "replay",
            "-s",
            "NEWSCRAWL_REDIS_URL=redis://127.0.0.1:1/0",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "pip install 'newscrawl[redis]'" in proc.stderr

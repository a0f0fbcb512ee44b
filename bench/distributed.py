"""Throughput of a distributed crawl: one worker against several, same pages.

    .venv/bin/python -m bench.distributed --redis redis://127.0.0.1:6379/0 \\
        --database postgresql://postgres@127.0.0.1:5432/postgres --pages 2000 \\
        --workers 1 2 3 [--spider replay]

Generated Sina-like pages (``bench/generate.py``) are served at their Sina
URLs by a local HTTP proxy, listed in one sitemap, and crawled by ``scrapy
crawl feeds`` workers sharing a run through Redis and storing into a fresh
PostgreSQL database (created on the given server, dropped afterwards): the
production path of a scheduled distributed crawl. With ``--spider replay``
the workers replay the same pages from their folder instead (seeded by one
of them, read by all). Redis keys go under the ``newscrawl-bench`` prefix.

Reported per worker count: requests each worker took from the queue, articles
stored per worker and in total, the
duplicates (articles stored by more than one worker: sum of the workers'
``newscrawl/stored`` minus the rows), the crawl span (first to last
``fetched_at`` in the database, one-second resolution) and articles/s over
it, and the wall time of the whole run (start-up and the idle wait
included).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.generate import generate

ROOT = Path(__file__).resolve().parents[1]
SITEMAP = "http://bench.example.test/sitemap.xml"
IDLE_SECONDS = 3


def serve(files: dict[str, Path], sitemap: bytes) -> ThreadingHTTPServer:
    """An HTTP proxy on 127.0.0.1 answering each page's URL with its file."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = self.path.split("?")[0]
            if url == SITEMAP:
                body, ctype = sitemap, "application/xml"
            elif url in files:
                body, ctype = files[url].read_bytes(), "text/html"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def stats_of(log: Path) -> dict[str, float]:
    text = log.read_text(encoding="utf-8")
    dump = text[text.rindex("Dumping Scrapy stats:") :]
    return {k: float(v) for k, v in re.findall(r"'([^']+)': ([\d.]+)[,}]", dump)}


def _running(pid: int) -> bool:
    """True until the process has exited (not reaped: wait4 gives its CPU time)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def run(
    workers: int,
    proxy: str,
    redis_url: str,
    server_url: str,
    tmp: Path,
    spider: list[str] | None = None,
) -> dict[str, Any]:
    import psycopg
    import redis

    name = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database = server_url.rsplit("/", 1)[0] + "/" + name
    r = redis.Redis.from_url(redis_url)
    env = {**os.environ, "http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""}
    try:
        procs = []
        start = time.monotonic()
        for w in range(workers):
            log = tmp / f"w{workers}-{w}.log"
            cmd = [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                *(spider or ["feeds", "-a", f"url={SITEMAP}"]),
                "-s",
                f"NEWSCRAWL_REDIS_URL={redis_url}",
                "-s",
                "NEWSCRAWL_REDIS_PREFIX=newscrawl-bench",
                "-s",
                f"NEWSCRAWL_REDIS_IDLE_SECONDS={IDLE_SECONDS}",
                "-s",
                f"NEWSCRAWL_DATABASE={database}",
                "-s",
                "NEWSCRAWL_JSONL=",
                "-s",
                "ROBOTSTXT_OBEY=False",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                "-s",
                f"LOG_FILE={log}",
                "-s",  # not the checkout's data/
                f"NEWSCRAWL_REPORT={tmp / (log.stem + '-{time}.json')}",
            ]
            procs.append((subprocess.Popen(cmd, cwd=ROOT, env=env), log))
        # Time each worker spent runnable but waiting for a CPU (the kernel's
        # schedstat, last sample before it exits): how contended the machine was.
        waited = [0.0] * len(procs)
        while any(_running(p.pid) for p, _log in procs):
            for i, (p, _log) in enumerate(procs):
                try:
                    fields = Path(f"/proc/{p.pid}/schedstat").read_text().split()
                    waited[i] = int(fields[1]) / 1e9
                except (OSError, IndexError, ValueError):
                    pass
            time.sleep(0.5)
        cpu = []
        for p, _log in procs:
            _pid, _status, usage = os.wait4(p.pid, 0)
            p.returncode = 0
            cpu.append(usage.ru_utime + usage.ru_stime)
        wall = time.monotonic() - start
        per_worker = [int(stats_of(log).get("newscrawl/stored", 0)) for _p, log in procs]
        popped = [int(stats_of(log).get("newscrawl/redis/popped", 0)) for _p, log in procs]
        with psycopg.connect(database) as conn:
            rows, first, last = conn.execute(
                "SELECT count(*), min(fetched_at), max(fetched_at) FROM articles"
            ).fetchone()
        span = (
            datetime.fromisoformat(str(last).replace("Z", "+00:00"))
            - datetime.fromisoformat(str(first).replace("Z", "+00:00"))
        ).total_seconds() + 1  # fetched_at has whole seconds
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for key in r.scan_iter("newscrawl-bench:*"):
            r.delete(key)
    return {
        "workers": workers,
        "per_worker": per_worker,
        "popped": popped,
        "articles": rows,
        "duplicates": sum(per_worker) - rows,
        "span_s": span,
        "articles_per_s": rows / span,
        "wall_s": wall,
        "cpu_s": cpu,
        "waited_s": waited,
        "load": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis", required=True, help="redis://host:port/db")
    ap.add_argument("--database", required=True, help="postgresql://user@host:port/db (a server)")
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--spider", choices=["feeds", "replay"], default="feeds")
    ap.add_argument("--corpus", type=Path, default=None, help="pages folder (generated once)")
    args = ap.parse_args(argv)

    if args.corpus is None:
        args.corpus = Path(tempfile.gettempdir()) / "newscrawl-bench" / f"distributed-{args.pages}"
    truth = generate(args.corpus, args.pages)
    # Served over plain http: the proxy answers for every host (an https
    # URL would need a CONNECT tunnel to a server with that host's certificate).
    files = {
        re.sub(r"^https://", "http://", str(t["url"])): args.corpus / str(t["file"]) for t in truth
    }
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in files)
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    ).encode()
    httpd = serve(files, sitemap)
    proxy = f"http://127.0.0.1:{httpd.server_address[1]}"
    print(
        f"{len(files)} pages, spider {args.spider}, {os.cpu_count()} CPUs, "
        f"idle wait {IDLE_SECONDS}s"
    )
    spider = ["replay", "-a", f"path={args.corpus}"] if args.spider == "replay" else None
    # Not in the pages folder: a replay reads that folder.
    logs = args.corpus.parent / f"distributed-logs-{args.pages}"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"worker logs in {logs}")
    for n in args.workers:
        before = resource.getrusage(resource.RUSAGE_SELF)
        res = run(n, proxy, args.redis, args.database, logs, spider)
        after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        print(
            f"workers {res['workers']}: requests taken per worker {res['popped']}, "
            f"articles stored per worker {res['per_worker']}, "
            f"total {res['articles']}, duplicates {res['duplicates']}, "
            f"crawl span {res['span_s']:.0f}s = {res['articles_per_s']:.1f} articles/s, "
            f"wall {res['wall_s']:.1f}s, worker CPU {[round(c) for c in res['cpu_s']]}s, "
            f"waited for a CPU {[round(w) for w in res['waited_s']]}s, "
            f"HTTP server CPU {server_cpu:.0f}s, load average at the end {res['load']:.1f}",
            flush=True,
        )
    httpd.shutdown()


if __name__ == "__main__":
    main()

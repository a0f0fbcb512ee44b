"""Seen-store memory: a run over a database of a million stored articles must
use the memory of a run over an empty one (newscrawl.incremental).

    .venv/bin/python bench/seen_store.py                      # 0, 10k, 1M rows
    .venv/bin/python bench/seen_store.py --rows 10000 --lookups 50000

For each size it fills a SQLite database with N article rows (the store's own
schema, ``executemany``), then, in a fresh process, sends M requests through
``IncrementalMiddleware.process_request`` (half for stored articles, which
are skipped, half for new ones) and prints that process's peak RSS. For
contrast, the same process then loads every key into a Python set (what a
seen-store held in memory would do, cf. scrapy#5307, scrapy-redis#144) and
prints the peak again. Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fill(path: Path, rows: int) -> None:
    """A database with ``rows`` stored articles, as the store creates it."""
    from newscrawl.storage import open_store
    from newscrawl.urls import article_key

    store = open_store(f"sqlite:///{path}")
    store.close()
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")

    def gen() -> Any:
        for i in range(rows):
            url = f"https://news.example.com/2024/03/{i % 28 + 1:02d}/story-{i}.html"
            yield (
                article_key(url),
                url,
                f"Story {i}",
                "2024-03-01T10:00:00+00:00",
                "2024-03-01T10:05:00Z",
                "2024-03-01T10:05:00Z",
                "2024-03-01T10:05:00Z",
            )

    with conn:
        conn.executemany(
            "INSERT INTO articles (id, url, title, published_at, first_seen, last_seen, "
            "changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            gen(),
        )
    conn.close()
    # The seen-store's own index (articles.url), as the first incremental run makes it.
    from newscrawl.incremental import SeenStore

    SeenStore(open_store(f"sqlite:///{path}")).close()


def peak_mb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path, rows: int, lookups: int) -> None:
    """Runs in a fresh process: the crawl's lookup path, then the naive set."""
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from newscrawl.incremental import IncrementalMiddleware, RecheckPolicy

    class Stats(dict[str, int]):
        def inc_value(self, key: str, n: int = 1) -> None:
            self[key] = self.get(key, 0) + n

    stats = Stats()
    mw = IncrementalMiddleware(f"sqlite:///{path}", RecheckPolicy(2, 6), None, stats)
    base = peak_mb()
    t0 = time.perf_counter()
    skipped = 0
    for j in range(lookups):
        # even j: a stored article (when there are rows); odd j: a new one
        i = (j * 7919) % rows if rows and j % 2 == 0 else rows + j
        url = f"https://news.example.com/2024/03/{i % 28 + 1:02d}/story-{i}.html"
        try:
            mw.process_request(Request(url))
        except IgnoreRequest:
            skipped += 1
    dt = time.perf_counter() - t0
    lookup_peak = peak_mb()
    import sqlite3

    conn = sqlite3.connect(path)
    keys = {r[0] for r in conn.execute("SELECT id FROM articles")}
    set_peak = peak_mb()
    print(
        f"rows={rows:>9,} lookups={lookups:,} skipped={skipped:,} "
        f"({dt / max(lookups, 1) * 1e6:.0f} µs/lookup)  "
        f"peak RSS: before lookups {base:.1f} MB, after {lookup_peak:.1f} MB; "
        f"all {len(keys):,} keys in a set: {set_peak:.1f} MB",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[0, 10_000, 1_000_000])
    ap.add_argument("--lookups", type=int, default=100_000)
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure, args.rows[0], args.lookups)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            db = Path(tmp) / f"seen-{rows}.sqlite3"
            t0 = time.perf_counter()
            fill(db, rows)
            size = db.stat().st_size / 1e6
            print(f"filled {rows:,} rows in {time.perf_counter() - t0:.1f} s ({size:.0f} MB)")
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--measure",
                    str(db),
                    "--rows",
                    str(rows),
                    "--lookups",
                    str(args.lookups),
                ],
                check=True,
            )


if __name__ == "__main__":
    main()

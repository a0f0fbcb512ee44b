"""``scrapy exportdb`` from PostgreSQL: time and peak memory by archive size
(the export reads page by page, so its memory should not grow with the rows).

    .venv/bin/python -m bench.exportdb --database postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python -m bench.exportdb --database ... --rows 1000 100000

For each size it empties the database's newscrawl tables, fills ``articles``
with N rows of the store's schema (Chinese titles, ~3 KB bodies, jsonb lists),
then runs ``scrapy exportdb`` in a fresh process and prints its wall time and
peak RSS, and the SQLite file's size. Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODY = "。".join(f"第{i}段：城市夜市经济升温，小店主迎来好时节，客流明显回升" for i in range(60))


def fill(database: str, rows: int) -> None:
    """``rows`` articles in the newscrawl schema of ``database`` (emptied first)."""
    import psycopg
    from psycopg.types.json import Jsonb

    from newscrawl.items import ARTICLE_FIELDS
    from newscrawl.storage import LIST_FIELDS, SEEN_COLUMNS, open_store

    open_store(database).close()
    with psycopg.connect(database) as conn:
        conn.execute("TRUNCATE articles, article_versions, newscrawl_runs")
        cols = ("id", *ARTICLE_FIELDS, *SEEN_COLUMNS)

        def row(i: int) -> tuple[Any, ...]:
            url = f"https://news.example.com/2024/03/{i % 28 + 1:02d}/story-{i}.html"
            values: dict[str, Any] = {f: None for f in cols}
            values |= {f: Jsonb([]) for f in LIST_FIELDS}
            values |= {
                "id": url,
                "url": url,
                "site": "generic",
                "title": f"第{i}条：社区食堂覆盖范围扩大",
                "published_at": f"2024-03-{i % 28 + 1:02d}T10:00:00+08:00",
                "categories": Jsonb(["财经", f"频道{i % 7}"]),
                "body_text": f"{BODY}\n{i}",
                "body_html": f"<p>{BODY}</p>",
                "language": "zh",
                "fingerprint": f"fp{i}",
                "first_seen": "2024-03-01T10:05:00Z",
                "last_seen": "2024-03-01T10:05:00Z",
                "changed_at": "2024-03-01T10:05:00Z",
            }
            return tuple(values[c] for c in cols)

        names = ", ".join(f'"{c}"' for c in cols)
        with conn.cursor() as cur, cur.copy(f"COPY articles ({names}) FROM STDIN") as copy:
            for i in range(rows):
                copy.write_row(row(i))


CHILD = """
import resource, sys
from scrapy.cmdline import execute
try:
    execute(["scrapy", "exportdb", sys.argv[1], "--force"])
finally:
    print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""
"""``scrapy exportdb`` in a fresh process that reports its own peak RSS."""


def export(database: str, out: Path) -> tuple[float, float]:
    """Run ``scrapy exportdb`` in a child: (seconds, its peak RSS in MB)."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(out)],
        cwd=ROOT,
        env={**os.environ, "NEWSCRAWL_DATABASE": database},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.monotonic() - started
    kb = next(line.split()[1] for line in proc.stderr.splitlines() if line.startswith("peak-rss"))
    return seconds, int(kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL (emptied!)")
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 40000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newscrawl-exportdb-") as tmp:
        for rows in sorted(args.rows):
            fill(args.database, rows)
            out = Path(tmp) / "export.sqlite3"
            seconds, peak = export(args.database, out)
            size = out.stat().st_size / 1e6
            print(
                f"{rows:>8} articles: {seconds:6.1f} s ({rows / seconds:,.0f} articles/s), "
                f"peak RSS {peak:.0f} MB, SQLite file {size:.0f} MB"
            )


if __name__ == "__main__":
    main()

"""``scrapy browse`` on a large archive: how long Datasette's pages take.

    .venv/bin/python -m bench.browse                  # 100,000 articles
    .venv/bin/python -m bench.browse --rows 20000

Fills a SQLite file in the store's schema with N made-up Chinese articles
(the full-text index filled by its triggers; two sites, six sources, two
categories of 41 each, days over a year), starts ``scrapy browse`` on it and
times each page (the articles table with its four facets, a facet value, a
category, a day, a search), fastest of three fetches. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODY = "。".join(f"第{i}段：城市夜市经济升温，小店主迎来好时节，客流明显回升" for i in range(20))
SOURCES = ["新华社", "北京日报客户端", "财经网", "每日经济新闻", "经济参考报", None]


def fill(path: Path, rows: int) -> None:
    """``rows`` articles in a new SQLite file of the store's schema."""
    from newscrawl.items import ARTICLE_FIELDS
    from newscrawl.storage import LIST_FIELDS, SEEN_COLUMNS, open_store

    open_store(f"sqlite:///{path}").close()
    cols = ("id", *ARTICLE_FIELDS, *SEEN_COLUMNS)

    def row(i: int) -> tuple[Any, ...]:
        url = f"https://news.example.com/{i}.html"
        values: dict[str, Any] = {c: None for c in cols}
        values |= {f: "[]" for f in LIST_FIELDS}
        values |= {
            "id": url,
            "url": url,
            "site": ["sina", "generic"][i % 2],
            "title": f"第{i}条：社区食堂覆盖范围扩大",
            "published_at": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T{i % 24:02d}:00:00+08:00",
            "source": SOURCES[i % len(SOURCES)],
            "categories": json.dumps(["财经", f"频道{i % 40}"], ensure_ascii=False),
            "body_text": f"{BODY}\n{i}",
            "body_html": f"<p>{BODY}</p>",
            "language": "zh",
            "fingerprint": str(i),
            "first_seen": "2024-03-01T10:05:00Z",
            "last_seen": "2024-03-01T10:05:00Z",
            "changed_at": "2024-03-01T10:05:00Z",
        }
        return tuple(values[c] for c in cols)

    db = sqlite3.connect(path)
    with db:
        db.executemany(
            f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            (row(i) for i in range(rows)),
        )
    db.close()


def fastest(url: str, tries: int = 3) -> float:
    best = float("inf")
    for _ in range(tries):
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
        best = min(best, time.monotonic() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newscrawl-browse-") as tmp:
        path = Path(tmp) / "archive.sqlite3"
        started = time.monotonic()
        fill(path, args.rows)
        print(
            f"{args.rows} articles, {path.stat().st_size / 1e6:.0f} MB, filled in "
            f"{time.monotonic() - started:.0f} s"
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "browse", str(path), "--port", str(args.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{args.port}/archive/articles"
        pages = {
            "articles table, 4 facets": "",
            "a site (facet value)": "?site=sina",
            "a category": f"?categories__arraycontains={quote('频道5')}",
            "a day": "?published_at__startswith=2024-05-05",
            "a search (Chinese)": f"?_search={quote('第12345条')}",
        }
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "?_size=1", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.1)
            for name, query in pages.items():
                print(f"  {name:<26} {fastest(base + query):6.2f} s")
        finally:
            server.terminate()
            server.wait(30)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Storage: the database is the crawl's memory. Last in ``ITEM_PIPELINES``:
a row committed means an article seen.

One row per article, keyed by its identity (the normalized canonical URL,
else the URL), upserted on re-crawl. Rows are committed in small
transactions (every ``NEWSCRAWL_COMMIT_ITEMS`` items or
``NEWSCRAWL_COMMIT_SECONDS`` seconds), so a killed crawl loses at most the
uncommitted batch; closing the spider commits the rest.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.items import ARTICLE_FIELDS, Article, article_record
from newscrawl.pipelines import as_article
from newscrawl.urls import article_key

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
LIST_FIELDS = {"authors", "editors", "categories", "tags", "images"}


def database_path(url: str) -> Path:
    """The SQLite file named by ``sqlite:///relative/path`` or a bare path."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if "://" in url:
        raise ValueError(f"not a SQLite URL: {url!r} (use sqlite:///path/to/file.sqlite3)")
    return Path(url)


_COLUMNS = ", ".join(f'"{f}" TEXT' for f in ARTICLE_FIELDS if f != "url")
SQLITE_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    {_COLUMNS},
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS newscrawl_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def to_row(article: Article) -> dict[str, Any]:
    """The article's columns: lists as JSON text, everything else as it is."""
    rec = article_record(article)
    return {k: json.dumps(v, ensure_ascii=False) if k in LIST_FIELDS else v for k, v in rec.items()}


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row back as an Article record (lists decoded)."""
    return {
        k: (json.loads(row[k]) if k in LIST_FIELDS and row[k] is not None else row[k])
        for k in ARTICLE_FIELDS
    }


class SQLiteStore:
    """One SQLite file; created with its schema on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SQLITE_SCHEMA)
        self.conn.execute(
            "INSERT OR IGNORE INTO newscrawl_meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
        self.in_tx = False

    def upsert(self, article: Article) -> None:
        if not self.in_tx:
            self.conn.execute("BEGIN")
            self.in_tx = True
        row = to_row(article)
        row["id"] = article_key(article.url, article.canonical_url)
        row["now"] = article.fetched_at
        cols = ["id", *ARTICLE_FIELDS]
        names = ", ".join(f'"{c}"' for c in cols)
        values = ", ".join(f":{c}" for c in cols)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in ARTICLE_FIELDS)
        self.conn.execute(
            f"INSERT INTO articles ({names}, first_seen, last_seen) VALUES ({values}, :now, :now) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}, last_seen = excluded.last_seen",
            row,
        )

    def commit(self) -> None:
        if self.in_tx:
            self.conn.execute("COMMIT")
            self.in_tx = False

    def close(self) -> None:
        self.commit()
        self.conn.close()


class StorePipeline:
    """Writes each article to the database in small transactions."""

    def __init__(self, database: str, commit_items: int, commit_seconds: float, stats: Any) -> None:
        self.database = database
        self.commit_items = max(1, commit_items)
        self.commit_seconds = commit_seconds
        self.stats = stats
        self.store: SQLiteStore | None = None
        self.pending = 0
        self.last_commit = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        database = s.get("NEWSCRAWL_DATABASE")
        if not database:
            raise NotConfigured("NEWSCRAWL_DATABASE is empty: no database output")
        return cls(
            database,
            s.getint("NEWSCRAWL_COMMIT_ITEMS", 50),
            s.getfloat("NEWSCRAWL_COMMIT_SECONDS", 2.0),
            crawler.stats,
        )

    def open_spider(self) -> None:
        try:
            self.store = SQLiteStore(database_path(self.database))
        except (ValueError, sqlite3.Error, OSError) as exc:
            raise RuntimeError(
                f"cannot open the database {self.database!r}: {exc}. "
                "Set NEWSCRAWL_DATABASE to a writable SQLite path (sqlite:///data/newscrawl.sqlite3)."
            ) from exc
        logger.info("storing articles in %s", self.database)

    def process_item(self, item: Any) -> Article:
        a = as_article(item)
        assert self.store is not None
        self.store.upsert(a)
        self.pending += 1
        now = time.monotonic()
        if self.pending >= self.commit_items or now - self.last_commit >= self.commit_seconds:
            self.flush()
        return a

    def flush(self) -> None:
        if self.store is not None and self.pending:
            self.store.commit()
            if self.stats is not None:
                self.stats.inc_value("newscrawl/stored", self.pending)
            self.pending = 0
        self.last_commit = time.monotonic()

    def close_spider(self) -> None:
        self.flush()
        if self.store is not None:
            self.store.close()

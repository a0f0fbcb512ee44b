"""SQLite: the embedded default, one file (``sqlite:///data/newscrawl.sqlite3``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newscrawl.storage import StorageError, Store, article_columns, json_text, mask_password
from newscrawl.urls import article_key


def database_path(url: str) -> Path:
    """The file named by ``sqlite:///relative/path``, ``sqlite:////absolute/path`` or a bare path.

    >>> database_path("sqlite:///data/news.sqlite3")
    PosixPath('data/news.sqlite3')
    """
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if "://" in url:
        raise StorageError(f"not a SQLite URL: {url!r} (use sqlite:///path/to/file.sqlite3)")
    return Path(url)


class SQLiteStore(Store):
    """One SQLite file in WAL mode: a killed process loses only what it had
    not committed, and readers are never blocked by the crawl."""

    connection_errors = (sqlite3.OperationalError,)
    data_errors = (sqlite3.DataError, sqlite3.IntegrityError, sqlite3.InterfaceError)
    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = database_path(url)
        self.conn: sqlite3.Connection | None = None

    def connect(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we say BEGIN ourselves, so a batch is one transaction.
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(
                f"cannot open the database {mask_password(self.url)}: {exc}. "
                "Set NEWSCRAWL_DATABASE to a writable SQLite path "
                "(sqlite:///data/newscrawl.sqlite3) or a postgresql:// URL."
            ) from exc
        self.conn = conn

    def _conn(self) -> sqlite3.Connection:
        if self.conn is None:
            raise sqlite3.OperationalError("not connected")
        return self.conn

    def p(self, name: str) -> str:
        return f":{name}"

    def json_param(self, value: Any) -> Any:
        return json_text(value)

    def json_value(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        conn = self._conn()
        if not conn.in_transaction:
            conn.execute("BEGIN")
        return conn.execute(sql, params or {})

    def commit(self) -> None:
        conn = self._conn()
        if conn.in_transaction:
            conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn is not None and self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.rollback()
            finally:
                self.conn.close()
                self.conn = None

    def table_exists(self, name: str) -> bool:
        row = self._conn().execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return row.fetchone() is not None

    def ddl(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS articles (\n    {article_columns('TEXT')}\n)",
            "CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at)",
            "CREATE INDEX IF NOT EXISTS articles_last_seen ON articles (last_seen)",
            """CREATE TABLE IF NOT EXISTS article_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    title TEXT NOT NULL,
    body_text TEXT NOT NULL,
    record TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (article_id, fingerprint)
)""",
            "CREATE TABLE IF NOT EXISTS newscrawl_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]

    def migrations(self) -> dict[int, list[str | Callable[[], None]]]:
        # 1 -> 2: the spine's table had no changed_at (the versions table is
        # created by ddl() right after), and identities gained Sina's
        # mobile/desktop folding and parameter order: re-key the rows. A row
        # whose new key is already taken (the same article stored twice under
        # the old keys) keeps its old key rather than being lost.
        return {
            2: [
                "ALTER TABLE articles ADD COLUMN changed_at TEXT NOT NULL DEFAULT ''",
                "UPDATE articles SET changed_at = first_seen",
                self._rekey,
            ]
        }

    def _rekey(self) -> None:
        conn = self._conn()
        conn.create_function("newscrawl_article_key", 2, article_key, deterministic=True)
        self.execute("UPDATE OR IGNORE articles SET id = newscrawl_article_key(url, canonical_url)")

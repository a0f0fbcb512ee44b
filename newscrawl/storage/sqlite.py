"""SQLite: the embedded default, one file (``sqlite:///data/newscrawl.sqlite3``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newscrawl.storage import (
    ErrorKind,
    StorageError,
    Store,
    article_columns,
    json_text,
    mask_password,
)
from newscrawl.storage.fts import FTS_DDL, FTS_MIGRATION
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


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another job's transaction on the same file."""


def _writes(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class SQLiteStore(Store):
    """One SQLite file in WAL mode: a killed process loses only what it had
    not committed, and readers are never blocked by the crawl."""

    dialect = "sqlite"
    run_id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = database_path(url)
        self.conn: sqlite3.Connection | None = None

    def connect(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we say BEGIN ourselves, so a batch is one transaction.
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=BUSY_TIMEOUT_S)
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

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        # OperationalError: locked past the busy timeout, disk I/O, file gone:
        # worth reopening and retrying. DataError (string or blob too big),
        # IntegrityError, InterfaceError (a value it cannot bind): this row.
        if isinstance(exc, sqlite3.OperationalError):
            return "lost"
        if isinstance(exc, sqlite3.Error):
            return "refused"
        return super().error_kind(exc)

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
            # A transaction that writes takes the write lock at BEGIN, waiting
            # up to the busy timeout for another job's batch: a deferred one
            # that read first could not wait ("database is locked" at once
            # when another connection had committed since its read).
            conn.execute("BEGIN IMMEDIATE" if _writes(sql) else "BEGIN")
        return conn.execute(sql, params or {})

    def lock_schema(self) -> None:
        # ensure_schema() reads the version, then writes: hold the write lock first.
        conn = self._conn()
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        conn = self._conn()
        if conn.in_transaction:
            conn.execute("COMMIT")
        self.recent.clear()  # the batch is committed: its links are final

    def rollback(self) -> None:
        self.recent.clear()
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
            *self.runs_ddl(),
            *FTS_DDL,
        ]

    def migrations(self) -> dict[int, list[str | Callable[[], None]]]:
        # 1 -> 2: the spine's table had no changed_at (the versions table is
        # created by ddl() right after), and identities gained Sina's
        # mobile/desktop folding and parameter order: re-key the rows. A row
        # whose new key is already taken (the same article stored twice under
        # the old keys) keeps its old key rather than being lost.
        steps = super().migrations()
        steps[2] = [
            "ALTER TABLE articles ADD COLUMN changed_at TEXT NOT NULL DEFAULT ''",
            "UPDATE articles SET changed_at = first_seen",
            self._rekey,
        ]
        steps[5] = list(FTS_MIGRATION)
        return steps

    def _rekey(self) -> None:
        conn = self._conn()
        conn.create_function("newscrawl_article_key", 2, article_key, deterministic=True)
        self.execute("UPDATE OR IGNORE articles SET id = newscrawl_article_key(url, canonical_url)")

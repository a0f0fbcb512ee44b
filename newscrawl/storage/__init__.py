"""Databases: one schema for SQLite (the embedded default) and PostgreSQL.

``open_store(url)`` opens ``sqlite:///path`` (or a bare path) or
``postgresql://user:password@host:port/db`` and creates or migrates the
schema. Tables:

``articles``
    one row per article, keyed by ``id`` = :func:`newscrawl.urls.article_key`
    (the normalized canonical URL); the Article's fields as columns (lists as
    JSON text in SQLite, ``jsonb`` in PostgreSQL; dates as the ISO 8601
    strings of the schema, offsets kept), plus ``first_seen``, ``last_seen``
    and ``changed_at`` (ISO 8601 UTC, ``...Z``).
``article_versions``
    texts an article had before: when a re-crawl finds a new ``fingerprint``
    the old record goes here with the span it was seen (``first_seen`` ..
    ``last_seen``); one row per (article, fingerprint).
``newscrawl_runs``
    one row per run (its health report as JSON text, with the run's stats):
    the job's history the drift alarm and the monitors compare a run with
    (``newscrawl.drift.RunsTable``).
``articles_fts`` (SQLite only)
    FTS5 full-text index over ``title`` and ``body_text`` of ``articles``
    (external content, trigram tokens so Chinese text is searchable too),
    kept in step by triggers on every insert, text change and delete
    (see :mod:`newscrawl.storage.fts`).
``story_signatures``, ``story_bands``
    the story index: each article's MinHash signature and its LSH band keys,
    by which ``upsert`` links a new article to the copies of its story
    (``story_id``, ``duplicate_of``; see :mod:`newscrawl.storage.stories`).
``newscrawl_meta``
    ``schema_version``: the schema this database holds; opening an older one
    runs the migrations up to :data:`SCHEMA_VERSION`, a newer one is refused.

Every value goes in as a query parameter. U+0000 cannot be stored in
PostgreSQL text, and a lone surrogate (U+D800-U+DFFF) cannot be encoded as
UTF-8 by either driver, so both backends store them as U+FFFD (the character
HTML parsers give for ``&#0;``): the two databases always hold the same values.
An identity longer than :data:`MAX_KEY_BYTES` (PostgreSQL's index cannot hold
it) is refused by both (:class:`RefusedValue`): the article is dropped, not
the database.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from newscrawl.items import ARTICLE_FIELDS, Article, article_record
from newscrawl.storage import stories as story_index
from newscrawl.storage.stories import link_new, relink_changed
from newscrawl.stories import DEFAULT_THRESHOLD, story_id_of
from newscrawl.urls import article_key

SCHEMA_VERSION = 6
"""1: the spine's SQLite table; 2: versions table, ``changed_at``, jsonb lists;
3: keys re-spelled (undecodable query bytes kept, tracking parameters per site);
4: the runs table (``newscrawl_runs``) in the schema, no longer made by the health report;
5: SQLite's full-text index ``articles_fts`` over title and body (FTS5, kept by triggers);
6: story linking: ``story_id`` and ``duplicate_of`` columns, the story index tables."""

LIST_FIELDS = frozenset({"authors", "editors", "categories", "tags", "images"})
NOT_EXTRACTED = frozenset({"fetched_at", "fingerprint"})
"""Fields that say when a page was read, or repeat title and body: a
difference in them alone is no change of the article."""
SEEN_COLUMNS = ("first_seen", "last_seen", "changed_at")
MAX_KEY_BYTES = 2000
"""Longest article identity stored (UTF-8 bytes). PostgreSQL's btree index
refuses rows over ~2,700 bytes (``index row requires N bytes``); a shorter
common limit makes both backends refuse the same articles."""

RECENT = 1000
"""At most this many articles of the open batch (emptied at each commit and
rollback) are kept in step with their rows."""

ErrorKind = Literal["lost", "refused"]
"""What a driver error means: the connection or server is gone (reconnect and
retry), or the database refused this row (drop the article, carry on)."""


class StorageError(RuntimeError):
    """The database cannot be used; the message names it (password masked)."""


class RefusedValue(ValueError):
    """An article neither backend can store as it is (e.g. a too long identity)."""


def mask_password(url: str) -> str:
    """The URL with its password replaced by ``***`` (for messages and logs).

    >>> mask_password("postgresql://crawler:s3cret@db.example:5432/news")
    'postgresql://crawler:***@db.example:5432/news'
    >>> mask_password("sqlite:///data/newscrawl.sqlite3")
    'sqlite:///data/newscrawl.sqlite3'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def seen_time(value: str | None) -> str:
    """An ISO 8601 time as UTC ``YYYY-MM-DDTHH:MM:SSZ`` (now when missing or
    unreadable): the one spelling of first_seen/last_seen, so they compare as text.

    >>> seen_time("2021-08-27T14:55:12+08:00")
    '2021-08-27T06:55:12Z'
    """
    when: datetime | None = None
    if value:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = None
    if when is None:
        when = datetime.now(UTC)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _no_nul(value: Any) -> Any:
    r"""``value`` with U+0000 and lone surrogates replaced by U+FFFD in every string it holds.

    >>> _no_nul(["a\x00b", {"k": "\ud800"}]) == ["a\ufffdb", {"k": "\ufffd"}]
    True
    """
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_nul(v) for v in value]
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul(v) for k, v in value.items()}
    return value


def storable_record(article: Article) -> dict[str, Any]:
    """The article's schema fields as they are stored (NUL and lone surrogates replaced)."""
    return {k: _no_nul(v) for k, v in article_record(article).items()}


def stored_article(article: Article) -> Article:
    """The article as the database holds it: what the file outputs write too,
    so files and rows agree. Raises RefusedValue when it cannot be stored."""
    rec = storable_record(article)
    key = article_key(rec["url"], rec["canonical_url"])
    size = len(key.encode("utf-8"))
    if size > MAX_KEY_BYTES:
        raise RefusedValue(f"identity of {size} bytes (at most {MAX_KEY_BYTES})")
    return dataclasses.replace(article, **rec)


class Store:
    """What both backends do; subclasses supply the connection and dialect.

    Writes happen inside a transaction that the caller ends with
    :meth:`commit` (or :meth:`rollback`); nothing is committed implicitly.
    """

    dialect = ""
    run_id_column = ""
    """The runs table's ``id`` column type: an ever-growing integer key."""
    story_threshold = DEFAULT_THRESHOLD
    """Estimated Jaccard similarity from which a new article joins a stored story."""

    def __init__(self, url: str) -> None:
        self.url = url
        #: The fields the last :meth:`upsert` changed (empty unless ``changed``).
        self.changed_fields: list[str] = []
        # The articles last given to upsert (the open batch, which the files get at commit).
        self.recent: deque[Article] = deque(maxlen=RECENT)

    # --- dialect hooks -------------------------------------------------
    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        """What ``exc`` (raised by a statement or commit) means; None: not a
        database error (a bug: let it through)."""
        if isinstance(exc, RefusedValue | UnicodeError):
            return "refused"
        return None

    def p(self, name: str) -> str:
        """The placeholder of the named parameter ``name``."""
        raise NotImplementedError

    def json_param(self, value: Any) -> Any:
        """A list or dict as the driver's JSON parameter."""
        raise NotImplementedError

    def json_value(self, value: Any) -> Any:
        """A JSON column's value as read back, decoded."""
        raise NotImplementedError

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        """Run one statement; the driver's cursor."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def connect(self) -> None:
        """(Re)open the connection; raises StorageError naming the masked URL."""
        raise NotImplementedError

    def ddl(self) -> list[str]:
        """Statements creating the current schema (idempotent)."""
        raise NotImplementedError

    def migrations(self) -> dict[int, list[str | Callable[[], None]]]:
        """Steps taking the schema from version ``n - 1`` to ``n``: SQL
        statements, or functions for what SQL alone cannot do."""
        return {3: [self.respell_keys], 4: list(self.runs_ddl()), 6: story_index.migration(self)}

    def runs_ddl(self) -> list[str]:
        """The runs table and its index (idempotent). The same statements the
        health report ran itself before schema 4, so a version-3 database
        whose table it had made ends like a new one; ``report`` stays JSON
        text in both backends (nothing queries inside it)."""
        return [
            f"CREATE TABLE IF NOT EXISTS newscrawl_runs (id {self.run_id_column}, "
            "job TEXT NOT NULL, spider TEXT NOT NULL, started_at TEXT, finished_at TEXT, "
            "finish_reason TEXT, drift INTEGER NOT NULL, report TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS newscrawl_runs_job ON newscrawl_runs (job, id)",
        ]

    def respell_keys(self) -> None:
        """Move each row to the key today's identity rules give it."""
        from newscrawl.storage.rekey import rekey

        rekey(self)

    def lock_schema(self) -> None:
        """Serialize schema creation between crawlers sharing the database."""

    def lock_clause(self) -> str:
        """What makes a SELECT lock its row until commit (concurrent writers)."""
        return ""

    # --- schema ---------------------------------------------------------
    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    def schema_version(self) -> int | None:
        """The version this database holds (None: an empty database)."""
        if not self.table_exists("newscrawl_meta"):
            return None
        row = self.execute(
            f"SELECT value FROM newscrawl_meta WHERE key = {self.p('k')}", {"k": "schema_version"}
        ).fetchone()
        return int(row[0]) if row else None

    def ensure_schema(self) -> None:
        """Create the schema on first use, or migrate an older one, in one transaction.

        A database already at this version is only read: every connection
        (the store, the seen-store, the runs table, a second job) opens
        through here, and none of them should wait for a writer to do nothing."""
        if self.schema_version() == SCHEMA_VERSION:
            self.commit()
            return
        self.commit()
        self.lock_schema()
        version = self.schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StorageError(
                f"the database {mask_password(self.url)} holds schema version {version}, "
                f"newer than this newscrawl's {SCHEMA_VERSION}: upgrade newscrawl"
            )
        if version is not None and version < SCHEMA_VERSION:
            steps = self.migrations()
            for n in range(version + 1, SCHEMA_VERSION + 1):
                for step in steps.get(n, []):
                    if callable(step):
                        step()
                    else:
                        self.execute(step)
        for statement in [*self.ddl(), *story_index.ddl(self)]:
            self.execute(statement)
        self.execute(
            f"INSERT INTO newscrawl_meta (key, value) VALUES ({self.p('k')}, {self.p('v')}) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"k": "schema_version", "v": str(SCHEMA_VERSION)},
        )
        self.commit()

    # --- writing --------------------------------------------------------
    def _params(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {k: self.json_param(v) if k in LIST_FIELDS else v for k, v in rec.items()}

    def upsert(self, article: Article) -> str:
        """Store one article; what happened: ``new``, ``seen`` (same record,
        last_seen moved), ``changed`` (a field differs: the new record is
        current, the old one goes to versions; :attr:`changed_fields` names
        the fields) or ``older`` (a text older than the current one, kept in
        versions). A version's span is its own: from when that record became
        current (``changed_at``) to when it was last seen.
        Sets the given article's ``story_id`` and ``duplicate_of`` to its row's."""
        self.changed_fields = []
        given = article
        article = stored_article(article)
        rec = article_record(article)
        key = article_key(article.url, article.canonical_url)
        # A new row starts its own story; link_new() moves it into a stored one.
        rec |= {"story_id": story_id_of(key), "duplicate_of": None}
        seen = seen_time(article.fetched_at)
        params = self._params(rec) | {"id": key, "seen": seen}
        cols = ", ".join(f'"{c}"' for c in ("id", *ARTICLE_FIELDS, *SEEN_COLUMNS))
        vals = ", ".join(
            [self.p("id"), *(self.p(c) for c in ARTICLE_FIELDS), *[self.p("seen")] * 3]
        )
        cur = self.execute(
            f"INSERT INTO articles ({cols}) VALUES ({vals}) ON CONFLICT (id) DO NOTHING", params
        )
        if cur.rowcount == 1:
            given.story_id, given.duplicate_of = link_new(
                self, key, rec["body_text"], rec["published_at"]
            )
            if given.story_id != rec["story_id"] and given.duplicate_of is None:
                # A copy published before the story's first: the batch's other
                # copies now point to it, as their rows do.
                for other in self.recent:
                    if other.story_id == given.story_id and other is not given:
                        other.duplicate_of = key
            self.recent.append(given)
            return "new"
        fields = ", ".join(f'"{c}"' for c in ARTICLE_FIELDS)
        row = self.execute(
            f"SELECT {fields}, changed_at, last_seen FROM articles WHERE id = {self.p('id')}"
            + self.lock_clause(),
            {"id": key},
        ).fetchone()
        old = self._record(row)
        # changed_at: when the current record was first seen (its version's start).
        since, last = row[len(ARTICLE_FIELDS)], row[len(ARTICLE_FIELDS) + 1]
        # Re-crawls keep the story the article joined when it was first stored.
        given.story_id, given.duplicate_of = old["story_id"], old["duplicate_of"]
        rec |= {"story_id": old["story_id"], "duplicate_of": old["duplicate_of"]}
        changed = changed_fields(old, rec)
        if old["fingerprint"] == rec["fingerprint"] and (not changed or seen < last):
            if seen > last:
                self.execute(
                    f"UPDATE articles SET last_seen = {self.p('seen')} WHERE id = {self.p('id')}",
                    {"seen": seen, "id": key},
                )
            return "seen"
        if seen < last:
            # A re-crawl of an older copy (an old WARC replayed after a newer
            # crawl): the current text stays, the older one is kept as a version.
            self._keep_version(key, rec, seen, seen)
            return "older"
        # Same title and body but other fields (a re-extraction by a better
        # site module): its version shares the fingerprint of the current
        # record, so of two such records versions keep the first.
        self._keep_version(key, old, since, last)
        self.changed_fields = changed
        if old["body_text"] != rec["body_text"] or old["published_at"] != rec["published_at"]:
            relink_changed(self, key, old["story_id"], rec["body_text"], rec["published_at"])
        sets = ", ".join(f'"{c}" = {self.p(c)}' for c in ARTICLE_FIELDS)
        self.execute(
            f"UPDATE articles SET {sets}, last_seen = {self.p('seen')}, "
            f"changed_at = {self.p('seen')} WHERE id = {self.p('id')}",
            params,
        )
        return "changed"

    def _keep_version(self, key: str, rec: dict[str, Any], first: str, last: str) -> None:
        p = self.p
        self.execute(
            "INSERT INTO article_versions (article_id, fingerprint, title, body_text, record, "
            f"first_seen, last_seen) VALUES ({p('id')}, {p('fp')}, {p('title')}, {p('body')}, "
            f"{p('record')}, {p('first')}, {p('last')}) ON CONFLICT (article_id, fingerprint) DO "
            "UPDATE SET first_seen = CASE WHEN excluded.first_seen < article_versions.first_seen "
            "THEN excluded.first_seen ELSE article_versions.first_seen END, "
            "last_seen = CASE WHEN excluded.last_seen > article_versions.last_seen "
            "THEN excluded.last_seen ELSE article_versions.last_seen END",
            {
                "id": key,
                "fp": rec["fingerprint"],
                "title": rec["title"],
                "body": rec["body_text"],
                "record": self.json_param(rec),
                "first": first,
                "last": last,
            },
        )

    # --- reading (for users and tests) ---------------------------------
    def _record(self, row: Any) -> dict[str, Any]:
        return {
            f: (self.json_value(row[i]) if f in LIST_FIELDS and row[i] is not None else row[i])
            for i, f in enumerate(ARTICLE_FIELDS)
        }

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record of article ``key`` plus first_seen/last_seen/changed_at."""
        fields = ", ".join(f'"{c}"' for c in ARTICLE_FIELDS)
        row = self.execute(
            f"SELECT {fields}, first_seen, last_seen, changed_at FROM articles "
            f"WHERE id = {self.p('id')}",
            {"id": key},
        ).fetchone()
        if row is None:
            return None
        rec = self._record(row)
        n = len(ARTICLE_FIELDS)
        return rec | {"first_seen": row[n], "last_seen": row[n + 1], "changed_at": row[n + 2]}

    def versions(self, key: str) -> list[dict[str, Any]]:
        """Earlier texts of article ``key``, oldest first: record + first/last seen."""
        rows = self.execute(
            "SELECT record, first_seen, last_seen FROM article_versions "
            f"WHERE article_id = {self.p('id')} ORDER BY first_seen, id",
            {"id": key},
        ).fetchall()
        return [
            {"record": self.json_value(r[0]), "first_seen": r[1], "last_seen": r[2]} for r in rows
        ]

    def count(self, table: str = "articles") -> int:
        if table not in ("articles", "article_versions", "newscrawl_runs"):
            raise ValueError(table)
        return int(self.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The extracted fields whose values differ between two records.

    >>> changed_fields({"title": "a", "tags": [], "fetched_at": "1"}, {"title": "b", "tags": [], "fetched_at": "2"})
    ['title']
    """
    return [f for f in ARTICLE_FIELDS if f not in NOT_EXTRACTED and old.get(f) != new.get(f)]


def article_columns(json_type: str) -> str:
    """The articles table's columns in one dialect (``json_type`` for lists)."""
    cols = ['"id" TEXT PRIMARY KEY', '"url" TEXT NOT NULL']
    for f in ARTICLE_FIELDS:
        if f == "url":
            continue
        cols.append(f'"{f}" {json_type if f in LIST_FIELDS else "TEXT"}')
    cols += [f'"{c}" TEXT NOT NULL' for c in SEEN_COLUMNS]
    return ",\n    ".join(cols)


def json_text(value: Any) -> str:
    """A list or dict as the JSON text SQLite stores (characters kept, not escaped)."""
    return json.dumps(value, ensure_ascii=False)


def open_store(url: str, story_threshold: float | None = None) -> Store:
    """The store named by ``url``, connected, its schema created or migrated;
    new articles join stories from ``story_threshold`` (default: the setting's default).

    Raises StorageError (password masked) when it cannot be opened.
    """
    store: Store
    if url.startswith(("postgresql://", "postgres://")):
        from newscrawl.storage.postgres import PostgresStore

        store = PostgresStore(url)
    elif url.startswith("sqlite:///") or "://" not in url:
        from newscrawl.storage.sqlite import SQLiteStore

        store = SQLiteStore(url)
    else:
        raise StorageError(
            f"NEWSCRAWL_DATABASE={mask_password(url)!r}: use sqlite:///path/file.sqlite3 "
            "or postgresql://user:password@host:5432/dbname"
        )
    if story_threshold is not None:
        store.story_threshold = story_threshold
    store.connect()
    try:
        store.ensure_schema()
    except StorageError:
        store.close()
        raise
    except Exception as exc:
        store.close()
        raise StorageError(
            f"cannot set up the schema in {mask_password(url)}: {type(exc).__name__}: {exc}"
        ) from exc
    return store

"""Copy a newscrawl database (PostgreSQL, or another SQLite file) into a new
SQLite file of the same schema, full-text index included: what Datasette
(``scrapy browse``) opens when the archive lives in PostgreSQL.

The copy goes through the storage layer: the new file is created by
:func:`newscrawl.storage.open_store` (tables, indexes, the FTS5 index and its
triggers, ``schema_version``), so the index fills as the rows go in. Rows are
read in pages by key (``WHERE id > last ORDER BY id LIMIT n``): memory stays
bounded whatever the size of the database. A PostgreSQL source is read in one
REPEATABLE READ transaction: a crawl writing meanwhile does not tear the copy.
The file is written under a temporary name and renamed when complete, so a
killed export leaves no half file under the name asked for.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.storage import LIST_FIELDS, SEEN_COLUMNS, Store, open_store
from newscrawl.storage.fts import INTEGRITY_CHECK
from newscrawl.storage.stories import insert_bands
from newscrawl.stories import band_keys, from_bytes

BATCH_ROWS = 500
"""Rows read and written per page."""

TABLES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "articles": (("id", *ARTICLE_FIELDS, *SEEN_COLUMNS), LIST_FIELDS),
    "article_versions": (
        (
            "id",
            "article_id",
            "fingerprint",
            "title",
            "body_text",
            "record",
            "first_seen",
            "last_seen",
        ),
        frozenset({"record"}),
    ),
    "newscrawl_runs": (
        ("id", "job", "spider", "started_at", "finished_at", "finish_reason", "drift", "report"),
        frozenset(),
    ),
    # The story index: its band rows are made anew from each signature (paging
    # them by band could split rows that share one).
    "story_signatures": (
        ("sig_id", "article_id", "story_id", "published_utc", "signature"),
        frozenset(),
    ),
}
"""Each table copied: its columns (the first is the key pages are read by) and its JSON columns."""


class ExportError(RuntimeError):
    """The copy cannot be made; the message says why."""


def _pages(source: Store, table: str, columns: tuple[str, ...]) -> Iterator[list[Any]]:
    key = columns[0]
    cols = ", ".join(f'"{c}"' for c in columns)
    last: Any = None
    while True:
        where = "" if last is None else f' WHERE "{key}" > {source.p("last")}'
        rows = source.execute(
            f'SELECT {cols} FROM {table}{where} ORDER BY "{key}" LIMIT {BATCH_ROWS}',
            None if last is None else {"last": last},
        ).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def copy_rows(source: Store, target: Store) -> dict[str, int]:
    """Copy every table of :data:`TABLES` from ``source`` into ``target``
    (both open, target empty); committed page by page. Rows copied per table."""
    counts: dict[str, int] = {}
    for table, (columns, json_columns) in TABLES.items():
        cols = ", ".join(f'"{c}"' for c in columns)
        vals = ", ".join(target.p(c) for c in columns)
        insert = f"INSERT INTO {table} ({cols}) VALUES ({vals})"
        counts[table] = 0
        for rows in _pages(source, table, columns):
            for row in rows:
                params = dict(zip(columns, row, strict=True))
                for c in json_columns:
                    if params[c] is not None:
                        params[c] = target.json_param(source.json_value(params[c]))
                target.execute(insert, params)
                if table == "story_signatures":
                    insert_bands(
                        target,
                        int(params["sig_id"]),
                        band_keys(from_bytes(bytes(params["signature"]))),
                    )
            target.commit()
            counts[table] += len(rows)
    return counts


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def export_sqlite(source_url: str, out: Path, *, force: bool = False) -> dict[str, int]:
    """Copy the database at ``source_url`` into the new SQLite file ``out``.

    Raises ExportError when ``out`` exists (unless ``force``: then it is
    replaced once the copy is complete) or is the source itself;
    :class:`newscrawl.storage.StorageError` when a database cannot be opened.
    Returns the rows copied per table.
    """
    if out.exists() and not force:
        raise ExportError(f"{out} exists: give another file, or --force to replace it")
    source = open_store(source_url)
    try:
        if source.dialect == "sqlite" and out.exists():
            from newscrawl.storage.sqlite import database_path

            if out.resolve() == database_path(source_url).resolve():
                raise ExportError(f"{out} is the database being copied")
        if source.dialect == "postgresql":
            # One snapshot for every page of every table.
            source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.export-{os.getpid()}")
        _remove(tmp)
        try:
            target = open_store(f"sqlite:///{tmp}")
            try:
                counts = copy_rows(source, target)
                target.execute(INTEGRITY_CHECK)
                target.commit()
            finally:  # the last connection closed folds the WAL into the file
                target.close()
            _remove(out)
            os.replace(tmp, out)
        finally:
            _remove(tmp)
    finally:
        source.close()
    return counts

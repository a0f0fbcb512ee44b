"""The SQLite full-text index (schema step 5): built on a fresh file and on
one migrated from version 3, kept right through re-crawls and deletes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_store import make_article, opened

from newscrawl.storage import SCHEMA_VERSION
from newscrawl.storage.fts import INTEGRITY_CHECK


def search(path: Path, term: str) -> list[str]:
    """Titles of the articles whose title or body holds ``term``, as Datasette's search finds them."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT title FROM articles WHERE rowid IN "
            "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) ORDER BY title",
            (f'"{term}"',),
        ).fetchall()
        db.execute(INTEGRITY_CHECK)
    finally:
        db.close()
    return [r[0] for r in rows]


def test_updates_and_recrawls_keep_the_index_right(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with opened(f"sqlite:///{path}") as store:
        store.upsert(make_article(1, title="人民银行 harbour news", body_text="first text"))
        store.upsert(make_article(2, title="Other", body_text="budget talk"))
        store.commit()
        assert search(path, "人民银行") == ["人民银行 harbour news"]
        assert search(path, "budget") == ["Other"]
        # a re-crawl with a new text replaces the indexed one
        store.upsert(
            make_article(
                2,
                title="Other",
                body_text="railway talk",
                fingerprint="new",
                fetched_at="2024-07-01T00:00:00Z",
            )
        )
        store.commit()
        assert search(path, "budget") == []
        assert search(path, "railway") == ["Other"]
        store.execute("DELETE FROM articles WHERE title = 'Other'")
        store.commit()
    assert search(path, "railway") == []


def test_a_version_3_file_is_indexed_like_a_fresh_one(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    for path in (fresh, old):
        with opened(f"sqlite:///{path}") as store:
            store.upsert(make_article(1, title="Harbour story", body_text="river bridge"))
            store.commit()
    db = sqlite3.connect(old)  # back to version 3: no index, no triggers
    db.executescript(
        "DROP TRIGGER articles_fts_insert; DROP TRIGGER articles_fts_delete;"
        "DROP TRIGGER articles_fts_update; DROP TABLE articles_fts;"
        "UPDATE newscrawl_meta SET value = '3' WHERE key = 'schema_version';"
    )
    db.close()
    with opened(f"sqlite:///{old}") as store:
        assert store.schema_version() == SCHEMA_VERSION
    schemas = []
    for path in (fresh, old):
        db = sqlite3.connect(path)
        schemas.append(
            db.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'articles_fts%' "
                "ORDER BY name"
            ).fetchall()
        )
        db.close()
        assert search(path, "bridge") == ["Harbour story"]
    assert schemas[0] == schemas[1]

"""``scrapy exportdb``: a PostgreSQL archive (a real server on 127.0.0.1, filled
by a real replay crawl plus a re-crawled text) copied into a SQLite file that
holds the same rows, the same schema as a crawl's own file, and a full-text
index that finds Chinese text, for ``scrapy browse``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, replay
from test_store import make_article, opened
from test_store_fts import search

from newscrawl.storage import StorageError
from newscrawl.storage.export import TABLES, ExportError, export_sqlite


def exportdb(out: Path, database: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """The README's command, with the database in the environment as a user sets it."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "exportdb", str(out), *flags],
        cwd=ROOT,
        env={**os.environ, "NEWSCRAWL_DATABASE": database},
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(url: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` in key order, JSON columns decoded (jsonb or JSON text)."""
    columns, json_columns = TABLES[table]
    cols = ", ".join(f'"{c}"' for c in columns)
    with opened(url) as store:
        got = store.execute(f'SELECT {cols} FROM {table} ORDER BY "{columns[0]}"').fetchall()
        return [
            tuple(
                store.json_value(v) if c in json_columns and v is not None else v
                for c, v in zip(columns, row, strict=True)
            )
            for row in got
        ]


def schema(path: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        db.close()


def test_a_postgresql_archive_exports_to_a_browsable_sqlite_file(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    pg = fresh_postgres_url
    replay(FIXTURES / "sina", tmp_path / "crawl", "-s", f"NEWSCRAWL_DATABASE={pg}")
    with opened(pg) as store:  # a re-crawl with a new text: one row in article_versions
        store.upsert(make_article(1, title="人民银行 harbour", body_text="old text"))
        store.upsert(
            make_article(
                1, body_text="新的正文", fingerprint="fp-new", fetched_at="2024-06-01T00:00:00Z"
            )
        )
        store.commit()
    out = tmp_path / "browse" / "archive.sqlite3"
    proc = exportdb(out, pg)
    assert proc.returncode == 0, proc.stderr
    assert f"into {out}: 7 articles, 1 article_versions, 1 newscrawl_runs" in proc.stdout
    assert "postgres@" in proc.stdout and not list(out.parent.glob(".*export*"))

    for table in TABLES:
        assert rows(f"sqlite:///{out}", table) == rows(pg, table), table
    # the schema of a file a crawl makes, full-text index and triggers included
    with opened(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"):
        pass
    assert schema(out) == schema(tmp_path / "fresh.sqlite3")
    # Chinese found in a body (search() also runs FTS5's integrity check)
    assert search(out, "厨余垃圾") == ["多地试点垃圾分类积分兑换 居民参与热情提高"]
    assert search(out, "新的正文") == ["Story 1"]
    assert search(out, "old text") == []
    record = json.loads(
        sqlite3.connect(out).execute("SELECT record FROM article_versions").fetchone()[0]
    )
    assert record["body_text"] == "old text" and record["authors"] == ["Ana Silva", "李祺瑶"]


def test_an_existing_file_is_replaced_only_when_asked(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    with opened(fresh_postgres_url) as store:
        store.upsert(make_article(1, title="First story"))
        store.commit()
    out = tmp_path / "archive.sqlite3"
    out.write_text("keep me")
    proc = exportdb(out, fresh_postgres_url)
    assert proc.returncode == 1
    assert f"scrapy exportdb: {out} exists: give another file, or --force" in proc.stderr
    assert out.read_text() == "keep me"
    assert export_sqlite(fresh_postgres_url, out, force=True) == {
        "articles": 1,
        "article_versions": 0,
        "newscrawl_runs": 0,
        "story_signatures": 0,  # a body too short to link has no signature
    }
    assert search(out, "First story") == ["First story"]


def test_an_unreachable_database_is_named_with_its_password_masked(tmp_path: Path) -> None:
    out = tmp_path / "archive.sqlite3"
    with pytest.raises(StorageError) as failed:
        export_sqlite("postgresql://crawler:s3cret@127.0.0.1:9/news", out)
    message = str(failed.value)
    assert "cannot connect to the database postgresql://crawler:***@127.0.0.1:9/news" in message
    assert "s3cret" not in message and not out.exists()


def test_a_sqlite_archive_is_copied_the_same_way(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'crawl.sqlite3'}"
    with opened(source) as store:
        for i in range(1, 4):
            store.upsert(make_article(i, title=f"社区食堂 {i}"))
        store.commit()
    out = tmp_path / "copy.sqlite3"
    assert export_sqlite(source, out)["articles"] == 3
    for table in TABLES:
        assert rows(f"sqlite:///{out}", table) == rows(source, table), table
    assert search(out, "社区食堂") == ["社区食堂 1", "社区食堂 2", "社区食堂 3"]
    with pytest.raises(ExportError, match="is the database being copied"):
        export_sqlite(source, tmp_path / "crawl.sqlite3", force=True)
    assert len(rows(source, "articles")) == 3  # and the source is left as it was

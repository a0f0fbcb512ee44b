"""SQLite's full-text index of the articles (schema step 5): an FTS5 table
over ``title`` and ``body_text`` whose text lives in ``articles`` itself
(external content, keyed by the row's ``rowid``), kept in step by triggers.

Trigram tokens: Chinese has no spaces between words, so a word tokenizer
would index a whole sentence as one token; trigrams find any run of three
or more characters, in any language (``search("人民银行")``). Shorter terms
need a ``LIKE`` query instead.

Triggers, not the store's upsert, keep the index: every writer of the file
(the store, the re-keying migration, an export, a user's own SQL) keeps it
right. Only a change of ``title`` or ``body_text`` touches the index; a
re-crawl that only moves ``last_seen`` does not.

Datasette finds the index by its ``content="articles"`` (see
``newscrawl/datasette/metadata.yml``): ``?_search=`` on the articles table.
"""

from __future__ import annotations

FTS_TABLE = "articles_fts"

FTS_DDL: tuple[str, ...] = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
    title, body_text, content="articles", content_rowid="rowid", tokenize="trigram"
)""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON articles BEGIN
    INSERT INTO {FTS_TABLE} (rowid, title, body_text) VALUES (new.rowid, new.title, new.body_text);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON articles BEGIN
    INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, body_text)
    VALUES ('delete', old.rowid, old.title, old.body_text);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF title, body_text ON articles
BEGIN
    INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, body_text)
    VALUES ('delete', old.rowid, old.title, old.body_text);
    INSERT INTO {FTS_TABLE} (rowid, title, body_text) VALUES (new.rowid, new.title, new.body_text);
END""",
)
"""Statements creating the index and its triggers (idempotent)."""

FTS_MIGRATION: tuple[str, ...] = (
    *FTS_DDL,
    # Index the rows stored before the triggers existed.
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')",
)
"""Schema step 5 on an existing SQLite file: the index, its triggers, the old rows indexed."""

INTEGRITY_CHECK = f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
"""Raises ``sqlite3.DatabaseError`` when the index and the articles disagree."""

"""A database written under the old identity rules is re-keyed on open:
two articles the old rules merged stay apart from now on, and each stored
row (with its versions) is found under the key today's rules give it."""

from __future__ import annotations

from pathlib import Path

from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.storage import SCHEMA_VERSION, open_store
from newscrawl.urls import article_key


def _article(url: str, title: str) -> Article:
    return Article(
        url=url,
        site="generic",
        title=title,
        published_at="2024-03-01T10:00:00+00:00",
        body_text=f"{title} body",
        fetched_at="2024-03-01T10:00:00Z",
        fingerprint=title,
    )


def test_old_keys_are_respelled_and_versions_follow(database_url: str) -> None:
    store = open_store(database_url)
    try:
        url = "http://e.test/s?t=%D6%D0%CE%C4&r=1"
        store.upsert(_article(url, "one"))
        store.upsert(_article(url, "two"))  # a changed text: "one" goes to the versions
        store.commit()
        new = article_key(url)
        # as the old rules spelled it: r dropped, the GBK bytes decoded to U+FFFD
        old = "http://e.test/s?t=%EF%BF%BD%EF%BF%BD"
        store.execute(
            f"INSERT INTO articles SELECT {store.p('old')}, "
            + ", ".join(
                f'"{c}"' for c in (*ARTICLE_FIELDS, "first_seen", "last_seen", "changed_at")
            )
            + f" FROM articles WHERE id = {store.p('new')}",
            {"old": old, "new": new},
        )
        store.execute(
            f"UPDATE article_versions SET article_id = {store.p('old')} "
            f"WHERE article_id = {store.p('new')}",
            {"old": old, "new": new},
        )
        store.execute(f"DELETE FROM articles WHERE id = {store.p('new')}", {"new": new})
        store.execute(
            f"UPDATE newscrawl_meta SET value = {store.p('v')} WHERE key = 'schema_version'",
            {"v": "2"},  # before step 3, the re-spelling
        )
        store.commit()
    finally:
        store.close()

    store = open_store(database_url)
    try:
        assert store.get(old) is None
        row = store.get(new)
        assert row is not None and row["title"] == "two"
        assert [v["record"]["title"] for v in store.versions(new)] == ["one"]
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


def test_a_fresh_database_is_at_the_current_version(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()

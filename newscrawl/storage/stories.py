"""Story linking in the database (schema step 6): the MinHash LSH index of
:mod:`newscrawl.stories` kept in tables, so copies are linked across runs and
across workers sharing one PostgreSQL database.

``story_signatures``
    one row per linked article: its ``article_id``, ``story_id``, the UTC
    publication time the earliest copy is chosen by (``published_utc``), and
    its MinHash signature (128 4-byte values, ``BLOB`` / ``bytea``).
``story_bands``
    the LSH index: one row per band of each signature, ``(band, sig_id)``,
    the band key a signed 64-bit hash (see :func:`newscrawl.stories.band_keys`);
    its primary key is the index a new article's bands are looked up in.

An article stored for the first time (:func:`link_new`) has its bands looked
up; the candidates sharing most bands (at most :data:`MAX_CANDIDATES`) are
confirmed by the estimated Jaccard similarity of the signatures, and the most
similar one at or above the threshold gives its ``story_id``. No candidate:
the article starts a story whose id is derived from its own identity
(:func:`newscrawl.stories.story_id_of`). ``duplicate_of`` is the identity
(``articles.id``) of the story's earliest published copy, null on that copy
itself; when a copy published earlier than the story's first arrives later,
the other copies' ``duplicate_of`` move to it.

Everything happens in the store's transaction, with the article's row: a
killed crawl leaves the article, its signature and its bands all committed
or none of them. Re-crawls keep the stored ``story_id``; a changed text gets
its signature and bands replaced but keeps its story. Two workers storing two
copies of a new story in the same commit interval do not see each other's
uncommitted rows: each copy starts a story (the next copy links to one of them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from newscrawl import stories

if TYPE_CHECKING:
    from newscrawl.storage import Store

MAX_CANDIDATES = 100
"""Signatures compared per new article: those sharing the most bands. A
story's copies share many bands; a report filled into one frame every day
shares a few with hundreds of others, which need not all be read."""


def ddl(store: Store) -> list[str]:
    """The tables and indexes (idempotent), in the store's dialect."""
    pg = store.dialect == "postgresql"
    sig_id = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" if pg else "INTEGER PRIMARY KEY"
    blob = "bytea" if pg else "BLOB"
    return [
        "CREATE INDEX IF NOT EXISTS articles_story_id ON articles (story_id)",
        f"""CREATE TABLE IF NOT EXISTS story_signatures (
    sig_id {sig_id},
    article_id TEXT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
    story_id TEXT NOT NULL,
    published_utc TEXT,
    signature {blob} NOT NULL
)""",
        "CREATE INDEX IF NOT EXISTS story_signatures_story ON story_signatures (story_id)",
        "CREATE TABLE IF NOT EXISTS story_bands (band BIGINT NOT NULL, sig_id BIGINT NOT NULL, "
        "PRIMARY KEY (band, sig_id))" + ("" if pg else " WITHOUT ROWID"),
    ]


def migration(store: Store) -> list[str | Callable[[], None]]:
    """Schema step 6: the two columns, the tables, every stored article linked
    (oldest first, as if crawled again in the order first seen)."""

    def link_stored() -> None:
        backfill(store)

    return [lambda: _add_columns(store), *ddl(store), link_stored]


def _add_columns(store: Store) -> None:
    have = {d[0] for d in store.execute("SELECT * FROM articles LIMIT 0").description}
    for column in ("story_id", "duplicate_of"):
        if column not in have:
            store.execute(f'ALTER TABLE articles ADD COLUMN "{column}" TEXT')


def backfill(store: Store) -> int:
    """Link every article that has no story yet; how many. In the caller's transaction."""
    rows = store.execute(
        "SELECT id, body_text, published_at FROM articles WHERE story_id IS NULL "
        "ORDER BY first_seen, id"
    ).fetchall()
    for key, body, published in rows:
        store.execute(
            f"UPDATE articles SET story_id = {store.p('s')} WHERE id = {store.p('id')}",
            {"s": stories.story_id_of(key), "id": key},
        )
        link_new(store, key, body or "", published)
    return len(rows)


def published_utc(value: str | None) -> str | None:
    """An ISO 8601 time as UTC text that sorts in time order; None when missing or unreadable.

    >>> published_utc("2021-08-27T14:55:00+08:00")
    '2021-08-27T06:55:00Z'
    """
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _candidates(store: Store, keys: list[int]) -> list[Any]:
    names = [f"b{i}" for i in range(len(keys))]
    marks = ", ".join(store.p(n) for n in names)
    return list(
        store.execute(
            "SELECT s.sig_id, s.article_id, s.story_id, s.signature FROM story_signatures s "
            f"JOIN (SELECT sig_id, count(*) AS shared FROM story_bands WHERE band IN ({marks}) "
            f"GROUP BY sig_id ORDER BY shared DESC, sig_id LIMIT {MAX_CANDIDATES}) c "
            "ON c.sig_id = s.sig_id ORDER BY s.sig_id",
            dict(zip(names, keys, strict=True)),
        ).fetchall()
    )


def _insert_signature(store: Store, key: str, story: str, when: str | None, sig: Any) -> None:
    p = store.p
    row = store.execute(
        "INSERT INTO story_signatures (article_id, story_id, published_utc, signature) "
        f"VALUES ({p('id')}, {p('s')}, {p('t')}, {p('sig')}) RETURNING sig_id",
        {"id": key, "s": story, "t": when, "sig": stories.to_bytes(sig)},
    ).fetchone()
    insert_bands(store, int(row[0]), stories.band_keys(sig))


def insert_bands(store: Store, sig_id: int, keys: list[int]) -> None:
    values = ", ".join(f"({store.p(f'b{i}')}, {store.p('sig')})" for i in range(len(keys)))
    params: dict[str, Any] = {f"b{i}": k for i, k in enumerate(keys)} | {"sig": sig_id}
    store.execute(
        f"INSERT INTO story_bands (band, sig_id) VALUES {values} ON CONFLICT DO NOTHING", params
    )


def link_new(store: Store, key: str, body: str, published: str | None) -> tuple[str, str | None]:
    """Link a just inserted article (row ``key``, whose ``story_id`` is its
    own): its ``(story_id, duplicate_of)``, written to its row and the index."""
    own = stories.story_id_of(key)
    sig = stories.signature(body)
    if sig is None:
        return own, None
    when = published_utc(published)
    best: tuple[float, str] | None = None
    for _sig_id, other, story, data in _candidates(store, stories.band_keys(sig)):
        if other == key:
            continue
        score = stories.similarity(sig, stories.from_bytes(bytes(data)))
        if score >= store.story_threshold and (best is None or score > best[0]):
            best = (score, str(story))
    story = own if best is None else best[1]
    duplicate_of: str | None = None
    p = store.p
    if best is not None:
        first_key, first_when = store.execute(
            f"SELECT article_id, published_utc FROM story_signatures WHERE story_id = {p('s')} "
            "ORDER BY published_utc IS NULL, published_utc, sig_id LIMIT 1",
            {"s": story},
        ).fetchone()
        if when is not None and (first_when is None or when < first_when):
            # This copy was published first: the others now point to it.
            store.execute(
                f"UPDATE articles SET duplicate_of = {p('id')} "
                f"WHERE story_id = {p('s')} AND id <> {p('id')}",
                {"id": key, "s": story},
            )
        else:
            duplicate_of = str(first_key)
        store.execute(
            f"UPDATE articles SET story_id = {p('s')}, duplicate_of = {p('d')} "
            f"WHERE id = {p('id')}",
            {"s": story, "d": duplicate_of, "id": key},
        )
    _insert_signature(store, key, story, when, sig)
    return story, duplicate_of


def relink_changed(store: Store, key: str, story: str, body: str, published: str | None) -> None:
    """A stored article's text changed: its signature and bands become the
    new text's; its story stays (ids are stable across re-crawls)."""
    p = store.p
    row = store.execute(
        f"SELECT sig_id, signature FROM story_signatures WHERE article_id = {p('id')}",
        {"id": key},
    ).fetchone()
    sig = stories.signature(body)
    if row is not None:
        old_keys = stories.band_keys(stories.from_bytes(bytes(row[1])))
        names = [f"b{i}" for i in range(len(old_keys))]
        store.execute(
            f"DELETE FROM story_bands WHERE sig_id = {p('sig')} "
            f"AND band IN ({', '.join(p(n) for n in names)})",
            dict(zip(names, old_keys, strict=True)) | {"sig": int(row[0])},
        )
        store.execute(f"DELETE FROM story_signatures WHERE sig_id = {p('sig')}", {"sig": row[0]})
    if sig is not None:
        _insert_signature(store, key, story, published_utc(published), sig)

"""Re-keying: when the identity rules change (``newscrawl.urls.article_key``),
each stored row moves to the key today's rules give it, its versions with it.

A row whose new key is already taken (one article stored twice under the
old keys) keeps its old key rather than being lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newscrawl.urls import article_key

if TYPE_CHECKING:
    from newscrawl.storage import Store


def rekey(store: Store) -> int:
    """Move every row whose key the identity rules now spell otherwise; the
    number of rows moved. Runs inside the caller's transaction."""
    p = store.p
    moves = [
        (old, new)
        for old, url, canonical in store.execute(
            "SELECT id, url, canonical_url FROM articles"
        ).fetchall()
        if (new := article_key(str(url), canonical)) != old
    ]
    taken = {str(r[0]) for r in store.execute("SELECT id FROM articles").fetchall()}
    # The columns the table has now: an old schema's step runs before later
    # steps add theirs (story_id, duplicate_of: schema 6).
    columns = [d[0] for d in store.execute("SELECT * FROM articles LIMIT 0").description]
    cols = ", ".join(f'"{c}"' for c in columns)
    rest = ", ".join(f'"{c}"' if c != "id" else p("new") for c in columns)
    stories = store.table_exists("story_signatures")
    moved = 0
    for old, new in moves:
        if new in taken:
            continue
        # Copy, move the versions, delete: article_versions references the key.
        store.execute(
            f"INSERT INTO articles ({cols}) SELECT {rest} FROM articles WHERE id = {p('old')}",
            {"new": new, "old": old},
        )
        store.execute(
            f"UPDATE article_versions SET article_id = {p('new')} WHERE article_id = {p('old')}",
            {"new": new, "old": old},
        )
        if stories:
            # The story id stays (it was derived once, from the old key); the
            # signature and the links follow the row.
            for sql in (
                f"UPDATE story_signatures SET article_id = {p('new')} WHERE article_id = {p('old')}",
                f"UPDATE articles SET duplicate_of = {p('new')} WHERE duplicate_of = {p('old')}",
            ):
                store.execute(sql, {"new": new, "old": old})
        store.execute(f"DELETE FROM articles WHERE id = {p('old')}", {"old": old})
        taken.discard(old)
        taken.add(new)
        moved += 1
    return moved

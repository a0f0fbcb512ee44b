"""Re-keying: when the identity rules change (``newscrawl.urls.article_key``),
each stored row moves to the key today's rules give it, its versions with it.

A row whose new key is already taken (one article stored twice under the
old keys) keeps its old key rather than being lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.urls import article_key

if TYPE_CHECKING:
    from newscrawl.storage import Store

_COLUMNS = ("id", *ARTICLE_FIELDS, "first_seen", "last_seen", "changed_at")


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
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    rest = ", ".join(f'"{c}"' for c in _COLUMNS[1:])
    moved = 0
    for old, new in moves:
        if new in taken:
            continue
        # Copy, move the versions, delete: article_versions references the key.
        store.execute(
            f"INSERT INTO articles ({cols}) SELECT {p('new')}, {rest} FROM articles "
            f"WHERE id = {p('old')}",
            {"new": new, "old": old},
        )
        store.execute(
            f"UPDATE article_versions SET article_id = {p('new')} WHERE article_id = {p('old')}",
            {"new": new, "old": old},
        )
        store.execute(f"DELETE FROM articles WHERE id = {p('old')}", {"old": old})
        taken.discard(old)
        taken.add(new)
        moved += 1
    return moved

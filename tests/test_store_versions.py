"""Versions of one article (SQLite and PostgreSQL): each version's span is
its own (from when that record became current to when it was last seen), and
a re-extraction that changes fields other than the text is a change too,
naming the fields."""

from __future__ import annotations

from test_store import make_article, opened

from newscrawl.urls import article_key


def test_each_version_carries_its_own_first_seen_time(database_url: str) -> None:
    a = make_article(fetched_at="2024-05-01T00:00:00Z", fingerprint="fp-a", body_text="A.")
    a_again = make_article(fetched_at="2024-05-02T00:00:00Z", fingerprint="fp-a", body_text="A.")
    b = make_article(fetched_at="2024-05-03T00:00:00Z", fingerprint="fp-b", body_text="B.")
    b_again = make_article(fetched_at="2024-05-04T00:00:00Z", fingerprint="fp-b", body_text="B.")
    c = make_article(fetched_at="2024-05-05T00:00:00Z", fingerprint="fp-c", body_text="C.")
    key = article_key(a.url)
    with opened(database_url) as store:
        outcomes = [store.upsert(x) for x in (a, a_again, b, b_again, c)]
        store.commit()
        assert outcomes == ["new", "seen", "changed", "seen", "changed"]
        spans = [
            (v["record"]["body_text"], v["first_seen"], v["last_seen"]) for v in store.versions(key)
        ]
        # B was first seen on the 3rd, not when the article was (the 1st).
        assert spans == [
            ("A.", "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"),
            ("B.", "2024-05-03T00:00:00Z", "2024-05-04T00:00:00Z"),
        ]
        got = store.get(key)
        assert got is not None
        assert (got["first_seen"], got["changed_at"], got["last_seen"]) == (
            "2024-05-01T00:00:00Z",
            "2024-05-05T00:00:00Z",
            "2024-05-05T00:00:00Z",
        )


def test_a_change_of_other_fields_is_a_change_naming_them(database_url: str) -> None:
    first = make_article(fetched_at="2024-05-01T00:00:00Z")
    better = make_article(
        fetched_at="2024-05-01T00:00:00Z", authors=["Kenji Sato"], source="Demo wire"
    )
    key = article_key(first.url)
    with opened(database_url) as store:
        assert store.upsert(first) == "new" and store.changed_fields == []
        assert store.upsert(better) == "changed"
        assert store.changed_fields == ["authors", "source"]
        store.commit()
        got = store.get(key)
        assert got is not None and got["authors"] == ["Kenji Sato"]
        (old,) = store.versions(key)
        assert old["record"]["authors"] == first.authors
        # The same record again, or one fetched later: nothing changed.
        assert store.upsert(better) == "seen" and store.changed_fields == []
        later = make_article(
            fetched_at="2024-06-01T00:00:00Z", authors=["Kenji Sato"], source="Demo wire"
        )
        assert store.upsert(later) == "seen"
        store.commit()
        assert store.count("article_versions") == 1

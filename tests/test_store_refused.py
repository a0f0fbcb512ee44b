"""A value the database refuses is that article's problem, not the
database's: the article is dropped as ``store_refused`` (one WARNING naming
its URL), the rest of its batch and the crawl go on, and SQLite and
PostgreSQL store the same rows or drop the same articles."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path
from typing import Any

import pytest
from conftest import crawl, read_jsonl
from pagegen import write_page, write_pages
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from test_store import opened

from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.pipelines.store import StorePipeline, articles_committed
from newscrawl.storage import Store
from newscrawl.urls import article_key


def article(i: int, **changes: Any) -> Article:
    a = Article(
        url=f"https://daily.example/2024/05/story-{i}",
        site="generic",
        title=f"Story {i}",
        published_at="2024-05-01T08:00:00+02:00",
        published_raw="2024-05-01T08:00:00+02:00",
        published_from="meta",
        authors=["Ana Silva"],
        body_text="First paragraph.\nSecond paragraph.",
        body_html="<p>First paragraph.</p>\n<p>Second paragraph.</p>",
        language="en",
        fetched_at="2024-05-02T00:00:00Z",
        fingerprint=f"fp-{i}",
    )
    for k, v in changes.items():
        setattr(a, k, v)
    return a


LONG_URL = "https://daily.example/" + "x" * 100_000

# (article, what the database holds for the changed fields; None: dropped)
HOSTILE: list[tuple[Article, dict[str, Any] | None]] = [
    (article(1, url=LONG_URL), None),
    (article(2, canonical_url="https://daily.example/c/" + "y" * 3000), None),
    (
        article(3, title="nul\x00here", authors=["a\x00b"], tags=["t\x00"]),
        {"title": "nul\ufffdhere", "authors": ["a\ufffdb"], "tags": ["t\ufffd"]},
    ),
    (
        article(4, title="lone \ud800 high", authors=["x\udfff"], lead="\udc00", source="s\ud83d"),
        {
            "title": "lone \ufffd high",
            "authors": ["x\ufffd"],
            "lead": "\ufffd",
            "source": "s\ufffd",
        },
    ),
    (
        article(5, images=[{"url": "https://img.example/\ud800.jpg", "caption": "c\x00"}]),
        {"images": [{"url": "https://img.example/\ufffd.jpg", "caption": "c\ufffd"}]},
    ),
    (article(6, url="https://daily.example/\ud800/x"), {"url": "https://daily.example/\ufffd/x"}),
    (article(7, title="长" * 5_000_000), {"title": "长" * 5_000_000}),
    (article(8, authors=[f"Author {n}" for n in range(20_000)]), {}),
    (article(9, title="emoji 🗞️👩🏽‍💻 𠀋 \U0010fffd", body_text="𝔘𝔫𝔦"), {}),
]


def _pipeline(db: str) -> tuple[StorePipeline, list[tuple[list[Article], list[str]]]]:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_DATABASE": db, "NEWSCRAWL_COMMIT_ITEMS": 1000})
    crawler.stats.open_spider()  # type: ignore[union-attr, call-arg]
    batches: list[tuple[list[Article], list[str]]] = []

    def committed(articles: list[Article], outcomes: list[str]) -> None:
        batches.append((list(articles), list(outcomes)))

    crawler.signals.connect(committed, signal=articles_committed, weak=False)
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe, batches


def _stored(store: Store) -> dict[str, dict[str, Any]]:
    keys = [r[0] for r in store.execute("SELECT id FROM articles").fetchall()]
    out = {}
    for k in keys:
        got = store.get(k)
        assert got is not None
        out[k] = {f: got[f] for f in ARTICLE_FIELDS}
    return out


_BY_BACKEND: dict[str, dict[str, dict[str, Any]]] = {}


def test_hostile_values_between_good_ones_in_one_batch(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pipe, batches = _pipeline(database_url)
    good = [article(100 + n) for n in range(3)]
    sequence = [
        good[0],
        *(a for a, _ in HOSTILE[:5]),
        good[1],
        *(a for a, _ in HOSTILE[5:]),
        good[2],
    ]
    dropped = []
    with caplog.at_level(logging.WARNING):
        for a in sequence:
            try:
                pipe.process_item(a)
            except DropItem as exc:
                dropped.append(str(exc))
        pipe.close_spider()
    assert pipe.stats is not None
    stats = pipe.stats.get_stats()

    # The two over-long identities are dropped, counted, named; nothing else.
    assert len(dropped) == 2 and all(
        d.startswith("store_refused: https://daily.example/") for d in dropped
    )
    assert all("bytes (at most 2000)" in d and len(d) < 400 for d in dropped)
    assert stats["newscrawl/dropped/store_refused"] == 2
    assert stats.get("newscrawl/dropped/database_unavailable") is None
    assert stats["newscrawl/stored"] == len(sequence) - 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    expected = {}
    for a, changed in [(g, {}) for g in good] + HOSTILE:
        if changed is None:
            continue
        rec = {f: getattr(a, f) for f in ARTICLE_FIELDS} | changed
        expected[article_key(rec["url"], rec["canonical_url"])] = rec
    with opened(database_url) as store:
        stored = _stored(store)
    # The story links are the database's to give (tests/test_stories.py); the rest is as sent.
    links = {
        k: {"story_id": r["story_id"], "duplicate_of": r["duplicate_of"]} for k, r in stored.items()
    }
    expected = {k: r | links.get(k, {}) for k, r in expected.items()}
    assert stored == expected
    # The file outputs are sent the rows as stored: files and database agree.
    sent = [x for batch, _ in batches for x in batch]
    assert {
        article_key(a.url, a.canonical_url): {f: getattr(a, f) for f in ARTICLE_FIELDS}
        for a in sent
    } == expected
    _BY_BACKEND[database_url.split(":", 1)[0]] = stored
    if len(_BY_BACKEND) == 2:  # the second backend: both hold the very same rows
        assert _BY_BACKEND["sqlite"] == _BY_BACKEND["postgresql"]


def test_postgresql_refusals_are_told_from_a_lost_server(fresh_postgres_url: str) -> None:
    """Real errors from a real server: ProgramLimitExceeded (an OperationalError
    in psycopg) and friends are "refused"; a killed connection is "lost"."""
    psycopg = pytest.importorskip("psycopg")
    with opened(fresh_postgres_url) as store:
        store.execute("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL, j jsonb)")
        store.commit()
        refused = [
            (
                "INSERT INTO t VALUES (%(k)s, 1)",
                {"k": secrets.token_hex(50_000)},
            ),  # index row too big: 54000
            ("INSERT INTO t VALUES ('a', NULL)", None),  # 23502
            ("INSERT INTO t VALUES ('a', 99999999999)", None),  # 22003
            ("INSERT INTO t (k, n, j) VALUES ('a', 1, '\"\\ud800\"')", None),  # 22P05
            ("SELECT no_such_column FROM t", None),  # 42703
        ]
        for sql, params in refused:
            with pytest.raises(psycopg.Error) as info:
                store.execute(sql, params)
            assert store.error_kind(info.value) == "refused", (sql, info.value.sqlstate)
            store.rollback()
        assert isinstance(info.value, psycopg.Error)
        pid = store.execute("SELECT pg_backend_pid()").fetchone()[0]
        store.commit()
        with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.Error) as info:
            store.execute("SELECT 1")
        assert store.error_kind(info.value) == "lost", info.value.sqlstate
        with pytest.raises(psycopg.Error) as info:
            store.execute("SELECT 1")  # the connection is closed now
        assert store.error_kind(info.value) == "lost"


def test_a_refused_article_in_a_crawl_is_counted_and_the_crawl_goes_on(
    database_url: str, tmp_path: Path
) -> None:
    """A 5 KB URL and a 4 KB canonical URL (PostgreSQL: "index row requires
    N bytes") between good pages, all in one batch: the good ones stored and
    written, the two counted, exit status 0."""
    pages = tmp_path / "pages"
    urls = write_pages(pages, 6)
    # 5,000 random characters: an address a page may well link, too long
    # for PostgreSQL's index ("index row requires N bytes", random so it
    # cannot be compressed into it either).
    long_url = "https://gazette.example/news/" + secrets.token_hex(2500)
    write_page(pages, 90, url=long_url)
    # A canonical URL too long to be an identity, on a page of its own.
    html = (pages / "story-0.html").read_text(encoding="utf-8")
    canonical = "https://gazette.example/c/" + secrets.token_hex(2000)
    (pages / "story-91.html").write_text(
        html.replace("<head>", f'<head><link rel="canonical" href="{canonical}">'),
        encoding="utf-8",
    )
    side = {"url": "https://gazette.example/news/91", "fetched_at": "2024-06-01T00:00:00Z"}
    (pages / "story-91.json").write_text(json.dumps(side), encoding="utf-8")
    proc = crawl(
        "replay",
        "-a",
        f"path={pages}",
        "-s",
        f"NEWSCRAWL_JSONL={tmp_path / 'out.jsonl'}",
        "-s",
        f"NEWSCRAWL_DATABASE={database_url}",
        "-s",
        "NEWSCRAWL_COMMIT_ITEMS=100",
        "-s",
        f"NEWSCRAWL_REPORT={tmp_path / 'report.json'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "'newscrawl/dropped/store_refused': 2" in proc.stderr
    assert "database_unavailable" not in proc.stderr
    assert " ERROR: " not in proc.stderr, proc.stderr[-3000:]
    warnings = [line for line in proc.stderr.splitlines() if "store_refused: " in line]
    assert len(warnings) == 2, warnings
    assert any(long_url[:200] in w for w in warnings)
    assert any("https://gazette.example/news/91" in w for w in warnings)
    assert all(len(w) < 600 for w in warnings)
    with opened(database_url) as store:
        keys = {r[0] for r in store.execute("SELECT id FROM articles").fetchall()}
    assert keys == {article_key(u) for u in urls}
    assert {r["url"] for r in read_jsonl(tmp_path / "out.jsonl")} == set(urls)

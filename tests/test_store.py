"""The database outputs, against SQLite and a real PostgreSQL (each test taking
``database_url`` runs once per backend): schema, upsert by identity,
versions, hostile values, and the database going away."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, crawl, crawl_command, read_jsonl
from pagegen import article_url, write_page, write_pages
from servers import free_port

from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.pipelines.text import clean_title
from newscrawl.spiders.replay import split_front_matter
from newscrawl.storage import SCHEMA_VERSION, StorageError, Store, mask_password, open_store
from newscrawl.stories import story_id_of
from newscrawl.urls import article_key


@contextmanager
def opened(url: str) -> Iterator[Store]:
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()


def run_replay(path: Path, db: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = crawl(
        "replay",
        "-a",
        f"path={path}",
        "-s",
        f"NEWSCRAWL_JSONL={tmp / 'out.jsonl'}",
        "-s",
        f"NEWSCRAWL_DATABASE={db}",
        "-s",
        f"NEWSCRAWL_REPORT={tmp / 'reports' / '{spider}-{time}.json'}",
        *extra,
    )
    return proc


def make_article(i: int = 1, **changes: Any) -> Article:
    base = Article(
        url=f"https://daily.example/2024/05/0{i}/story",
        site="generic",
        title=f"Story {i}",
        published_at="2024-05-01T08:00:00+02:00",
        published_raw="2024-05-01T08:00:00+02:00",
        published_from="meta",
        authors=["Ana Silva", "李祺瑶"],
        editors=["赵六 SN001"],
        categories=["News", "新浪财经-国内"],
        tags=["sz300959"],
        body_text="First paragraph.\nSecond paragraph.",
        body_html="<p>First paragraph.</p>\n<p>Second paragraph.</p>",
        images=[{"url": "https://img.example/1.jpg", "caption": "A bridge"}],
        language="en",
        fetched_at="2024-05-02T00:00:00Z",
        fingerprint=f"fp-{i}",
    )
    for k, v in changes.items():
        setattr(base, k, v)
    return base


def record(a: Article) -> dict[str, Any]:
    return {f: getattr(a, f) for f in ARTICLE_FIELDS}


# --- schema -----------------------------------------------------------------


def test_schema_is_created_with_its_version(database_url: str) -> None:
    with opened(database_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.count() == 0 and store.count("article_versions") == 0
    with opened(database_url) as store:  # opening again changes nothing
        assert store.schema_version() == SCHEMA_VERSION


def test_lists_are_json_in_sqlite_and_jsonb_in_postgresql(database_url: str) -> None:
    a = make_article()
    with opened(database_url) as store:
        store.upsert(a)
        store.commit()
        key = article_key(a.url)
        if database_url.startswith("sqlite"):
            raw = store.execute("SELECT authors, images FROM articles WHERE id = :id", {"id": key})
            authors, images = raw.fetchone()
            assert json.loads(authors) == ["Ana Silva", "李祺瑶"]
            assert "李祺瑶" in authors  # characters, not \\u escapes
            assert json.loads(images) == a.images
        else:
            types = dict(
                store.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'articles'"
                ).fetchall()
            )
            assert {types[f] for f in ("authors", "editors", "categories", "tags", "images")} == {
                "jsonb"
            }
            row = store.execute(
                "SELECT authors ->> 1, images -> 0 ->> 'caption' FROM articles WHERE id = %(id)s",
                {"id": key},
            ).fetchone()
            assert row == ("李祺瑶", "A bridge")
        assert store.get(key) is not None


def test_a_newer_schema_is_refused(database_url: str) -> None:
    with opened(database_url) as store:
        p = store.p
        store.execute(
            f"UPDATE newscrawl_meta SET value = {p('v')} WHERE key = {p('k')}",
            {"v": str(SCHEMA_VERSION + 1), "k": "schema_version"},
        )
        store.commit()
    with pytest.raises(StorageError, match="newer than this newscrawl"):
        open_store(database_url)


def test_the_spines_sqlite_database_is_migrated(tmp_path: Path) -> None:
    """Version 1 (the first SQLite table, no versions, no changed_at) keeps its rows."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    cols = ", ".join(f'"{f}" TEXT' for f in ARTICLE_FIELDS if f != "url")
    db.executescript(
        f"""CREATE TABLE articles (id TEXT PRIMARY KEY, url TEXT NOT NULL, {cols},
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
        CREATE TABLE newscrawl_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO newscrawl_meta VALUES ('schema_version', '1');"""
    )
    # Keyed as the first version did: the URL without Sina's mobile/desktop folding.
    a = make_article(url="https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html")
    old_key = "http://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html"
    values = {f: getattr(a, f) for f in ARTICLE_FIELDS}
    for f in ("authors", "editors", "categories", "tags", "images"):
        values[f] = json.dumps(values[f], ensure_ascii=False)
    names = ", ".join(f'"{f}"' for f in values)
    marks = ", ".join(f":{f}" for f in values)
    db.execute(
        f"INSERT INTO articles (id, {names}, first_seen, last_seen) VALUES (:id, {marks}, :s, :s)",
        {**values, "id": old_key, "s": "2024-05-02T00:00:00Z"},
    )
    db.commit()
    db.close()
    with opened(f"sqlite:///{path}") as store:
        assert store.schema_version() == SCHEMA_VERSION
        got = store.get("sina:doc-ikqcfncc5263842")  # re-keyed to today's identity
        assert got is not None and store.get(old_key) is None
        # ... and, linked by schema step 6, the story it starts (its own: no copy stored)
        story = story_id_of("sina:doc-ikqcfncc5263842")
        assert {f: got[f] for f in ARTICLE_FIELDS} == record(a) | {"story_id": story}
        assert got["changed_at"] == "2024-05-02T00:00:00Z"
        desktop = "https://finance.sina.com.cn/china/2021-08-27/doc-ikqcfncc5263842.shtml"
        assert (
            store.upsert(
                make_article(url=desktop, fingerprint="new", fetched_at="2024-06-01T00:00:00Z")
            )
            == "changed"
        )
        store.commit()
        assert store.count("article_versions") == 1


# --- upsert and versions, through the store --------------------------------


def test_round_trip_of_every_field(database_url: str) -> None:
    a = make_article(canonical_url="https://daily.example/canon/1", lead=None, source="新华社")
    with opened(database_url) as store:
        assert store.upsert(a) == "new"
        store.commit()
    with opened(database_url) as store:
        got = store.get(article_key(a.url, a.canonical_url))
        assert got is not None
        assert {f: got[f] for f in ARTICLE_FIELDS} == record(a)
        assert got["first_seen"] == got["last_seen"] == got["changed_at"] == "2024-05-02T00:00:00Z"


def test_versions_are_kept_when_the_text_changes(database_url: str) -> None:
    v1 = make_article(fetched_at="2024-05-02T00:00:00Z")
    same = make_article(fetched_at="2024-05-03T00:00:00Z")
    v2 = make_article(
        fetched_at="2024-05-04T00:00:00+02:00", body_text="Corrected.", fingerprint="fp-v2"
    )
    older_copy = make_article(fetched_at="2024-05-01T00:00:00Z", fingerprint="fp-v0", title="Old")
    key = article_key(v1.url)
    with opened(database_url) as store:
        assert store.upsert(v1) == "new"
        assert store.upsert(same) == "seen"
        store.commit()
        got = store.get(key)
        assert got is not None and got["last_seen"] == "2024-05-03T00:00:00Z"
        assert got["changed_at"] == "2024-05-02T00:00:00Z" and store.count("article_versions") == 0

        assert store.upsert(v2) == "changed"
        store.commit()
        got = store.get(key)
        assert got is not None and got["body_text"] == "Corrected."
        assert got["first_seen"] == "2024-05-02T00:00:00Z"
        assert got["last_seen"] == got["changed_at"] == "2024-05-03T22:00:00Z"
        (old,) = store.versions(key)
        assert old["record"] == record(v1)
        assert (old["first_seen"], old["last_seen"]) == (
            "2024-05-02T00:00:00Z",
            "2024-05-03T00:00:00Z",
        )

        # An older copy seen later (an old WARC) does not replace the current text.
        assert store.upsert(older_copy) == "older"
        store.commit()
        got = store.get(key)
        assert got is not None and got["fingerprint"] == "fp-v2"
        assert [v["record"]["title"] for v in store.versions(key)] == ["Old", "Story 1"]
        assert store.count() == 1


def test_rollback_loses_only_the_open_batch(database_url: str) -> None:
    with opened(database_url) as store:
        store.upsert(make_article(1))
        store.commit()
        store.upsert(make_article(2))
        store.rollback()
        assert store.count() == 1


# --- hostile values -----------------------------------------------------------

HOSTILE = [
    "../../etc/passwd",
    "'; DROP TABLE articles; --",
    '"; DROP TABLE articles; --',
    "<script>alert('x')</script>",
    "x" * 10_000,
    "emoji 🗞️👩🏽‍💻 and 𠀋",
    "\u202eRTL override\u200f mark \u200e",
    "back\\slash %s %(id)s :id ? $1",
    "line\nbreak\ttab",
    "CON",
]


def test_hostile_values_are_stored_verbatim(database_url: str) -> None:
    with opened(database_url) as store:
        for i, title in enumerate(HOSTILE):
            a = make_article(
                i,
                url=f"https://daily.example/hostile/{i}?q={title[:50]}",
                title=title,
                authors=[title],
                body_text=title,
                fingerprint=f"h{i}",
            )
            store.upsert(a)
        store.commit()
    with opened(database_url) as store:
        assert store.count() == len(HOSTILE)
        for i, title in enumerate(HOSTILE):
            (got,) = [
                r for r in (store.get(k) for k in _keys(store)) if r and r["fingerprint"] == f"h{i}"
            ]
            assert got["title"] == title
            assert got["authors"] == [title]
            assert got["body_text"] == title


def test_nul_is_stored_as_replacement_character_in_both(database_url: str) -> None:
    """PostgreSQL text cannot hold U+0000; both backends store U+FFFD so they agree."""
    a = make_article(title="a\x00b", authors=["c\x00"])
    with opened(database_url) as store:
        store.upsert(a)
        store.commit()
        got = store.get(article_key(a.url))
        assert got is not None
        assert got["title"] == "a\ufffdb" and got["authors"] == ["c\ufffd"]


def _keys(store: Store) -> list[str]:
    return [r[0] for r in store.execute("SELECT id FROM articles").fetchall()]


# --- through a real crawl --------------------------------------------------


def test_same_page_twice_one_row_changed_page_one_version(
    database_url: str, tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    write_page(pages, 1, fetched_at="2024-06-01T00:00:00Z")
    write_page(pages, 2, fetched_at="2024-06-01T00:00:00Z")
    for _ in range(2):
        proc = run_replay(pages, database_url, tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
    with opened(database_url) as store:
        assert store.count() == 2 and store.count("article_versions") == 0

    # The same page, re-crawled later: only last_seen moves.
    write_page(pages, 1, fetched_at="2024-06-02T00:00:00Z")
    # A changed page: one row, one version.
    write_page(pages, 2, revision=1, fetched_at="2024-06-02T00:00:00Z")
    proc = run_replay(pages, database_url, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert stat(proc.stderr, "newscrawl/store/seen") == 1
    assert stat(proc.stderr, "newscrawl/store/changed") == 1
    assert stat(proc.stderr, "newscrawl/store/new") == 0
    assert stat(proc.stderr, "newscrawl/stored") == 2
    with opened(database_url) as store:
        assert store.count() == 2
        one = store.get(article_key(article_url(1)))
        two = store.get(article_key(article_url(2)))
        assert one is not None and two is not None
        assert (one["first_seen"], one["last_seen"], one["changed_at"]) == (
            "2024-06-01T00:00:00Z",
            "2024-06-02T00:00:00Z",
            "2024-06-01T00:00:00Z",
        )
        assert "Revised text number 1." in two["body_text"]
        (old,) = store.versions(article_key(article_url(2)))
        assert "Revised" not in old["record"]["body_text"]
        assert old["last_seen"] == "2024-06-01T00:00:00Z"
    # The file is the log of what was stored: each article once per text
    # (run 1: both new; run 2: nothing changed; run 3: page 2's new text).
    records = read_jsonl(tmp_path / "out.jsonl")
    assert [r["url"] for r in records][2:] == [article_url(2)] and len(records) == 3
    assert "Revised text number 1." in records[2]["body_text"]


def test_hostile_titles_through_a_crawl(database_url: str, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    titles = [t for t in HOSTILE if "\n" not in t and t.strip() == t and len(t) < 5000]
    titles.append("长标题" * 330)  # 990 characters (the validate pipeline drops 1,000+)
    for i, t in enumerate(titles):
        write_page(pages, i, title=t)
    posts = tmp_path / "posts"
    proc = run_replay(pages, database_url, tmp_path, "-s", f"NEWSCRAWL_MARKDOWN={posts}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    with opened(database_url) as store:
        stored = {r["title"] for r in (store.get(k) for k in _keys(store)) if r}
    # As the text pipeline gave them (it only trims whitespace and zero-width
    # characters), identical in the database and in the file.
    expected = {clean_title(t) for t in titles}
    assert stored == expected
    assert {r["title"] for r in read_jsonl(tmp_path / "out.jsonl")} == expected
    assert "'; DROP TABLE articles; --" in stored and "../../etc/passwd" in stored
    # The posts: every title verbatim inside, every file name safe.
    names = [p.name for p in posts.iterdir()]
    assert len(names) == len(titles)
    for name in names:
        assert re.fullmatch(r"[\w-]+-[0-9a-f]{12}\.md", name) and len(name.encode()) < 120, name
    post_titles = {
        split_front_matter(p.read_text(encoding="utf-8"))[0]["title"] for p in posts.iterdir()
    }
    assert post_titles == expected


def test_unreachable_database_stops_the_crawl_naming_it(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 2)
    url = f"postgresql://crawler:s3cret-pw@127.0.0.1:{free_port()}/news"
    proc = run_replay(tmp_path / "pages", url, tmp_path)
    assert proc.returncode != 0
    assert f"postgresql://crawler:***@127.0.0.1:{url.split(':')[-1]}" in proc.stderr
    assert "s3cret-pw" not in proc.stderr + proc.stdout
    assert not (tmp_path / "out.jsonl").exists() or not read_jsonl(tmp_path / "out.jsonl")


def test_unwritable_sqlite_path_stops_the_crawl(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 2)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    proc = run_replay(tmp_path / "pages", f"sqlite:///{folder}", tmp_path)
    assert proc.returncode != 0
    assert f"cannot open the database sqlite:///{folder}" in proc.stderr


def test_mask_password() -> None:
    assert mask_password("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
    assert mask_password("postgresql://u@h:5/db") == "postgresql://u@h:5/db"


# --- the database going away mid-run (PostgreSQL) ---------------------------


def stat(log: str, name: str) -> int:
    """A number from the crawl's stats dump (0 when absent)."""
    m = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(m.group(1)) if m else 0


def _start_slow_replay(pages: Path, db: str, tmp: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        crawl_command(
            "replay",
            "-a",
            f"path={pages}",
            NEWSCRAWL_JSONL=tmp / "out.jsonl",
            NEWSCRAWL_DATABASE=db,
            NEWSCRAWL_REPORT="",
            NEWSCRAWL_COMMIT_ITEMS=5,
            NEWSCRAWL_DATABASE_RETRIES=3,
            NEWSCRAWL_DATABASE_RETRY_DELAY=0.5,
            DOWNLOAD_DELAY=0.03,
            CONCURRENT_REQUESTS=1,
        ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_rows(admin: Any, db: str, at_least: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before the database went away"
        try:
            with opened(db) as store:
                if store.count() >= at_least:
                    return
        except StorageError:
            pass
        time.sleep(0.1)
    raise AssertionError("no rows appeared")


def _kick(admin: Any, name: str) -> None:
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %(d)s AND pid <> pg_backend_pid()",
        {"d": name},
    )


def test_connection_lost_mid_run_is_retried(fresh_postgres_url: str, tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    urls = write_pages(tmp_path / "pages", 120)
    name = fresh_postgres_url.rsplit("/", 1)[1]
    admin_url = fresh_postgres_url.rsplit("/", 1)[0] + "/postgres"
    proc = _start_slow_replay(tmp_path / "pages", fresh_postgres_url, tmp_path)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        _wait_rows(admin, fresh_postgres_url, 10, proc)
        _kick(admin, name)
        time.sleep(0.5)
        _kick(admin, name)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert "reconnecting" in err
    with opened(fresh_postgres_url) as store:
        assert sorted(_keys(store)) == sorted(article_key(u) for u in urls)


def test_database_gone_for_good_stops_the_crawl_losing_nothing_acknowledged(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    psycopg = pytest.importorskip("psycopg")
    urls = write_pages(tmp_path / "pages", 120)
    name = fresh_postgres_url.rsplit("/", 1)[1]
    admin_url = fresh_postgres_url.rsplit("/", 1)[0] + "/postgres"
    proc = _start_slow_replay(tmp_path / "pages", fresh_postgres_url, tmp_path)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        _wait_rows(admin, fresh_postgres_url, 10, proc)
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _kick(admin, name)
        _out, err = proc.communicate(timeout=300)
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert "'finish_reason': 'database_unavailable'" in err, err[-3000:]
    assert "retries" in err and "will be fetched again by the next run" in err
    acknowledged = stat(err, "newscrawl/stored")
    with opened(fresh_postgres_url) as store:
        rows = store.count()
    assert 0 < acknowledged == rows < len(urls)  # every acknowledged row is there
    # The file holds the committed articles, not the batch the database lost.
    assert len(read_jsonl(tmp_path / "out.jsonl")) == rows
    # The next run fetches the rest.
    proc2 = run_replay(tmp_path / "pages", fresh_postgres_url, tmp_path)
    assert proc2.returncode == 0, proc2.stderr[-3000:]
    with opened(fresh_postgres_url) as store:
        assert sorted(_keys(store)) == sorted(article_key(u) for u in urls)


def test_commits_on_time_while_a_batch_is_open(database_url: str, tmp_path: Path) -> None:
    """A batch far from full is committed after NEWSCRAWL_COMMIT_SECONDS even
    when no further item comes to trigger it: with two pages 6 s apart, the
    first row is visible alone (without the timer it would appear only
    together with the second)."""
    write_pages(tmp_path / "pages", 2)
    proc = subprocess.Popen(
        crawl_command(
            "replay",
            "-a",
            f"path={tmp_path / 'pages'}",
            NEWSCRAWL_JSONL="",
            NEWSCRAWL_DATABASE=database_url,
            NEWSCRAWL_REPORT="",
            NEWSCRAWL_COMMIT_ITEMS=100000,
            NEWSCRAWL_COMMIT_SECONDS=2,
            DOWNLOAD_DELAY=6,
            RANDOMIZE_DOWNLOAD_DELAY=False,
            CONCURRENT_REQUESTS=1,
        ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    counts = set()
    try:
        while proc.poll() is None:
            try:
                with opened(database_url) as store:
                    counts.add(store.count())
            except StorageError:
                pass
            time.sleep(0.1)
    finally:
        proc.kill()
        _, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert 1 in counts


def test_postgresql_without_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    with pytest.raises(StorageError, match=r"pip install 'newscrawl\[postgres\]'"):
        open_store("postgresql://u:pw@127.0.0.1:1/db")

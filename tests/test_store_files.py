"""File outputs across runs: JSON Lines and CSV append (or go to a new dated
file), never overwrite an earlier run's records, and a torn last record left
by a killed run is set aside before the next run appends. With a database, a
record is written once its row is committed: an appending file gets the new
and changed articles (each article once per text), ``-O`` every article of
the run; with no database every article at once."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from conftest import crawl, read_jsonl
from pagegen import article_url, write_page, write_pages

from newscrawl.exporters.feeds import repair_torn_tail, torn_tail_start
from newscrawl.exporters.journal import journal_path, write_journal
from newscrawl.items import Article, article_record
from newscrawl.storage import open_store


def run(pages: Path, tmp: Path, *extra: str, db: str | None = None) -> str:
    if db is None:
        db = f"sqlite:///{tmp / 'db.sqlite3'}"
    proc = crawl(
        "replay",
        "-a",
        f"path={pages}",
        "-s",
        f"NEWSCRAWL_DATABASE={db}",
        "-s",
        "NEWSCRAWL_REPORT=",
        *extra,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


def written(log: str) -> int:
    """The run summary's "articles written"."""
    m = re.search(r"articles written: (\d+)", log)
    assert m, log[-2000:]
    return int(m.group(1))


@pytest.mark.parametrize(
    ("content", "terminator", "start"),
    [
        (b"", b"\n", None),
        (b'{"a": 1}\n', b"\n", None),
        (b'{"a": 1}\n{"b": ', b"\n", 9),
        (b'{"b": ', b"\n", 0),
        (b'{"a": 1}\n' + b"x" * 200_000, b"\n", 9),  # a torn record longer than one chunk
        (b'h1,h2\r\na,"multi\nline"\r\n', b"\r\n", None),
        (b'h1,h2\r\na,"multi\nline"\r\nb,"torn\n', b"\r\n", 23),
        (b"h1,h2\r\na,b\r", b"\r\n", 7),
    ],
)
def test_torn_tail_start(tmp_path: Path, content: bytes, terminator: bytes, start: int) -> None:
    p = tmp_path / "f"
    p.write_bytes(content)
    assert torn_tail_start(p, terminator) == start


def test_repair_keeps_the_torn_bytes_aside(tmp_path: Path) -> None:
    p = tmp_path / "out.jsonl"
    p.write_bytes(b'{"a": 1}\n{"b": 2, "c": "hal')
    assert repair_torn_tail(p, b"\n") == 18
    assert p.read_bytes() == b'{"a": 1}\n'
    (aside,) = tmp_path.glob("out.jsonl.torn-*")
    assert aside.read_bytes() == b'{"b": 2, "c": "hal'


def test_jsonl_after_a_killed_run_is_repaired_then_appended(tmp_path: Path) -> None:
    urls = write_pages(tmp_path / "pages", 3)
    out = tmp_path / "out.jsonl"
    run(tmp_path / "pages", tmp_path, "-s", f"NEWSCRAWL_JSONL={out}")
    with out.open("ab") as f:
        f.write(b'{"url": "https://gazette.example/torn", "title": "Half a rec')
    write_page(tmp_path / "pages", 3)
    log = run(tmp_path / "pages", tmp_path, "-s", f"NEWSCRAWL_JSONL={out}")
    assert "torn record" in log
    records = read_jsonl(out)  # every line parses
    assert sorted(r["url"] for r in records) == sorted([*urls, article_url(3)])
    assert len(list(tmp_path.glob("out.jsonl.torn-*"))) == 1


def test_csv_appends_without_a_second_header(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 3)
    out = tmp_path / "out.csv"
    for n in range(2):
        write_page(tmp_path / "pages", 10 + n)  # one new article each run
        run(tmp_path / "pages", tmp_path, "-s", "NEWSCRAWL_JSONL=", "-s", f"NEWSCRAWL_CSV={out}")
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5
    assert all(r["url"] != "url" for r in rows)
    assert json.loads(rows[0]["authors"])[0].startswith("Ana ")
    assert "\n" in rows[0]["body_text"]  # paragraphs survive inside quoted fields


def test_dated_mode_writes_a_new_file_each_run(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 2)
    base = tmp_path / "out" / "articles.jsonl"
    settings = ["-s", f"NEWSCRAWL_JSONL={base}", "-s", "NEWSCRAWL_FEED_MODE=dated"]
    run(tmp_path / "pages", tmp_path, *settings)
    (first,) = list((tmp_path / "out").glob("articles-*.jsonl"))
    before = first.read_bytes()
    run(tmp_path / "pages", tmp_path, *settings)
    files = sorted((tmp_path / "out").glob("articles-*.jsonl"))
    assert len(files) == 2 and first.read_bytes() == before
    # A dated file is appended to: the second run's holds what changed (nothing).
    assert [len(read_jsonl(f)) for f in files] == [2, 0]
    assert not base.exists()


def test_overwrite_on_request_replaces_the_file_whole(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 2)
    out = tmp_path / "out.jsonl"
    out.write_text('{"old": true}\n', encoding="utf-8")
    run(tmp_path / "pages", tmp_path, "-O", str(out))
    assert len(read_jsonl(out)) == 2 and "old" not in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_bad_feed_mode_stops_at_start(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 1)
    proc = crawl("replay", "-a", f"path={tmp_path / 'pages'}", "-s", "NEWSCRAWL_FEED_MODE=rotate")
    assert proc.returncode != 0
    assert "NEWSCRAWL_FEED_MODE='rotate'" in proc.stderr


def test_rerun_appends_new_and_changed_only_overwrite_gets_every_article(
    tmp_path: Path,
) -> None:
    pages = tmp_path / "pages"
    urls = write_pages(pages, 3)
    out = tmp_path / "out.jsonl"
    assert written(run(pages, tmp_path, "-s", f"NEWSCRAWL_JSONL={out}")) == 3
    # Same pages again, then page 1 changed and a page added: the log file
    # holds each article once per text (the summary says nothing was written).
    log = run(pages, tmp_path, "-s", f"NEWSCRAWL_JSONL={out}")
    assert written(log) == 0 and len(read_jsonl(out)) == 3
    write_page(pages, 1, revision=1, fetched_at="2024-06-02T00:00:00Z")
    write_page(pages, 7)
    run(pages, tmp_path, "-s", f"NEWSCRAWL_JSONL={out}")
    records = read_jsonl(out)
    assert sorted(r["url"] for r in records) == sorted([*urls, article_url(1), article_url(7)])
    assert sum("Revised text number 1." in r["body_text"] for r in records) == 1
    # -O: every article of the run, changed or not.
    full = tmp_path / "full.jsonl"
    run(pages, tmp_path, "-O", str(full))
    assert sorted(r["url"] for r in read_jsonl(full)) == sorted([*urls, article_url(7)])


def test_without_a_database_every_article_is_written_at_once(tmp_path: Path) -> None:
    urls = write_pages(tmp_path / "pages", 2)
    out = tmp_path / "out.jsonl"
    for _ in range(2):
        log = run(tmp_path / "pages", tmp_path, "-s", f"NEWSCRAWL_JSONL={out}", db="")
        assert written(log) == 2
    assert sorted(r["url"] for r in read_jsonl(out)) == sorted(urls * 2)


def test_a_batch_committed_but_not_written_is_written_by_the_next_run(tmp_path: Path) -> None:
    """The kill between a commit and the file writes, made exact: the killed
    run's journal names two articles, the database committed one of them,
    the file holds half of its record. The next run cuts the half record off,
    writes the committed one (which it then finds already stored, so would
    not write) and not the other until it is stored."""
    pages, other = tmp_path / "pages", tmp_path / "other"
    urls = write_pages(pages, 3)
    out, posts = tmp_path / "out.jsonl", tmp_path / "posts"
    outputs = ["-s", f"NEWSCRAWL_JSONL={out}", "-s", f"NEWSCRAWL_MARKDOWN={posts}"]
    run(pages, tmp_path, *outputs)
    # Articles 3 and 4 as the pipelines make them (from a crawl elsewhere).
    for i in (3, 4):
        write_page(other, i)
    run(other, other, "-s", f"NEWSCRAWL_JSONL={other / 'o.jsonl'}")
    three, four = (
        Article(**r) for r in sorted(read_jsonl(other / "o.jsonl"), key=lambda r: r["url"])
    )
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    store = open_store(db)
    store.upsert(three)
    store.commit()
    store.close()
    write_journal(journal_path(out), [three, four], out.stat().st_size)
    write_journal(journal_path(posts), [three, four], 0)
    with out.open("ab") as f:
        f.write(json.dumps(article_record(three)).encode()[:40])  # cut off by the kill

    for i in (3, 4):
        write_page(pages, i)
    log = run(pages, tmp_path, *outputs)
    assert "left a batch of 2 records; 1 were committed" in log
    records = read_jsonl(out)
    assert sorted(r["url"] for r in records) == sorted([*urls, article_url(3), article_url(4)])
    assert records[3] == article_record(three)
    assert not journal_path(out).exists() and not journal_path(posts).exists()
    assert not list(tmp_path.glob("out.jsonl.torn-*"))
    assert len(list(posts.glob("*.md"))) == 5

"""File outputs across runs: JSON Lines and CSV append (or go to a new dated
file), never overwrite an earlier run's records, and a torn last record left
by a killed run is set aside before the next run appends."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import crawl, read_jsonl
from pagegen import write_pages

from newscrawl.exporters.feeds import repair_torn_tail, torn_tail_start


def run(pages: Path, tmp: Path, *extra: str) -> str:
    proc = crawl(
        "replay",
        "-a",
        f"path={pages}",
        "-s",
        f"NEWSCRAWL_DATABASE=sqlite:///{tmp / 'db.sqlite3'}",
        *extra,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


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
    log = run(tmp_path / "pages", tmp_path, "-s", f"NEWSCRAWL_JSONL={out}")
    assert "torn record" in log
    records = read_jsonl(out)  # every line parses
    assert sorted(r["url"] for r in records) == sorted(urls * 2)
    assert len(list(tmp_path.glob("out.jsonl.torn-*"))) == 1


def test_csv_appends_without_a_second_header(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 3)
    out = tmp_path / "out.csv"
    for _ in range(2):
        run(tmp_path / "pages", tmp_path, "-s", "NEWSCRAWL_JSONL=", "-s", f"NEWSCRAWL_CSV={out}")
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6
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
    assert all(len(read_jsonl(f)) == 2 for f in files)
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

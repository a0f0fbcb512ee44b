"""The archive (newscrawl/archive.py): a live crawl of a local site writes
every download to WARC files a standard reader (warcio) reads, a killed
crawl leaves a readable file, and a replay archives nothing."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import crawl_command, feeds_settings
from feed_server import FeedServer, feed_server
from test_site_module import HOST, MODULE_DIR, run_site
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive import OPEN_SUFFIX, complete_length, recover_open_files


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with feed_server(tmp_path, MODULE_DIR) as s:
        yield s


def read_warc(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC file as warcio reads it (raises on a torn file)."""
    out = []
    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            h = record.rec_headers
            raw = record.raw_stream.read()  # the payload as stored (no decoding)
            out.append(
                {
                    "type": record.rec_type,
                    "uri": h.get_header("WARC-Target-URI"),
                    "date": h.get_header("WARC-Date"),
                    "id": h.get_header("WARC-Record-ID"),
                    "concurrent": h.get_header("WARC-Concurrent-To"),
                    "digest": h.get_header("WARC-Payload-Digest"),
                    "status": record.http_headers.get_statuscode()
                    if record.http_headers and record.rec_type == "response"
                    else None,
                    "payload": raw,
                    "http": record.http_headers.to_str() if record.http_headers else "",
                }
            )
    return out


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_a_crawl_is_archived_request_and_response(server: FeedServer, tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    _, log, status = run_site(
        server, tmp_path, "-a", "name=demo_daily", "-a", "since=2024-05-01", "-s",
        f"NEWSCRAWL_WARC={warc}",
    )  # fmt: skip
    assert status == 0, log[-4000:]
    files = sorted(warc.iterdir())
    # One file, closed (no .open left), named by spider and UTC time.
    assert len(files) == 1 and files[0].name.startswith("site-20"), files
    assert files[0].name.endswith(".warc.gz")
    records = read_warc(files[0])
    assert records[0]["type"] == "warcinfo"
    responses = [r for r in records if r["type"] == "response"]
    requests = {r["concurrent"]: r for r in records if r["type"] == "request"}
    # Every download, robots.txt and lists included, as the server logged it.
    fetched = sorted(r["uri"].split("://", 1)[1] for r in responses)
    assert [u.split("?")[0] for u in fetched] == sorted(server.log)  # the log has no query
    assert f"{HOST}/story/1001-harbour-traffic.html" in " ".join(fetched)
    for r in responses:
        assert requests[r["id"]]["uri"] == r["uri"]  # its request, linked
        assert requests[r["id"]]["date"] == r["date"]
        assert r["date"].endswith("Z") and r["date"].startswith("20")
    story = next(r for r in responses if "/story/1002-" in r["uri"])
    page = (server.root / HOST / "story" / "1002-rail-timetable.html").read_bytes()
    assert story["status"] == "200"
    assert story["payload"].endswith(page)  # the page as the site sent it
    assert story["digest"] == sha1_b32(page)
    sent = requests[story["id"]]["http"]
    assert sent.startswith("GET /story/1002-rail-timetable.html HTTP/1.1\r\n")
    assert f"Host: {HOST}" in sent and "User-Agent: newscrawl/" in sent
    assert "'newscrawl/warc/records': " in log


def test_archives_rotate_by_size(server: FeedServer, tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    _, log, status = run_site(
        server, tmp_path, "-a", "name=demo_daily", "-a", "since=2024-05-01",
        "-s", f"NEWSCRAWL_WARC={warc}", "-s", "NEWSCRAWL_WARC_MAX_BYTES=2500",
    )  # fmt: skip
    assert status == 0, log[-4000:]
    files = sorted(warc.iterdir())
    assert len(files) >= 3, files
    responses = []
    for f in files:
        records = read_warc(f)
        assert records[0]["type"] == "warcinfo"
        responses += [r for r in records if r["type"] == "response"]
    assert len(responses) == len(server.log)  # none lost or doubled across files


def test_no_archive_when_the_setting_is_empty(server: FeedServer, tmp_path: Path) -> None:
    _, log, status = run_site(
        server, tmp_path, "-a", "name=demo_daily", "-a", "limit=1", "-s", "NEWSCRAWL_WARC="
    )
    assert status == 0, log[-4000:]
    assert "newscrawl/warc/" not in log


def _records_so_far(path: Path) -> list[str]:
    uris = []
    try:
        with path.open("rb") as f:
            for record in ArchiveIterator(f):
                if record.rec_type == "response":
                    uris.append(record.rec_headers.get_header("WARC-Target-URI"))
    except Exception:  # being written: a partial tail
        pass
    return uris


def test_a_killed_crawl_leaves_a_readable_archive(server: FeedServer, tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    server.delay = 0.5  # pages come slowly: the kill finds some in flight
    path = os.pathsep.join(p for p in (str(MODULE_DIR), os.environ.get("PYTHONPATH")) if p)
    cmd = crawl_command(
        "site", "-a", "name=demo_daily", "-a", "since=2024-05-01",
        NEWSCRAWL_SITE_MODULES="demo_daily", NEWSCRAWL_WARC=warc, **feeds_settings(tmp_path),
    )  # fmt: skip
    env = {**os.environ, **server.env(), "PYTHONPATH": path}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        open_file: Path | None = None
        while time.monotonic() < deadline:
            found = list(warc.glob(f"*{OPEN_SUFFIX}")) if warc.exists() else []
            if found and any("/story/" in u for u in _records_so_far(found[0])):
                open_file = found[0]
                break
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.05)
        assert open_file is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The file as the kill left it: warcio reads it to its end, no error.
    records = read_warc(open_file)
    assert records[0]["type"] == "warcinfo"
    uris = [r["uri"] for r in records if r["type"] == "response"]
    assert any("/story/" in u for u in uris)
    assert len(uris) < 6  # killed in the middle: the whole crawl fetches 6 pages
    # The next crawl into the folder gives it its final name, records kept.
    recovered = recover_open_files(warc)
    assert [p.name for p in recovered] == [open_file.name.rsplit(".", 2)[0]]
    assert [r["uri"] for r in read_warc(recovered[0]) if r["type"] == "response"] == uris


@pytest.mark.parametrize("cut", [10, 40, 100, 159, -5])
def test_a_torn_tail_is_cut_when_the_file_is_recovered(tmp_path: Path, cut: int) -> None:
    # A kill in the middle of a write: half a record at the end of an .open file.
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def record(n: int) -> bytes:
        buf = io.BytesIO()
        w = WARCWriter(buf, gzip=True)
        w.write_record(
            w.create_warc_record(
                f"http://a.test/{n}",
                "response",
                payload=io.BytesIO(b"<p>page %d</p>" % n),
                http_headers=StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html")], "HTTP/1.1"
                ),
            )
        )
        return buf.getvalue()

    whole = record(1) + record(2)
    dead_pid = 2**22 + 12345  # above any pid_max: no such process
    name = "site-20261208T000000Z-1-00001.warc.gz"
    path = tmp_path / f"{name}.{dead_pid}{OPEN_SUFFIX}"
    path.write_bytes(whole + record(3)[:cut])
    assert complete_length(path) == len(whole)
    assert recover_open_files(tmp_path) == [tmp_path / name]
    assert [r["uri"] for r in read_warc(tmp_path / name)] == ["http://a.test/1", "http://a.test/2"]


def test_a_replay_archives_nothing(tmp_path: Path) -> None:
    from conftest import replay

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(
        "<html><head><title>A quiet week at the harbour</title></head><body><article>"
        "<h1>A quiet week at the harbour</h1><p>Nothing much happened at the harbour this "
        "week, the harbour master said on Friday.</p></article></body></html>",
        "utf-8",
    )
    (pages / "a.json").write_text('{"url": "http://news.example.test/a.html"}', "utf-8")
    records, _ = replay(pages, tmp_path, "-s", f"NEWSCRAWL_WARC={tmp_path / 'warc'}")
    assert len(records) == 1
    assert not (tmp_path / "warc").exists()

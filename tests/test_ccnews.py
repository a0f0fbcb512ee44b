"""Replay of a WARC in Common Crawl's CC-NEWS layout: a ``warcinfo`` record,
then per fetch a ``request``, a ``response`` and a ``metadata`` record;
``revisit`` records (identical payload, no body); payloads cut by the
crawler and marked ``WARC-Truncated``; a redirect, a non-HTML response.
The file is written here with warcio, from pages of our own."""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import replay
from test_sina_live import stats
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DATE = "2024-03-05T12:34:56Z"


def page(title: str, paragraphs: int = 3) -> bytes:
    body = "".join(
        f"<p>{title}: paragraph {n} of a report written for newscrawl's tests, long "
        "enough to be article text and not a caption.</p>"
        for n in range(1, paragraphs + 1)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="2024-03-05T08:00:00+00:00">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def write_ccnews(path: Path) -> None:
    with path.open("wb") as f:
        w = WARCWriter(f, gzip=True)
        info = w.create_warcinfo_record(
            path.name,
            {
                "software": "StormCrawler (test)",
                "format": "WARC File Format 1.1",
                "description": "News crawl for Common Crawl News",
                "isPartOf": "CC-NEWS",
            },
        )
        w.write_record(info)
        info_id = info.rec_headers.get_header("WARC-Record-ID")

        def fetch(
            url: str,
            status: str,
            headers: list[tuple[str, str]],
            body: bytes,
            truncated: str | None = None,
        ) -> None:
            req = w.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET {url.split('/', 3)[3] and '/' + url.split('/', 3)[3]} HTTP/1.1",
                    [("Host", url.split("/")[2]), ("User-Agent", "CCBot/3.1")],
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": DATE, "WARC-Warcinfo-ID": info_id},
            )
            extra = {"WARC-Date": DATE, "WARC-Warcinfo-ID": info_id, "WARC-IP-Address": "10.0.0.1"}
            if truncated:
                extra["WARC-Truncated"] = truncated
            resp = w.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
                warc_headers_dict=extra,
            )
            resp_id = resp.rec_headers.get_header("WARC-Record-ID")
            req.rec_headers.add_header("WARC-Concurrent-To", resp_id)
            meta = w.create_warc_record(
                url,
                "metadata",
                payload=io.BytesIO(b"fetchTimeMs: 118\r\n"),
                warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Date": DATE, "WARC-Concurrent-To": resp_id},
            )
            for record in (req, resp, meta):
                w.write_record(record)

        html = [
            ("Content-Type", "text/html; charset=UTF-8"),
            ("X-Crawler-Content-Encoding", "gzip"),
        ]
        fetch("https://ccn.example/2024/03/05/harbour", "200 OK", html, page("Harbour reopens"))
        fetch("https://ccn.example/2024/03/05/bridge", "200 OK", html, page("Bridge repairs"))
        # Cut by the crawler in the middle of its third paragraph.
        long_page = page("Council budget", paragraphs=3)
        cut = long_page[: long_page.index(b"paragraph 3") + 5]
        fetch("https://ccn.example/2024/03/05/budget", "200 OK", html, cut, truncated="length")
        fetch(
            "https://ccn.example/old-link",
            "301 Moved Permanently",
            [
                ("Content-Type", "text/html"),
                ("Location", "https://ccn.example/2024/03/05/harbour"),
            ],
            b"<a href=/2024/03/05/harbour>moved</a>",
        )
        fetch(
            "https://ccn.example/feed.json", "200 OK", [("Content-Type", "application/json")], b"{}"
        )
        # The harbour page fetched again, unchanged: a revisit record, no body.
        revisit = w.create_revisit_record(
            "https://ccn.example/2024/03/05/harbour",
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri="https://ccn.example/2024/03/05/harbour",
            refers_to_date=DATE,
            http_headers=StatusAndHeaders("200 OK", html, protocol="HTTP/1.1"),
        )
        w.write_record(revisit)


def test_a_cc_news_warc_is_replayed(tmp_path: Path) -> None:
    warc = tmp_path / "CC-NEWS-20240305123456-00001.warc.gz"
    write_ccnews(warc)
    records, proc = replay(warc, tmp_path / "out")
    by_title = {r["title"]: r for r in records}
    assert sorted(by_title) == ["Bridge repairs", "Council budget", "Harbour reopens"]
    assert by_title["Harbour reopens"]["url"] == "https://ccn.example/2024/03/05/harbour"
    assert by_title["Harbour reopens"]["fetched_at"] == DATE  # the record's WARC-Date
    assert by_title["Harbour reopens"]["published_at"] == "2024-03-05T08:00:00+00:00"
    assert by_title["Harbour reopens"]["body_text"].count("\n") == 2
    # The truncated page: its text up to the cut, and counted.
    budget = by_title["Council budget"]["body_text"]
    assert "paragraph 2" in budget and "paragraph 3 of" not in budget
    s = stats(proc.stderr)
    assert s["newscrawl/warc/truncated"] == 1
    assert "WARC-Truncated: length" in proc.stderr
    # Every record accounted for: 1 warcinfo + 5 fetches x 3 records + 1 revisit.
    assert s["newscrawl/inputs"] == 17
    assert s["newscrawl/skipped/warcinfo_record"] == 1
    assert s["newscrawl/skipped/request_record"] == 5
    assert s["newscrawl/skipped/metadata_record"] == 5
    assert s["newscrawl/skipped/revisit_record"] == 1
    assert s["newscrawl/skipped/redirect_record"] == 1
    assert s["newscrawl/skipped/not_html_record"] == 1
    report = json.loads(next((tmp_path / "out" / "reports").glob("replay-*.json")).read_text())
    assert report["inputs"]["unaccounted"] == 0
    assert report["inputs"]["stored"] == 3

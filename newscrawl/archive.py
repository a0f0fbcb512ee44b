"""The archive: every page a live crawl fetches, kept in WARC files (warcio).

For each download (robots.txt, lists, feeds, articles, redirects, errors) a
``request`` record and its ``response`` record (``WARC-Concurrent-To`` the
request), with ``WARC-Date`` (when it was received) and the payload digest,
go into ``NEWSCRAWL_WARC`` (default ``data/warc/``). The body is kept as it
came over the wire (still gzip-encoded when the server sent it so; the
de-chunked body without its ``Transfer-Encoding``), so a reader gets the page
the site sent, not what newscrawl made of it.

Files are named by spider, UTC start time, process and serial
(``sina-20261208T010203Z-4242-00001.warc.gz``) and rotated once larger than
``NEWSCRAWL_WARC_MAX_BYTES``; each starts with a ``warcinfo`` record.

Nothing a kill does can tear a file for a reader:

* every record is its own gzip member, and a request with its response is
  written with one ``write`` and flushed: the file holds whole records;
* a file being written is named ``NAME.warc.gz.<pid>.open`` and renamed to
  ``NAME.warc.gz`` when rotated or closed. A killed crawl leaves its
  ``.open`` file, readable up to its last whole record; the next crawl
  writing into the folder cuts any partial tail (a kill in the middle of a
  write) and gives it its final name.

What the crawl took each page for goes with it, so a replay of the archive
reads the pages as the crawl did: the response record's ``Newscrawl-Page``
field says ``article`` (fetched to be extracted) or ``list`` (a list, feed,
sitemap or robots.txt: never extracted), and the listing that led to an
article (a feed entry's title, date and authors, the page's fallbacks) is a
``metadata`` record (``application/json``, :data:`LISTING_TYPE`)
``WARC-Concurrent-To`` its response, written before it.

The replay spider never archives (it reads archives): a spider with
``archive_fetches = False`` is not archived.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import re
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.items import Listing

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
FETCHED_AT_META = "newscrawl_fetched_at"
"""Request meta key: when its response was received (the record's WARC-Date),
so the article and its archived page carry the same fetch time."""
PAGE_FIELD = "Newscrawl-Page"
"""Response record field: ``article`` or ``list`` (what the crawl took the page for)."""
LISTING_TYPE = "application/json; profile=newscrawl-listing"
"""Content-Type of the metadata record holding an article's listing."""
_OPEN_NAME = re.compile(r"^(?P<final>.+\.warc\.gz)\.(?P<pid>\d+)\.open$")
# Hop-by-hop: the body is stored de-chunked, so the header would lie.
_DROPPED_HEADERS = frozenset({b"transfer-encoding"})


def warc_date(when: datetime) -> str:
    """``WARC-Date`` of WARC/1.1 (UTC, microseconds).

    >>> warc_date(datetime(2026, 12, 8, 1, 2, 3, 450000, tzinfo=UTC))
    '2026-12-08T01:02:03.450000Z'
    """
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _headers(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, one per value."""
    out: list[tuple[str, str]] = []
    for name, values in headers.items():
        if name.lower() in _DROPPED_HEADERS:
            continue
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


def http_request(request: Request) -> StatusAndHeaders:
    """The request line and headers as sent (origin form, with its Host)."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _headers(request.headers)
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(
        f"{request.method} {target} HTTP/1.1", headers, protocol="", is_http_request=True
    )


def http_response(response: Response) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return StatusAndHeaders(
        f"{response.status} {reason}", _headers(response.headers), protocol=protocol
    )


def complete_length(path: Path) -> int:
    """How many leading bytes of the gzipped WARC at ``path`` are whole gzip
    members (whole records: each record is one member). A member cut short
    by a kill has no end: readers disagree about it (warcio reads some such
    tails and fails on others), so it is not counted."""
    good = 0
    with path.open("rb") as f:
        while True:
            member = zlib.decompressobj(wbits=31)
            pos = good
            f.seek(pos)
            try:
                while not member.eof:
                    chunk = f.read(1 << 16)
                    if not chunk:
                        return good
                    pos += len(chunk)
                    data = chunk
                    while data and not member.eof:  # output bounded, then dropped
                        member.decompress(data, 1 << 20)
                        data = member.unconsumed_tail
            except zlib.error:
                return good
            good = pos - len(member.unused_data)
            if not member.unused_data and not f.read(1):
                return good


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_open_files(folder: Path) -> list[Path]:
    """Give the ``.open`` files of dead crawls their final names, any torn
    tail cut off; the files recovered."""
    done: list[Path] = []
    for path in sorted(folder.glob(f"*{OPEN_SUFFIX}")):
        m = _OPEN_NAME.match(path.name)
        if not m or _alive(int(m["pid"])):
            continue
        good = complete_length(path)
        if good == 0:  # killed before its first record: nothing to keep
            path.unlink()
            continue
        with path.open("r+b") as f:
            f.truncate(good)
        final = path.with_name(m["final"])
        os.replace(path, final)
        done.append(final)
    return done


class WarcArchive:
    """The extension writing every download of a live crawl to WARC files."""

    def __init__(self, folder: Path, max_bytes: int, stats: Any = None) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.stats = stats
        self.spider_name = "crawl"
        self.serial = 0
        self.file: IO[bytes] | None = None
        self.path: Path | None = None
        self.size = 0
        self.enabled = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        folder = s.get("NEWSCRAWL_WARC")
        if not folder:
            raise NotConfigured("NEWSCRAWL_WARC is empty: no archive")
        ext = cls(Path(str(folder)), s.getint("NEWSCRAWL_WARC_MAX_BYTES"), crawler.stats)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.enabled = bool(getattr(spider, "archive_fetches", True))
        if not self.enabled:
            return
        self.spider_name = re.sub(r"[^\w.-]+", "_", spider.name) or "crawl"
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in recover_open_files(self.folder):
            logger.info("archive: %s left by a killed crawl, closed", path)

    def spider_closed(self, spider: Spider) -> None:
        self.close()

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if not self.enabled or urlsplit(request.url).scheme not in ("http", "https"):
            return
        received = datetime.now(UTC)
        request.meta[FETCHED_AT_META] = received
        self.write(request, response, received)

    # --- files ------------------------------------------------------------
    def _open(self) -> IO[bytes]:
        self.serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{self.spider_name}-{stamp}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self.path = self.folder / name
        f = (self.folder / f"{name}.{os.getpid()}{OPEN_SUFFIX}").open("xb")
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=True)
        info = writer.create_warcinfo_record(
            name, {"software": "newscrawl (warcio)", "format": "WARC File Format 1.1"}
        )
        writer.write_record(info)
        f.write(buf.getvalue())
        f.flush()
        self.size = len(buf.getvalue())
        if self.stats is not None:
            self.stats.inc_value("newscrawl/warc/files")
        return f

    def close(self) -> None:
        """The current file, closed and given its final name."""
        if self.file is None or self.path is None:
            return
        self.file.close()
        os.replace(f"{self.path}.{os.getpid()}{OPEN_SUFFIX}", self.path)
        self.file = None

    def write(self, request: Request, response: Response, received: datetime) -> None:
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=True)
        date = warc_date(received)
        req = writer.create_warc_record(
            request.url,
            "request",
            payload=io.BytesIO(request.body or b""),
            http_headers=http_request(request),
            warc_headers_dict={"WARC-Date": date},
        )
        callback = getattr(request.callback, "__name__", "")
        page = "article" if callback == "parse_article" else "list"
        resp = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            http_headers=http_response(response),
            warc_headers_dict={"WARC-Date": date, PAGE_FIELD: page},
        )
        record_id = resp.rec_headers.get_header("WARC-Record-ID")
        req.rec_headers.add_header("WARC-Concurrent-To", record_id)
        writer.write_record(req)
        listing = request.cb_kwargs.get("listing")
        if isinstance(listing, Listing):
            data = json.dumps(dataclasses.asdict(listing), ensure_ascii=False).encode()
            meta = writer.create_warc_record(
                response.url,
                "metadata",
                payload=io.BytesIO(data),
                warc_content_type=LISTING_TYPE,
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
            writer.write_record(meta)
        writer.write_record(resp)
        data = buf.getvalue()
        if self.file is not None and self.size + len(data) > self.max_bytes:
            self.close()
        if self.file is None:
            self.file = self._open()
        # One write, then flushed: a kill leaves whole records (or a tail
        # the next crawl cuts off, never a torn record in the middle).
        self.file.write(data)
        self.file.flush()
        self.size += len(data)
        if self.stats is not None:
            self.stats.inc_value("newscrawl/warc/records", 2)
            self.stats.inc_value("newscrawl/warc/bytes", len(data))

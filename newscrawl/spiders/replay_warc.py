"""Reading every record of a WARC file that can be read, with warcio.

warcio stops at the first damage (a cut gzip member, garbage between
records, a record longer than the file) and refuses a WARC gzipped as one
member. Here a damaged stretch is reported (``Damage``) and reading starts
again at the next record (the next gzip member, or the next ``WARC/1.``
line), and a one-member WARC is read as one gzip stream.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
_ERRORS = (ArchiveLoadFailed, OSError, EOFError, ValueError, AttributeError, zlib.error)
_SCAN = 1 << 20


@dataclass(slots=True)
class Record:
    """One WARC record, its payload read (at most the size limit)."""

    offset: int  # in the file; in the uncompressed stream when ``unzipped``
    rec_type: str
    target: str
    date: str | None
    content_type: str  # of the HTTP response, or of a resource record
    status: int
    headers: list[tuple[str, str]]
    body: bytes | None  # None: larger than the limit (not read)
    unzipped: bool = False
    truncated: str | None = None  # WARC-Truncated: why the crawler cut the payload
    record_id: str = ""
    concurrent_to: str = ""
    page: str | None = None  # newscrawl's archive: what the crawl took the page for


@dataclass(slots=True)
class Damage:
    """A stretch of the file no record could be read from."""

    offset: int
    detail: str
    reason: str = "bad_warc_record"


def _record(record: Any, limit: int, unzipped: bool) -> Record:
    headers: list[tuple[str, str]] = []
    status = 200
    ctype = ""
    if record.http_headers is not None:
        headers = [(str(k), str(v)) for k, v in record.http_headers.headers]
        ctype = record.http_headers.get_header("Content-Type") or ""
        try:
            status = int(record.http_headers.get_statuscode() or 200)
        except ValueError:
            status = 200
    if record.rec_type == "resource" or (not ctype and record.http_headers is None):
        ctype = record.rec_headers.get_header("Content-Type") or ""
    body: bytes | None = None
    if record.length is None or int(record.length) <= limit + 64 * 1024:
        # The payload may be chunked or gzip-encoded: bounded after decoding too.
        body = record.content_stream().read(limit + 1)
        if len(body) > limit:
            body = None
    return Record(
        offset=0,
        rec_type=str(record.rec_type or ""),
        target=record.rec_headers.get_header("WARC-Target-URI") or "",
        date=record.rec_headers.get_header("WARC-Date"),
        content_type=ctype,
        status=status,
        headers=headers,
        body=body,
        unzipped=unzipped,
        truncated=record.rec_headers.get_header("WARC-Truncated"),
        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
        concurrent_to=record.rec_headers.get_header("WARC-Concurrent-To") or "",
        page=record.rec_headers.get_header("Newscrawl-Page"),
    )


def _next_start(stream: IO[bytes], after: int, magic: bytes) -> int:
    """The offset of the next ``magic`` after ``after``, -1 when none."""
    pos = after + 1
    while True:
        stream.seek(pos)
        chunk = stream.read(_SCAN + len(magic))
        if not chunk:
            return -1
        found = chunk.find(magic)
        if found >= 0:
            return pos + found
        if len(chunk) < _SCAN + len(magic):
            return -1
        pos += _SCAN


def warc_records(path: Path, limit: int) -> Iterator[Record | Damage]:
    """Every readable record of the WARC at ``path`` and every damaged stretch, in order."""
    with path.open("rb") as stream:
        head = stream.read(8)
        if not head:
            yield Damage(0, "empty file", "empty_file")
            return
        zipped = head.startswith(GZIP_MAGIC)
        if not zipped and not head.lstrip().startswith(b"WARC/"):
            yield Damage(0, "no WARC/ version line, no gzip header", "not_warc")
            return
        magic = GZIP_MAGIC if zipped else WARC_MAGIC
        start, damaged = 0, False
        while start >= 0:
            stream.seek(start)
            iterator = ArchiveIterator(stream)
            end, read = start, 0
            try:
                for record in iterator:
                    if record.format not in ("warc", "arc"):
                        raise ArchiveLoadFailed(f"unknown record format {record.format}")
                    item = _record(record, limit, unzipped=False)
                    # Known once the record is read (asking earlier reads it).
                    iterator.read_to_end(record)
                    item.offset = iterator.get_record_offset()
                    end = item.offset + iterator.get_record_length()
                    read += 1
                    yield item
                stream.seek(0, 2)
                if end >= stream.tell() or (read and _blank_tail(stream, end)):
                    return
                detail = "no record could be read here"
            except ArchiveLoadFailed as exc:
                if "non-chunked gzip" in str(exc):
                    yield from _one_member(path, start, read, limit)
                    return
                detail = f"ArchiveLoadFailed: {str(exc).strip().splitlines()[0]}"
            except _ERRORS as exc:
                detail = f"{type(exc).__name__}: {exc}"
            if read or not damaged:  # one drop per damaged stretch
                yield Damage(end, detail)
            damaged = True
            # Again at the next record start (the damaged record's own, the
            # first time: blank lines may precede it), past this one.
            resume = _next_start(stream, end - 1, magic)
            if resume == start and not read:
                resume = _next_start(stream, start, magic)
            start = resume


def _blank_tail(stream: IO[bytes], end: int) -> bool:
    stream.seek(end)
    return not stream.read(_SCAN).strip()


def _one_member(path: Path, start: int, skip: int, limit: int) -> Iterator[Record | Damage]:
    """A WARC gzipped whole (one member): read as one stream, the first
    ``skip`` records (already read) left out. Offsets are uncompressed ones."""
    with path.open("rb") as raw:
        raw.seek(start)
        with gzip.GzipFile(fileobj=raw) as unzipped:
            iterator = ArchiveIterator(unzipped)
            offset = 0
            try:
                for n, record in enumerate(iterator):
                    item = None if n < skip else _record(record, limit, unzipped=True)
                    iterator.read_to_end(record)
                    offset = iterator.get_record_offset() + iterator.get_record_length()
                    if item is not None:
                        item.offset = iterator.get_record_offset()
                        yield item
            except _ERRORS as exc:
                yield Damage(offset, f"{type(exc).__name__}: {exc} (uncompressed offset)")

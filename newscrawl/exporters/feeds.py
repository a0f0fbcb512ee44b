"""Local feed files that survive re-runs and killed crawls.

``SafeFileFeedStorage`` replaces Scrapy's file storage for plain paths and
``file://`` URIs:

* appending (the default, ``overwrite: False``): before a run appends, a
  torn last record left by a killed run (bytes after the last record
  terminator) is moved aside to ``<file>.torn-<time>`` and cut off, so the
  next reader never meets half a line. The file is opened unbuffered: each
  record goes out in one ``write()``, which a kill cannot split.
* overwriting (``-O``, ``overwrite: True``): written to a temporary file that
  replaces the old one only when the run closes the feed.

``CsvExporter`` appends without repeating the header row and writes list
fields (authors, categories, images...) as JSON, as the SQLite store does.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import IO, Any

from scrapy.exporters import CsvItemExporter
from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)

#: What ends one record, per feed format; formats not listed are not repaired.
TERMINATORS = {"jsonlines": b"\n", "jsonl": b"\n", "jl": b"\n", "csv": b"\r\n"}
_CHUNK = 1 << 16


def torn_tail_start(path: Path, terminator: bytes) -> int | None:
    """Offset where a torn last record starts (None when the file ends cleanly)."""
    size = path.stat().st_size
    if size == 0:
        return None
    with path.open("rb") as f:
        f.seek(max(0, size - len(terminator)))
        if f.read() == terminator:
            return None
        # Search backwards, chunk by chunk (a record may be long), for the
        # last terminator.
        end = size
        while end > 0:
            start = max(0, end - _CHUNK)
            f.seek(start)
            chunk = f.read(end - start + len(terminator) - 1)
            i = chunk.rfind(terminator)
            if i >= 0:
                return start + i + len(terminator)
            end = start
    return 0


def repair_torn_tail(path: Path, terminator: bytes) -> int:
    """Cut a torn last record off ``path``, keeping its bytes in a ``.torn-*``
    file next to it; the number of bytes cut."""
    if not path.exists():
        return 0
    start = torn_tail_start(path, terminator)
    if start is None:
        return 0
    with path.open("r+b") as f:
        f.seek(start)
        torn = f.read()
        aside = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        aside.write_bytes(torn)
        f.truncate(start)
        f.flush()
        os.fsync(f.fileno())
    logger.warning(
        "%s ended with a torn record (%d bytes, from a killed run): moved to %s",
        path,
        len(torn),
        aside,
    )
    return len(torn)


class SafeFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, made safe for re-runs and kills (see module doc)."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.format = str((feed_options or {}).get("format") or "")
        self.tmp: Path | None = None

    def open(self, spider: Any) -> IO[bytes]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "wb":
            self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            return self.tmp.open("wb", buffering=0)
        terminator = TERMINATORS.get(self.format)
        if terminator is not None:
            repair_torn_tail(path, terminator)
        return path.open("ab", buffering=0)

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        if self.tmp is not None:
            os.replace(self.tmp, self.path)


class CsvExporter(CsvItemExporter):
    """CSV rows; the header only at the top of a new file; lists as JSON."""

    def __init__(self, file: Any, **kwargs: Any) -> None:
        try:
            appending = file.tell() > 0
        except (OSError, AttributeError, ValueError):
            appending = False
        if appending:
            kwargs["include_headers_line"] = False
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, list | tuple | dict):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)

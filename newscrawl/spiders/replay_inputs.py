"""The replay spider's file inputs: walking a folder whatever it holds
(symlink loops, dangling links, FIFOs, unreadable folders), reading saved
files with a size bound, ``NAME.json`` sidecars, and the checks on the
addresses and dates they give."""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.urls import is_web_url

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
HTML_GZ_SUFFIXES = (".html.gz", ".htm.gz")
MARKDOWN_SUFFIXES = (".md", ".markdown")
WARC_SUFFIXES = (".warc", ".warc.gz")

# No web page was fetched before the web, nor tomorrow.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def file_kind(path: Path | str) -> str | None:
    """``html``, ``html_gz``, ``markdown``, ``warc`` or None (not replayed) by file name."""
    name = os.path.basename(path).lower()
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(HTML_GZ_SUFFIXES):
        return "html_gz"
    if name.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    return None


# Control characters as Python writes them in a literal (\n, \x1b).
_CONTROL_ESCAPES = {c: repr(chr(c))[1:-1] for c in [*range(32), 127]}


def shown(text: Path | str, limit: int = 0) -> str:
    """``text`` (a path, an error message) as a log line can hold it:
    undecodable bytes of a name (``\\udcff``) and control characters
    (line breaks, NUL, terminal escapes) escaped, so one input is one log
    line; cut to ``limit`` characters when given.

    >>> shown("a\\nb\\udcff\\x1b.html")
    'a\\\\nb\\\\udcff\\\\x1b.html'
    """
    out = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    out = out.translate(_CONTROL_ESCAPES)
    return out[:limit] + "..." if limit and len(out) > limit else out


@dataclass(frozen=True, slots=True)
class Input:
    """A replayable file: its path (under the root given), kind and size."""

    path: Path
    kind: str
    size: int


@dataclass(frozen=True, slots=True)
class BadEntry:
    """A folder entry that cannot be replayed (one counted drop)."""

    path: Path
    reason: str
    detail: str


class FolderWalk:
    """Every input under ``root`` (or ``root`` itself), sorted by name, folder
    by folder: one folder's listing in memory at a time, a stack instead of
    recursion (a tree 5,000 folders deep is no RecursionError).

    Symlinked folders are not followed: one inside the tree is walked anyway,
    one outside it is a ``symlinked_folder`` entry. A symlinked file is read
    where it points, unless that is a file of the tree replayed as the same
    kind (read once, under its own name; ``x.html -> post.md`` reads the
    post as a page too). ``ignored`` counts the files not replayable by name.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.ignored = 0

    def __iter__(self) -> Iterator[Input | BadEntry]:
        if not self.root.is_dir():
            yield from self._file(self.root, self.root.is_symlink())
            return
        stack: list[Iterator[os.DirEntry[str]]] = []
        entries = self._listing(self.root)
        if isinstance(entries, BadEntry):
            yield entries
            return
        stack.append(entries)
        while stack:
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError as exc:
                yield BadEntry(path, "unreadable_file", _why(exc))
                continue
            if is_dir:
                listing = self._listing(path)
                if isinstance(listing, BadEntry):
                    yield listing
                else:
                    stack.append(listing)
                continue
            yield from self._file(path, is_link)

    def _listing(self, folder: Path) -> Iterator[os.DirEntry[str]] | BadEntry:
        try:
            with os.scandir(folder) as it:
                return iter(sorted(it, key=lambda e: e.name))
        except OSError as exc:
            return BadEntry(folder, "unreadable_folder", _why(exc))

    def _inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def _file(self, path: Path, is_link: bool) -> Iterator[Input | BadEntry]:
        kind = file_kind(path)
        try:
            st = os.stat(path)  # follows a link
        except OSError as exc:
            if not is_link:
                yield BadEntry(path, "unreadable_file", _why(exc))
            elif exc.errno == errno.ELOOP:
                yield BadEntry(path, "symlink_loop", "the link points back to itself")
            elif exc.errno == errno.ENOENT:
                yield BadEntry(path, "dangling_symlink", f"points to {_target(path)!r}")
            else:
                yield BadEntry(path, "unreadable_file", _why(exc))
            return
        if stat.S_ISDIR(st.st_mode):
            # Only a link reaches here (real folders are walked).
            if not self._inside(os.path.realpath(path)):
                yield BadEntry(path, "symlinked_folder", "points outside the tree: not followed")
            return
        if kind is None:
            self.ignored += 1
            return
        if not stat.S_ISREG(st.st_mode):
            yield BadEntry(path, "not_a_file", "a FIFO, socket or device, not read")
            return
        if is_link and path != self.root:
            real = os.path.realpath(path)
            if self._inside(real) and file_kind(real) == kind:
                return  # the file it points to is replayed under its own name
        yield Input(path, kind, st.st_size)


def _target(link: Path) -> str:
    try:
        return os.readlink(link)
    except OSError:  # gone meanwhile
        return "?"


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def replay_files(root: Path) -> Iterator[tuple[Path, str]]:
    """``(path, kind)`` of every replayable file under ``root`` (see FolderWalk)."""
    for entry in FolderWalk(root):
        if isinstance(entry, Input):
            yield entry.path, entry.kind


class TooLarge(ValueError):
    """A file or record over the page size limit."""


def read_bounded(path: Path, kind: str, limit: int) -> bytes:
    """The page in ``path`` (gunzipped for ``html_gz``), at most ``limit``
    bytes: TooLarge beyond, OSError when unreadable; a corrupt gzip raises
    ``gzip.BadGzipFile`` / EOFError / zlib.error (see GZIP_ERRORS)."""
    with path.open("rb") as raw:
        if kind == "html_gz":
            with gzip.GzipFile(fileobj=raw) as unzipped:
                body = unzipped.read(limit + 1)
        else:
            body = raw.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(f"more than {limit} bytes")
    return body


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def sidecar_path(path: Path) -> Path:
    """``NAME.json`` next to ``NAME.html`` / ``NAME.html.gz``."""
    name = path.name
    lower = name.lower()
    for suffix in HTML_GZ_SUFFIXES + HTML_SUFFIXES:
        if lower.endswith(suffix):
            return path.with_name(name[: -len(suffix)] + ".json")
    return path.with_suffix(".json")


def read_sidecar(side: Path, limit: int) -> tuple[dict[str, Any], str | None]:
    """``(sidecar, None)``, or ``({}, why it is ignored)``; ``({}, None)`` when there is none."""
    try:
        st = side.stat()
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, _why(exc)
    if not stat.S_ISREG(st.st_mode):
        return {}, "not a regular file"
    if st.st_size > limit:
        return {}, f"larger than {limit} bytes"
    try:
        value = json.loads(side.read_bytes())
    except RecursionError:
        return {}, "JSON nested too deep"
    except (ValueError, OSError) as exc:
        return {}, f"{type(exc).__name__}: {exc}"
    if not isinstance(value, dict):
        return {}, f"a JSON {type(value).__name__}, not an object"
    return value, None


def web_address(value: Any) -> str | None:
    """``value`` when it is an http(s) URL with a host, else None.

    >>> web_address("https://a.test/x"), web_address("javascript:alert(1)"), web_address(3)
    ('https://a.test/x', None, None)
    >>> web_address("http://[::1/x"), web_address("http://a.test:99999/")
    (None, None)
    """
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(c.isspace() or ord(c) < 32 for c in url) or not is_web_url(url):
        return None
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return url


_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.I)
HEAD_CHARS = 262_144
"""How far into a saved page its address is looked for (``<head>`` is at the start)."""


def saved_address(page: TextResponse) -> str | None:
    """The address a page was saved from: its canonical link, else og:url,
    when that is an http(s) URL. Only the page's ``<head>`` is parsed: the
    whole page is parsed once, later, at that address.

    >>> from scrapy.http import HtmlResponse
    >>> saved_address(HtmlResponse("file:///a.html", body=b'<link rel="canonical" href="https://a.test/x"><p>hi'))
    'https://a.test/x'
    >>> saved_address(HtmlResponse("file:///a.html", body=b'<meta property="og:url" content="javascript:x">')) is None
    True
    """
    text = page.text[:HEAD_CHARS]
    end = _HEAD_END.search(text)
    head = text[: end.start()] if end else text
    if not head.strip():
        return None
    found = (
        Selector(text=head, type="html")
        .xpath(
            'descendant::link[@rel="canonical"]/@href | descendant::meta[@property="og:url"]/@content'
        )
        .get()
    )
    return web_address(found)


def fetch_time(value: Any) -> datetime | None:
    """``value`` as an aware instant between 1990 and tomorrow, else None
    (garbage, a naive time, year 9999, a number: no fetch time)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if when.tzinfo is None or when.utcoffset() is None:
            return None
        when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if not _EARLIEST <= when <= datetime.now(UTC) + timedelta(days=1):
        return None
    return when


def mtime(path: Path) -> datetime | None:
    """The file's modification time, None when unreadable or absurd."""
    try:
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, OverflowError, ValueError):
        return None
    return when if when >= _EARLIEST else None

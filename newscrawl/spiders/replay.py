"""Replay: saved pages, Markdown posts and WARC files through the same site
modules, pipelines and outputs as a live crawl, with no network.

    scrapy crawl replay                       # the project's fixtures/
    scrapy crawl replay -a path=saved/        # a folder, walked recursively
    scrapy crawl replay -a path=crawl.warc.gz -a site=sina
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import yaml
from scrapy import Request, signals
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from newscrawl.items import Article, Listing
from newscrawl.spiders.base import ArticleSpider

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
WARC_SUFFIXES = (".warc", ".warc.gz")


def file_kind(path: Path) -> str | None:
    """``html``, ``markdown``, ``warc`` or None (not replayed) by file name."""
    name = path.name.lower()
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    return None


def replay_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every replayable file under ``root`` (or ``root`` itself), sorted.

    Streamed folder by folder (one folder's listing in memory at a time, no
    stat per file): a replay of a million files starts at once and holds no
    list of them. Symlinked folders are not followed (as ``Path.rglob``).
    """
    if root.is_file():
        kind = file_kind(root)
        if kind:
            yield root, kind
        return
    yield from _walk(root)


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        return
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path)
        elif entry.is_file():
            kind = file_kind(path)
            if kind:
                yield path, kind


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(front matter, body)`` of a Markdown post; ValueError when it has none."""
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("---"):
        raise ValueError("no YAML front matter (the post must start with ---)")
    end = text.find("\n---", 3)
    if end < 0:
        raise ValueError("front matter is not closed by ---")
    meta = yaml.safe_load(text[3:end])
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    body = text[end + 4 :].split("\n", 1)[1] if "\n" in text[end + 4 :] else ""
    return meta, body


def _str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def post_listing(meta: dict[str, Any], body: str) -> Listing:
    """What a Markdown post's front matter says (Hexo keys)."""
    date = meta.get("date")
    if isinstance(date, datetime):
        date = date.isoformat()
    return Listing(
        url=meta.get("url") or meta.get("link") or meta.get("permalink"),
        title=str(meta["title"]) if meta.get("title") is not None else None,
        published=str(date) if date is not None else None,
        authors=_str_list(meta.get("author") or meta.get("authors")),
        categories=_str_list(meta.get("categories")),
        tags=_str_list(meta.get("tags")),
        image=meta.get("headimg") or meta.get("thumbnail"),
        summary=meta.get("description") or meta.get("excerpt"),
        body_html=body,
    )


def post_page(listing: Listing) -> str:
    """A Markdown post as the HTML page a site module reads."""
    title = escape(listing.title or "")
    image = f'<meta property="og:image" content="{escape(listing.image)}">' if listing.image else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{image}'
        f"</head><body><h1>{title}</h1><article>{listing.body_html or ''}</article></body></html>"
    )


def at_address(page: HtmlResponse, url: str) -> HtmlResponse:
    """``page`` at the address it was saved from, with the text decoded and
    the tree parsed to find that address: ``replace`` makes a new response,
    which would decode and parse the page again (1.5 ms of a 77 KB page).
    Scrapy keeps both in private caches (None until first used)."""
    moved = page.replace(url=url)
    assert isinstance(moved, HtmlResponse)
    moved._cached_benc = page._cached_benc
    moved._cached_ubody = page._cached_ubody
    moved._cached_selector = page._cached_selector
    return moved


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


class ReplaySpider(ArticleSpider):
    """Replays saved pages (``NAME.html`` + optional ``NAME.json`` with its
    ``url``), Markdown posts and WARC files."""

    name = "replay"
    # Replay tuning (measured by bench/): a live crawl keeps its polite
    # settings from settings.py; files on disk need none of them.
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        # Enough file reads in flight to keep the parser busy; more only
        # holds more pages in memory.
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        # One article per page: Scrapy's default of 100 starts 100 asyncio
        # tasks per response to process it, doubling Scrapy's cost per page.
        "CONCURRENT_ITEMS": 1,
        "RETRY_ENABLED": False,
        "COOKIES_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        # Scrapy's check that a generator callback returns no value: its
        # cache misses often (it is keyed by bound methods, made anew for
        # each request), and each miss reads and parses the callback's
        # source. About 0.5 ms a page over a 2,000-page replay.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # A saved page's <meta http-equiv=refresh> must not send a replay to the web.
        "METAREFRESH_ENABLED": False,
        "REDIRECT_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(self, path: str | None = None, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path) if path else Path("fixtures")
        self.site = site
        if not self.path.exists():
            hint = "" if path else " (run from the project folder, or pass -a path=FOLDER)"
            raise UsageError(f"replay: no such file or folder: {self.path}{hint}")
        self.check_site_argument()

    async def start(self) -> AsyncIterator[Any]:
        count = 0
        # Resolved once: resolving each file costs a stat per path component.
        base = self.path.resolve()
        assert self.crawler.engine is not None
        for path, kind in replay_files(self.path):
            # One file at a time, when the engine can take it: Scrapy
            # otherwise drains start() into its scheduler, and a replay of
            # 100,000 files held 100,000 requests (+90 MB) before its end.
            if self.crawler.engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            count += 1
            meta = {"replay_path": str(path)}
            if kind == "warc":
                # Streamed from disk in the callback: a WARC can be larger than memory.
                url = "data:,"
                callback = self.parse_warc
            else:
                url = (base / path.relative_to(self.path)).as_uri()
                callback = self.parse_markdown if kind == "markdown" else self.parse_html
            yield Request(
                url, callback=callback, errback=self.unreadable, meta=meta, dont_filter=True
            )
        self.logger.info("replaying %d files from %s", count, self.path)

    def unreadable(self, failure: Failure) -> None:
        path = failure.request.meta.get("replay_path", failure.request.url)  # type: ignore[attr-defined]
        self.count_drop("unreadable_file", path, str(failure.value))

    def parse_html(self, response: Response) -> Iterator[Article]:
        path = Path(response.meta["replay_path"])
        sidecar: dict[str, Any] = {}
        side = path.with_suffix(".json")
        if side.exists():
            try:
                sidecar = json.loads(side.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:
                self.logger.warning("ignoring %s: %s", side, exc)
        url = sidecar.get("url") if isinstance(sidecar.get("url"), str) else None
        page = HtmlResponse(url=response.url, body=response.body)
        if url is None and page.body.strip():
            try:
                # descendant:: from the root: "//" walks the page twice as slowly.
                found = page.xpath(
                    'descendant::link[@rel="canonical"]/@href'
                    ' | descendant::meta[@property="og:url"]/@content'
                ).get()
            except ValueError:
                found = None
            if found and found.strip().startswith(("http://", "https://")):
                url = found.strip()
        if url:
            page = at_address(page, url)
        fetched = sidecar.get("fetched_at")
        when = (
            datetime.fromisoformat(fetched.replace("Z", "+00:00"))
            if isinstance(fetched, str) and fetched
            else _mtime(path)
        )
        article = self.article(page, fetched_at=when, where=str(path))
        if article is not None:
            yield article

    def parse_markdown(self, response: Response) -> Iterator[Article]:
        path = Path(response.meta["replay_path"])
        if not response.body.strip():
            self.count_drop("empty_file", str(path))
            return
        try:
            meta, body = split_front_matter(response.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.count_drop("bad_markdown", str(path), str(exc).splitlines()[0])
            return
        listing = post_listing(meta, body)
        url = listing.url if listing.url else response.url
        page = HtmlResponse(url=url, body=post_page(listing).encode("utf-8"), encoding="utf-8")
        article = self.article(page, listing, _mtime(path), where=str(path))
        if article is not None:
            yield article

    def parse_warc(self, response: Response) -> Iterator[Article]:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed

        path = Path(response.meta["replay_path"])
        records = 0
        try:
            with path.open("rb") as stream:
                iterator = ArchiveIterator(stream)
                for record in iterator:
                    if record.rec_type not in ("response", "resource"):
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    headers: dict[str, str] = {}
                    status = 200
                    if record.http_headers is not None:
                        headers = dict(record.http_headers.headers)
                        try:
                            status = int(record.http_headers.get_statuscode() or 200)
                        except ValueError:
                            status = 200
                    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
                    if record.rec_type == "resource":
                        ctype = record.rec_headers.get_header("Content-Type") or ""
                    if "html" not in ctype.lower():
                        continue
                    records += 1
                    body = record.content_stream().read()
                    # The offset is known once the record is read (asking earlier consumes it).
                    where = f"{path} (record at offset {iterator.get_record_offset()})"
                    if status >= 400:
                        self.count_drop("http_error", where, f"recorded status {status}")
                        continue
                    date = record.rec_headers.get_header("WARC-Date")
                    when = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else None
                    page = HtmlResponse(url=url, body=body, headers=headers, status=status)
                    article = self.article(page, fetched_at=when, where=f"{where} {url}")
                    if article is not None:
                        yield article
        except (ArchiveLoadFailed, OSError, EOFError, ValueError, AttributeError) as exc:
            # warcio reports a truncated or malformed record in several ways;
            # the records before it were replayed, the rest of the file cannot be.
            self.count_drop("bad_warc_record", str(path), f"{type(exc).__name__}: {exc}")
        if records == 0:
            self.logger.info("%s: no HTML response records", path)

"""``scrapy savefixture URL-or-FILE [--site NAME] [--name CASE]``: record a
golden fixture, ``fixtures/<site>/<case>.html`` (the page's bytes as fetched)
and ``<case>.json`` (the Article a replay of it gives after every pipeline,
which is also the page's sidecar: its ``url`` and ``fetched_at``), for review
by hand. ``tests/test_golden.py`` then holds the page to it, with nothing else
to add.

* A URL is fetched politely: Scrapy's own download in a one-request crawl
  with the project's settings (robots.txt obeyed, the project's User-Agent),
  storing nothing and skipping nothing as already stored.
* A file (``.html``, ``.htm``, ``.html.gz``...) is read as the replay spider
  reads it: its sidecar ``NAME.json`` gives its ``url`` and ``fetched_at``
  (else its canonical link and the file's time); its charset is decided by
  the replay itself (``newscrawl.charset.resolve``).

The Article is the output of ``scrapy crawl replay`` on the page as saved
(``newscrawl.golden.replay``, the golden test's own code path). The site is
the one the replay gives (the one claiming the URL); ``--site`` must agree
with it. The case name defaults to a slug of the URL's path or the file's
name; an existing case is only replaced with ``--force``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy import Request
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl import golden
from newscrawl.charset import resolve
from newscrawl.commands.shell import SHELL_SETTINGS
from newscrawl.sites import get_site, site_for_url
from newscrawl.spiders.replay_inputs import (
    GZIP_ERRORS,
    HTML_GZ_SUFFIXES,
    HTML_SUFFIXES,
    TooLarge,
    fetch_time,
    file_kind,
    mtime,
    read_bounded,
    read_sidecar,
    shown,
    sidecar_path,
    web_address,
)

# A fetch is no crawl run (see newscrawl.commands.shell): no lock, no report,
# nothing skipped as stored, no database (the drift check would keep the
# fetch as a run); quiet unless the user asks (-L).
FETCH_SETTINGS: dict[str, Any] = {
    **SHELL_SETTINGS,
    "NEWSCRAWL_DATABASE": "",
    "LOG_LEVEL": "WARNING",
}

_CASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_PAGE_SUFFIX = re.compile(r"\.(?:s?html?|xhtml|php|aspx?|jsp)$", re.I)


class Failed(Exception):
    """The one line that says why nothing was recorded."""


@dataclass(frozen=True)
class Page:
    """A page to record: its bytes as fetched, where and when from."""

    body: bytes
    url: str | None
    """Its web address, None when the replay is to find it (a canonical link)."""
    fetched_at: str
    case: str
    """The default case name."""
    source: str
    """What the user gave, as shown."""
    note: str = ""
    """A remark for the reviewer (a charset only the HTTP header gave)."""


def slug(text: str) -> str:
    """A case name: lowercase ASCII words joined by ``_``.

    >>> slug("/stock/2024-05-03/doc-Abc.shtml"), slug("新闻"), slug("Tidal Pilot")
    ('stock_2024_05_03_doc_abc', '', 'tidal_pilot')
    """
    text = _PAGE_SUFFIX.sub("", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:80].rstrip("_")


def url_case(url: str) -> str:
    """The default case name of a URL: its path, else its host."""
    parts = urlsplit(url)
    return slug(unquote(parts.path)) or slug(parts.hostname or "") or "page"


def file_case(path: Path) -> str:
    """The default case name of a saved file: its name without the page suffix."""
    name = path.name
    for suffix in HTML_GZ_SUFFIXES + HTML_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return slug(name) or "page"


def utc_text(when: datetime) -> str:
    """A fetch time as the fixtures write it: ``2024-05-05T08:00:00Z``."""
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class FetchSpider(scrapy.Spider):
    """One request, through the project's downloader middlewares (robots.txt,
    User-Agent, redirects, retries); the response or why there is none."""

    name = "savefixture"

    def __init__(self, url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.response: Response | None = None
        self.fetched_at: datetime | None = None
        self.error = ""

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.url, callback=self.got, errback=self.failed, dont_filter=True)

    def got(self, response: Response) -> None:
        self.response = response
        self.fetched_at = datetime.now(UTC)

    def failed(self, failure: Failure) -> None:
        exc = failure.value
        if isinstance(exc, HttpError):
            self.error = f"{exc.response.url} answered HTTP {exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            self.error = f"not fetched: {failure.value or 'ignored'} ({self.url})"
        else:
            self.error = f"{type(failure.value).__name__}: {failure.value} ({self.url})"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "URL-or-FILE [--site NAME] [--name CASE] [--fixtures DIR] [--force]"

    def short_desc(self) -> str:
        return "Record a golden fixture (page + Article) from a URL or a saved file"

    def long_desc(self) -> str:
        return (
            "Write FIXTURES/<site>/<case>.html (the page as fetched) and <case>.json "
            "(the Article a replay of it gives, with its url and fetched_at) for review "
            "by hand; tests/test_golden.py then checks the page against it."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--site", metavar="NAME", help="the fixture's site (default: the page's)"
        )
        parser.add_argument(
            "--name", metavar="CASE", help="the case name (default: from the URL/file)"
        )
        parser.add_argument(
            "--fixtures",
            metavar="DIR",
            default="fixtures",
            help="fixtures folder (default: fixtures)",
        )
        parser.add_argument("--force", action="store_true", help="replace an existing case")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name, value in FETCH_SETTINGS.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one URL or file")
        if opts.site:
            try:
                get_site(opts.site)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        if opts.name is not None and not _CASE_NAME.fullmatch(opts.name):
            raise UsageError(f"--name {opts.name!r}: letters, digits, '_', '-' and '.' only")
        target = args[0]
        try:
            url = web_address(target) if "://" in target else None
            if url is not None:
                claimed = site_for_url(url).name
                self.check_free(Path(opts.fixtures), opts, url_case(url), claimed)
                page = self.fetch(url)
            elif Path(target).is_file():
                self.check_free(Path(opts.fixtures), opts, file_case(Path(target)), None)
                page = self.read(Path(target))
            else:
                raise UsageError(f"{target!r} is neither an http(s) URL nor a file")
            self.record(page, opts)
        except Failed as exc:
            print(f"savefixture: {exc}", file=sys.stderr)
            self.exitcode = 1

    # -- getting the page ----------------------------------------------------

    def fetch(self, url: str) -> Page:
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(FetchSpider)
        self.crawler_process.crawl(crawler, url=url)
        self.crawler_process.start()
        spider = crawler.spider
        if not isinstance(spider, FetchSpider):
            raise Failed(f"the fetch of {url} did not start (see the log above)")
        response, when = spider.response, spider.fetched_at
        if response is None or when is None:
            raise Failed(spider.error or f"nothing fetched from {url}")
        note = ""
        if isinstance(response, TextResponse):
            # The saved bytes are replayed without the HTTP header: say so when
            # the header's charset reads them as another text.
            live = resolve(response)
            saved = resolve(HtmlResponse(response.url, body=response.body))
            if live.text != saved.text:
                note = (
                    f"the server's Content-Type gave charset {live.encoding}; the saved page "
                    f"alone is read as {saved.encoding}: check the .json's text"
                )
        return Page(response.body, response.url, utc_text(when), url_case(response.url), url, note)

    def read(self, path: Path) -> Page:
        assert self.settings is not None
        kind = file_kind(path)
        if kind not in ("html", "html_gz"):
            raise Failed(f"{shown(path)}: not a saved page (.html, .htm, .shtml, .html.gz...)")
        limit = self.settings.getint("NEWSCRAWL_MAX_PAGE_BYTES", 10_000_000)
        try:
            body = read_bounded(path, kind, limit)
        except TooLarge as exc:
            raise Failed(f"{shown(path)}: {exc} (NEWSCRAWL_MAX_PAGE_BYTES)") from None
        except GZIP_ERRORS as exc:
            raise Failed(f"{shown(path)}: not a readable gzip file ({exc})") from None
        except OSError as exc:
            raise Failed(f"{shown(path)}: {exc.strerror or exc}") from None
        side = sidecar_path(path)
        sidecar, why = read_sidecar(
            side, self.settings.getint("NEWSCRAWL_MAX_SIDECAR_BYTES", 65536)
        )
        if why:
            print(f"savefixture: ignoring sidecar {shown(side)}: {why}", file=sys.stderr)
        when = fetch_time(sidecar.get("fetched_at")) or mtime(path) or datetime.now(UTC)
        url = web_address(sidecar.get("url"))
        return Page(body, url, utc_text(when), file_case(path), shown(path))

    # -- recording it --------------------------------------------------------

    def check_free(
        self, fixtures: Path, opts: argparse.Namespace, case: str, site: str | None
    ) -> None:
        """Failed when the case exists (and no --force); nothing to check yet
        when the site is not known."""
        site = opts.site or site
        if site is None or opts.force:
            return
        html = fixtures / site / f"{opts.name or case}.html"
        for path in (html, html.with_suffix(".json")):
            if path.exists():
                raise Failed(f"{shown(path)} exists: not overwritten (--force replaces it)")

    def record(self, page: Page, opts: argparse.Namespace) -> None:
        fixtures = Path(opts.fixtures)
        case = opts.name or page.case
        with tempfile.TemporaryDirectory(prefix="savefixture-") as tmpdir:
            tmp = Path(tmpdir)
            staged = tmp / "page" / f"{case}.html"
            staged.parent.mkdir()
            staged.write_bytes(page.body)
            sidecar: dict[str, Any] = {"url": page.url} if page.url else {}
            sidecar["fetched_at"] = page.fetched_at
            staged.with_suffix(".json").write_text(golden.dumps(sidecar), encoding="utf-8")
            got = self.replayed(staged, tmp / "first", page.source)
            if not str(got["url"]).startswith(("http://", "https://")):
                raise Failed(
                    f"{page.source} gives no web address (no sidecar url, canonical link or "
                    "og:url): the golden test finds a page by its URL; put one in a "
                    'NAME.json sidecar next to the file, as {"url": ...}'
                )
            site = str(got["site"])
            if opts.site and opts.site != site:
                raise Failed(
                    f"a replay reads {page.source} as site {site!r}, not {opts.site!r}: "
                    f"the golden test would fail; record it under {site!r}"
                )
            self.check_free(fixtures, opts, case, site)
            self.check_unique(fixtures, str(got["url"]), site, case)
            record = golden.golden_record(got, sidecar)
            if page.url != got["url"]:
                # The golden file is the sidecar the golden test replays the
                # page with: it must give the same Article at its own url.
                self.verify(staged, record, tmp)
            folder = fixtures / site
            folder.mkdir(parents=True, exist_ok=True)
            html = folder / f"{case}.html"
            shutil.copyfile(staged, html)
            html.with_suffix(".json").write_text(golden.dumps(record), encoding="utf-8")
        lines = record["body_text"].count("\n") + 1 if record["body_text"] else 0
        print(f"wrote {shown(html)} ({len(page.body):,} bytes as fetched from {page.source})")
        print(
            f"wrote {shown(html.with_suffix('.json'))} (site {site}, title {record['title']!r}, "
            f"published_at {record['published_at']}, {lines} body lines)"
        )
        if page.note:
            print(f"note: {page.note}")
        print(
            "Review the .json by hand before committing it: tests/test_golden.py "
            "holds the page to every field of it."
        )

    def replayed(self, staged: Path, out: Path, source: str) -> dict[str, Any]:
        """The one Article a replay of ``staged`` gives; Failed with its drop line when none."""
        out.mkdir()
        run = golden.replay(staged, out)
        if run.records:
            return run.records[0]
        lines = run.process.stderr.splitlines()
        why = [ln.split("WARNING: ", 1)[-1] for ln in lines if "Dropped " in ln]
        why = why or [ln for ln in lines if "ERROR" in ln] or lines[-1:]
        raise Failed(f"a replay of {source} gives no article: {why[0] if why else 'no output'}")

    def verify(self, staged: Path, record: dict[str, Any], tmp: Path) -> None:
        """Replay the staged page with ``record`` as its sidecar, as the golden test will."""
        folder = tmp / "check" / str(record["site"])
        folder.mkdir(parents=True)
        case = folder / staged.name
        shutil.copyfile(staged, case)
        case.with_suffix(".json").write_text(golden.dumps(record), encoding="utf-8")
        out = tmp / "check-out"
        out.mkdir()
        run = golden.replay(case, out)
        wrong = golden.problems(case, record, {r["url"]: r for r in run.records})
        if wrong:
            raise Failed(f"the page does not replay to itself at {record['url']}: {wrong[0]}")

    def check_unique(self, fixtures: Path, url: str, site: str, case: str) -> None:
        """Failed when another fixture records the same URL (the golden test needs one per page)."""
        for other in golden.cases(fixtures):
            if other.parent.name == site and other.stem == case:
                continue
            side = other.with_suffix(".json")
            try:
                if golden.read(side).get("url") == url:
                    raise Failed(f"{shown(side)} already records {url}: one fixture per page")
            except (OSError, ValueError):
                continue

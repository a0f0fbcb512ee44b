"""Look at the archive in a real browser: a replay crawl of fixture pages fills a
SQLite file, ``scripts/browse.sh`` (the README's command) serves it with Datasette
on 127.0.0.1, and headless Chromium (Debian's ``chromium``) loads the articles
table, a facet and a Chinese full-text search. The tests read the DOM the
browser built, as a user reads the page.

Without Chromium the browser tests skip (``apt-get install chromium``, or
``bash scripts/test.sh`` as root); under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import FIXTURES, ROOT, replay
from lxml import html
from servers import free_port, wait_port

from newscrawl.browse import BrowseError, metadata_for, sqlite_file

CASES = {
    "sina": ["doc_2024_article", "doc_2019_main_title", "time_source_2015_news"],
    "generic": ["jsonld_news", "zh_old_portal"],
}
"""The fixture pages crawled: Chinese and English, two sites."""

SEARCH = "厨余垃圾"
"""In the body (not the title) of time_source_2015_news only."""


def golden(site: str, case: str) -> dict[str, object]:
    record: dict[str, object] = json.loads((FIXTURES / site / f"{case}.json").read_text("utf-8"))
    return record


def chromium() -> str:
    """Debian's headless Chromium; skip without it (fail under CI=true)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        msg = "Chromium is not installed: apt-get install chromium (or run bash scripts/test.sh as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file filled by ``scrapy crawl replay`` of the CASES pages (with their sidecars)."""
    tmp = tmp_path_factory.mktemp("archive")
    pages = tmp / "pages"
    for site, cases in CASES.items():
        (pages / site).mkdir(parents=True)
        for case in cases:
            for suffix in (".html", ".json"):
                shutil.copy(FIXTURES / site / f"{case}{suffix}", pages / site)
    records, _ = replay(pages, tmp)
    assert len(records) == sum(len(c) for c in CASES.values())
    return tmp / "db.sqlite3"


def browse_command() -> list[str]:
    """``scripts/browse.sh``, the README's command, when the tests run in the
    project's .venv (as scripts/test.sh runs them); else the ``scrapy browse``
    it runs, in this Python (the script would set up a .venv of its own)."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return ["bash", str(ROOT / "scripts" / "browse.sh")]
    return [sys.executable, "-m", "scrapy", "browse"]


@dataclass
class Seen:
    """What Chromium made of the pages: their DOMs, and one screenshot."""

    base: str
    doms: dict[str, html.HtmlElement]
    screenshot: Path
    seconds: float


PAGES = {
    "table": "/db/articles",
    "facet": "/db/articles?site=generic",
    "search": f"/db/articles?_search={quote(SEARCH)}",
}


@pytest.fixture(scope="module")
def browser() -> str:
    """Chromium's path: checked before the archive is crawled."""
    return chromium()


@pytest.fixture(scope="module")
def seen(browser: str, archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seen]:
    """``bash scripts/browse.sh`` on the archive; Chromium loads PAGES (at once, one profile each)."""
    pytest.importorskip("datasette", reason="pip install -e '.[browse]' (or '.[dev]')")
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    server = subprocess.Popen(
        [*browse_command(), str(archive), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        wait_port(port, server)  # type: ignore[arg-type]
        base = f"http://127.0.0.1:{port}"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        started = time.monotonic()
        shot = tmp / "search.png"
        # the search page's launch also takes the screenshot
        extra = {"search": ["--hide-scrollbars", "--window-size=1400,1500", f"--screenshot={shot}"]}
        procs = {
            name: subprocess.Popen(
                [
                    browser,
                    *flags,
                    f"--user-data-dir={tmp / name}",
                    *extra.get(name, []),
                    "--dump-dom",
                    base + path,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "HOME": str(tmp)},  # nothing written outside tmp
            )
            for name, path in PAGES.items()
        }
        doms = {}
        for name, proc in procs.items():
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"chromium failed on {name}"
            doms[name] = html.fromstring(out.decode("utf-8"))
        yield Seen(base, doms, shot, time.monotonic() - started)
    finally:
        for proc in procs.values():  # a browser left running by a failure above
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        server.terminate()
        log, _ = server.communicate(timeout=30)
        print(log)


def facet(dom: html.HtmlElement, column: str) -> dict[str, int]:
    """A facet box as shown: value -> count."""
    items = dom.xpath(f'//div[@data-column="{column}"]//li')
    assert items, f"no {column} facet on the page"
    counts = {}
    for li in items:
        link = li.xpath("./a")[0]
        counts[link.text_content().strip()] = int((link.tail or "").strip())
    return counts


def column(dom: html.HtmlElement, name: str) -> list[str]:
    """The text of one column of the rows table, top to bottom."""
    cells = dom.xpath(
        f'//table[@class="rows-and-columns"]//td[contains(concat(" ", @class, " "), " col-{name} ")]'
    )
    return [c.text_content().strip() for c in cells]


def heading(dom: html.HtmlElement) -> str:
    """The line above the table ("6 rows where ..."), whitespace folded."""
    return " ".join(dom.xpath("//h3")[0].text_content().split())


def test_the_articles_table_shows_every_crawled_article(seen: Seen) -> None:
    dom = seen.doms["table"]
    assert dom.xpath("//h1")[0].text_content().strip() == "articles"
    assert "One row per article" in dom.text_content()
    assert heading(dom).startswith("5 rows")
    titles = {str(golden(site, case)["title"]) for site, cases in CASES.items() for case in cases}
    assert set(column(dom, "title")) == titles
    # newest first (the metadata's sort_desc)
    dates = column(dom, "published_at")
    assert dates == sorted(dates, reverse=True)
    # the facet boxes with their counts
    assert facet(dom, "site") == {"sina": 3, "generic": 2}
    link = dom.xpath('//div[@data-column="site"]//li/a[normalize-space()="generic"]/@href')
    assert link[0].endswith("/db/articles?site=generic")  # the page the facet test loads
    sources = facet(dom, "source")
    assert sources["北京日报客户端"] == 1 and sources["法制晚报"] == 1
    assert facet(dom, "categories")["财经"] == 2  # a JSON list: one value per category
    link = dom.xpath('//div[@data-column="categories"]//li/a[normalize-space()="财经"]/@href')
    assert link[0].endswith(f"/db/articles?categories__arraycontains={quote('财经')}")
    # days as published: 2015-06-09T06:31:00+08:00 is the 9th (in UTC, the 8th)
    days = facet(dom, "published_at")
    assert days["2015-06-09"] == 1 and "2015-06-08" not in days
    assert list(days) == sorted(days, reverse=True)  # newest day first
    link = dom.xpath(
        '//div[@data-column="published_at"]//li/a[normalize-space()="2015-06-09"]/@href'
    )
    assert link[0].endswith("/db/articles?published_at__startswith=2015-06-09")


def test_a_facet_value_lists_its_articles(seen: Seen) -> None:
    dom = seen.doms["facet"]
    assert heading(dom).startswith('2 rows where site = "generic"')
    assert set(column(dom, "site")) == {"generic"}
    assert set(column(dom, "title")) == {
        str(golden("generic", case)["title"]) for case in CASES["generic"]
    }


def test_a_chinese_search_finds_the_article_by_its_body(seen: Seen) -> None:
    dom = seen.doms["search"]
    assert heading(dom).startswith(f'1 row where search matches "{SEARCH}"')
    assert dom.xpath('//input[@id="_search"]/@value') == [SEARCH]
    assert column(dom, "title") == [golden("sina", "time_source_2015_news")["title"]]
    assert column(dom, "source") == ["法制晚报"]
    # the screenshot of that page was taken (its description is in the report)
    assert seen.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {seen.screenshot}; browser time {seen.seconds:.1f} s")


def test_browse_names_what_to_do_when_it_cannot_serve(tmp_path: Path) -> None:
    with pytest.raises(BrowseError, match=r"scrapy exportdb data/export\.sqlite3"):
        sqlite_file("postgresql://crawler:secret@db.example:5432/news")
    with pytest.raises(BrowseError, match="run a crawl first"):
        sqlite_file(f"sqlite:///{tmp_path / 'none.sqlite3'}")
    # Datasette names a database after its file: the metadata follows the name.
    meta = metadata_for(tmp_path / "archive.db")
    assert list(meta["databases"]) == ["archive"]
    assert meta["databases"]["archive"]["tables"]["articles"]["fts_table"] == "articles_fts"

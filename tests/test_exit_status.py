"""The exit status of ``scrapy crawl`` (the table in newscrawl/commands/crawl.py),
one test per row through real ``scrapy crawl`` runs against servers on
127.0.0.1, plus the table itself as a pure function; and ``scrapy shell``
on a saved page (components built without a spider)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, crawl, crawl_command, feeds_settings
from feed_server import feed_server
from servers import free_port
from test_feeds import BASE, feeds_crawl
from test_incremental import holds_lock, page_asked

from newscrawl.exitstatus import exit_status, inputs_of
from newscrawl.extensions import build_report, report_text


def one_start_failure(proc: subprocess.CompletedProcess[str]) -> str:
    """The one line that says why the run did not start (and no traceback)."""
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "Task exception was never retrieved" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "cannot start" in line]
    assert len(lines) == 1, proc.stderr[-3000:]
    return lines[0]


# -- 0: finished, nothing wrong ---------------------------------------------


def test_finished_run_and_a_user_limit_exit_0(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        _, proc = feeds_crawl(
            server, tmp_path, "-s", "CLOSESPIDER_ITEMCOUNT=1", url=f"{BASE}rss.xml"
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "finish reason: closespider_itemcount" in proc.stderr
    assert "exit status: 0 (the run finished and its report found nothing wrong)" in proc.stderr


# -- 1: a failed start --------------------------------------------------------


BAD_SETTINGS = {
    "NEWSCRAWL_SINCE": ("yesterday", "NEWSCRAWL_SINCE: since='yesterday' is no date"),
    "NEWSCRAWL_CATEGORY_ALIASES": ("notjson", "NEWSCRAWL_CATEGORY_ALIASES='notjson'"),
    "NEWSCRAWL_DATABASE": ("garbage", "NEWSCRAWL_DATABASE='garbage': use sqlite:///"),
    "NEWSCRAWL_CONTACT": ("", "NEWSCRAWL_CONTACT is empty"),
    "NEWSCRAWL_LOCK": ("maybe", "NEWSCRAWL_LOCK='maybe' is not a boolean"),
    "NEWSCRAWL_COMMIT_SECONDS": ("0", "NEWSCRAWL_COMMIT_SECONDS must be more than 0"),
}


def test_bad_settings_are_one_line_and_exit_1(tmp_path: Path) -> None:
    """Every bad setting named in one line (one run: they are checked together)."""
    bad = [x for name, (value, _) in BAD_SETTINGS.items() for x in ("-s", f"{name}={value}")]
    proc = crawl("feeds", "-a", "url=http://127.0.0.1:9/rss.xml", *bad, **feeds_settings(tmp_path))
    line = one_start_failure(proc)
    for _, says in BAD_SETTINGS.values():
        assert says in line
    assert not (ROOT / "garbage").exists()  # no SQLite file named after the bad value


@pytest.mark.parametrize(
    ("argument", "says"),
    [
        ("url=example.com/rss", "give it with its scheme, e.g. -a url=https://example.com/rss"),
        ("since=yesterday", "since='yesterday' is no date"),
    ],
)
def test_bad_argument_is_one_line_and_exit_1(tmp_path: Path, argument: str, says: str) -> None:
    url = [] if argument.startswith("url=") else ["-a", "url=http://127.0.0.1:9/rss.xml"]
    proc = crawl("feeds", *url, "-a", argument, **feeds_settings(tmp_path))
    assert says in one_start_failure(proc)


def test_database_that_cannot_be_opened_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    refused = f"postgresql://postgres@127.0.0.1:{free_port()}/news"
    under_a_file = f"sqlite:///{tmp_path / 'afile' / 'db.sqlite3'}"
    for db, names in ((refused, "cannot connect to the database"), (under_a_file, "afile")):
        proc = crawl(
            "feeds",
            "-a",
            "url=http://127.0.0.1:9/rss.xml",
            **{**feeds_settings(tmp_path), "NEWSCRAWL_DATABASE": db},
        )
        assert names in one_start_failure(proc)


def test_lock_held_by_another_run_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        server.gate.clear()  # the first run waits for its article pages
        first = start_feeds(server, **feeds_settings(tmp_path))
        try:
            wait(lambda: holds_lock(tmp_path, first), first)
            second = crawl(
                "feeds", "-a", f"url={BASE}rss.xml", env=server.env(), **feeds_settings(tmp_path)
            )
            assert f"pid {first.pid}" in one_start_failure(second)
        finally:
            server.gate.set()
            first.communicate(timeout=120)
    assert first.returncode == 0


# -- 2: Scrapy's usage errors -----------------------------------------------


def test_usage_error_is_scrapys_2(tmp_path: Path) -> None:
    proc = crawl("feeds", "--no-such-option", **feeds_settings(tmp_path))
    assert proc.returncode == 2, proc.stderr[-3000:]


# -- 4: the database lost mid-run -------------------------------------------


def test_database_lost_mid_run_exits_4(tmp_path: Path, fresh_postgres_url: str) -> None:
    psycopg = pytest.importorskip("psycopg")
    name = fresh_postgres_url.rsplit("/", 1)[1]
    admin_url = fresh_postgres_url.rsplit("/", 1)[0] + "/postgres"
    settings: dict[str, Any] = {
        **feeds_settings(tmp_path),
        "NEWSCRAWL_DATABASE": fresh_postgres_url,
        "NEWSCRAWL_DATABASE_RETRIES": 1,
        "NEWSCRAWL_DATABASE_RETRY_DELAY": 0.1,
        "NEWSCRAWL_COMMIT_ITEMS": 1,
    }
    with feed_server(tmp_path) as server, psycopg.connect(admin_url, autocommit=True) as admin:
        server.gate.clear()
        proc = start_feeds(server, **settings)
        try:
            wait(lambda: page_asked(server), proc)  # the store is connected by now
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %(d)s AND pid <> pg_backend_pid()",
                {"d": name},
            )
        finally:
            server.gate.set()
            _, err = proc.communicate(timeout=120)
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert proc.returncode == 4, err[-3000:]
    assert "exit status: 4 (the database was lost mid-run" in err


# -- 5: nothing fetched -----------------------------------------------------


def test_404_feed_exits_5(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        _, proc = feeds_crawl(server, tmp_path, url=f"{BASE}no-such-feed.xml")
    assert proc.returncode == 5, proc.stderr[-3000:]
    assert "exit status: 5 (every request failed (1 sent" in proc.stderr


def test_offline_live_crawl_exits_5(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{free_port()}/api/roll/get"  # nothing listens: refused
    proc = crawl(
        "sina",
        "-a",
        f"api={api}",
        "-a",
        "lists=",
        **feeds_settings(tmp_path),
        RETRY_TIMES=0,
        DOWNLOAD_TIMEOUT=5,
    )
    assert proc.returncode == 5, proc.stderr[-3000:]
    assert "exit status: 5" in proc.stderr


def test_replay_of_nothing_exits_5(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = crawl("replay", "-a", f"path={tmp_path / 'empty'}", **feeds_settings(tmp_path))
    assert proc.returncode == 5, proc.stderr[-3000:]


# -- 6: a run that did not finish -------------------------------------------


def test_sigterm_exits_6(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        server.gate.clear()
        proc = start_feeds(server, **feeds_settings(tmp_path))
        try:
            wait(lambda: page_asked(server), proc)
            proc.send_signal(signal.SIGTERM)
            # Released once the stop is under way: the pages in flight complete.
            time.sleep(0.2)
        finally:
            server.gate.set()
            _, err = proc.communicate(timeout=120)
    assert proc.returncode == 6, err[-3000:]
    assert "finish reason: shutdown" in err
    assert "exit status: 6 (the run did not finish (finish reason shutdown))" in err


# -- the table as a function -------------------------------------------------

OK_FETCH = {"downloader/request_count": 2, "downloader/response_status_count/200": 2}


@pytest.mark.parametrize(
    ("reason", "stats", "status"),
    [
        ("finished", OK_FETCH, 0),
        ("closespider_timeout", OK_FETCH, 0),
        ("closespider_pagecount", OK_FETCH, 0),
        ("start_error", OK_FETCH, 1),
        ("finished", {**OK_FETCH, "newscrawl/health/drift": 2}, 3),
        ("database_unavailable", OK_FETCH, 4),
        ("finished", {}, 5),
        # robots.txt answered, the feed refused: nothing fetched
        (
            "finished",
            {
                "downloader/request_count": 2,
                "robotstxt/request_count": 1,
                "downloader/response_status_count/200": 1,
                "robotstxt/response_status_count/200": 1,
            },
            5,
        ),
        ("finished", {**OK_FETCH, "newscrawl/inputs": 0}, 5),
        ("shutdown", OK_FETCH, 6),
        ("closespider_errorcount", OK_FETCH, 6),
        ("cancelled", OK_FETCH, 6),
        (None, {}, 6),
        ("shutdown", {}, 6),  # stopped early and fetched nothing: not finished wins
        ("finished", {**OK_FETCH, "newscrawl/inputs": 3, "item_scraped_count": 2}, 7),
        (
            "finished",
            {
                **OK_FETCH,
                "newscrawl/inputs": 4,
                "item_scraped_count": 2,
                "newscrawl/dropped/total": 1,
                "newscrawl/dropped/empty_file": 1,
                "newscrawl/skipped/not_an_article": 1,
            },
            0,
        ),
    ],
)
def test_exit_status_table(reason: str | None, stats: dict[str, Any], status: int) -> None:
    assert exit_status(reason, stats)[0] == status


def test_summary_accounts_for_every_input() -> None:
    stats = {
        **OK_FETCH,
        "newscrawl/inputs": 5,
        "item_scraped_count": 2,
        "newscrawl/dropped/total": 1,
        "newscrawl/dropped/empty_file": 1,
        "newscrawl/skipped/duplicate": 1,
    }
    report = build_report(stats, {}, "replay", "replay:x", "finished")
    report["exit_status"], report["exit_status_why"] = exit_status("finished", stats)
    text = report_text(report)
    assert "inputs: 5 (stored 2, dropped 1, skipped 1)" in text
    assert "exit status: 7 (unaccounted inputs: 1)" in text
    assert report["inputs"]["unaccounted"] == 1
    assert report["inputs"]["skipped_by_reason"] == {"duplicate": 1}
    assert inputs_of({"item_scraped_count": 1}) is None  # a live crawl counts no inputs


# -- scrapy shell: components built before the spider -----------------------


def test_scrapy_shell_opens_a_saved_page() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "shell",
            "fixtures/sina/doc_2024_article.html",
            "-c",
            "response.css('title::text').get()",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    golden = json.loads((FIXTURES / "sina" / "doc_2024_article.json").read_text("utf-8"))
    # The <title> tag: the headline with the site's tail.
    assert proc.stdout.strip().startswith(golden["title"]), proc.stdout
    assert "Traceback" not in proc.stderr


def start_feeds(server: Any, **settings: object) -> subprocess.Popen[str]:
    """``scrapy crawl feeds`` of the fixture server's RSS, running (its stderr piped)."""
    return subprocess.Popen(
        crawl_command("feeds", "-a", f"url={BASE}rss.xml", **settings),
        cwd=ROOT,
        env={**os.environ, **server.env()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait(pred: Any, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait for a condition while ``proc`` runs (its log on failure)."""
    deadline = time.monotonic() + timeout
    while not pred():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)

"""Monitoring on Spidermon (``newscrawl.monitors``), with real parts: a local
site served from 127.0.0.1 that changes its layout between runs, an SMTP
server of our own on 127.0.0.1 (aiosmtpd) receiving the monitors' mail, the
runs table in a real SQLite file and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from feed_server import feed_server
from scrapy.settings import Settings
from servers import free_port
from test_feeds import BASE, feeds_crawl
from test_health import publish, reports

from newscrawl.addon import SettingsError
from newscrawl.drift import find_rises
from newscrawl.extensions import monitoring
from newscrawl.settings_check import check_settings
from newscrawl.storage import SCHEMA_VERSION, Store, open_store

pytest.importorskip("spidermon", reason="pip install 'newscrawl[monitoring]'")
pytest.importorskip("aiosmtpd", reason="pip install 'newscrawl[dev]'")

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

USER, PASSWORD = "crawler", "s3cret"

# Our SMTP server asks for a login over plain TCP on 127.0.0.1, and aiosmtpd warns of that.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@dataclass
class Mailbox:
    """What the SMTP server received: each message and the logins it accepted."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USER.encode()
            and data.password == PASSWORD.encode()
        )
        if ok:
            self.logins.append(f"{mechanism}:{USER}")
        return AuthResult(success=ok)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on 127.0.0.1 that wants a login (over plain TCP, as a
    relay on the same host may)."""
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=box.authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def mail_settings(port: int) -> list[str]:
    values = {
        "SPIDERMON_EMAIL_TO": "ops@example.test",
        "SPIDERMON_EMAIL_SENDER": "newscrawl@example.test",
        "SPIDERMON_SMTP_HOST": "127.0.0.1",
        "SPIDERMON_SMTP_PORT": str(port),
        "SPIDERMON_SMTP_USER": USER,
        "SPIDERMON_SMTP_PASSWORD": PASSWORD,
    }
    return [arg for k, v in values.items() for arg in ("-s", f"{k}={v}")]


def body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


# -- a layout change, end to end -------------------------------------------


def test_layout_change_fails_the_monitor_mails_it_and_exits_3(tmp_path: Path) -> None:
    job = ["-s", "NEWSCRAWL_JOB=example-daily", "-s", "NEWSCRAWL_DRIFT_MIN_ARTICLES=3"]
    html = tmp_path / "monitor-report.html"
    with feed_server(tmp_path) as server, smtp_server() as (box, port):
        notify = [*mail_settings(port), "-s", f"SPIDERMON_REPORT_FILENAME={html}"]
        for batch in ("mon", "tue"):
            url = publish(server, batch, dated=True)
            _, ok = feeds_crawl(server, tmp_path, *job, *notify, url=url)
            assert ok.returncode == 0, ok.stderr[-3000:]
            assert "[Spidermon]" in ok.stderr and "... FAIL" not in ok.stderr
        assert box.messages == []  # nothing failed: nobody is bothered
        assert not html.exists()
        # The site changes its layout: Wednesday's pages have no date element.
        url = publish(server, "wed", dated=False)
        _, broken = feeds_crawl(server, tmp_path, *job, *notify, url=url)
    assert broken.returncode == 3, broken.stderr[-3000:]
    # Spidermon's own log of the suite: the fill-rate monitor failed, the others passed.
    assert (
        "[Spidermon] Fill rates/Each site fills its fields as in the job's last runs... FAIL"
        in (broken.stderr)
    )
    assert "[Spidermon] Fetched/The run fetched something... OK" in broken.stderr
    assert "[Spidermon] SendMail... OK" in broken.stderr
    assert "exit status: 3 (drift alarm (1 monitor(s) failed))" in broken.stderr
    # The action's mail reached our server, logged in, and says what broke.
    (msg,) = box.messages
    assert box.logins == [box.logins[0]] and box.logins[0].endswith(f":{USER}")
    assert box.envelopes == [("newscrawl@example.test", ["ops@example.test"])]
    assert msg["Subject"] == "newscrawl feeds: 1 check(s) failed"
    assert msg["To"] == "ops@example.test"
    text = body(msg)
    assert "Fill rates/Each site fills its fields as in the job's last runs: site generic " in text
    assert "gives published_at on 0% of its articles now, 100% over the last 2 runs" in text
    # Spidermon's file report action wrote its HTML report too.
    assert "Fill rates" in html.read_text("utf-8")
    # The health report holds the monitors' verdict; the runs table the three runs.
    last = reports(tmp_path)[-1]
    assert last["monitors"] == [
        {
            "monitor": "Fill rates/Each site fills its fields as in the job's last runs",
            "message": "site generic gives published_at on 0% of its articles now, 100% over "
            "the last 2 runs: has its layout changed?",
        }
    ]
    assert last["exit_status"] == 3
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    rows = db.execute("SELECT job, drift, report FROM newscrawl_runs ORDER BY id").fetchall()
    assert [(job, drift) for job, drift, _ in rows] == [
        ("example-daily", 0),
        ("example-daily", 0),
        ("example-daily", 1),
    ]
    # Each kept run carries its stats: the next run's history.
    stats = json.loads(rows[-1][2])["stats"]
    assert stats["newscrawl/items/generic"] == 6
    assert stats["newscrawl/filled/generic/published_at"] == 0
    assert stats["newscrawl/filled/generic/title"] == 6


def test_a_run_that_fetched_nothing_is_mailed_and_exits_5(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server, smtp_server() as (box, port):
        _, proc = feeds_crawl(server, tmp_path, *mail_settings(port), url=f"{BASE}gone.xml")
    assert proc.returncode == 5, proc.stderr[-3000:]
    assert "[Spidermon] Fetched/The run fetched something... FAIL" in proc.stderr
    (msg,) = box.messages
    assert "Fetched/The run fetched something: every request failed (1 sent" in body(msg)


def test_a_notifier_missing_its_settings_stops_the_run_at_start(tmp_path: Path) -> None:
    with feed_server(tmp_path) as server:
        _, proc = feeds_crawl(
            server, tmp_path, "-s", "SPIDERMON_EMAIL_TO=ops@example.test", url=f"{BASE}rss.xml"
        )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert (
        "newscrawl cannot start: monitoring: You must provide a value for SPIDERMON_SMTP_HOST "
        "setting." in proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_monitoring_off_keeps_the_builtin_checks(tmp_path: Path) -> None:
    job = ["-s", "NEWSCRAWL_JOB=j", "-s", "NEWSCRAWL_DRIFT_MIN_ARTICLES=3"]
    off = ["-s", "NEWSCRAWL_MONITORING=off"]
    with feed_server(tmp_path) as server:
        _, ok = feeds_crawl(server, tmp_path, *job, *off, url=publish(server, "a", dated=True))
        assert ok.returncode == 0, ok.stderr[-3000:]
        _, broken = feeds_crawl(server, tmp_path, *job, *off, url=publish(server, "b", dated=False))
    assert broken.returncode == 3, broken.stderr[-3000:]
    assert "[Spidermon]" not in broken.stderr
    assert "exit status: 3 (drift alarm (1 field(s) fell below their level))" in broken.stderr
    assert "monitors" not in reports(tmp_path)[-1]


# -- without the extra -------------------------------------------------------


def test_without_spidermon_auto_falls_back_and_on_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "spidermon" or m.startswith("spidermon.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "newscrawl.monitors", raising=False)
    monkeypatch.setitem(sys.modules, "spidermon", None)  # what import finds when not installed
    assert monitoring(Settings({"NEWSCRAWL_MONITORING": "auto"})) is None
    assert monitoring(Settings({"NEWSCRAWL_MONITORING": "off"})) is None
    with pytest.raises(SettingsError, match=r"pip install 'newscrawl\[monitoring\]'"):
        monitoring(Settings({"NEWSCRAWL_MONITORING": "on"}))


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("NEWSCRAWL_MONITORING", "sometimes", "use one of auto, on, off"),
        ("NEWSCRAWL_MONITOR_SUITE", "not a path", "dotted path of a Spidermon MonitorSuite"),
    ],
)
def test_bad_monitoring_settings_are_named(name: str, value: str, says: str) -> None:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.set(name, value, priority="cmdline")
    (problem,) = check_settings(settings)
    assert name in problem and says in problem


# -- drops and errors by reason ----------------------------------------------


def run_stats(items: int, sent: int, **counts: int) -> dict[str, int]:
    stats = {"item_scraped_count": items, "downloader/request_count": sent}
    dropped = 0
    for key, n in counts.items():
        if key.startswith("http_"):
            stats[f"downloader/response_status_count/{key[5:]}"] = n
        else:
            stats[f"newscrawl/dropped/{key}"] = n
            dropped += n
    stats["newscrawl/dropped/total"] = dropped
    return stats


@pytest.mark.parametrize(
    ("now", "alarms"),
    [
        # the same share of drops and errors as before: nothing
        (run_stats(9, 10, no_body=1), []),
        # pages that stopped giving a body: the drop reason rose from 10% to 80%
        (run_stats(2, 10, no_body=8), [("dropped/no_body", 0.1, 0.8)]),
        # a site that answers 503 to most requests
        (run_stats(3, 10, no_body=0, http_503=7), [("errors/http/503", 0.0, 0.7)]),
        # too small a run to judge
        (run_stats(0, 3, no_body=3), []),
    ],
)
def test_find_rises(now: dict[str, int], alarms: list[tuple[str, float, float]]) -> None:
    history = [run_stats(9, 10, no_body=1)] * 3
    got = find_rises(now, history, 0.3, 5)
    assert [(a["field"], a["baseline"], a["now"]) for a in got] == alarms


# -- the runs table in the schema (step 4) -------------------------------------


def runs_schema(store: Store) -> list[Any]:
    """The runs table's columns and indexes as the database describes them."""
    if store.dialect == "sqlite":
        return store.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'newscrawl_runs' "
            "ORDER BY name"
        ).fetchall()
    columns = store.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM "
        "information_schema.columns WHERE table_name = 'newscrawl_runs' ORDER BY column_name"
    ).fetchall()
    indexes = store.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'newscrawl_runs' "
        "ORDER BY indexname"
    ).fetchall()
    return [*columns, *indexes]


def as_version_3(url: str, keep_runs_table: bool) -> None:
    """Turn a database back into schema 3: without the runs table (a database
    no run had reported into), or with the one the health report made itself."""
    store = open_store(url)
    try:
        if not keep_runs_table:
            store.execute("DROP TABLE newscrawl_runs")
        p = store.p
        store.execute(
            f"UPDATE newscrawl_meta SET value = {p('v')} WHERE key = {p('k')}",
            {"v": "3", "k": "schema_version"},
        )
        store.commit()
    finally:
        store.close()


@pytest.mark.parametrize("keep_runs_table", [False, True])
def test_version_3_migrates_to_the_runs_table_of_a_new_database(
    database_url: str, keep_runs_table: bool, tmp_path: Path
) -> None:
    fresh = open_store(database_url)
    try:
        expected = runs_schema(fresh)
        assert fresh.schema_version() == SCHEMA_VERSION >= 4
        p = fresh.p
        fresh.execute(
            "INSERT INTO newscrawl_runs (job, spider, finish_reason, drift, report) VALUES "
            f"({p('j')}, 'feeds', 'finished', 0, '{{}}')",
            {"j": "kept"},
        )
        fresh.commit()
    finally:
        fresh.close()
    assert expected, "a new database has the runs table"
    as_version_3(database_url, keep_runs_table)
    migrated = open_store(database_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION
        assert runs_schema(migrated) == expected
        # a table the health report had made keeps its runs
        assert migrated.count("newscrawl_runs") == (1 if keep_runs_table else 0)
    finally:
        migrated.close()

"""The health report: what every run did, in the log and in a JSON file, and
the checks of the run against the job's earlier runs.

While the run goes, ``HealthReport`` counts per site the articles stored and
the fields they filled with a real value, as Scrapy stats
(``newscrawl/items/<site>``, ``newscrawl/filled/<site>/<field>``,
``newscrawl/body_chars/<site>``: ``newscrawl.drift``). At the end of every
run it logs (and writes to ``NEWSCRAWL_REPORT``, default
``data/reports/<spider>-<time>.json``): pages fetched, requests skipped by the
incremental middleware, articles new / changed / unchanged (the store's
outcomes), drops by reason, errors by kind, and per site the fill rate of each
field (title, published_at, authors, editors, source, body) with the mean
body length.

Each run's report (with its stats) is kept in the database's runs table
(``newscrawl_runs``, part of the schema). When a site's fill rate of a field
falls by ``NEWSCRAWL_DRIFT_THRESHOLD`` or more below its mean over the last
``NEWSCRAWL_DRIFT_RUNS`` runs of the same job (or its mean body length falls
by that fraction), or a drop reason or error kind rises by that share, the
run logs an ERROR per alarm and ``scrapy crawl`` exits with status 3
(``newscrawl/commands/crawl.py``).

With Spidermon installed (``pip install 'newscrawl[monitoring]'``) and
``NEWSCRAWL_MONITORING`` ``auto`` (the default) or ``on``, these checks run as
the Spidermon suite of ``newscrawl.monitors``: its monitors decide the exit
status, and its actions mail, post to Slack or Telegram when configured.
``NEWSCRAWL_MONITORING=off`` (or no Spidermon) keeps the built-in checks.

``Progress`` is Scrapy's periodic LogStats line (pages and items per minute)
with the scheduler's queue size and the requests skipped so far.
"""

from __future__ import annotations

import importlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.logstats import LogStats
from scrapy.settings import BaseSettings
from twisted.internet.defer import Deferred, DeferredList

from newscrawl.addon import SettingsError
from newscrawl.drift import (
    FILL_FIELDS,
    RunsTable,
    describe,
    drops_by_reason,
    errors_by_kind,
    fill_counts,
    fill_drift,
    find_drift,
    find_rises,
    jsonable_stats,
    site_summaries,
)
from newscrawl.exitstatus import DRIFT, DRIFT_STAT, exit_status, inputs_of
from newscrawl.incremental import run_job
from newscrawl.items import Article
from newscrawl.settings_check import MONITORING_MODES

# their old home: kept importable
__all__ = [
    "DRIFT_STAT",
    "FILL_FIELDS",
    "MONITORING_MODES",
    "RunsTable",
    "errors_by_kind",
    "find_drift",
]

logger = logging.getLogger("newscrawl.summary")
progress_logger = logging.getLogger("newscrawl.progress")

DRIFT_EXIT_CODE = DRIFT
INSTALL = "pip install 'newscrawl[monitoring]'"


def monitoring(settings: BaseSettings) -> ModuleType | None:
    """``newscrawl.monitors`` when the checks run on Spidermon
    (``NEWSCRAWL_MONITORING``: ``auto`` when it can be imported, ``on``
    always: SettingsError without it, ``off`` never); None for the built-in checks."""
    mode = str(settings.get("NEWSCRAWL_MONITORING") or "auto").strip().lower()
    if mode == "off":
        return None
    try:
        # by module path, not `from newscrawl import monitors`: that finds the
        # package's attribute even when the module could no longer be imported
        monitors = importlib.import_module("newscrawl.monitors")
    except ImportError as exc:
        if mode == "on":
            raise SettingsError(
                f"NEWSCRAWL_MONITORING=on but Spidermon cannot be loaded ({exc}): {INSTALL}"
            ) from exc
        return None
    return monitors


# -- the report -----------------------------------------------------------


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value) if value is not None else None


def build_report(
    stats: dict[str, Any], sites: dict[str, dict[str, Any]], spider: str, job: str, reason: str
) -> dict[str, Any]:
    """The run's report (without the drift verdict) from its stats and site tallies."""
    drops = drops_by_reason(stats)
    report: dict[str, Any] = {
        "spider": spider,
        "job": job,
        "started_at": _iso(stats.get("start_time")),
        "finished_at": _iso(stats.get("finish_time")) or _iso(datetime.now(UTC)),
        "finish_reason": reason,
        # robots.txt is Scrapy's business, not a page of the crawl
        "pages_fetched": int(stats.get("response_received_count", 0))
        - int(stats.get("robotstxt/response_count", 0)),
        "pages_read": int(stats.get("newscrawl/pages", 0)),
        "skipped": {
            "already_stored": int(stats.get("newscrawl/incremental/skipped", 0)),
            "older_than_since": int(stats.get("newscrawl/incremental/too_old", 0)),
        },
        "rechecked": int(stats.get("newscrawl/incremental/rechecked", 0)),
        "articles": {
            # to the file outputs: once its row is committed, when new or changed
            # (every article to an -O file); all of them when there is no database
            "written": int(stats.get("newscrawl/written", 0)),
            "stored": int(stats.get("newscrawl/stored", 0)),
            "new": int(stats.get("newscrawl/store/new", 0)),
            "changed": int(stats.get("newscrawl/store/changed", 0)),
            "unchanged": int(stats.get("newscrawl/store/seen", 0))
            + int(stats.get("newscrawl/store/older", 0)),
            # per field: in how many changed articles it differs (a replay's re-extraction)
            "changed_fields": {
                k.rsplit("/", 1)[1]: int(v)
                for k, v in sorted(stats.items())
                if k.startswith("newscrawl/store/changed_field/")
            },
        },
        "dropped": drops,
        "errors": errors_by_kind(stats),
        "sites": sites,
    }
    inputs = inputs_of(stats)
    if inputs is not None:
        report["inputs"] = {
            "read": inputs.read,
            "stored": inputs.stored,
            "dropped": inputs.dropped,
            "skipped": inputs.skipped,
            "skipped_by_reason": {
                k.split("/", 2)[2]: int(v)
                for k, v in sorted(stats.items())
                if k.startswith("newscrawl/skipped/") and not k.endswith("/total")
            },
            "unaccounted": inputs.unaccounted,
        }
    return report


def report_text(report: dict[str, Any]) -> str:
    """The report as the log block an operator reads."""
    a = report["articles"]
    lines = [
        f"pages fetched: {report['pages_fetched']} (article pages read: {report['pages_read']})",
        f"skipped: {report['skipped']['already_stored']} already stored, "
        f"{report['skipped']['older_than_since']} older than since; "
        f"rechecked: {report['rechecked']}",
        f"articles written: {a['written']}; stored in the database: {a['stored']} "
        f"(new {a['new']}, changed {a['changed']}, unchanged {a['unchanged']})",
        "changed fields: "
        + (", ".join(f"{k} {v}" for k, v in a.get("changed_fields", {}).items()) or "none"),
        "dropped: " + (", ".join(f"{k} {v}" for k, v in report["dropped"].items()) or "none"),
        "errors: " + (", ".join(f"{k} {v}" for k, v in report["errors"].items()) or "none"),
    ]
    if (i := report.get("inputs")) is not None:
        lines.insert(
            0,
            f"inputs: {i['read']} (stored {i['stored']}, dropped {i['dropped']}, "
            f"skipped {i['skipped']})",
        )
    for site, s in sorted(report["sites"].items()):
        fill = ", ".join(f"{k} {v:.0%}" for k, v in s["fill"].items())
        lines.append(
            f"site {site}: {s['articles']} articles; fill: {fill}; "
            f"body {s['body_chars_mean']:.0f} chars on average"
        )
    for d in [*report.get("drift", []), *report.get("rises", [])]:
        lines.append(
            f"DRIFT {d['site']} {d['field']}: {d['now']} now, {d['baseline']} over the last "
            f"{d['runs']} runs"
        )
    if (m := report.get("monitors")) is not None:
        lines.append(
            f"monitors (Spidermon): {len(m)} failed"
            + "".join(f"; {f['monitor']}: {f['message']}" for f in m)
        )
    lines.append(f"finish reason: {report['finish_reason']}")
    if "exit_status" in report:
        lines.append(f"exit status: {report['exit_status']} ({report['exit_status_why']})")
    if report.get("file"):
        lines.append(f"report: {report['file']}")
    return "\n  ".join(["newscrawl run summary:", *lines])


def report_path(template: str, spider: str, started: datetime) -> Path:
    """``NEWSCRAWL_REPORT`` with ``{spider}`` and ``{time}`` filled in.

    >>> str(report_path("data/reports/{spider}-{time}.json", "feeds", datetime(2024, 3, 1, 8, tzinfo=UTC)))
    'data/reports/feeds-20240301T080000Z.json'
    """
    return Path(template.format(spider=spider, time=started.strftime("%Y%m%dT%H%M%SZ")))


# -- the extensions -------------------------------------------------------


class HealthReport:
    """Counts each stored article's fields per site in the stats; at the
    close, writes the report, checks it against the job's last runs (built-in,
    or the Spidermon suite of ``newscrawl.monitors``), and keeps it."""

    def __init__(
        self,
        crawler: Crawler,
        report: str,
        database: str | None,
        job: str | None,
        threshold: float,
        runs: int,
        min_articles: int,
        suite: Any = None,
    ) -> None:
        self.crawler = crawler
        self.report_template = report
        self.database = database
        self.job_setting = job
        self.job: str | None = None
        self.threshold = threshold
        self.runs = runs
        self.min_articles = min_articles
        self.suite = suite
        """The Spidermon suite that checks the run (None: the built-in checks)."""
        self.history: list[dict[str, Any]] = []
        """The stats of the job's last finished runs, newest first."""
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        suite = None
        monitors = monitoring(s)
        if monitors is not None:
            try:
                suite = monitors.build_suite(crawler)
            except monitors.MonitoringError as exc:
                raise SettingsError(str(exc)) from exc
        ext = cls(
            crawler,
            str(s.get("NEWSCRAWL_REPORT") or ""),
            s.get("NEWSCRAWL_DATABASE") or None,
            s.get("NEWSCRAWL_JOB") or None,
            s.getfloat("NEWSCRAWL_DRIFT_THRESHOLD", 0.3),
            s.getint("NEWSCRAWL_DRIFT_RUNS", 5),
            s.getint("NEWSCRAWL_DRIFT_MIN_ARTICLES", 5),
            suite,
        )
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, Article) and self.crawler.stats is not None:
            for key, n in fill_counts(item).items():
                self.crawler.stats.inc_value(key, n)

    def spider_opened(self, spider: Spider) -> None:
        """Read the job's history: the runs table, or (no database)
        Spidermon's ``spider.stats_history`` when its stats collector keeps one."""
        self.job = run_job(spider, self.job_setting)
        if self.runs <= 0:
            return
        if not self.database:
            self.history = list(getattr(spider, "stats_history", None) or [])[: self.runs]
            return
        try:
            table = RunsTable(self.database)
        except Exception as exc:  # the run goes on; its report says nothing was compared
            logger.error("cannot read earlier runs from the database: %s", exc)
            return
        try:
            self.history = table.history(self.job, self.runs)
        finally:
            table.close()
        if not hasattr(spider, "stats_history"):
            # What Spidermon's own extension reads (its stats collectors set it).
            spider.stats_history = self.history  # type: ignore[attr-defined]

    def spider_closed(self, spider: Spider, reason: str) -> Deferred[Any] | None:
        stats_collector = self.crawler.stats
        assert stats_collector is not None
        stats = dict(stats_collector.get_stats())
        job = self.job or run_job(spider, self.job_setting)
        report = build_report(stats, site_summaries(stats), spider.name, job, reason)
        report["drift"] = fill_drift(stats, self.history, self.threshold, self.min_articles)
        report["rises"] = find_rises(stats, self.history, self.threshold, self.min_articles)
        if self.suite is None:
            stats_collector.set_value(DRIFT_STAT, len(report["drift"]) + len(report["rises"]))
        else:
            from newscrawl.monitors import run_suite

            failed = run_suite(self.suite, self.crawler, spider, self.history)
            report["monitors"] = [{"monitor": n, "message": m} for n, m in failed]
        stats = dict(stats_collector.get_stats())
        # What the crawl command will end with (newscrawl.exitstatus decides both).
        report["exit_status"], report["exit_status_why"] = exit_status(reason, stats)
        self.write(report, spider.name)
        self.log(report)
        self.keep(report, stats)
        if self.suite is not None:
            from newscrawl.monitors import pending

            mails = pending(self.suite)
            if mails:  # the run ends once they are sent (or refused)
                return DeferredList(mails, consumeErrors=True)
        return None

    def write(self, report: dict[str, Any], spider: str) -> None:
        """The report file (``NEWSCRAWL_REPORT``); two runs in one second keep both."""
        if not self.report_template:
            return
        path = report_path(self.report_template, spider, self.started)
        n = 1
        while path.exists():
            n += 1
            path = path.with_name(f"{path.stem.rsplit('.', 1)[0]}.{n}{path.suffix}")
        report["file"] = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
        except OSError as exc:
            logger.error("cannot write the health report %s: %s", path, exc)

    def log(self, report: dict[str, Any]) -> None:
        """The summary block, then a WARNING or ERROR per problem found."""
        logger.info(report_text(report))
        unaccounted = report.get("inputs", {}).get("unaccounted", 0)
        if unaccounted:
            logger.warning(
                "unaccounted inputs: %d (read %d; stored, dropped and skipped %d)",
                unaccounted,
                report["inputs"]["read"],
                report["inputs"]["read"] - unaccounted,
            )
        for alarm in [*report["drift"], *report["rises"]]:
            logger.error("drift: %s", describe(alarm))

    def keep(self, report: dict[str, Any], stats: dict[str, Any]) -> None:
        """The run joins the job's history in the runs table, with its stats."""
        if not self.database:
            return
        try:
            table = RunsTable(self.database)
        except Exception as exc:  # the report must still be written and logged
            logger.error("cannot keep the run in the database: %s", exc)
            return
        try:
            table.add(report | {"stats": jsonable_stats(stats)})
        finally:
            table.close()


class Progress(LogStats):
    """Scrapy's periodic stats line plus the queue size and skips so far."""

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        queued = int(self.stats.get_value("scheduler/enqueued", 0)) - int(
            self.stats.get_value("scheduler/dequeued", 0)
        )
        progress_logger.info(
            "Crawled %d pages (at %d pages/min), scraped %d items (at %d items/min); "
            "queue: %d requests; skipped as already stored: %d",
            self.pages,
            self.prate,
            self.items,
            self.irate,
            queued,
            int(self.stats.get_value("newscrawl/incremental/skipped", 0)),
            extra={"spider": spider},
        )

"""The health report: what every run did, in the log and in a JSON file, and
a drift alarm when a site's pages stop giving a field they used to give.

At the end of every run ``HealthReport`` logs (and writes to
``NEWSCRAWL_REPORT``, default ``data/reports/<spider>-<time>.json``): pages
fetched, requests skipped by the incremental middleware, articles new /
changed / unchanged (the store's outcomes), drops by reason, errors by kind,
and per site the fill rate of each field (title, published_at, authors,
editors, source, body) with the mean body length.

Each run's report is kept in the database (table ``newscrawl_runs``). When a
site's fill rate of a field falls by ``NEWSCRAWL_DRIFT_THRESHOLD`` or more
below its mean over the last ``NEWSCRAWL_DRIFT_RUNS`` runs of the same job
(or its mean body length falls by that fraction), the run logs an ERROR per
field and ``scrapy crawl`` exits with status 3 (``newscrawl/commands/crawl.py``),
so cron mail and monitoring see it.

``Progress`` is Scrapy's periodic LogStats line (pages and items per minute)
with the scheduler's queue size and the requests skipped so far.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.logstats import LogStats

from newscrawl.drift import RunsTable, find_drift
from newscrawl.exitstatus import DRIFT, DRIFT_STAT, exit_status, inputs_of
from newscrawl.incremental import run_job
from newscrawl.items import Article
from newscrawl.pipelines import DROP_PREFIX

__all__ = ["DRIFT_STAT", "RunsTable", "find_drift"]  # their old home: kept importable

logger = logging.getLogger("newscrawl.summary")
progress_logger = logging.getLogger("newscrawl.progress")

FILL_FIELDS = ("title", "published_at", "authors", "editors", "source", "body_text")
"""The fields whose fill rate is reported and watched per site."""

DRIFT_EXIT_CODE = DRIFT


# -- per-site fill --------------------------------------------------------


@dataclass
class SiteTally:
    """Running counts for one site: no per-article state is kept."""

    articles: int = 0
    filled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILL_FIELDS, 0))
    body_chars: int = 0

    def add(self, article: Article) -> None:
        self.articles += 1
        for name in FILL_FIELDS:
            value = getattr(article, name, None)
            if value if not isinstance(value, str) else value.strip():
                self.filled[name] += 1
        self.body_chars += len(article.body_text or "")

    def summary(self) -> dict[str, Any]:
        n = self.articles or 1
        return {
            "articles": self.articles,
            "fill": {k: round(v / n, 4) for k, v in self.filled.items()},
            "body_chars_mean": round(self.body_chars / n, 1),
        }


# -- the report -----------------------------------------------------------


def errors_by_kind(stats: dict[str, Any]) -> dict[str, int]:
    """Errors of the run from Scrapy's stats: download exceptions (skips by
    the incremental middleware are no errors), HTTP statuses >= 400, spider
    exceptions, and ERROR log lines.

    >>> errors_by_kind({"downloader/exception_type_count/twisted.internet.error.DNSLookupError": 2,
    ...                 "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 9,
    ...                 "downloader/response_status_count/404": 2,
    ...                 "robotstxt/response_status_count/404": 1,
    ...                 "downloader/response_status_count/200": 7, "log_count/ERROR": 1})
    {'download/DNSLookupError': 2, 'http/404': 1, 'log/ERROR': 1}
    """
    out: dict[str, int] = {}
    for key, value in sorted(stats.items()):
        if key.startswith("downloader/exception_type_count/"):
            name = key.rsplit("/", 1)[1]
            if name.endswith("IgnoreRequest"):
                continue
            out[f"download/{name.rsplit('.', 1)[-1]}"] = int(value)
        elif key.startswith("downloader/response_status_count/"):
            status = key.rsplit("/", 1)[1]
            # A missing robots.txt is the normal case, not an error.
            n = int(value) - int(stats.get(f"robotstxt/response_status_count/{status}", 0))
            if status.isdigit() and int(status) >= 400 and n > 0:
                out[f"http/{status}"] = n
        elif key.startswith("spider_exceptions/") and key.count("/") == 1:
            out[f"spider/{key.split('/', 1)[1]}"] = int(value)
    if stats.get("log_count/ERROR"):
        out["log/ERROR"] = int(stats["log_count/ERROR"])
    return out


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value) if value is not None else None


def build_report(
    stats: dict[str, Any], sites: dict[str, dict[str, Any]], spider: str, job: str, reason: str
) -> dict[str, Any]:
    """The run's report (without the drift verdict) from its stats and site tallies."""
    drops = {
        k[len(DROP_PREFIX) + 1 :]: int(v)
        for k, v in sorted(stats.items())
        if k.startswith(DROP_PREFIX + "/") and not k.endswith("/total")
    }
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
    for d in report.get("drift", []):
        lines.append(
            f"DRIFT {d['site']} {d['field']}: {d['now']} now, {d['baseline']} over the last "
            f"{d['runs']} runs"
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
    """Tallies each stored article's fields per site; at the close, writes the
    report, checks it against the job's last runs, and keeps it."""

    def __init__(
        self,
        crawler: Crawler,
        report: str,
        database: str | None,
        job: str | None,
        threshold: float,
        runs: int,
        min_articles: int,
    ) -> None:
        self.crawler = crawler
        self.report_template = report
        self.database = database
        self.job = job
        self.threshold = threshold
        self.runs = runs
        self.min_articles = min_articles
        self.sites: dict[str, SiteTally] = {}
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        ext = cls(
            crawler,
            str(s.get("NEWSCRAWL_REPORT") or ""),
            s.get("NEWSCRAWL_DATABASE") or None,
            s.get("NEWSCRAWL_JOB") or None,
            s.getfloat("NEWSCRAWL_DRIFT_THRESHOLD", 0.3),
            s.getint("NEWSCRAWL_DRIFT_RUNS", 5),
            s.getint("NEWSCRAWL_DRIFT_MIN_ARTICLES", 5),
        )
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, Article):
            self.sites.setdefault(item.site or "?", SiteTally()).add(item)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = dict(self.crawler.stats.get_stats())
        job = run_job(spider, self.job)
        sites = {name: t.summary() for name, t in sorted(self.sites.items())}
        report = build_report(stats, sites, spider.name, job, reason)
        report["drift"] = self.check_and_keep(report)
        self.crawler.stats.set_value(DRIFT_STAT, len(report["drift"]))
        stats[DRIFT_STAT] = len(report["drift"])
        # What the crawl command will end with (newscrawl.exitstatus decides both).
        report["exit_status"], report["exit_status_why"] = exit_status(reason, stats)
        if self.report_template:
            path = report_path(self.report_template, spider.name, self.started)
            n = 1
            while path.exists():  # two runs in one second: keep both
                n += 1
                path = path.with_name(f"{path.stem.rsplit('.', 1)[0]}.{n}{path.suffix}")
            report["file"] = str(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
            except OSError as exc:
                logger.error("cannot write the health report %s: %s", path, exc)
        logger.info(report_text(report))
        unaccounted = report.get("inputs", {}).get("unaccounted", 0)
        if unaccounted:
            logger.warning(
                "unaccounted inputs: %d (read %d; stored, dropped and skipped %d)",
                unaccounted,
                report["inputs"]["read"],
                report["inputs"]["read"] - unaccounted,
            )
        for d in report["drift"]:
            logger.error(
                "drift: site %s gives %s on %.0f%% of its articles now, %.0f%% over the last "
                "%d runs: has its layout changed?",
                d["site"],
                d["field"],
                100 * d["now"] if d["field"] != "body_chars_mean" else d["now"],
                100 * d["baseline"] if d["field"] != "body_chars_mean" else d["baseline"],
                d["runs"],
            )

    def check_and_keep(self, report: dict[str, Any]) -> list[dict[str, Any]]:
        """Drift alarms against the job's last runs; then this run joins them."""
        if not self.database:
            return []
        try:
            table = RunsTable(self.database)
        except Exception as exc:  # the report must still be written and logged
            logger.error("cannot read earlier runs from the database: %s", exc)
            return []
        try:
            alarms: list[dict[str, Any]] = []
            if self.runs > 0:
                history = table.recent(report["job"], self.runs)
                alarms = find_drift(report["sites"], history, self.threshold, self.min_articles)
            table.add(report | {"drift": alarms})
            return alarms
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

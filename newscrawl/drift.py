"""The checks of a run against the job's history, as pure functions of Scrapy
stats, and the runs table that keeps that history (``newscrawl_runs``, part
of the schema: ``newscrawl.storage``).

A run's stats hold, per site, how many articles it stored and how many of
them had each field filled with a real value (an empty string, a blank one
or an empty list is not filled)::

    newscrawl/items/<site>               articles stored
    newscrawl/filled/<site>/<field>      ... with <field> filled
    newscrawl/body_chars/<site>          characters of body text, summed

:func:`site_summaries` turns them into fill rates; :func:`find_drift` and
:func:`find_rises` compare one run with earlier runs' stats (Spidermon's
``stats_history``: a list of stats dicts, newest first). The health report
(``newscrawl.extensions``) and the Spidermon monitors (``newscrawl.monitors``)
both judge with these functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from newscrawl.items import Article
from newscrawl.pipelines import DROP_PREFIX

FILL_FIELDS = ("title", "published_at", "authors", "editors", "source", "body_text")
"""The fields whose fill rate is counted and watched per site."""

ITEMS_PREFIX = "newscrawl/items"
FILLED_PREFIX = "newscrawl/filled"
BODY_PREFIX = "newscrawl/body_chars"

Stats = Mapping[str, Any]
Alarm = dict[str, Any]


# -- counting -------------------------------------------------------------


def filled(value: Any) -> bool:
    """Whether a field holds a real value: not None, not a blank string, not
    an empty list or dict, nor a list of such.

    >>> [filled(v) for v in ("A", " ", "", [], ["Ana"], [""], None, {}, 0)]
    [True, False, False, False, True, False, False, False, True]
    """
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set):
        return any(filled(v) for v in value)
    if isinstance(value, dict):
        return bool(value)
    return True


def fill_counts(article: Article) -> dict[str, int]:
    """The stats increments one stored article makes (0 for an unfilled
    field: the key exists, so a field that disappeared reads 0, not missing).

    >>> c = fill_counts(Article(site="s", title="A", authors=[], body_text="abc"))
    >>> c["newscrawl/items/s"], c["newscrawl/filled/s/title"], c["newscrawl/filled/s/authors"]
    (1, 1, 0)
    >>> c["newscrawl/body_chars/s"]
    3
    """
    site = article.site or "?"
    counts = {f"{ITEMS_PREFIX}/{site}": 1}
    for name in FILL_FIELDS:
        counts[f"{FILLED_PREFIX}/{site}/{name}"] = int(filled(getattr(article, name, None)))
    counts[f"{BODY_PREFIX}/{site}"] = len(article.body_text or "")
    return counts


def site_summaries(stats: Stats) -> dict[str, dict[str, Any]]:
    """Per site: articles, the fill rate of each field, the mean body length.

    >>> site_summaries({"newscrawl/items/s": 4, "newscrawl/filled/s/title": 4,
    ...                 "newscrawl/filled/s/authors": 1, "newscrawl/body_chars/s": 1000})
    {'s': {'articles': 4, 'fill': {'title': 1.0, 'published_at': 0.0, 'authors': 0.25, 'editors': 0.0, 'source': 0.0, 'body_text': 0.0}, 'body_chars_mean': 250.0}}
    """
    out: dict[str, dict[str, Any]] = {}
    for key, value in sorted(stats.items()):
        if not key.startswith(ITEMS_PREFIX + "/"):
            continue
        site = key[len(ITEMS_PREFIX) + 1 :]
        n = int(value) or 1
        out[site] = {
            "articles": int(value),
            "fill": {
                f: round(int(stats.get(f"{FILLED_PREFIX}/{site}/{f}", 0)) / n, 4)
                for f in FILL_FIELDS
            },
            "body_chars_mean": round(int(stats.get(f"{BODY_PREFIX}/{site}", 0)) / n, 1),
        }
    return out


def summaries_stats(sites: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """The counting stats back from per-site summaries (runs kept before the
    report held its stats).

    >>> summaries_stats({"s": {"articles": 4, "fill": {"title": 0.5}, "body_chars_mean": 10.0}})
    {'newscrawl/items/s': 4, 'newscrawl/filled/s/title': 2, 'newscrawl/body_chars/s': 40}
    """
    out: dict[str, int] = {}
    for site, s in sites.items():
        n = int(s.get("articles", 0))
        out[f"{ITEMS_PREFIX}/{site}"] = n
        for name, rate in s.get("fill", {}).items():
            out[f"{FILLED_PREFIX}/{site}/{name}"] = round(float(rate) * n)
        out[f"{BODY_PREFIX}/{site}"] = round(float(s.get("body_chars_mean", 0)) * n)
    return out


def errors_by_kind(stats: Stats) -> dict[str, int]:
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


def drops_by_reason(stats: Stats) -> dict[str, int]:
    """``newscrawl/dropped/<reason>`` counts (the total left out).

    >>> drops_by_reason({"newscrawl/dropped/no_body": 2, "newscrawl/dropped/total": 2})
    {'no_body': 2}
    """
    return {
        k[len(DROP_PREFIX) + 1 :]: int(v)
        for k, v in sorted(stats.items())
        if k.startswith(DROP_PREFIX + "/") and not k.endswith("/total")
    }


# -- the checks -----------------------------------------------------------


def find_drift(
    current: dict[str, dict[str, Any]],
    history: list[dict[str, dict[str, Any]]],
    threshold: float,
    min_articles: int,
) -> list[Alarm]:
    """Alarms for the sites of ``current`` (``{site: summary}``) whose field fill
    rate fell ``threshold`` or more below its mean in ``history`` (earlier runs'
    ``{site: summary}``, newest first), or whose mean body length fell by that
    fraction. Runs with fewer than ``min_articles`` articles of a site count
    neither as the level nor as the fall.

    >>> ok = {"s": {"articles": 10, "fill": {"published_at": 1.0}, "body_chars_mean": 900}}
    >>> bad = {"s": {"articles": 10, "fill": {"published_at": 0.2}, "body_chars_mean": 880}}
    >>> [(a["site"], a["field"], a["baseline"], a["now"]) for a in find_drift(bad, [ok, ok], 0.3, 5)]
    [('s', 'published_at', 1.0, 0.2)]
    >>> find_drift(ok, [bad], 0.3, 5)
    []
    """
    alarms: list[Alarm] = []
    for site, now in sorted(current.items()):
        if now.get("articles", 0) < min_articles:
            continue
        past = [
            run[site]
            for run in history
            if site in run and run[site].get("articles", 0) >= min_articles
        ]
        if not past:
            continue
        for name, rate in sorted(now.get("fill", {}).items()):
            levels = [p["fill"][name] for p in past if name in p.get("fill", {})]
            if not levels:
                continue
            baseline = sum(levels) / len(levels)
            if round(baseline - rate, 6) >= threshold:  # 0.8 - 0.5 is 0.3, not 0.2999…
                alarms.append(
                    {
                        "site": site,
                        "field": name,
                        "baseline": round(baseline, 4),
                        "now": rate,
                        "runs": len(levels),
                    }
                )
        bodies = [p["body_chars_mean"] for p in past if "body_chars_mean" in p]
        if bodies and "body_chars_mean" in now:
            baseline = sum(bodies) / len(bodies)
            if baseline > 0 and now["body_chars_mean"] <= baseline * (1 - threshold):
                alarms.append(
                    {
                        "site": site,
                        "field": "body_chars_mean",
                        "baseline": round(baseline, 1),
                        "now": now["body_chars_mean"],
                        "runs": len(bodies),
                    }
                )
    return alarms


def fill_drift(
    stats: Stats, history: Iterable[Stats], threshold: float, min_articles: int
) -> list[Alarm]:
    """:func:`find_drift` on stats: this run's against earlier runs' (newest first)."""
    return find_drift(
        site_summaries(stats), [site_summaries(h) for h in history], threshold, min_articles
    )


def _sent(stats: Stats) -> int:
    return int(stats.get("downloader/request_count", 0)) - int(
        stats.get("robotstxt/request_count", 0)
    )


def _handled(stats: Stats) -> int:
    return int(stats.get("item_scraped_count", 0)) + int(stats.get(f"{DROP_PREFIX}/total", 0))


def _error_kinds(stats: Stats) -> dict[str, int]:
    return {k: v for k, v in errors_by_kind(stats).items() if k != "log/ERROR"}


def find_rises(
    stats: Stats, history: Iterable[Stats], threshold: float, min_count: int
) -> list[Alarm]:
    """Alarms for drop reasons (a share of the items the pipelines saw) and
    error kinds (a share of the requests sent) that rose ``threshold`` or more
    above their mean share in ``history``. Runs with fewer than ``min_count``
    items (requests) are not judged, nor counted in the level. ERROR log
    lines are no kind of their own: they follow from the others.

    >>> good = {"item_scraped_count": 10, "newscrawl/dropped/total": 0}
    >>> bad = {"item_scraped_count": 2, "newscrawl/dropped/total": 8, "newscrawl/dropped/no_body": 8}
    >>> [(a["field"], a["baseline"], a["now"]) for a in find_rises(bad, [good, good], 0.3, 5)]
    [('dropped/no_body', 0.0, 0.8)]
    """
    past = list(history)
    alarms: list[Alarm] = []
    kinds = (
        ("dropped", drops_by_reason, _handled),
        ("errors", _error_kinds, _sent),
    )
    for family, counts, base in kinds:
        total = base(stats)
        if total < min_count:
            continue
        levels = [(counts(h), base(h)) for h in past if base(h) >= min_count]
        if not levels:
            continue
        for reason, n in sorted(counts(stats).items()):
            share = round(n / total, 4)
            baseline = sum(c.get(reason, 0) / b for c, b in levels) / len(levels)
            if round(share - baseline, 6) >= threshold:
                alarms.append(
                    {
                        "site": "*",
                        "field": f"{family}/{reason}",
                        "baseline": round(baseline, 4),
                        "now": share,
                        "runs": len(levels),
                    }
                )
    return alarms


def describe(alarm: Alarm) -> str:
    """One alarm as the sentence an operator reads.

    >>> describe({"site": "s", "field": "published_at", "baseline": 1.0, "now": 0.0, "runs": 2})
    'site s gives published_at on 0% of its articles now, 100% over the last 2 runs: has its layout changed?'
    >>> describe({"site": "*", "field": "dropped/no_body", "baseline": 0.0, "now": 0.8, "runs": 2})
    'dropped/no_body is 80% of the run now, 0% over the last 2 runs'
    """
    if alarm["site"] == "*":
        return (
            f"{alarm['field']} is {alarm['now']:.0%} of the run now, "
            f"{alarm['baseline']:.0%} over the last {alarm['runs']} runs"
        )
    if alarm["field"] == "body_chars_mean":
        return (
            f"site {alarm['site']} gives bodies of {alarm['now']:.0f} characters on average now, "
            f"{alarm['baseline']:.0f} over the last {alarm['runs']} runs: has its layout changed?"
        )
    return (
        f"site {alarm['site']} gives {alarm['field']} on {alarm['now']:.0%} of its articles now, "
        f"{alarm['baseline']:.0%} over the last {alarm['runs']} runs: has its layout changed?"
    )


# -- the runs table -------------------------------------------------------


def jsonable_stats(stats: Stats) -> dict[str, Any]:
    """Stats as JSON values (times as ISO 8601 UTC text).

    >>> jsonable_stats({"n": 1, "start_time": datetime(2024, 1, 1, tzinfo=UTC)})
    {'n': 1, 'start_time': '2024-01-01T00:00:00Z'}
    """
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        elif not isinstance(value, int | float | str | bool) and value is not None:
            value = str(value)
        out[key] = value
    return out


class RunsTable:
    """Earlier runs' reports in the store's database (``newscrawl.storage``:
    the table is made by the schema, version 4)."""

    def __init__(self, database: str) -> None:
        from newscrawl.storage import open_store

        self.db = open_store(database)

    def recent_reports(self, job: str, n: int) -> list[dict[str, Any]]:
        """The reports of the job's last ``n`` finished runs, newest first."""
        p = self.db.p
        rows = self.db.execute(
            f"SELECT report FROM newscrawl_runs WHERE job = {p('job')} "
            f"AND finish_reason = 'finished' ORDER BY id DESC LIMIT {int(n)}",
            {"job": job},
        ).fetchall()
        self.db.commit()
        return [json.loads(r[0]) for r in rows]

    def recent(self, job: str, n: int) -> list[dict[str, dict[str, Any]]]:
        """The per-site summaries of the job's last ``n`` finished runs, newest first."""
        return [r.get("sites", {}) for r in self.recent_reports(job, n)]

    def history(self, job: str, n: int) -> list[dict[str, Any]]:
        """The stats of the job's last ``n`` finished runs, newest first
        (Spidermon's ``stats_history``); a run kept before reports held
        their stats gives the counts its per-site summary implies."""
        return [
            r.get("stats") or summaries_stats(r.get("sites", {}))
            for r in self.recent_reports(job, n)
        ]

    def add(self, report: dict[str, Any]) -> None:
        """Keep one run's report (``drift``: its alarms, counted in the column)."""
        p = self.db.p
        self.db.execute(
            "INSERT INTO newscrawl_runs (job, spider, started_at, finished_at, finish_reason, "
            f"drift, report) VALUES ({p('job')}, {p('spider')}, {p('started')}, {p('finished')}, "
            f"{p('reason')}, {p('drift')}, {p('report')})",
            {
                "job": report["job"],
                "spider": report["spider"],
                "started": report["started_at"],
                "finished": report["finished_at"],
                "reason": report["finish_reason"],
                "drift": len(report.get("drift", [])) + len(report.get("rises", [])),
                "report": json.dumps(report, ensure_ascii=False),
            },
        )
        self.db.commit()

    def close(self) -> None:
        self.db.close()

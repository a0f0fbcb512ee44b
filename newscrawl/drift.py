"""The drift alarm: a site's field fill rates in this run against its last
runs of the same job, kept in the database (table ``newscrawl_runs``).

Split from ``newscrawl.extensions`` (the health report), which uses both."""

from __future__ import annotations

import json
from typing import Any

# -- the drift alarm ------------------------------------------------------


def find_drift(
    current: dict[str, dict[str, Any]],
    history: list[dict[str, dict[str, Any]]],
    threshold: float,
    min_articles: int,
) -> list[dict[str, Any]]:
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
    alarms: list[dict[str, Any]] = []
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


# -- the runs table -------------------------------------------------------


class RunsTable:
    """Earlier runs' reports in the store's database (``newscrawl.storage``)."""

    def __init__(self, database: str) -> None:
        from newscrawl.incremental import open_database

        self.db = open_database(database)
        ident = (
            "BIGSERIAL PRIMARY KEY"
            if self.db.dialect == "postgresql"
            else "INTEGER PRIMARY KEY AUTOINCREMENT"
        )
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS newscrawl_runs (id {ident}, job TEXT NOT NULL, "
            "spider TEXT NOT NULL, started_at TEXT, finished_at TEXT, finish_reason TEXT, "
            "drift INTEGER NOT NULL, report TEXT NOT NULL)"
        )
        self.db.execute("CREATE INDEX IF NOT EXISTS newscrawl_runs_job ON newscrawl_runs (job, id)")
        self.db.commit()

    def recent(self, job: str, n: int) -> list[dict[str, dict[str, Any]]]:
        """The per-site summaries of the job's last ``n`` finished runs, newest first."""
        p = self.db.p
        rows = self.db.execute(
            f"SELECT report FROM newscrawl_runs WHERE job = {p('job')} "
            f"AND finish_reason = 'finished' ORDER BY id DESC LIMIT {int(n)}",
            {"job": job},
        ).fetchall()
        self.db.commit()
        return [json.loads(r[0]).get("sites", {}) for r in rows]

    def add(self, report: dict[str, Any]) -> None:
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
                "drift": len(report.get("drift", [])),
                "report": json.dumps(report, ensure_ascii=False),
            },
        )
        self.db.commit()

    def close(self) -> None:
        self.db.close()

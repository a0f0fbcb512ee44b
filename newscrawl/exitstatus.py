"""The exit status of ``scrapy crawl``, decided from how the run closed and
its stats: one pure function, used by the crawl command (the status the
process ends with) and by the health report (the "exit status" line of the
run summary), so the two never disagree.

The table (also in ``newscrawl/commands/crawl.py``):

====  ==================================================================
0     the run finished (finish reason ``finished``, or a ``closespider_*``
      limit the user set) and its report found nothing wrong
1     the run could not start: a bad setting or ``-a`` argument, the run
      lock held by another run, a database that cannot be opened, an
      exception in the spider's ``start()`` (finish reason ``start_error``)
2     a usage error of the command line (Scrapy's own)
3     drift alarm: a site's pages stopped giving a field they used to give,
      or a monitor of the Spidermon suite failed (``newscrawl.monitors``)
4     the database was lost mid-run (finish reason ``database_unavailable``)
5     the run fetched nothing, or every request failed (a 404 feed, a
      refused connection, an offline live crawl; a replay that read no input)
6     the run did not finish: stopped by SIGTERM/SIGINT (``shutdown``), its
      error limit (``closespider_errorcount``) or any other finish reason
7     inputs unaccounted for: a replay read more inputs than it stored,
      dropped and skipped
====  ==================================================================

When several apply, the first row of the table wins (a run stopped by
SIGTERM that also fetched nothing ends with 6, not 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newscrawl.pipelines import DROP_PREFIX

OK = 0
START_FAILED = 1
USAGE = 2
DRIFT = 3
DATABASE_LOST = 4
NOTHING_FETCHED = 5
UNFINISHED = 6
UNACCOUNTED = 7

DRIFT_STAT = "newscrawl/health/drift"
"""Stats key: the number of drift alarms of the run (set by the health report)."""

MONITORS_FAILED_STAT = "newscrawl/monitors/failed"
"""Stats key: the Spidermon monitors that failed, a run that fetched nothing
left out (set by ``newscrawl.monitors.SetExitStatus``)."""

INPUTS_STAT = "newscrawl/inputs"
"""Stats key: inputs a replay read (files, WARC records, posts)."""

SKIPPED_PREFIX = "newscrawl/skipped"
"""Stats keys ``newscrawl/skipped/<reason>``: inputs a replay skipped on purpose."""

# Stopped by a limit the user set: the run did what it was asked to do.
_USER_LIMITS = ("closespider_timeout", "closespider_itemcount", "closespider_pagecount")
_FINISHED = ("finished", *_USER_LIMITS)


@dataclass(frozen=True)
class Inputs:
    """A replay's inputs and where each went."""

    read: int
    stored: int
    dropped: int
    skipped: int

    @property
    def unaccounted(self) -> int:
        """Inputs neither stored, dropped nor skipped (negative: counted twice)."""
        return self.read - self.stored - self.dropped - self.skipped

    def text(self) -> str:
        """The summary line.

        >>> Inputs(10, 7, 2, 1).text()
        'inputs: 10 (stored 7, dropped 2, skipped 1)'
        """
        return (
            f"inputs: {self.read} (stored {self.stored}, dropped {self.dropped}, "
            f"skipped {self.skipped})"
        )


def inputs_of(stats: dict[str, Any]) -> Inputs | None:
    """The run's inputs from its stats; None for runs that count none (live crawls).

    >>> inputs_of({"newscrawl/inputs": 4, "item_scraped_count": 2,
    ...            "newscrawl/dropped/total": 1, "newscrawl/skipped/duplicate": 1})
    Inputs(read=4, stored=2, dropped=1, skipped=1)
    >>> inputs_of({"item_scraped_count": 2}) is None
    True
    """
    if INPUTS_STAT not in stats:
        return None
    skipped = sum(
        int(v)
        for k, v in stats.items()
        if k.startswith(SKIPPED_PREFIX + "/") and not k.endswith("/total")
    )
    return Inputs(
        read=int(stats[INPUTS_STAT]),
        stored=int(stats.get("item_scraped_count", 0)),
        dropped=int(stats.get(f"{DROP_PREFIX}/total", 0)),
        skipped=skipped,
    )


def _responses(stats: dict[str, Any]) -> tuple[int, int]:
    """(requests sent, responses that are no HTTP error), robots.txt left out."""
    sent = int(stats.get("downloader/request_count", 0)) - int(
        stats.get("robotstxt/request_count", 0)
    )
    good = 0
    prefix = "downloader/response_status_count/"
    for key, value in stats.items():
        if key.startswith(prefix) and key[len(prefix) :].isdigit():
            status = key[len(prefix) :]
            if int(status) < 400:
                robots = int(stats.get(f"robotstxt/response_status_count/{status}", 0))
                good += int(value) - robots
    return sent, good


def exit_status(reason: str | None, stats: dict[str, Any]) -> tuple[int, str]:
    """The status the run ends with and why, from its finish reason (None:
    the spider never closed) and its stats.

    >>> exit_status("finished", {"downloader/request_count": 1,
    ...                          "downloader/response_status_count/200": 1})
    (0, 'the run finished and its report found nothing wrong')
    >>> exit_status("shutdown", {})[0], exit_status("start_error", {})[0]
    (6, 1)
    >>> exit_status("finished", {"downloader/request_count": 2,
    ...                          "downloader/response_status_count/404": 2})
    (5, 'every request failed (2 sent, none answered without an HTTP error)')
    """
    if reason is None:
        return UNFINISHED, "the run stopped before its spider closed"
    if reason == "start_error":
        return START_FAILED, "the spider could not produce its start requests (start_error)"
    if reason == "database_unavailable":
        return DATABASE_LOST, "the database was lost mid-run (database_unavailable)"
    if reason not in _FINISHED:
        return UNFINISHED, f"the run did not finish (finish reason {reason})"
    inputs = inputs_of(stats)
    if inputs is not None and inputs.read == 0:
        return NOTHING_FETCHED, "the replay read no input"
    sent, good = _responses(stats)
    if good <= 0:
        if sent <= 0:
            return NOTHING_FETCHED, "the run fetched nothing"
        return (
            NOTHING_FETCHED,
            f"every request failed ({sent} sent, none answered without an HTTP error)",
        )
    if inputs is not None and inputs.unaccounted:
        return UNACCOUNTED, f"unaccounted inputs: {inputs.unaccounted}"
    failed = int(stats.get(MONITORS_FAILED_STAT, 0) or 0)
    if failed:
        return DRIFT, f"drift alarm ({failed} monitor(s) failed)"
    drift = int(stats.get(DRIFT_STAT, 0) or 0)
    if drift:
        return DRIFT, f"drift alarm ({drift} field(s) fell below their level)"
    return OK, "the run finished and its report found nothing wrong"

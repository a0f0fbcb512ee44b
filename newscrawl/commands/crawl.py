"""``scrapy crawl``, with an exit status that tells cron and monitoring how
the run went (decided by ``newscrawl.exitstatus.exit_status``; the run
summary's "exit status" line says which and why):

====  ==================================================================
0     the run finished (finish reason ``finished``, or a ``closespider_*``
      limit the user set: timeout, itemcount, pagecount) and its health
      report found nothing wrong
1     the run could not start: a bad setting or ``-a`` argument, the run
      lock held by another run, a database that cannot be opened, an
      exception in the spider's ``start()`` (finish reason ``start_error``).
      One log line says what to fix.
2     a usage error of the command line (Scrapy's own: unknown option...)
3     drift alarm: a site's pages stopped giving a field they used to give
      (``newscrawl.extensions``)
4     the database was lost mid-run and did not come back (finish reason
      ``database_unavailable``)
5     the run fetched nothing, or every request failed: a 404 feed, a
      refused connection, an offline live crawl with 0 pages, a replay that
      read no input
6     the run did not finish: stopped by SIGTERM/SIGINT (``shutdown``), by
      its error limit (``closespider_errorcount``), or any other reason
7     inputs unaccounted for: a replay's inputs are not all stored,
      dropped or skipped (the summary's "unaccounted inputs" WARNING)
====  ==================================================================

When several apply, the first in the order 1, 4, 6, 5, 7, 3 wins (``exit_status``).

``scrapy crawl SPIDER -h`` adds the spider's ``-a`` arguments and what they
mean (each spider's ``arguments``) to Scrapy's help.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import textwrap
from typing import Any

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newscrawl.addon import SettingsError
from newscrawl.distributed import DistributedError
from newscrawl.exitstatus import START_FAILED, exit_status
from newscrawl.runlock import CrawlLocked
from newscrawl.sites import load_site_modules
from newscrawl.storage import StorageError

logger = logging.getLogger("newscrawl.crawl")

# Start failures whose message says all there is to say: one line, no traceback.
EXPECTED = (
    UsageError,
    SettingsError,
    CrawlLocked,
    StorageError,
    DistributedError,
    OSError,
    sqlite3.Error,
)


def _expected(exc: BaseException) -> bool:
    if isinstance(exc, EXPECTED):
        return True
    # psycopg (PostgreSQL) and redis are optional: matched by their module.
    return type(exc).__module__.split(".")[0] in ("psycopg", "redis")


class Outcome:
    """How the run ended: the finish reason from ``spider_closed`` and the
    exception that stopped its start, if one did."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.start_error: BaseException | None = None

    def spider_closed(self, reason: str) -> None:
        self.reason = reason

    def failed(self, exc: BaseException) -> None:
        """Log a start failure as one line (the traceback at DEBUG, for bugs)."""
        self.start_error = exc
        # One line: a driver's message may span several (psycopg's does).
        message = " ".join(str(exc).split()) or type(exc).__name__
        if _expected(exc):
            logger.error("newscrawl cannot start: %s", message)
        else:
            logger.error("newscrawl cannot start: %s: %s", type(exc).__name__, message)
            logger.debug("the start failure's traceback", exc_info=exc)

    def task_done(self, task: asyncio.Future[Any]) -> None:
        # Retrieving the exception here is what keeps asyncio from logging
        # "Task exception was never retrieved" with a traceback.
        if not task.cancelled():
            exc = task.exception()
            if exc is not None:
                self.failed(exc)

    def deferred_failed(self, failure: Failure) -> None:
        self.failed(failure.value if failure.value is not None else RuntimeError(str(failure)))


def arguments_help(spidercls: type[Any], width: int = 79) -> str:
    """The ``-a`` arguments of ``spidercls`` as ``-h`` lists them."""
    described = getattr(spidercls, "argument_help", None)
    arguments: dict[str, str] = described() if callable(described) else {}
    head = f"Spider arguments of {spidercls.name} (-a NAME=VALUE):"
    if not arguments:
        return f"{head}\n  none"
    pad = min(max(len(name) for name in arguments) + 4, 24)
    lines = [head]
    for name, text in arguments.items():
        first = f"  {name}".ljust(pad)
        if len(first) > pad:  # a long name: its text on the next line
            lines.append(first.rstrip())
            first = " " * pad
        lines += textwrap.wrap(text, width, initial_indent=first, subsequent_indent=" " * pad) or [
            first
        ]
    return "\n".join(lines)


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Run a spider; the exit status says how the run went (see newscrawl.commands.crawl)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        # argparse's own -h prints and exits while it parses, before the
        # spider's name is known: replaced by a flag process_options reads.
        parser.add_argument(
            "-h",
            "--help",
            action="store_true",
            dest="help_wanted",
            help="show this help message (with a spider: its -a arguments) and exit",
        )
        self.parser = parser

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if getattr(opts, "help_wanted", False):
            print(self.help_text(args[0] if args else None))
            raise SystemExit(0)

    def help_text(self, spider: str | None) -> str:
        """Scrapy's help of the command, then the spider's ``-a`` arguments
        (without a spider: the spiders there are)."""
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        text = self.parser.format_help().rstrip()
        if spider is None:
            names = ", ".join(sorted(loader.list()))
            return f"{text}\n\nSpiders: {names}\n(scrapy crawl SPIDER -h lists its -a arguments)"
        try:
            spidercls = loader.load(spider)
        except KeyError:
            names = ", ".join(sorted(loader.list()))
            raise UsageError(f"no spider {spider!r}; known: {names}", print_help=False) from None
        try:  # sites of NEWSCRAWL_SITE_MODULES have arguments too (scrapy crawl site)
            load_site_modules(self.settings.getlist("NEWSCRAWL_SITE_MODULES"))
        except ValueError as exc:
            logger.warning("%s", exc)
        return f"{text}\n\n{arguments_help(spidercls)}"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        """Scrapy's ``crawl`` through public paths only: the crawler made by
        ``create_crawler`` (Scrapy's own command uses its private
        ``_create_crawler``), how its start failed from the Task or Deferred
        ``crawl()`` returns (Scrapy's reads ``bootstrap_failed``, which its
        docs do not list), the finish reason from the ``spider_closed``
        signal and the crawler's stats once ``start()`` has returned."""
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        # Kept here: the process forgets its crawlers once they finish.
        crawler = self.crawler_process.create_crawler(args[0])
        outcome = Outcome()
        crawler.signals.connect(outcome.spider_closed, signal=signals.spider_closed)
        # A failed start is the exception of the crawl's Task (or Deferred):
        # crawl() documents that it returns one. Scrapy's own commands read
        # `crawler_process.bootstrap_failed`, an attribute the 2.13-2.19 docs
        # do not list; not needed here.
        running = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(running, asyncio.Future):  # AsyncCrawlerProcess: a Task
            running.add_done_callback(outcome.task_done)
        elif isinstance(running, Deferred):  # CrawlerProcess (FORCE_CRAWLER_PROCESS)
            running.addErrback(outcome.deferred_failed)
        self.crawler_process.start()
        if outcome.start_error is not None:
            self.exitcode = START_FAILED
            return
        stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
        self.exitcode, why = exit_status(outcome.reason, stats)
        if self.exitcode:
            logger.info("exit status %d: %s", self.exitcode, why)

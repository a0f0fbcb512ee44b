"""One run at a time: ``CrawlLock`` (an extension) makes a second run of
the same job on the same database refuse to start: an ``flock`` on a file
next to a SQLite database, a session advisory lock on PostgreSQL. Both are
released by the operating system or the server when the process dies, so a
killed crawl never leaves a stale lock behind; the lock file keeps the
holder's PID for the message.

Split from ``newscrawl.incremental`` (which still exports these names).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from newscrawl.storage import Store, open_store

logger = logging.getLogger(__name__)


def _sqlite_path(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if "://" in url:
        raise ValueError(f"not a SQLite URL: {url!r}")
    return Path(url)


def is_postgres(url: str) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) database URL."""
    return url.startswith(("postgresql://", "postgres://"))


# -- one run at a time ----------------------------------------------------


class CrawlLocked(RuntimeError):
    """Another run of the same job on the same database is running."""


def run_job(spider: Spider, configured: str | None = None) -> str:
    """Which job a run belongs to: ``NEWSCRAWL_JOB``, else the spider and what
    it was pointed at (``-a url=`` / ``-a path=``), else the spider. Runs of
    one job are compared by the health report and never run side by side."""
    if configured:
        return configured
    target = getattr(spider, "url", None) or getattr(spider, "path", None)
    return f"{spider.name}:{target}" if target else str(spider.name)


def job_name(job: str, jobdir: str | None) -> str:
    """The job a lock is for: the run's job, and its JOBDIR when it has one.

    >>> job_name("feeds", None)
    'feeds'
    >>> job_name("feeds", "/var/lib/crawls/feeds-1")
    'feeds@/var/lib/crawls/feeds-1'
    """
    return f"{job}@{os.path.abspath(jobdir)}" if jobdir else job


def _slug(text: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60]
    return f"{safe}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


class CrawlLock:
    """Refuses to start a second run of a job (spider + JOBDIR) on a
    database while one is running; released when the run ends or dies."""

    def __init__(self, database: str, job: str | None) -> None:
        """Takes the lock for ``job`` at once (None: later, with ``take``)."""
        self.database = database
        self.job = job or ""
        self.file: IO[str] | None = None
        self.db: Store | None = None
        if job is not None:
            self.acquire()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        database = s.get("NEWSCRAWL_DATABASE")
        if not database or not s.getbool("NEWSCRAWL_LOCK", True):
            # No message: Scrapy would log one as a WARNING on every such run.
            logger.debug("no database or NEWSCRAWL_LOCK off: no run lock")
            raise NotConfigured
        # Workers of a distributed crawl (newscrawl.distributed) share one job on purpose.
        if s.get("NEWSCRAWL_REDIS_URL") or os.environ.get("NEWSCRAWL_REDIS_URL"):
            logger.debug("a distributed crawl: its workers run side by side, no run lock")
            raise NotConfigured
        configured, jobdir = s.get("NEWSCRAWL_JOB"), s.get("JOBDIR")
        if crawler.spider is None:
            # `scrapy shell` and other tools build extensions before their
            # spider: the lock (if any) is taken when the spider opens.
            lock = cls(str(database), None)
            crawler.signals.connect(
                lambda spider: lock.take(job_name(run_job(spider, configured), jobdir)),
                signal=signals.spider_opened,
                weak=False,
            )
        else:
            # A crawl: taken now, so a refused second run opens nothing (no
            # database connection, no health report).
            lock = cls(str(database), job_name(run_job(crawler.spider, configured), jobdir))
        crawler.signals.connect(lock.release, signal=signals.spider_closed)
        return lock

    def take(self, job: str) -> None:
        """Take the lock for ``job`` when the spider opens; a held lock stops
        the run (a one-line ERROR, finish reason ``start_error``)."""
        self.job = job
        try:
            self.acquire()
        except CrawlLocked as exc:
            logger.error("newscrawl cannot start: %s", exc)
            raise CloseSpider("start_error") from None

    def lock_path(self) -> Path:
        db = _sqlite_path(self.database)
        return db.with_name(f"{db.name}.{_slug(self.job)}.lock")

    def acquire(self) -> None:
        if is_postgres(self.database):
            self._acquire_postgres()
        else:
            self._acquire_file()
        logger.info("run lock taken for %s on %s", self.job, self.database)

    def _acquire_file(self) -> None:
        import fcntl

        path = self.lock_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            f = path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise OSError(
                f"NEWSCRAWL_DATABASE={self.database}: cannot create the run lock {path} next "
                f"to the database ({exc.strerror or exc})"
            ) from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            f.close()
            raise CrawlLocked(
                f"another run of {self.job!r} is running on {self.database} ({holder}); "
                f"not starting a second one. Lock file: {path}"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}, started {datetime.now(UTC).isoformat(timespec='seconds')}")
        f.flush()
        self.file = f

    def _acquire_postgres(self) -> None:
        key = int.from_bytes(hashlib.sha1(self.job.encode()).digest()[:8], "big", signed=True)
        db = open_store(self.database)
        row = db.execute(f"SELECT pg_try_advisory_lock({db.p('k')})", {"k": key}).fetchone()
        db.commit()  # a session-level advisory lock outlives the transaction
        if not row or not row[0]:
            db.close()
            raise CrawlLocked(
                f"another run of {self.job!r} is running on {self.database} (a PostgreSQL "
                "session holds its advisory lock); not starting a second one"
            )
        self.db = db  # the lock lives as long as this session

    def release(self) -> None:
        if self.file is not None:
            import fcntl

            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None
        if self.db is not None:
            self.db.close()
            self.db = None

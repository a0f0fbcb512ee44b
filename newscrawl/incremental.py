"""Incremental runs: the database is the crawl's memory.

``IncrementalMiddleware`` (a downloader middleware) asks the database, one
indexed query per request, whether an article URL is already stored; a stored
article is not fetched again unless the recheck policy says so:

* it is younger than ``NEWSCRAWL_RECHECK_DAYS`` (by ``published_at``, else
  ``first_seen``), and
* it was last checked (``last_seen``) more than ``NEWSCRAWL_RECHECK_HOURS`` ago.

Discovery pages (feeds, sitemaps, list pages: requests with
``meta["newscrawl_discovery"] = True``) are always fetched. A request carrying
the date its feed or sitemap gave (``meta["newscrawl_date"]``, ISO 8601) that
is older than the cut-off (``-a since=`` or ``NEWSCRAWL_SINCE``) is not
fetched at all.

Nothing about the history is held in memory: a run over a database of a
million articles uses the memory of a run over an empty one
(``bench/seen_store.py`` measures it).

``CrawlLock`` (``newscrawl.runlock``) makes a second run of the same job on
the same database refuse to start.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

# The run lock moved to newscrawl.runlock; importable from here as before.
from newscrawl.runlock import CrawlLock, CrawlLocked, is_postgres, job_name, run_job
from newscrawl.storage import Store, open_store
from newscrawl.urls import article_key

logger = logging.getLogger(__name__)

DISCOVERY = "newscrawl_discovery"
"""Request meta key: a feed, sitemap or list page, always fetched."""

ENTRY_DATE = "newscrawl_date"
"""Request meta key: the date (ISO 8601) a feed or sitemap gave the URL."""

STATS = "newscrawl/incremental"

__all__ = ["CrawlLock", "CrawlLocked", "is_postgres", "job_name", "run_job"]


# -- dates ----------------------------------------------------------------

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_instant(text: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 (W3C dates included) or RFC 2822 text;
    naive values are taken as UTC. None when the text is no date.

    >>> parse_instant("Fri, 27 Aug 2021 06:55:12 GMT").isoformat()
    '2021-08-27T06:55:12+00:00'
    >>> parse_instant("2021-08-27T14:55:12+08:00").isoformat()
    '2021-08-27T14:55:12+08:00'
    >>> parse_instant("2021-08-27").isoformat()
    '2021-08-27T00:00:00+00:00'
    >>> parse_instant("yesterday") is None
    True
    """
    if not text or not text.strip():
        return None
    value = text.strip()
    dt: datetime | None = None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """The cut-off ``-a since=`` names: an ISO date or instant, or an age
    (``90m``, ``12h``, ``2d``, ``1w``) counted back from ``now``.

    >>> now = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    >>> parse_since("2d", now).isoformat()
    '2024-03-08T12:00:00+00:00'
    >>> parse_since("2024-03-01", now).isoformat()
    '2024-03-01T00:00:00+00:00'
    >>> parse_since("", now) is None
    True
    """
    if text is None or not str(text).strip():
        return None
    m = _RELATIVE.match(str(text))
    if m:
        delta = timedelta(**{_UNIT[m[2].lower()]: float(m[1])})
        return (now or datetime.now(UTC)) - delta
    dt = parse_instant(str(text))
    if dt is None:
        raise ValueError(
            f"since={text!r} is no date: use 2024-03-01, 2024-03-01T08:00:00+08:00 or an age "
            "such as 12h, 2d, 1w"
        )
    return dt


def is_older(date_text: str | None, cutoff: datetime | None) -> bool:
    """True when ``date_text`` is a date before ``cutoff`` (no date: False).

    >>> is_older("2024-02-01", datetime(2024, 3, 1, tzinfo=UTC))
    True
    >>> is_older(None, datetime(2024, 3, 1, tzinfo=UTC))
    False
    """
    if cutoff is None:
        return False
    dt = parse_instant(date_text)
    return dt is not None and dt < cutoff


# -- the database ---------------------------------------------------------


def open_database(url: str) -> Store:
    """The store's own connection (``newscrawl.storage``), schema ensured: the
    seen-store and the runs table read and write through its dialect."""
    return open_store(url)


# -- the seen-store -------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What the database remembers of a stored article."""

    published_at: str | None
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class RecheckPolicy:
    """When a stored article is fetched again."""

    days: float
    """Articles younger than this are rechecked (0: never recheck)."""
    hours: float
    """... when last checked more than this long ago."""

    def wants(self, seen: Seen, now: datetime) -> bool:
        """True when the stored article ``seen`` should be fetched again.

        >>> p = RecheckPolicy(days=2, hours=6)
        >>> now = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
        >>> p.wants(Seen("2024-03-10T08:00:00+00:00", None, "2024-03-10T00:00:00Z"), now)
        True
        >>> p.wants(Seen("2024-03-10T08:00:00+00:00", None, "2024-03-10T09:00:00Z"), now)
        False
        >>> p.wants(Seen("2024-03-01T08:00:00+00:00", None, "2024-03-02T00:00:00Z"), now)
        False
        """
        if self.days <= 0:
            return False
        born = parse_instant(seen.published_at) or parse_instant(seen.first_seen)
        checked = parse_instant(seen.last_seen)
        if born is None or checked is None:
            return False
        return now - born <= timedelta(days=self.days) and now - checked >= timedelta(
            hours=self.hours
        )


class SeenStore:
    """Looks article URLs up in the store's ``articles`` table, one indexed
    query per URL: by identity (the primary key, ``newscrawl.urls.article_key``)
    or by the address it was fetched from. Holds no keys in memory, whatever
    the size of the history."""

    def __init__(self, db: Store) -> None:
        self.db = db
        # A page whose canonical URL differs from the address it is listed
        # under is stored under its canonical identity: the address it was
        # fetched from is the ``url`` column, looked up through its own index.
        # Serialized: on PostgreSQL, workers of a distributed crawl opening a
        # fresh database together made the second CREATE INDEX IF NOT EXISTS
        # fail (a unique violation in pg_class), and with it an article request.
        db.lock_schema()
        db.execute("CREATE INDEX IF NOT EXISTS articles_url ON articles (url)")
        db.commit()
        self.sql = (
            "SELECT published_at, first_seen, last_seen FROM articles "
            f"WHERE id = {db.p('id')} OR url = {db.p('url')} LIMIT 1"
        )

    def lookup(self, url: str) -> Seen | None:
        """The stored article at ``url``, or None."""
        row = self.db.execute(self.sql, {"id": article_key(url), "url": url}).fetchone()
        # End the read transaction: the next lookup must see what the store
        # committed meanwhile (and SQLite's WAL must not be pinned).
        self.db.commit()
        if row is None:
            return None
        published, first, last = row
        return Seen(_text(published), _text(first), _text(last))

    def close(self) -> None:
        self.db.close()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def spider_since(spider: Spider, setting: str | None) -> datetime | None:
    """The cut-off of a run: the spider's own (a ``cutoff`` datetime, read in
    the site's zone), its ``-a since=``, else the setting."""
    cutoff = getattr(spider, "cutoff", None)
    if isinstance(cutoff, datetime):
        return cutoff
    text = getattr(spider, "since", None) or setting
    try:
        return parse_since(text)
    except ValueError as exc:
        # The spider may read its own since differently; it is not ours to stop it.
        logger.warning("%s: feed and sitemap entries are not filtered by date", exc)
        return None


class IncrementalMiddleware:
    """Skips requests for stored articles (unless the recheck policy wants
    them) and for entries older than the ``since`` cut-off."""

    def __init__(
        self,
        database: str | None,
        policy: RecheckPolicy,
        since: datetime | None,
        stats: Any,
    ) -> None:
        self.database = database
        self.policy = policy
        self.since = since
        self.stats = stats
        self.store: SeenStore | None = None
        self.setting_since: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        # NEWSCRAWL_INCREMENTAL=False fetches every article again (the since cut-off still holds).
        database = s.get("NEWSCRAWL_DATABASE") if s.getbool("NEWSCRAWL_INCREMENTAL", True) else None
        mw = cls(
            str(database) if database else None,
            RecheckPolicy(
                s.getfloat("NEWSCRAWL_RECHECK_DAYS", 2.0),
                s.getfloat("NEWSCRAWL_RECHECK_HOURS", 6.0),
            ),
            None,
            crawler.stats,
        )
        mw.setting_since = s.get("NEWSCRAWL_SINCE")
        # The cut-off is the spider's (-a since=): read when it opens, since
        # `scrapy shell` builds the middlewares before it has a spider.
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        self.since = spider_since(spider, self.setting_since)
        if self.since is not None:
            logger.info("skipping feed and sitemap entries older than %s", self.since.isoformat())

    def _store(self) -> SeenStore | None:
        # Opened on the first article request: a run that fetches only feeds never connects.
        if self.store is None and self.database:
            self.store = SeenStore(open_database(self.database))
        return self.store

    def process_request(self, request: Request) -> None:
        if is_older(request.meta.get(ENTRY_DATE), self.since):
            self.stats.inc_value(f"{STATS}/too_old")
            raise IgnoreRequest(f"older than since={self.since}: {request.url}")
        if request.meta.get(DISCOVERY) or not request.url.startswith(("http://", "https://")):
            return None
        if request.url.endswith("/robots.txt"):
            return None
        store = self._store()
        seen = store.lookup(request.url) if store is not None else None
        if seen is None:
            return None
        if self.policy.wants(seen, datetime.now(UTC)):
            self.stats.inc_value(f"{STATS}/rechecked")
            return None
        self.stats.inc_value(f"{STATS}/skipped")
        raise IgnoreRequest(f"already stored: {request.url}")

    def spider_closed(self, spider: Spider) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

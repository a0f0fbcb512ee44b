"""The check of newscrawl's own settings before a crawl starts
(``newscrawl.addon``): each problem names the setting and says what to
write instead, so a bad value stops the run with one line, not a traceback
from deep inside a component.

Every ``NEWSCRAWL_*`` setting is checked for its type and range here; a new
setting gets its line in one of the tables below.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.settings import BaseSettings

# name -> (default, smallest value allowed, whether the smallest is excluded)
WHOLE_NUMBERS: dict[str, tuple[int, int, bool]] = {
    "NEWSCRAWL_COMMIT_ITEMS": (50, 0, False),
    "NEWSCRAWL_MIN_BODY_CHARS": (20, 0, False),
    "NEWSCRAWL_DATABASE_RETRIES": (5, 0, False),
    "NEWSCRAWL_DRIFT_RUNS": (5, 0, False),
    "NEWSCRAWL_DRIFT_MIN_ARTICLES": (5, 0, False),
    "NEWSCRAWL_SINA_MAX_PAGES": (50, 0, True),
    "NEWSCRAWL_MAX_LIST_PAGES": (50, 0, True),
    "NEWSCRAWL_REDIS_RUN_TTL": (7 * 86400, 0, True),
    "NEWSCRAWL_MAX_PAGE_BYTES": (10_000_000, 0, True),
    "NEWSCRAWL_MAX_ELEMENTS": (50_000, 0, False),
    "NEWSCRAWL_MAX_FRONT_MATTER_BYTES": (65536, 0, True),
    "NEWSCRAWL_MAX_SIDECAR_BYTES": (65536, 0, True),
    "NEWSCRAWL_MAX_TITLE_CHARS": (1000, 0, True),
    "NEWSCRAWL_MAX_BODY_CHARS": (1_000_000, 0, True),
    "NEWSCRAWL_MAX_FIELD_CHARS": (10_000, 0, True),
    "NEWSCRAWL_WARC_MAX_BYTES": (1_000_000_000, 0, True),
}
NUMBERS: dict[str, tuple[float, float, bool]] = {
    "NEWSCRAWL_COMMIT_SECONDS": (2.0, 0.0, True),
    "NEWSCRAWL_DATABASE_RETRY_DELAY": (1.0, 0.0, False),
    "NEWSCRAWL_DRIFT_THRESHOLD": (0.3, 0.0, True),
    "NEWSCRAWL_RECHECK_DAYS": (2.0, 0.0, False),
    "NEWSCRAWL_RECHECK_HOURS": (6.0, 0.0, False),
    "NEWSCRAWL_REDIS_IDLE_SECONDS": (30.0, 0.0, True),
    "NEWSCRAWL_REDIS_WORKER_TIMEOUT": (60.0, 0.0, True),
    # (the lowest similarity newscrawl.stories' LSH bands find reliably: MIN_THRESHOLD)
    "NEWSCRAWL_STORY_THRESHOLD": (0.5, 0.3, False),
}
BOOLEANS = (
    "NEWSCRAWL_INCREMENTAL",
    "NEWSCRAWL_LOCK",
    "NEWSCRAWL_MARKDOWN_FSYNC",
    "NEWSCRAWL_MARKDOWN_ISO_DATES",
    "NEWSCRAWL_MARKDOWN_TAGS",
)
DICTS = ("NEWSCRAWL_CATEGORY_ALIASES", "NEWSCRAWL_SINA_LIST_PAGES")
FILES = ("NEWSCRAWL_JSONL", "NEWSCRAWL_CSV", "NEWSCRAWL_REPORT")
"""Files newscrawl writes: their folder must exist or be creatable."""
FOLDERS = ("NEWSCRAWL_MARKDOWN", "NEWSCRAWL_WARC")
FREE_TEXT = ("NEWSCRAWL_JOB", "NEWSCRAWL_RUN_ID", "NEWSCRAWL_REDIS_PREFIX", "NEWSCRAWL_SITE_NAMES")
"""Names and lists of names: any text is a valid value."""
OTHERS = (
    "NEWSCRAWL_DATABASE",
    "NEWSCRAWL_CONTACT",
    "NEWSCRAWL_SINCE",
    "NEWSCRAWL_DEFAULT_TIMEZONE",
    "NEWSCRAWL_FEED_MODE",
    "NEWSCRAWL_BOILERPLATE_PATTERNS",
    "NEWSCRAWL_FEEDS",
    "NEWSCRAWL_SINA_API",
    "NEWSCRAWL_REDIS_URL",
    "NEWSCRAWL_SITE_MODULES",
    "NEWSCRAWL_MONITORING",
    "NEWSCRAWL_MONITOR_SUITE",
)
"""Checked one by one in ``check_settings``."""
FEED_MODES = ("append", "dated")
MONITORING_MODES = ("auto", "on", "off")
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def checked_settings() -> set[str]:
    """Every setting this module knows (a test holds it to the code's settings)."""
    tables = (WHOLE_NUMBERS, NUMBERS, BOOLEANS, DICTS, FILES, FOLDERS, FREE_TEXT, OTHERS)
    return {name for table in tables for name in table}


def _shown(settings: BaseSettings, name: str) -> str:
    return f"{name}={settings.get(name)!r}"


def _check_numbers(settings: BaseSettings, problems: list[str]) -> None:
    checks: list[tuple[str, Callable[[str, Any], float], float, float, bool, str]] = [
        (n, settings.getint, d, lo, ex, "a whole number")
        for n, (d, lo, ex) in WHOLE_NUMBERS.items()
    ]
    checks += [(n, settings.getfloat, d, lo, ex, "a number") for n, (d, lo, ex) in NUMBERS.items()]
    for name, get, default, low, exclusive, kind in checks:
        try:
            value = get(name, default)
        except (TypeError, ValueError):
            problems.append(f"{_shown(settings, name)} is not {kind}")
            continue
        if value < low or (exclusive and value == low):
            problems.append(f"{name} must be {'more than' if exclusive else 'at least'} {low:g}")
    try:
        if settings.getfloat("NEWSCRAWL_DRIFT_THRESHOLD", 0.3) > 1:
            problems.append(
                "NEWSCRAWL_DRIFT_THRESHOLD is a share of articles: at most 1 (0.3 = 30%)"
            )
    except ValueError:
        pass  # reported above
    try:
        if settings.getfloat("NEWSCRAWL_STORY_THRESHOLD", 0.5) > 1:
            problems.append(
                "NEWSCRAWL_STORY_THRESHOLD is a similarity: at most 1 (0.5 = bodies sharing "
                "half their text are one story)"
            )
    except ValueError:
        pass  # reported above


def _check_kinds(settings: BaseSettings, problems: list[str]) -> None:
    for name in BOOLEANS:
        try:
            settings.getbool(name, False)
        except ValueError:
            problems.append(f"{_shown(settings, name)} is not a boolean: use True or False")
    for name in DICTS:
        try:
            value = settings.getdict(name)
        except (TypeError, ValueError) as exc:
            problems.append(
                f'{_shown(settings, name)} is not a JSON object such as {{"old": "new"}} ({exc})'
            )
            continue
        if name == "NEWSCRAWL_CATEGORY_ALIASES" and not all(
            isinstance(v, str) for v in value.values()
        ):
            problems.append(f"{name}: every value must be a string (the spelling to keep)")
    for pattern in settings.getlist("NEWSCRAWL_BOILERPLATE_PATTERNS"):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"NEWSCRAWL_BOILERPLATE_PATTERNS: {pattern!r} is no regex ({exc})")
    for url in settings.getlist("NEWSCRAWL_FEEDS"):
        if not _is_http(url):
            problems.append(
                f"NEWSCRAWL_FEEDS: {url!r} is no http(s) URL (e.g. https://example.com/rss.xml)"
            )
    api = settings.get("NEWSCRAWL_SINA_API")
    if api and not _is_http(str(api)):
        problems.append(f"{_shown(settings, 'NEWSCRAWL_SINA_API')} is no http(s) URL")
    redis = settings.get("NEWSCRAWL_REDIS_URL")
    if redis and urlsplit(str(redis)).scheme not in ("redis", "rediss", "unix"):
        problems.append(
            f"{_shown(settings, 'NEWSCRAWL_REDIS_URL')}: use redis://host:6379/0 (or rediss://)"
        )
    _check_site_modules(settings, problems)
    monitoring = str(settings.get("NEWSCRAWL_MONITORING") or "auto").strip().lower()
    if monitoring not in MONITORING_MODES:
        problems.append(
            f"{_shown(settings, 'NEWSCRAWL_MONITORING')}: use one of {', '.join(MONITORING_MODES)}"
        )
    suite = str(settings.get("NEWSCRAWL_MONITOR_SUITE") or "")
    if suite and not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+", suite):
        problems.append(
            f"{_shown(settings, 'NEWSCRAWL_MONITOR_SUITE')}: use the dotted path of a Spidermon "
            "MonitorSuite class (newscrawl.monitors.NewscrawlSuite)"
        )
    mode = str(settings.get("NEWSCRAWL_FEED_MODE") or "append")
    if mode not in FEED_MODES:
        problems.append(f"NEWSCRAWL_FEED_MODE={mode!r}: use one of {', '.join(FEED_MODES)}")


def _check_site_modules(settings: BaseSettings, problems: list[str]) -> None:
    """Each module of ``NEWSCRAWL_SITE_MODULES`` is imported and its sites
    registered (``newscrawl.sites.load_site_modules``): what cannot be is a problem."""
    from newscrawl.sites import load_site_modules

    try:
        names = settings.getlist("NEWSCRAWL_SITE_MODULES")
    except (TypeError, ValueError):
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        problems.append(
            f"{_shown(settings, 'NEWSCRAWL_SITE_MODULES')}: give a list of module names, "
            'e.g. ["mysites.xinhua"] (or -s NEWSCRAWL_SITE_MODULES=mysites.xinhua,mysites.cna)'
        )
        return
    for name in names:
        try:
            load_site_modules([name])
        except ValueError as exc:
            problems.append(str(exc))


def _is_http(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def unwritable_folder(folder: Path) -> str | None:
    """Why files cannot be written under ``folder`` (created if missing), or
    None when they can. Creates nothing: the check runs before every crawl."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is a file, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return None


def _check_paths(settings: BaseSettings, problems: list[str]) -> None:
    for name in FILES:
        value = str(settings.get(name) or "")
        if not value or "://" in value:  # off, or a remote feed URI Scrapy handles
            continue
        if name == "NEWSCRAWL_REPORT":
            try:
                value = value.format(spider="spider", time="time")
            except (KeyError, IndexError, ValueError):
                problems.append(
                    f"{_shown(settings, name)}: only {{spider}} and {{time}} can be filled in"
                )
                continue
        why = unwritable_folder(Path(value).parent)
        if why:
            problems.append(f"{name}={value!r}: cannot write there ({why})")
    for name in FOLDERS:
        value = str(settings.get(name) or "")
        if value and (why := unwritable_folder(Path(value))):
            problems.append(f"{name}={value!r}: cannot write there ({why})")


def database_problem(db: str) -> str | None:
    """What is wrong with a ``NEWSCRAWL_DATABASE`` value, or None.

    >>> database_problem("garbage")
    "NEWSCRAWL_DATABASE='garbage': use sqlite:///path/file.sqlite3, postgresql://user@host/db or a path ending in .sqlite, .sqlite3 or .db"
    >>> database_problem("data/news.db") is None
    True
    """
    hint = (
        f"NEWSCRAWL_DATABASE={db!r}: use sqlite:///path/file.sqlite3, postgresql://user@host/db "
        "or a path ending in .sqlite, .sqlite3 or .db"
    )
    if db.startswith(("postgresql://", "postgres://")):
        return None if urlsplit(db).hostname or urlsplit(db).path.strip("/") else hint
    if db.startswith("sqlite:///"):
        path = db[len("sqlite:///") :]
        if not path:
            return hint
    elif "://" in db or not db.lower().endswith(SQLITE_SUFFIXES):
        return hint
    else:
        path = db
    why = unwritable_folder(Path(path).parent)
    return f"NEWSCRAWL_DATABASE={db!r}: cannot create the database there ({why})" if why else None


def check_settings(settings: BaseSettings) -> list[str]:
    """Problems with newscrawl's settings, each naming the setting to fix."""
    from newscrawl.incremental import parse_since

    problems: list[str] = []
    tz = settings.get("NEWSCRAWL_DEFAULT_TIMEZONE", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"NEWSCRAWL_DEFAULT_TIMEZONE={tz!r} is not an IANA time zone (e.g. UTC, Asia/Shanghai)"
        )
    db = str(settings.get("NEWSCRAWL_DATABASE") or "")
    if db and (why := database_problem(db)):
        problems.append(why)
    contact = str(settings.get("NEWSCRAWL_CONTACT") or "").strip()
    if not contact or any(c in contact for c in "\r\n"):
        problems.append(
            "NEWSCRAWL_CONTACT is empty: set it to a URL or e-mail address where a site's "
            "operators can reach you (it goes into the User-Agent)"
        )
    try:
        parse_since(settings.get("NEWSCRAWL_SINCE") or None)
    except ValueError as exc:
        problems.append(f"NEWSCRAWL_SINCE: {exc}")
    _check_numbers(settings, problems)
    _check_kinds(settings, problems)
    _check_paths(settings, problems)
    return problems

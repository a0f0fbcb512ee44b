"""The newscrawl add-on: derives the file outputs from newscrawl's own
settings and checks settings before the crawl starts, so a bad value stops
the run with a message that says what to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings


class SettingsError(ValueError):
    """A setting newscrawl cannot run with; the message says which and why."""


def check_settings(settings: BaseSettings) -> list[str]:
    """Problems with newscrawl's settings, each naming the setting to fix."""
    problems = []
    tz = settings.get("NEWSCRAWL_DEFAULT_TIMEZONE", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"NEWSCRAWL_DEFAULT_TIMEZONE={tz!r} is not an IANA time zone (e.g. UTC, Asia/Shanghai)"
        )
    db = str(settings.get("NEWSCRAWL_DATABASE") or "")
    if db and "://" in db and not db.startswith(("sqlite:///", "postgresql://", "postgres://")):
        problems.append(
            f"NEWSCRAWL_DATABASE={db!r}: use sqlite:///path/file.sqlite3 or postgresql://user@host/db"
        )
    for name in ("NEWSCRAWL_COMMIT_ITEMS", "NEWSCRAWL_MIN_BODY_CHARS"):
        try:
            if settings.getint(name, 1) < 0:
                problems.append(f"{name} must be 0 or more")
        except ValueError:
            problems.append(f"{name}={settings.get(name)!r} is not a whole number")
    try:
        if settings.getfloat("NEWSCRAWL_COMMIT_SECONDS", 1.0) <= 0:
            problems.append("NEWSCRAWL_COMMIT_SECONDS must be more than 0")
    except ValueError:
        problems.append(
            f"NEWSCRAWL_COMMIT_SECONDS={settings.get('NEWSCRAWL_COMMIT_SECONDS')!r} is not a number"
        )
    mode = str(settings.get("NEWSCRAWL_FEED_MODE") or "append")
    if mode not in FEED_MODES:
        problems.append(f"NEWSCRAWL_FEED_MODE={mode!r}: use one of {', '.join(FEED_MODES)}")
    return problems


FEED_MODES = ("append", "dated")
SAFE_STORAGE = "newscrawl.exporters.feeds.SafeFileFeedStorage"
MARKDOWN_EXTENSION = "newscrawl.exporters.markdown.MarkdownPosts"


def dated_path(path: str, when: datetime | None = None) -> str:
    """``path`` with the run's UTC time before its suffix; ``-2``, ``-3``...
    when that file already exists (never reuse an earlier run's file).

    >>> dated_path("data/articles.jsonl", datetime(2026, 11, 22, 14, 5, tzinfo=UTC))
    'data/articles-20261122T140500Z.jsonl'
    """
    p = Path(path)
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate = p.with_name(f"{p.stem}-{stamp}{p.suffix}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = p.with_name(f"{p.stem}-{stamp}-{n}{p.suffix}")
    return str(candidate)


def _merge(settings: BaseSettings, name: str, entries: dict[str, Any]) -> None:
    """Add ``entries`` to the dict setting ``name`` without replacing the user's own keys."""
    merged = dict(settings.getdict(name))
    for k, v in entries.items():
        merged.setdefault(k, v)
    settings.set(name, merged, priority=settings.getpriority(name) or "project")


class Outputs:
    """Wires the file outputs.

    * ``NEWSCRAWL_JSONL`` and ``NEWSCRAWL_CSV`` become ``FEEDS`` entries,
      appended to (``NEWSCRAWL_FEED_MODE=append``) or written to a new file
      named with the run's time (``dated``); never overwritten. Skipped when
      the command line chose its own feeds with ``-o``/``-O``.
    * Local feed files get the safe storage of ``newscrawl.exporters.feeds``
      (torn last records repaired, ``-O`` replaced atomically) and CSV its
      header-once exporter.
    * ``NEWSCRAWL_MARKDOWN`` (a folder) turns on the Markdown posts.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        problems = check_settings(settings)
        if problems:
            raise SettingsError("newscrawl cannot start:\n  " + "\n  ".join(problems))
        _merge(settings, "FEED_STORAGES", {"": SAFE_STORAGE, "file": SAFE_STORAGE})
        _merge(settings, "FEED_EXPORTERS", {"csv": "newscrawl.exporters.feeds.CsvExporter"})
        if settings.get("NEWSCRAWL_MARKDOWN"):
            _merge(settings, "EXTENSIONS", {MARKDOWN_EXTENSION: 600})
        if (settings.getpriority("FEEDS") or 0) >= SETTINGS_PRIORITIES["cmdline"]:
            return
        feeds: dict[str, Any] = dict(settings.getdict("FEEDS"))
        dated = settings.get("NEWSCRAWL_FEED_MODE") == "dated"
        for name, fmt in (("NEWSCRAWL_JSONL", "jsonlines"), ("NEWSCRAWL_CSV", "csv")):
            path = settings.get(name)
            if path:
                target = dated_path(str(path)) if dated else str(path)
                feeds.setdefault(target, {"format": fmt, "encoding": "utf8", "overwrite": False})
        settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS") or "project")

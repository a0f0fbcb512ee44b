"""The newscrawl add-on: derives the file outputs from newscrawl's own
settings and checks settings before the crawl starts, so a bad value stops
the run with a message that says what to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newscrawl.settings_check import FEED_MODES, check_settings

__all__ = ["FEED_MODES", "Outputs", "SettingsError", "check_settings", "dated_path", "user_agent"]

VERSION = "0.1"


class SettingsError(ValueError):
    """A setting newscrawl cannot run with; the message (one line) says which and why."""


def user_agent(contact: str) -> str:
    """The User-Agent of newscrawl's requests, with the operator's contact.

    >>> user_agent("mailto:ops@example.com")
    'newscrawl/0.1 (+mailto:ops@example.com)'
    """
    return f"newscrawl/{VERSION} (+{contact.strip()})"


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
    * ``USER_AGENT`` is built from ``NEWSCRAWL_CONTACT`` (unless a
      ``USER_AGENT`` was set): read here, at the start of the run, so that
      ``-s NEWSCRAWL_CONTACT=...`` counts.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        problems = check_settings(settings)
        if problems:
            raise SettingsError("; ".join(problems))
        if (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["default"]:
            contact = str(settings.get("NEWSCRAWL_CONTACT"))
            settings.set("USER_AGENT", user_agent(contact), priority="project")
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

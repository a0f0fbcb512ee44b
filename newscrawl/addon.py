"""The newscrawl add-on: derives the file outputs from newscrawl's own
settings and checks settings before the crawl starts, so a bad value stops
the run with a message that says what to fix."""

from __future__ import annotations

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
    return problems


class Outputs:
    """Adds ``NEWSCRAWL_JSONL`` to ``FEEDS`` (appending, never overwriting),
    unless the command line chose its own feeds with ``-o``/``-O``."""

    def update_settings(self, settings: BaseSettings) -> None:
        problems = check_settings(settings)
        if problems:
            raise SettingsError("newscrawl cannot start:\n  " + "\n  ".join(problems))
        if (settings.getpriority("FEEDS") or 0) >= SETTINGS_PRIORITIES["cmdline"]:
            return
        feeds: dict[str, Any] = dict(settings.getdict("FEEDS"))
        jsonl = settings.get("NEWSCRAWL_JSONL")
        if jsonl:
            feeds.setdefault(
                str(jsonl), {"format": "jsonlines", "encoding": "utf8", "overwrite": False}
            )
        settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS") or "project")

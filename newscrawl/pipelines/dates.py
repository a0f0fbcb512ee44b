"""Dates: the text a site found becomes ISO 8601 with an offset.

Common formats are parsed by hand (dateparser costs ~90 ms on its first
call in a process and ~1 ms after); dateparser takes the rest. A date
without a year is accepted only when the URL supplies one; relative dates
count from the response's ``fetched_at``, never from the wall clock, so a
replay gives the same record tomorrow.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

from scrapy.crawler import Crawler

from newscrawl.items import Article
from newscrawl.pipelines import as_article

MIN_YEAR = 1990

_LABEL = re.compile(
    r"(发布时间|發佈時間|发表时间|发布日期|更新时间|时间|日期|Published|Updated|Posted)\s*[:：]?\s*",
    re.I,
)
_CUT_AFTER = re.compile(r"\s*(来源|來源|作者|编辑|责任编辑|记者|Source|By)\s*[:：].*$", re.I)
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?(?![\d:])"
)
_SLASH = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ZH = re.compile(
    r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:(\d{1,2})\s*[:：]\s*(\d{2})"
    r"(?:\s*[:：]\s*(\d{2}))?)?"
)
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_RFC2822 = re.compile(r"^(?:[A-Z][a-z]{2},\s*)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}\s+\d{1,2}:\d{2}")
_REL_ZH = re.compile(r"^(\d+)\s*(秒|分钟|分|小时|天|周)前$")
_REL_EN = re.compile(r"^(\d+)\s*(second|minute|min|hour|day|week)s?\s+ago$", re.I)
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2, "today": 0, "yesterday": 1}
_UNITS = {
    "秒": "seconds", "second": "seconds", "分钟": "minutes", "分": "minutes", "minute": "minutes",
    "min": "minutes", "小时": "hours", "hour": "hours", "天": "days", "day": "days",
    "周": "weeks", "week": "weeks",
}  # fmt: skip


class Implausible(ValueError):
    """A date parsed, but one no article can have (future, or before 1990)."""


def cut_label(text: str) -> str:
    """The date part of labelled text.

    >>> cut_label("发布时间：2023年12月01日 08:15 来源：新浪财经")
    '2023年12月01日 08:15'
    """
    text = " ".join(text.split())
    text = _LABEL.sub("", text, count=1) if _LABEL.match(text) else text
    return _CUT_AFTER.sub("", text).strip()


def _aware(
    y: int, mo: int, d: int, h: int, mi: int, s: int, tz: ZoneInfo, offset: str | None
) -> datetime:
    if offset:
        if offset == "Z":
            zone: Any = UTC
        else:
            sign = 1 if offset[0] == "+" else -1
            hh, mm = int(offset[1:3]), int(offset[-2:])
            from datetime import timezone

            zone = timezone(sign * timedelta(hours=hh, minutes=mm))
        return datetime(y, mo, d, h, mi, s, tzinfo=zone)
    return datetime(y, mo, d, h, mi, s, tzinfo=tz)


def _fast(text: str, tz: ZoneInfo, fetched: datetime, url_year: int | None) -> datetime | None:
    if _EPOCH.match(text):
        n = float(text)
        return datetime.fromtimestamp(n / 1000 if n > 1e11 else n, UTC)
    if _RFC2822.match(text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError):
            pass
    m = _ISO.search(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        return _aware(y, mo, d, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0), tz, m[7])
    m = _SLASH.search(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        return _aware(y, mo, d, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0), tz, None)
    m = _ZH.search(text)
    if m:
        year = int(m[1]) if m[1] else url_year
        if year is None:
            raise Implausible("no year")
        return _aware(
            year, int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0), int(m[6] or 0), tz, None
        )
    local = fetched.astimezone(tz)
    m = _REL_ZH.match(text) or _REL_EN.match(text)
    if m:
        return local - timedelta(**{_UNITS[m[2].lower()]: int(m[1])})
    for word, days in _DAY_WORDS.items():
        if text.lower().startswith(word):
            hm = re.search(r"(\d{1,2})[:：](\d{2})", text)
            day = (local - timedelta(days=days)).date()
            h, mi = (int(hm[1]), int(hm[2])) if hm else (0, 0)
            return datetime(day.year, day.month, day.day, h, mi, tzinfo=tz)
    return None


def _dateparser(
    text: str, tz: str, fetched: datetime, languages: list[str] | None
) -> datetime | None:
    import dateparser

    settings: Any = {
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": fetched.astimezone(ZoneInfo(tz)).replace(tzinfo=None),
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DATES_FROM": "past",
    }
    result: datetime | None = dateparser.parse(text, languages=languages, settings=settings)
    return result


def parse_date(
    text: str | None,
    tz: str = "UTC",
    fetched_at: datetime | None = None,
    url_date: str | None = None,
    languages: list[str] | None = None,
) -> datetime | None:
    """An aware datetime from a date as a page shows it, or None.

    Naive times are read in ``tz``; offsets and UTC instants are kept exact.
    Raises ``Implausible`` for a date after ``fetched_at`` + 1 day, before
    1990, or a day and month without a year the URL does not give.

    >>> parse_date("2021年08月27日 14:55", "Asia/Shanghai").isoformat()
    '2021-08-27T14:55:00+08:00'
    """
    if text is None or not str(text).strip():
        return None
    fetched = fetched_at or datetime.now(UTC)
    zone = ZoneInfo(tz)
    clean = cut_label(str(text))
    url_year = int(url_date[:4]) if url_date else None
    try:
        dt = _fast(clean, zone, fetched, url_year)
    except ValueError as exc:  # bad day/month numbers, or no year
        if isinstance(exc, Implausible):
            raise
        dt = None
    if dt is None:
        dt = _dateparser(clean, tz, fetched, languages)
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    if dt.year < MIN_YEAR or dt > fetched + timedelta(days=1):
        raise Implausible(f"{dt.isoformat()} is not a plausible publication date")
    return dt


def to_iso(dt: datetime, tz: str) -> str:
    """ISO 8601, seconds, with offset. UTC instants are shown in the site's
    zone (the same instant); any other offset is kept as the page gave it.

    >>> to_iso(parse_date("Fri, 27 Aug 2021 06:55:12 GMT"), "Asia/Shanghai")
    '2021-08-27T14:55:12+08:00'
    """
    if dt.utcoffset() == timedelta(0):
        dt = dt.astimezone(ZoneInfo(tz))
    return dt.isoformat(timespec="seconds")


def pick_date(
    candidates: list[tuple[str, str]],
    tz: str,
    fetched_at: datetime,
    url_date: str | None = None,
    languages: list[str] | None = None,
) -> tuple[str | None, str | None, str | None, list[str]]:
    """The first candidate that parses: ``(iso, raw, from, problems)``.

    Candidates come most trusted first (the site decides: the time shown to
    readers before metadata); the URL's date is the last resort. ``problems``
    names every candidate rejected as implausible.
    """
    problems: list[str] = []
    for raw, origin in candidates:
        try:
            dt = parse_date(raw, tz, fetched_at, url_date, languages)
        except Implausible as exc:
            problems.append(f"{origin}: {raw!r}: {exc}")
            continue
        if dt is not None:
            return to_iso(dt, tz), str(raw), origin, problems
    if url_date:
        dt = parse_date(url_date, tz, fetched_at)
        if dt is not None:
            return to_iso(dt, tz), url_date, "url", problems
    return None, None, None, problems


def parse_fetched(value: str) -> datetime:
    """``fetched_at`` back as an aware datetime (now when it is empty)."""
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class DatesPipeline:
    """Fills published_at/raw/from and updated_at from the site's candidates."""

    def __init__(self, stats: Any, default_tz: str) -> None:
        self.stats = stats
        self.default_tz = default_tz

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats, crawler.settings.get("NEWSCRAWL_DEFAULT_TIMEZONE", "UTC"))

    def process_item(self, item: Any) -> Article:
        a = as_article(item)
        tz = a.raw.get("timezone") or self.default_tz
        if tz == "UTC":
            tz = self.default_tz
        fetched = parse_fetched(a.fetched_at)
        langs = [a.language] if a.language else None
        iso, raw, origin, problems = pick_date(
            a.raw.get("published", []), tz, fetched, a.raw.get("url_date"), langs
        )
        a.published_at, a.published_raw, a.published_from = iso, raw, origin
        updated, *_ = pick_date(a.raw.get("updated", []), tz, fetched, None, langs)
        a.updated_at = updated if updated != iso else None
        if problems and self.stats is not None:
            self.stats.inc_value("newscrawl/dates/implausible", len(problems))
        return a

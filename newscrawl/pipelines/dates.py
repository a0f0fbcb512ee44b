"""Dates: the text a site found becomes ISO 8601 with an offset.

Common formats are parsed by hand (dateparser costs ~90 ms on its first
call in a process and ~1 ms after); dateparser takes the rest. A date
without a year is accepted only when the URL supplies one; relative dates
count from the response's ``fetched_at``, never from the wall clock, so a
replay gives the same record tomorrow. A date no article can have (after
``fetched_at`` plus a day, before 1990, no year) is null, and counted in the
crawl stats under ``newscrawl/dates/rejected/<reason>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

from scrapy.crawler import Crawler

from newscrawl.found import Extracted, as_extracted
from newscrawl.normalize.months import MONTHS
from newscrawl.pipelines.shown_day import on_shown_day

MIN_YEAR = 1990
STATS_PREFIX = "newscrawl/dates/rejected"

_LABEL = re.compile(
    r"(发布时间|發佈時間|发表时间|發表時間|发表于|發表於|发布于|发布日期|更新时间|时间|日期|发布|"
    r"Published(?: on)?|Updated(?: on)?|Posted(?: on)?|Veröffentlicht(?: am)?|Stand|Datum|"
    r"Publié le|Mis à jour le|Publicado(?: el)?)\s*[:：]?\s*",
    re.I,
)
_CUT_AFTER = re.compile(
    r"\s*(来源|來源|作者|编辑|责任编辑|记者|稿源|Source|Quelle|By|Von)\s*[:：].*$", re.I
)
_OFFSET = r"(Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?)"
# Seconds may have one digit (T23:15:0Z): a generator's unpadded field, still a time.
_TIME = r"(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{1,2})(?:[.,]\d+)?)?"
_HALF_DAY = r"(?:\s*(?:上午|下午|晚上|凌晨|早上|中午)\s*)?"
_ISO = re.compile(
    rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})(?:(?:T|\s+|\s*[/,]\s*)?{_HALF_DAY}{_TIME})?\s*{_OFFSET}?(?![\d:])"
)
_SLASH = re.compile(
    rf"(\d{{4}})[/.](\d{{1,2}})[/.](\d{{1,2}})(?:(?:T|\s+|\s*,\s*)?{_HALF_DAY}{_TIME})?"
)
_ZH = re.compile(
    r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]\s*(?:[（(][^)）]{0,8}[)）])?\s*"
    rf"(?:(?:上午|下午|晚上|凌晨|早上|中午)\s*)?(?:{_TIME})?"
)
# 27.08.2021, 27.08.2021 14:55, 27.08.2021 um 14.55 Uhr (German and most of Europe).
_DMY = re.compile(
    r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?:,?\s*(?:um|-|\|)?\s*(\d{1,2})[:.](\d{2})(?::(\d{2}))?)?"
)
_CLOCK = r"(?:,?\s*(?:at|um|à|a las|às|alle|-|\||,)?\s*(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*(?:Uhr)?\s*([ap]\.?\s?m\.?)?)?"
_D_MON_Y = re.compile(
    rf"(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?([^\W\d_]{{3,10}})\.?\s+(?:de\s+)?(\d{{4}}){_CLOCK}", re.I
)
_MON_D_Y = re.compile(
    rf"([^\W\d_]{{3,10}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_CLOCK}", re.I
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
_PM = re.compile(r"下午|晚上|\bp\.?\s?m\b\.?", re.I)
_AM = re.compile(r"上午|凌晨|早上|\ba\.?\s?m\b\.?", re.I)
_HAS_TIME = re.compile(
    r"\d{1,2}\s*[:：]\s*\d{2}|\d{1,2}\.\d{2}\s*Uhr|\d{1,2}h\d{2}|[时時]|小时|分钟|ago"
)
_HAS_OFFSET = re.compile(r"(?<=\d)\s*(Z|[+-]\d{2}:?\d{2})$|\b(GMT|UTC)\b|[+-]\d{4}\b")


class Implausible(ValueError):
    """A date parsed, but one no article can have; ``reason`` is ``no_year``,
    ``future`` or ``before_1990`` (the stats key's last part)."""

    def __init__(self, message: str, reason: str = "implausible") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Parsed:
    """A date as parsed: the instant, whether the text gave a time of day,
    and whether it gave its offset (or was an instant: epoch, RFC 2822)."""

    dt: datetime
    has_time: bool
    exact: bool


def cut_label(text: str) -> str:
    """The date part of labelled text.

    >>> cut_label("发布时间：2023年12月01日 08:15 来源：新浪财经")
    '2023年12月01日 08:15'
    """
    text = " ".join(text.split())
    text = _LABEL.sub("", text, count=1) if _LABEL.match(text) else text
    return _CUT_AFTER.sub("", text).strip()


def _zone(offset: str | None, tz: tzinfo) -> tzinfo:
    if not offset:
        return tz
    o = offset.upper()
    if o in ("Z", "GMT", "UTC"):
        return UTC
    o = o.removeprefix("GMT").removeprefix("UTC")
    sign = 1 if o[0] == "+" else -1
    digits = o[1:].replace(":", "")
    hh, mm = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return timezone(sign * timedelta(hours=hh, minutes=mm))


def _hour(h: int, text: str) -> int:
    if h < 12 and _PM.search(text):
        return h + 12
    if h == 12 and _AM.search(text):
        return 0
    return h


def _dt(text: str, y: int, mo: int, d: int, h: Any, mi: Any, s: Any, tz: tzinfo) -> datetime:
    hour = _hour(int(h), text) if h else 0
    return datetime(y, mo, d, hour, int(mi or 0), int(s or 0), tzinfo=tz)


def _fast(text: str, tz: ZoneInfo, fetched: datetime, url_year: int | None) -> datetime | None:
    """The common formats without dateparser (None: not one of them)."""
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
        return _dt(text, int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], _zone(m[7], tz))
    m = _SLASH.search(text)
    if m:
        return _dt(text, int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], tz)
    m = _ZH.search(text)
    if m:
        year = int(m[1]) if m[1] else url_year
        if year is None:
            raise Implausible(f"{text!r} has no year and the URL gives none", "no_year")
        return _dt(text, year, int(m[2]), int(m[3]), m[4], m[5], m[6], tz)
    m = _DMY.search(text)
    if m:
        return _dt(text, int(m[3]), int(m[2]), int(m[1]), m[4], m[5], m[6], tz)
    for pattern, day_first in ((_D_MON_Y, True), (_MON_D_Y, False)):
        m = pattern.search(text)
        if m:
            d, mon = (m[1], m[2]) if day_first else (m[2], m[1])
            month = MONTHS.get(mon.lower())
            if month:
                return _dt(m[7] or "", int(m[3]), month, int(d), m[4], m[5], m[6], tz)
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
    try:
        result: datetime | None = dateparser.parse(text, languages=languages, settings=settings)
    except (ValueError, OverflowError):
        return None
    return result


def parse_full(
    text: str | None,
    tz: str = "UTC",
    fetched_at: datetime | None = None,
    url_date: str | None = None,
    languages: list[str] | None = None,
) -> Parsed | None:
    """Like ``parse_date``, telling also whether the text had a time of day
    and an offset of its own."""
    if text is None or not str(text).strip():
        return None
    fetched = fetched_at or datetime.now(UTC)
    zone = ZoneInfo(tz)
    clean = cut_label(str(text))
    url_year = int(url_date[:4]) if url_date else None
    try:
        dt = _fast(clean, zone, fetched, url_year)
    except Implausible:
        raise
    except (ValueError, OverflowError):  # a day or month number out of range
        dt = None
    if dt is None and len(clean) <= 80:  # longer text is a sentence, not a date
        dt = _dateparser(clean, tz, fetched, languages)
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    if dt.year < MIN_YEAR:
        raise Implausible(f"{dt.isoformat()} is before {MIN_YEAR}", "before_1990")
    if dt > fetched + timedelta(days=1):
        raise Implausible(f"{dt.isoformat()} is after the page was fetched", "future")
    relative = bool(_REL_ZH.match(clean) or _REL_EN.match(clean))
    exact = bool(_EPOCH.match(clean) or _HAS_OFFSET.search(clean)) or relative
    epoch = bool(_EPOCH.match(clean))
    return Parsed(dt, relative or epoch or bool(_HAS_TIME.search(clean)), exact)


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
    parsed = parse_full(text, tz, fetched_at, url_date, languages)
    return parsed.dt if parsed else None


def to_iso(dt: datetime, tz: str) -> str:
    """ISO 8601, seconds, with offset. UTC instants are shown in the site's
    zone (the same instant); any other offset is kept as the page gave it.

    >>> to_iso(parse_date("Fri, 27 Aug 2021 06:55:12 GMT"), "Asia/Shanghai")
    '2021-08-27T14:55:12+08:00'
    """
    if dt.utcoffset() == timedelta(0):
        dt = dt.astimezone(ZoneInfo(tz))
    return dt.isoformat(timespec="seconds")


@dataclass
class DateChoice:
    """What ``choose_date`` decided: the date, its raw text and origin, the
    metadata time the shown one overruled (if any), and every rejection as
    ``(reason, description)``."""

    iso: str | None = None
    raw: str | None = None
    origin: str | None = None
    overruled: str | None = None
    rejected: list[tuple[str, str]] = field(default_factory=list)


def _has_clock(p: Parsed) -> bool:
    """A time of day that is more than a placeholder midnight."""
    return p.has_time and (p.dt.hour, p.dt.minute, p.dt.second) != (0, 0, 0)


def _wall(dt: datetime) -> tuple[int, int, int, int, int]:
    return (dt.year, dt.month, dt.day, dt.hour, dt.minute)


def to_local(dt: datetime, tz: str) -> datetime:
    """``dt`` as ``to_iso`` shows it: a UTC instant in the site's zone."""
    return dt.astimezone(ZoneInfo(tz)) if dt.utcoffset() == timedelta(0) else dt


def _shown_wall(p: Parsed) -> datetime | None:
    """The wall clock a shown date gives, naive (None without a time of day)."""
    return p.dt.replace(tzinfo=None) if _has_clock(p) else None


def choose_date(
    candidates: list[tuple[str, str]],
    tz: str,
    fetched_at: datetime,
    url_date: str | None = None,
    languages: list[str] | None = None,
) -> DateChoice:
    """The publication date among a site's candidates (most trusted first).

    The first candidate that parses wins: a site lists the time shown to
    readers first when it is the truer one (Sina's metadata differs by up to
    three hours), and the metadata time it overrules is kept in
    ``overruled``. The winner is refined by the others:

    * a day without a time (or at a placeholder midnight) takes the time of
      a candidate on the same day;
    * a time without an offset that shows the same clock time as a candidate
      with one takes that offset (the page's own zone beats the setting's).

    * a UTC instant from metadata whose day (in the site's zone) is
      the day before or after the day the page shows is expressed in an
      offset that gives the shown day (``on_shown_day``): same instant,
      the reader's day.

    The URL's date is the last resort.
    """
    out = DateChoice()
    parsed: list[tuple[Parsed, str, str]] = []
    for raw, origin in candidates:
        try:
            p = parse_full(raw, tz, fetched_at, url_date, languages)
        except Implausible as exc:
            out.rejected.append((exc.reason, f"{origin}: {raw!r}: {exc}"))
            continue
        if p is not None:
            parsed.append((p, str(raw), origin))
    if not parsed:
        if url_date:
            dt = parse_date(url_date, tz, fetched_at)
            if dt is not None:
                out.iso, out.raw, out.origin = to_iso(dt, tz), url_date, "url"
        return out
    best, raw, origin = parsed[0]
    if not _has_clock(best):
        for p, r, o in parsed[1:]:
            if _has_clock(p) and p.dt.astimezone(best.dt.tzinfo).date() == best.dt.date():
                best, raw, origin = p, r, o
                break
    if not best.exact:
        for p, _, _ in parsed:
            if p.exact and _wall(p.dt) == _wall(best.dt):
                best = Parsed(best.dt.replace(tzinfo=p.dt.tzinfo), best.has_time, True)
                break
    if origin == "visible":
        for p, _, o in parsed:
            if o in ("meta", "jsonld") and _has_clock(p) and p.dt != best.dt:
                out.overruled = to_iso(p.dt, tz)
                break
    final = best.dt
    if origin in ("meta", "jsonld") and best.exact and best.dt.utcoffset() == timedelta(0):
        shown = next((p for p, _, o in parsed if o == "visible" and not p.exact), None)
        if shown is not None:
            final = on_shown_day(to_local(best.dt, tz), shown.dt.date(), _shown_wall(shown), tz)
    out.iso, out.raw, out.origin = to_iso(final, tz), raw, origin
    return out


def pick_date(
    candidates: list[tuple[str, str]],
    tz: str,
    fetched_at: datetime,
    url_date: str | None = None,
    languages: list[str] | None = None,
) -> tuple[str | None, str | None, str | None, list[str]]:
    """``choose_date`` as ``(iso, raw, from, problems)``."""
    c = choose_date(candidates, tz, fetched_at, url_date, languages)
    return c.iso, c.raw, c.origin, [d for _, d in c.rejected]


def parse_fetched(value: str) -> datetime:
    """``fetched_at`` back as an aware datetime (now when it is empty)."""
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class DatesPipeline:
    """Fills published_at/raw/from and updated_at from the site's candidates;
    counts every rejected date under ``newscrawl/dates/rejected/<reason>``."""

    def __init__(self, stats: Any, default_tz: str) -> None:
        self.stats = stats
        self.default_tz = default_tz

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats, crawler.settings.get("NEWSCRAWL_DEFAULT_TIMEZONE", "UTC"))

    def process_item(self, item: object) -> Extracted:
        x = as_extracted(item)
        a, found = x.article, x.found
        tz = found.zone or self.default_tz
        if tz == "UTC":
            tz = self.default_tz
        fetched = parse_fetched(a.fetched_at)
        langs = [a.language] if a.language else None
        pub = choose_date(found.published, tz, fetched, found.url_date, langs)
        a.published_at, a.published_raw, a.published_from = pub.iso, pub.raw, pub.origin
        upd = choose_date(found.updated, tz, fetched, None, langs)
        updated = upd.iso
        if updated is None and pub.overruled and pub.iso and pub.overruled > pub.iso:
            updated = pub.overruled  # the metadata's later time: a last modification
        a.updated_at = updated if updated != pub.iso else None
        if self.stats is not None:
            for reason, _ in pub.rejected + upd.rejected:
                self.stats.inc_value(f"{STATS_PREFIX}/{reason}")
                self.stats.inc_value("newscrawl/dates/implausible")
        return x

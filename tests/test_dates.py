"""Dates, one row per hard case: the formats pages show, labels, relative
times counted from fetched_at, years from the URL, rejected dates (null and
counted), the time shown to readers against metadata, and the fast paths
that keep dateparser out of the common formats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from newscrawl.found import Extracted, Found
from newscrawl.items import Article
from newscrawl.pipelines import dates
from newscrawl.pipelines.dates import (
    DatesPipeline,
    Implausible,
    choose_date,
    parse_date,
    pick_date,
    to_iso,
)

FETCHED = datetime(2024, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, 04:00 in Berlin
SH = "Asia/Shanghai"

FORMATS = [
    # (text, zone, URL date, ISO 8601 expected)
    ("2021年08月27日 14:55", SH, None, "2021-08-27T14:55:00+08:00"),
    ("2021年8月27日14:55", SH, None, "2021-08-27T14:55:00+08:00"),
    ("2021-08-27 14:55:12", SH, None, "2021-08-27T14:55:12+08:00"),
    ("2021/8/27", SH, None, "2021-08-27T00:00:00+08:00"),
    ("2022.01.20 16:31", SH, None, "2022-01-20T16:31:00+08:00"),
    ("2005-5-7 下午 09:23", SH, None, "2005-05-07T21:23:00+08:00"),
    ("2005年09月07日 11:57 PM", SH, None, "2005-09-07T23:57:00+08:00"),
    ("2019-09-07T06:52:51+08:00", SH, None, "2019-09-07T06:52:51+08:00"),
    # An RFC 2822 instant is exact: shown in the site's zone, the same instant.
    ("Fri, 27 Aug 2021 06:55:12 GMT", SH, None, "2021-08-27T14:55:12+08:00"),
    ("2024-05-03T14:00:00Z", "UTC", None, "2024-05-03T14:00:00+00:00"),
    ("2024-05-03T14:00:00.000Z", "UTC", None, "2024-05-03T14:00:00+00:00"),
    ("2024-04-25T04:21:02-0400", "UTC", None, "2024-04-25T04:21:02-04:00"),
    ("2021-08-27 14:55 GMT+8", "UTC", None, "2021-08-27T14:55:00+08:00"),
    # Naive times are read in the site's zone.
    ("2024-05-03 14:00", SH, None, "2024-05-03T14:00:00+08:00"),
    ("2024-05-03 14:00", "Europe/Berlin", None, "2024-05-03T14:00:00+02:00"),
    # JSON-LD epoch numbers, seconds or milliseconds.
    ("1714744800", "UTC", None, "2024-05-03T14:00:00+00:00"),
    ("1714744800000", "UTC", None, "2024-05-03T14:00:00+00:00"),
    # Labelled text: the date is cut out first.
    ("发布时间：2023年12月01日 08:15 来源：新浪财经", SH, None, "2023-12-01T08:15:00+08:00"),
    ("发表于 2004年12月27日 12:40", SH, None, "2004-12-27T12:40:00+08:00"),
    ("Published: 3 May 2024", "UTC", None, "2024-05-03T00:00:00+00:00"),
    # European and named-month forms, without dateparser.
    ("28.04.2023 16:11 Uhr", "Europe/Berlin", None, "2023-04-28T16:11:00+02:00"),
    ("Freitag, 26.04.2024, 20:44 Uhr", "Europe/Berlin", None, "2024-04-26T20:44:00+02:00"),
    ("27.08.2021 um 14.55 Uhr", "Europe/Berlin", None, "2021-08-27T14:55:00+02:00"),
    ("3. Mai 2024", "Europe/Berlin", None, "2024-05-03T00:00:00+02:00"),
    ("May 3, 2024 at 10:30 pm", "UTC", None, "2024-05-03T22:30:00+00:00"),
    ("3 May 2024 10:30", "UTC", None, "2024-05-03T10:30:00+00:00"),
    ("3 de mayo de 2024", "Europe/Madrid", None, "2024-05-03T00:00:00+02:00"),
    # Relative: from the response's fetched_at, never from the wall clock.
    ("昨天 10:30", SH, None, "2024-05-03T10:30:00+08:00"),
    ("3小时前", SH, None, "2024-05-04T07:00:00+08:00"),
    ("2 hours ago", "UTC", None, "2024-05-04T00:00:00+00:00"),
    # No year: the URL's.
    ("04月24日 10:30", SH, "2021-04-24", "2021-04-24T10:30:00+08:00"),
]


@pytest.mark.parametrize(("text", "tz", "url_date", "expected"), FORMATS)
def test_formats(text: str, tz: str, url_date: str | None, expected: str) -> None:
    dt = parse_date(text, tz, FETCHED, url_date)
    assert dt is not None
    assert to_iso(dt, tz) == expected


@pytest.mark.parametrize(("text", "tz", "url_date", "expected"), FORMATS)
def test_common_formats_need_no_dateparser(
    text: str, tz: str, url_date: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dateparser costs ~90 ms on its first call: the common formats never reach it."""

    def refuse(*args: Any) -> None:
        raise AssertionError(f"dateparser called for {text!r}")

    monkeypatch.setattr(dates, "_dateparser", refuse)
    dt = parse_date(text, tz, FETCHED, url_date)
    assert dt is not None and to_iso(dt, tz) == expected


def test_dateparser_takes_the_rest() -> None:
    dt = parse_date("le 3 mai 2024 à 14 h 05", "Europe/Paris", FETCHED, languages=["fr"])
    assert dt is not None and dt.date().isoformat() == "2024-05-03"


def test_replay_tomorrow_gives_the_same_record() -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_date("3小时前", SH, FETCHED) != parse_date("3小时前", SH, later)
    assert parse_date("3小时前", SH, FETCHED) == parse_date("3小时前", SH, FETCHED)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("04月24日 10:30", "no_year"),
        ("2030-01-01 10:00", "future"),
        ("2024-05-06 10:00", "future"),  # more than a day after fetched_at
        ("1985-06-01", "before_1990"),
    ],
)
def test_rejected_dates_have_a_reason(text: str, reason: str) -> None:
    with pytest.raises(Implausible) as exc:
        parse_date(text, SH, FETCHED)
    assert exc.value.reason == reason


def test_a_day_late_is_still_plausible() -> None:
    """Pages in zones ahead of the crawler's clock show tomorrow's date."""
    assert parse_date("2024-05-04 23:00", SH, FETCHED) is not None


def test_rejected_date_is_null_and_counted() -> None:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_DEFAULT_TIMEZONE": "UTC"})
    pipe = DatesPipeline.from_crawler(crawler)
    a = Article(
        url="https://example.com/a",
        fetched_at="2024-05-04T02:00:00Z",
    )
    pipe.process_item(
        Extracted(a, Found(published=[("04月24日 10:30", "visible"), ("2031-01-01", "meta")]))
    )
    assert a.published_at is None and a.published_from is None
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    assert stats["newscrawl/dates/rejected/no_year"] == 1
    assert stats["newscrawl/dates/rejected/future"] == 1


def test_no_year_takes_the_url_year_in_the_pipeline() -> None:
    pipe = DatesPipeline(None, "UTC")
    a = Article(fetched_at="2024-05-04T02:00:00Z")
    found = Found(published=[("04月24日 10:30", "visible")], url_date="2021-04-24", zone=SH)
    pipe.process_item(Extracted(a, found))
    assert (a.published_at, a.published_from) == ("2021-04-24T10:30:00+08:00", "visible")


def test_visible_time_wins_and_says_so() -> None:
    """Sina lists the shown time first; its metadata differs by up to three
    hours. The metadata's time stays available as updated_at when later."""
    cands = [("2019年07月15日 18:40", "visible"), ("2019-07-15T21:40:00+08:00", "meta")]
    iso, raw, origin, _ = pick_date(cands, SH, FETCHED)
    assert (iso, raw, origin) == ("2019-07-15T18:40:00+08:00", "2019年07月15日 18:40", "visible")
    a = Article(fetched_at="2024-05-04T02:00:00Z")
    DatesPipeline(None, "UTC").process_item(Extracted(a, Found(published=cands, zone=SH)))
    assert a.published_at == "2019-07-15T18:40:00+08:00"
    assert a.published_raw == "2019年07月15日 18:40" and a.published_from == "visible"
    assert a.updated_at == "2019-07-15T21:40:00+08:00"


def test_a_day_without_time_takes_the_same_days_time() -> None:
    c = choose_date(
        [("2024-04-22", "meta"), ("2024-04-22T12:00:00+02:00", "jsonld")], "UTC", FETCHED
    )
    assert (c.iso, c.origin) == ("2024-04-22T12:00:00+02:00", "jsonld")
    c = choose_date(
        [("2024-03-29T00:00:00+01:00", "jsonld"), ("29.03.2024 12:31", "visible")],
        "Europe/Berlin",
        FETCHED,
    )
    assert c.iso == "2024-03-29T12:31:00+01:00"


def test_naive_time_takes_the_pages_own_offset() -> None:
    """A generic site whose zone is unknown: the offset another date on the page gives."""
    c = choose_date(
        [("2024-04-26 20:44", "visible"), ("2024-04-26T20:44:00+02:00", "meta")], "UTC", FETCHED
    )
    assert (c.iso, c.origin) == ("2024-04-26T20:44:00+02:00", "visible")


def test_url_date_is_the_last_resort() -> None:
    assert pick_date([], SH, FETCHED, "2021-08-27")[:3] == (
        "2021-08-27T00:00:00+08:00",
        "2021-08-27",
        "url",
    )

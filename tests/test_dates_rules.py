"""Issue 13's date classes on generic pages, each a page of our own text run
through the generic site and the dates pipeline: the article's own date beats
a masthead's "today", a photo caption's date and a related list's date when
the JSON-LD is broken; a date only in a script or an attribute is a last
resort; the day of ``published_at`` is the day the page shows; labelled
French, German and Spanish dates near the headline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse

from newscrawl.pipelines.dates import DatesPipeline, choose_date
from newscrawl.sites.generic import Generic

FETCHED = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)
STORY = "<p>" + "The council met on Monday and agreed a plan for the river bank. " * 6 + "</p>"


def published(html: str, url: str = "https://news.example.com/story/plan") -> str | None:
    response = HtmlResponse(url, body=html.encode(), encoding="utf-8")
    x = Generic().extracted(response, fetched_at=FETCHED)
    out = DatesPipeline(None, "UTC").process_item(x)
    return out.article.published_at


def page(head: str, body: str, lang: str = "en") -> str:
    return f"<html lang='{lang}'><head><title>River plan agreed</title>{head}</head><body>{body}</body></html>"


def test_masthead_today_date_loses_to_the_articles() -> None:
    html = page(
        "",
        "<header><div class='top-date'>Wednesday, March 20, 2024</div></header>"
        "<h1>River plan agreed</h1><p class='byline'>By Ann Lee</p>"
        f"<p>Published March 5, 2024 10:00</p>{STORY}",
    )
    assert (published(html) or "")[:10] == "2024-03-05"


def test_photo_caption_date_loses_to_the_dateline() -> None:
    html = page(
        "",
        "<h1>River plan agreed</h1><figure><img src='a.jpg'>"
        "<figcaption>The bank in flood on January 12, 2024 10:15 (photo: A. Lee)</figcaption></figure>"
        f"<div class='meta'>March 5, 2024 09:30</div>{STORY}",
    )
    assert (published(html) or "")[:16] == "2024-03-05T09:30"


def test_broken_jsonld_does_not_leave_the_date_to_a_related_list() -> None:
    broken = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "River "plan" agreed",'
        ' "datePublished": "2024-03-05T10:00:00+01:00",}</script>'
    )
    html = page(
        broken,
        f"<h1>River plan agreed</h1>{STORY}<aside><h2>Related</h2><ul>"
        "<li><a href='/a'>Older story</a> <time datetime='2024-02-11T08:00:00Z'>11 Feb</time></li>"
        "</ul></aside>",
    )
    assert published(html) == "2024-03-05T10:00:00+01:00"


@pytest.mark.parametrize(
    "where",
    [
        "<div class='story' data-publish-time='2024-03-05 10:00'></div>",
        '<script>window.__page = {publishTime: "2024-03-05 10:00", id: 7};</script>',
    ],
)
def test_date_only_in_a_script_or_an_attribute_is_a_last_resort(where: str) -> None:
    html = page("", f"<h1>River plan agreed</h1>{where}{STORY}")
    assert (published(html) or "")[:10] == "2024-03-05"


def test_the_day_shown_wins_over_the_utc_day() -> None:
    # 23:30 UTC on the 4th is the 5th where the publisher is; the page shows the 5th.
    html = page(
        "<meta property='article:published_time' content='2024-03-04T23:30:00Z'>",
        f"<h1>River plan agreed</h1><p class='date'>5 March 2024</p>{STORY}",
    )
    iso = published(html) or ""
    assert iso[:10] == "2024-03-05"
    assert datetime.fromisoformat(iso) == datetime(2024, 3, 4, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "shown", "tz", "iso"),
    [
        # the zone unknown: the shown clock gives the offset
        ("2024-03-04T23:30:00Z", "5 March 2024 00:30", "UTC", "2024-03-05T00:30:00+01:00"),
        # a known zone one hour off the publisher's (summer time): the day moves
        ("2024-03-04T22:30:00Z", "5 March 2024", "Europe/London", "2024-03-05T00:30:00+02:00"),
        # a shown time 10 hours off a known zone is another moment (an update): kept
        (
            "2024-03-04T13:23:00Z",
            "5 March 2024 00:23",
            "Europe/London",
            "2024-03-04T13:23:00+00:00",
        ),
        # an instant with the publisher's own offset already has its day: kept
        ("2024-03-04T23:30:00+00:30", "5 March 2024", "UTC", "2024-03-04T23:30:00+00:30"),
        # the same day: nothing to move
        ("2024-03-05T08:00:00Z", "5 March 2024", "UTC", "2024-03-05T08:00:00+00:00"),
    ],
)
def test_day_shown_table(instant: str, shown: str, tz: str, iso: str) -> None:
    c = choose_date([(instant, "meta"), (shown, "visible")], tz, FETCHED)
    assert c.iso == iso


@pytest.mark.parametrize(
    ("lang", "line", "iso"),
    [
        ("fr", "Publié le 05/03/2024 à 14:30", "2024-03-05T14:30:00"),
        ("de", "Veröffentlicht am 05.03.2024 um 14:30 Uhr", "2024-03-05T14:30:00"),
        ("es", "Publicado el 5 de marzo de 2024", "2024-03-05T00:00:00"),
    ],
)
def test_labelled_european_dates_near_the_headline(lang: str, line: str, iso: str) -> None:
    html = page("", f"<h1>River plan agreed</h1><p>{line}</p>{STORY}", lang)
    # (French and Spanish are spoken in many zones: the offset is the setting's)
    assert (published(html) or "")[:19] == iso


def test_a_copyright_year_is_no_date() -> None:
    # htmldate's guess from a year alone (YYYY-01-01) is refused: no date beats a wrong one.
    html = page("", f"<h1>River plan agreed</h1>{STORY}<footer>© 2019 Example News</footer>")
    assert published(html) is None

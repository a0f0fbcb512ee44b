"""Table tests for the pure normalizer functions (one row per hard case)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newscrawl.pipelines.categories import normalize_categories, normalize_tags
from newscrawl.pipelines.dates import Implausible, parse_date, pick_date, to_iso
from newscrawl.pipelines.people import split_people
from newscrawl.pipelines.text import clean_body, clean_text
from newscrawl.pipelines.validate import fingerprint

FETCHED = datetime(2024, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@pytest.mark.parametrize(
    ("text", "tz", "url_date", "expected"),
    [
        ("2021年08月27日 14:55", "Asia/Shanghai", None, "2021-08-27T14:55:00+08:00"),
        ("2021-08-27 14:55:12", "Asia/Shanghai", None, "2021-08-27T14:55:12+08:00"),
        ("2021/8/27", "Asia/Shanghai", None, "2021-08-27T00:00:00+08:00"),
        ("2019-09-07T06:52:51+08:00", "Asia/Shanghai", None, "2019-09-07T06:52:51+08:00"),
        ("Fri, 27 Aug 2021 06:55:12 GMT", "Asia/Shanghai", None, "2021-08-27T14:55:12+08:00"),
        ("2024-05-03T14:00:00Z", "UTC", None, "2024-05-03T14:00:00+00:00"),
        ("2024-05-03 14:00", "Asia/Shanghai", None, "2024-05-03T14:00:00+08:00"),
        ("2024-05-03 14:00", "Europe/Berlin", None, "2024-05-03T14:00:00+02:00"),
        ("1714744800", "UTC", None, "2024-05-03T14:00:00+00:00"),
        ("1714744800000", "UTC", None, "2024-05-03T14:00:00+00:00"),
        (
            "发布时间：2023年12月01日 08:15 来源：新浪财经",
            "Asia/Shanghai",
            None,
            "2023-12-01T08:15:00+08:00",
        ),
        ("昨天 10:30", "Asia/Shanghai", None, "2024-05-03T10:30:00+08:00"),
        ("3小时前", "Asia/Shanghai", None, "2024-05-04T07:00:00+08:00"),
        ("2 hours ago", "UTC", None, "2024-05-04T00:00:00+00:00"),
        ("04月24日 10:30", "Asia/Shanghai", "2021-04-24", "2021-04-24T10:30:00+08:00"),
        ("3 May 2024", "UTC", None, "2024-05-03T00:00:00+00:00"),
    ],
)
def test_dates(text: str, tz: str, url_date: str | None, expected: str) -> None:
    dt = parse_date(text, tz, FETCHED, url_date)
    assert dt is not None
    assert to_iso(dt, tz) == expected


@pytest.mark.parametrize("text", ["04月24日 10:30", "2030-01-01 10:00", "1985-06-01"])
def test_implausible_or_yearless_dates(text: str) -> None:
    with pytest.raises(Implausible):
        parse_date(text, "Asia/Shanghai", FETCHED)


def test_visible_time_wins_and_says_so() -> None:
    iso, raw, origin, _ = pick_date(
        [("2019年07月15日 18:40", "visible"), ("2019-07-15T21:40:00+08:00", "meta")],
        "Asia/Shanghai",
        FETCHED,
    )
    assert (iso, raw, origin) == ("2019-07-15T18:40:00+08:00", "2019年07月15日 18:40", "visible")


def test_url_date_is_the_last_resort() -> None:
    assert pick_date([], "Asia/Shanghai", FETCHED, "2021-08-27")[2] == "url"


@pytest.mark.parametrize(
    ("authors", "editors", "bylines", "first", "expected"),
    [
        ([], [], ["来源 北京日报客户端|记者 李祺瑶"], "", (["李祺瑶"], [], "北京日报客户端")),
        ([], [], ["责任编辑：李墨轩 SN098"], "", ([], ["李墨轩"], None)),
        ([], [], ["记者 张三 李四 实习生 王五"], "", (["张三", "李四", "王五"], [], None)),
        (["文/张三"], [], [], "", (["张三"], [], None)),
        (["作者：张三、李四"], [], [], "", (["张三", "李四"], [], None)),
        ([], [], ["本报记者 张三 通讯员 李四"], "", (["张三", "李四"], [], None)),
        (["新浪财经综合"], [], [], "", ([], [], "新浪财经综合")),
        (["新浪财经"], [], [], "", ([], [], None)),
        (["By Jane Doe and John Roe"], [], [], "", (["Jane Doe", "John Roe"], [], None)),
        (["Jane Doe", "jane doe", "staff"], [], [], "", (["Jane Doe"], [], None)),
        ([], [], [], "新京报快讯（记者 裴剑飞）今日有网友爆料", (["裴剑飞"], [], None)),
        ([], [], [], "（总台央视记者 潘虹旭 周琨）昨天", (["潘虹旭", "周琨"], [], None)),
        (["张三(微博)"], [], [], "", (["张三"], [], None)),
    ],
)
def test_people(
    authors: list[str],
    editors: list[str],
    bylines: list[str],
    first: str,
    expected: tuple[list[str], list[str], str | None],
) -> None:
    p = split_people(authors, editors, None, bylines, first, ("新浪财经",))
    assert (p.authors, p.editors, p.source) == expected


def test_categories() -> None:
    assert normalize_categories(
        ["Home", "金融", "新浪财经－国內", "新浪财经-国内", " ", "金融"]
    ) == [
        "金融",
        "新浪财经-国内",
    ]
    assert normalize_categories(["Biz"], {"Biz": "Business"}) == ["Business"]
    assert normalize_tags(["sz300959", "SZ300959", ""]) == ["sz300959"]


def test_body_paragraphs_and_junk() -> None:
    b = clean_body(
        "<div><p>\u3000\u3000第一段&#123;x&#125;</p><style>.a{}</style><!-- c -->"
        "<noscript>开启JS</noscript><p>第二段<br><br>第三段</p>"
        "<figure><img src='/a.jpg'><figcaption>图说</figcaption></figure>"
        "<p>责任编辑：张三</p></div>",
        "https://x.example/n/1.html",
    )
    assert b.text == "第一段{x}\n第二段\n第三段"
    assert b.images == [{"url": "https://x.example/a.jpg", "caption": "图说"}]
    assert b.bylines == ["责任编辑：张三"]
    assert "<style" not in b.html and "开启JS" not in b.html


def test_clean_text_spaces() -> None:
    assert clean_text("a\u00a0\u00a0b\u200b c\u3000") == "a b c"


def test_fingerprint_same_text_same_value() -> None:
    assert fingerprint("标题", "正文") == fingerprint(" 标题", "正文 ")
    assert fingerprint("标题", "正文") != fingerprint("标题", "正文二")

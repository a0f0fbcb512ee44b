"""Table tests for the Sina site module's and spider's small pure parts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import UsageError

from newscrawl.sites.sina import _EDITOR_LINE, Sina, _paren_byline
from newscrawl.spiders.sina import api_items, list_date, parse_since

SINA = Sina()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://finance.sina.com.cn/roll/2024-05-03/doc-inaaaaaa0000001.shtml", None),
        ("https://finance.sina.com.cn/stock/usstock/c/2019-09-09/doc-iicezzrq4681677.shtml", None),
        ("http://tech.sina.com.cn/d/2011-12-09/16416463691.shtml", None),
        ("https://finance.sina.cn/2024-05-03/detail-inaaaaaa0000001.d.html", None),
        ("https://video.sina.com.cn/p/news/2019-11-25/detail-iihnzhfz1626850.d.html", "video"),
        ("https://slide.finance.sina.com.cn/slide_1_2_3.html", "gallery"),
        ("https://zhibo.sina.com.cn/tech/apple2019", "live"),
        ("https://finance.sina.com.cn/realstock/company/sh600000/nc.shtml", "quote"),
        ("https://finance.sina.com.cn/stock/", "not_article_url"),
        ("https://finance.sina.com.cn/zt_d/somespecial/", "not_article_url"),
    ],
)
def test_not_article_reason(url: str, reason: str | None) -> None:
    assert SINA.not_article_reason(url) == reason


@pytest.mark.parametrize(
    ("inner", "lines"),
    [
        ("记者 裴剑飞", ["记者 裴剑飞"]),
        ("信报记者 蔡雪婧", ["记者 蔡雪婧"]),
        ("见习记者 胡淼", ["记者 胡淼"]),
        ("南海网记者陈望 通讯员樊骁", ["记者 陈望"]),
        ("王霄 发自上海", ["记者 王霄"]),
        ("李楠", ["记者 李楠"]),
        ("中国台湾网 王怡然", ["记者 王怡然"]),
        ("立悟/编译", ["编译 立悟"]),
        ("完", []),
        ("BBC", []),
        ("视觉中国", []),
        ("新华社", []),
        ("图", []),
        ("12日", []),
    ],
)
def test_paren_byline(inner: str, lines: list[str]) -> None:
    assert _paren_byline(inner) == lines


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2d", "2024-05-01T12:00:00+00:00"),
        ("12h", "2024-05-03T00:00:00+00:00"),
        ("90m", "2024-05-03T10:30:00+00:00"),
        ("1w", "2024-04-26T12:00:00+00:00"),
        ("2024-05-01", "2024-05-01T00:00:00+08:00"),
        ("2024-05-01T08:00", "2024-05-01T08:00:00+08:00"),
        ("2024-05-01T08:00:00Z", "2024-05-01T08:00:00+00:00"),
    ],
)
def test_parse_since(text: str, iso: str) -> None:
    now = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
    got = parse_since(text, "Asia/Shanghai", now)
    assert got is not None and got.isoformat() == iso


def test_parse_since_refuses_nonsense() -> None:
    with pytest.raises(UsageError, match="since='yesterdayish' is no date"):
        parse_since("yesterdayish", "Asia/Shanghai")
    assert parse_since("", "Asia/Shanghai") is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("(05月03日 10:00)", "2024-05-03T10:00:00+08:00"),
        ("2023-12-31 23:59", "2023-12-31T23:59:00+08:00"),
        ("标题 (5月3日 9:05)", "2024-05-03T09:05:00+08:00"),
        ("no date", None),
    ],
)
def test_list_date(text: str, iso: str | None) -> None:
    got = list_date(text, "Asia/Shanghai", 2024)
    assert (got.isoformat() if got else None) == iso


@pytest.mark.parametrize(
    "body",
    [
        b'{"result": {"data": [{"url": "u", "ctime": "1"}]}}',
        b'jQuery123_456({"result": {"data": [{"url": "u", "ctime": "1"}]}});',
        b'try{cb({"result":{"data":[{"url":"u","ctime":"1"}]}});}catch(e){};',
    ],
)
def test_api_items(body: bytes) -> None:
    assert api_items(body) == [{"url": "u", "ctime": "1"}]


def test_api_items_without_data() -> None:
    assert api_items(b'{"result": {"status": {"code": 0}, "data": []}}') == []
    assert api_items(b'{"result": {}}') == []


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("责任编辑：李墨轩 SN098", "李墨轩 SN098"),
        ("【责任编辑：王婧】", "王婧"),
        ("(责编： yxj)", "yxj"),
        ("（编辑 张三）", "张三"),
        ("编辑部门认为，这一做法值得推广。", None),
        ("编辑：", None),
    ],
)
def test_editor_line(line: str, name: str | None) -> None:
    m = _EDITOR_LINE.match(line)
    assert (m[2] if m else None) == name


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://k.sina.com.cn/article_1234567890_abcdef01234.html", True),
        ("https://blog.sina.com.cn/s/blog_4701280b0102e0wz.html", False),
        ("https://finance.sina.com.cn/roll/index.d.html?cid=56588", False),
    ],
)
def test_is_article_url(url: str, ok: bool) -> None:
    assert SINA.is_article_url(url) is ok

"""Page.select: the fast CSS selection every site's fields go through must
find exactly what the selector finds (parsel's CSS on the same page), on
every way pages write ids and classes."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.sites.base import Page

PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>t</title>
<script>var tpl = '<div class="ghost">';</script></head><body>
<div class="top-bar" id="top"><span class="date">2021年08月27日 14:55</span>
  <span class='source'>来源：经济参考报</span></div>
<h1 class="main-title">标题</h1><h2 class="main-title sub">副题</h2>
<DIV CLASS="date-source"><span class="date">2021-08-27</span><a class="source">央视</a></DIV>
<div class=artInfo>old <a>新华网</a></div>
<div class="xdate-source">not a date-source</div>
<div class="m-breadcrumb"><ul class="m-breadcrumb__list"><li><a>财经</a></li><li><a>股票</a></li></ul></div>
<div class="article" id="artibody"><p>正文<span id="stock_sh600000">浦发</span></p>
  <div class="img_wrapper"><img src="a.jpg"><span class="img_descr">图</span></div></div>
<p class="date&#45;x">escaped class</p>
<div id="keywords" class="keywords"><a>债券</a><a>银行</a></div>
<p class="keywords">second keywords</p>
</body></html>"""

SELECTORS = [
    "h1.main-title",
    ".main-title",
    "h2.main-title",
    ".date-source .date",
    ".date-source .source",
    ".date-source",
    "#top .date",
    ".date",
    ".source",
    ".artInfo",
    "div.article#artibody",
    "#artibody",
    "#artibody p",
    "div.article#article",
    "#keywords a",
    "#keywords a, .keywords a",
    ".keywords",
    ".date-source .date, #top .date",
    ".date-x",
    ".ghost",
    ".nothing-like-this",
    "#nothing",
    ".m-breadcrumb a",
    "span[id^='stock_']",
    ".img_wrapper .img_descr",
]


def _page(charset: str) -> tuple[Page, HtmlResponse]:
    encoding = {"utf-8": "utf-8", "gbk": "gbk", "utf-16": "utf-16"}[charset]
    html = PAGE.format(charset=charset)
    response = HtmlResponse(
        "https://finance.sina.com.cn/a.shtml",
        body=html.encode(encoding),
        headers={"Content-Type": f"text/html; charset={charset}"},
    )
    return Page(response), response


@pytest.mark.parametrize("charset", ["utf-8", "gbk", "utf-16"])
@pytest.mark.parametrize("css", SELECTORS)
def test_select_finds_what_css_finds(charset: str, css: str) -> None:
    page, response = _page(charset)
    expected = [s.root for s in response.css(css)]
    assert page.select(css) == expected


def test_class_tests_read_the_tags_from_the_html() -> None:
    page, _ = _page("utf-8")
    assert page.class_tags("date-source") == {"div"}  # <DIV CLASS=...>
    assert page.class_tags("artInfo") == {"div"}  # unquoted
    assert page.class_tags("date") == {"span"}  # not xdate-source, not date-x
    assert page.class_tags("main-title") == {"h1", "h2"}
    assert page.class_tags("ghost") == frozenset()  # only in a script's string
    assert page.class_tags("date-x") == {"*"}  # escaped in the HTML: any tag
    assert page.class_tags("bread", whole=False) == {"div", "ul"}
    assert [el.tag for el in page.with_class("bread", whole=False)] == ["div", "ul"]


def test_ids_come_from_the_id_table_and_text_guards_from_the_bytes() -> None:
    page, _ = _page("gbk")
    assert page.has_id("artibody") and not page.has_id("article")
    assert page.mentions("经济参考报") and not page.mentions("出版社")
    utf16, _ = _page("utf-16")
    assert utf16.mentions("经济参考报") and utf16.select("#keywords a")

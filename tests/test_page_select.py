"""Page.select: the CSS selection every site's fields go through must find
exactly what parsel's CSS finds on the same page (document order, each
element once when matches nest, every element of a repeated id), on every
way pages write ids and classes."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.sites.page import Page

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
<div class="box outer"><div class="box inner"><p class="box">nested</p></div></div>
<ul id="dup"><li>first of a repeated id</li></ul><ol id="dup"><li>second</li></ol>
<div class="channel-path"><div class="channel-path-inner"><a>首页</a></div></div>
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
    ".box",
    ".box .box",
    ".box p, .inner",
    "#dup",
    "#dup li",
    "ul#dup, ol#dup",
    ".channel-path a",
    "[class*=box]",
    "p:not(.box)",
    'a[href$=".html"], .source',
    ".box > .box",
    ".box > p",
    "div.box > div > p",
    "#artibody > p",
    ".outer p",
    "div#top span.date",
    "*.box",
    "DIV.box.inner",
    "ol#dup li",
    "#top>.date",
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


def test_nested_matches_once_and_repeated_ids_all() -> None:
    page, _ = _page("utf-8")
    assert [el.get("class") for el in page.select(".box")] == ["box outer", "box inner", "box"]
    assert [el.tag for el in page.select("#dup")] == ["ul", "ol"]
    assert [el.tag for el in page.select("#dup li, .box p")] == ["p", "li", "li"]


def test_selectors_naming_what_the_page_lacks_find_nothing() -> None:
    page, _ = _page("utf-8")
    assert page.has(".", "date-source") and page.has("#", "artibody")
    assert not page.has(".", "ghost")  # only in a script's string
    assert not page.has("#", "article") and page.select("div.article#article") == []
    assert [el.tag for el in page.class_contains("bread")] == ["div", "ul"]


def test_ids_and_text_guards() -> None:
    page, _ = _page("gbk")
    assert page.has("#", "artibody") and not page.has("#", "article")
    assert page.mentions("经济参考报") and not page.mentions("出版社")
    utf16, _ = _page("utf-16")
    assert utf16.mentions("经济参考报") and utf16.select("#keywords a")

"""Body cleaning, one row per hard case: paragraphs kept as lines, the
spaces and invisible characters pages use, entities, ``<br><br>``, captions
on their own, and nothing of scripts, styles, comments or ``<noscript>``."""

from __future__ import annotations

import pytest

from newscrawl.found import Extracted, Found
from newscrawl.items import Article
from newscrawl.pipelines.text import TextPipeline, clean_body, clean_text

URL = "https://news.example/a/1.html"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>\u3000\u3000第一段。</p><p>\u3000\u3000第二段。</p>", "第一段。\n第二段。"),
        ("<p>a\u00a0\u00a0b</p>", "a b"),
        ("<p>zero\u200bwidth\u200c and\ufeff soft\u00adhyphen</p>", "zerowidth and softhyphen"),
        ("<p>coder 👩🏽\u200d💻 emoji</p>", "coder 👩🏽\u200d💻 emoji"),  # ZWJ sequence kept
        ("<p>می\u200cخواهم</p>", "می\u200cخواهم"),  # Persian ZWNJ kept
        ("<p>用户造字\ue004在此</p>", "用户造字在此"),  # GBK user-defined byte out
        ("<p>runs   of \t spaces\n inside</p>", "runs of spaces inside"),
        ("<p>&#123;x&#125; &amp; &quot;q&quot; &nbsp;end</p>", '{x} & "q" end'),
        ("<p>&amp;#123; stays one level</p>", "&#123; stays one level"),
        ("<div>first<br><br>second<br/>third</div>", "first\nsecond\nthird"),
        ("<div>text before<p>a block</p>tail after</div>", "text before\na block\ntail after"),
        ("<p>before</p><script>var x = '<p>no</p>';</script><p>after</p>", "before\nafter"),
        ("<p>before</p><style>p { color: red }</style><p>after</p>", "before\nafter"),
        ("<p>before<!-- a comment --> after</p>", "before after"),
        ("<p>text</p><noscript>Please enable JavaScript</noscript>", "text"),
        ("<p>one</p><p hidden style='display:none'>hidden</p><p>two</p>", "one\ntwo"),
        ("<p>Line <b>bold</b> and <a href='/x'>link</a>.</p>", "Line bold and link."),
    ],
)
def test_body_text(html: str, text: str) -> None:
    assert clean_body(html, URL).text == text


def test_markup_characters_stay_escaped_in_html() -> None:
    b = clean_body("<p>a &lt; b &amp;&amp; c</p>", URL)
    assert b.text == "a < b && c"
    assert b.html == "<p>a &lt; b &amp;&amp; c</p>"


def test_caption_is_not_glued_to_text() -> None:
    b = clean_body(
        "<div><p>Before the picture.</p>"
        "<figure><img src='/p.jpg'><figcaption>The caption</figcaption></figure>"
        "After the picture.</div>",
        URL,
    )
    assert b.text.split("\n") == ["Before the picture.", "After the picture."]
    assert b.images == [{"url": "https://news.example/p.jpg", "caption": "The caption"}]
    assert "<figcaption>The caption</figcaption>" in b.html


def test_image_without_figure_splits_paragraphs() -> None:
    b = clean_body("<div>text one<img src='a.jpg'>text two</div>", URL)
    assert b.text == "text one\ntext two"
    assert [i["url"] for i in b.images] == ["https://news.example/a/a.jpg"]


def test_bylines_lifted_only_at_the_edges() -> None:
    b = clean_body(
        "<p>（记者 张三）</p><p>正文第一段。</p><p>记者 李四说，这是正文。</p><p>责任编辑：王五</p>",
        URL,
    )
    assert b.text == "正文第一段。\n记者 李四说，这是正文。"
    assert b.bylines == ["（记者 张三）", "责任编辑：王五"]


def test_byline_after_a_bullet_is_lifted() -> None:
    b = clean_body("<p>正文第一段。</p><p>正文第二段。</p><p>□ 本报记者 葛小丹</p>", URL)
    assert b.bylines == ["□ 本报记者 葛小丹"] and b.text == "正文第一段。\n正文第二段。"


def test_clean_text_one_line() -> None:
    assert clean_text("\u3000\u3000Hello&nbsp;&#123;world&#125;\u200b \n x") == "Hello {world} x"


# -- the hand-off: one clean of the container element, with the site's hooks --


def _extracted(html: str, site: str, url: str) -> Extracted:
    from scrapy.http import HtmlResponse

    from newscrawl.charset import resolve
    from newscrawl.sites import get_site

    return get_site(site).extracted(resolve(HtmlResponse(url, body=html.encode("utf-8"))))


PROMO_PAGE = """<html><head><title>标题_新浪财经</title></head><body>
<h1 class="main-title">央行宣布降息</h1>
<div class="article" id="artibody"><p>　　央行今日宣布下调贷款利率，市场反应积极。</p>
<p>海量资讯、精准解读，尽在新浪财经APP</p><p>新浪声明：此消息系转载自合作媒体。</p>
<script>var x = 1;</script></div></body></html>"""


def test_a_sites_promos_are_its_hooks_not_the_pipelines() -> None:
    # The site-independent rules keep Sina's promo lines; Sina's hooks drop them.
    alone = clean_body(PROMO_PAGE, URL)
    assert "海量资讯、精准解读，尽在新浪财经APP" in alone.text
    x = _extracted(PROMO_PAGE, "sina", "https://finance.sina.com.cn/a/doc-iabcdefgh1.shtml")
    assert x.found.container is not None and x.article.body_html == ""  # an element, no HTML text
    assert x.found.rules.is_boilerplate("新浪声明：此消息系转载自合作媒体。")
    TextPipeline([]).process_item(x)
    assert x.article.body_text == "央行今日宣布下调贷款利率，市场反应积极。"


def test_the_container_element_is_cleaned_without_its_tail() -> None:
    from lxml import html as lxml_html

    page = lxml_html.fromstring("<div><div id='c'><p>Body text here.</p></div>Page footer</div>")
    body = clean_body(page.get_element_by_id("c"), URL)
    assert body.text == "Body text here."


def test_validate_hands_on_the_article_alone() -> None:
    from newscrawl.pipelines.validate import ValidatePipeline

    x = Extracted(Article(url=URL, title="T", body_text="x" * 50, body_html="<p>x</p>"), Found())
    out = ValidatePipeline(None, 1).process_item(x)
    assert isinstance(out, Article) and out is x.article and not hasattr(out, "raw")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # A data table: one row a line, the figures kept beside their labels.
        (
            "<p>Turnout by year:</p><table><tr><th>Year</th><th>Turnout</th></tr>"
            "<tr><td>2019</td><td>61</td></tr><tr><td>2023</td><td>58</td></tr></table>",
            "Turnout by year:\nYear\tTurnout\n2019\t61\n2023\t58",
        ),
        # Empty cells keep their place, so columns still line up.
        ("<table><tr><td>城市</td><td></td><td>12</td></tr></table>", "城市\t\t12"),
        # A layout table: the article's paragraphs in a cell keep their lines.
        (
            "<table><tr><td><p>第一段。</p><p>第二段。</p></td><td>7</td></tr></table>",
            "第一段。\n第二段。",
        ),
    ],
)
def test_table_rows(html: str, text: str) -> None:
    assert clean_body(html, URL).text == text


def test_a_calendar_table_is_a_widget() -> None:
    week = "".join(f"<td>{d}</td>" for d in range(8, 15))
    html = f"<p>正文。</p><table><tr><td>May 2026</td>{'<td></td>' * 6}</tr><tr>{week}</tr></table>"
    assert clean_body(html, URL).text == "正文。"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # A short promo line goes ...
        ("<p>正文。</p><p>扫描下方二维码，关注我们</p>", "正文。"),
        ("<p>Text.</p><p>Copyright 2026 Example News</p>", "Text."),
        # A rights notice that starts with the sign goes at any length.
        (
            "<p>Text.</p><p>© 2026, Example News. This article is the property of Example "
            "News. It may not be copied, broadcast or rewritten in whole or in part without "
            "written permission.</p>",
            "Text.",
        ),
        # ... a paragraph that mentions a QR code or starts with "Copyright" stays.
        (
            "<p>市民可扫描社区公告栏上的二维码，在线预约接种时间，也可以拨打社区卫生服务中心的电话预约，"
            "工作人员将在一个工作日内回复。</p>",
            "市民可扫描社区公告栏上的二维码，在线预约接种时间，也可以拨打社区卫生服务中心的电话预约，"
            "工作人员将在一个工作日内回复。",
        ),
        (
            "<p>Copyright holders asked the court on Monday to rule before the summer, "
            "saying the delay had cost them sales.</p>",
            "Copyright holders asked the court on Monday to rule before the summer, "
            "saying the delay had cost them sales.",
        ),
    ],
)
def test_promo_patterns_drop_short_lines_only(html: str, text: str) -> None:
    assert clean_body(html, URL).text == text


def test_a_hidden_container_holding_the_text_is_the_article() -> None:
    # Pages that fade the article in hide it with an inline style until a
    # script runs; a hidden widget beside it still goes.
    text = "The council voted on Tuesday to keep the library open on Sundays."
    html = (
        f"<div><div style='visibility:hidden'><p>{text}</p><p>{text}</p></div>"
        "<div style='display:none'>Subscribe to our newsletter</div></div>"
    )
    assert clean_body(html, URL).text == f"{text}\n{text}"

"""Body cleaning, one row per hard case: paragraphs kept as lines, the
spaces and invisible characters pages use, entities, ``<br><br>``, captions
on their own, and nothing of scripts, styles, comments or ``<noscript>``."""

from __future__ import annotations

import pytest

from newscrawl.pipelines.text import clean_body, clean_text

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

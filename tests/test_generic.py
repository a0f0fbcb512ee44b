"""Generic extraction on hard layouts, one row per case: dates shown after
the headline, the page's zone, title tails naming the site, author metadata
that only names the site."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.charset import gb18030_if_undeclared, resolve, utf8_if_valid
from newscrawl.sites.generic import Generic, page_zone
from newscrawl.sites.page import Page


def page(body: str, head: str = "", url: str = "https://news.example/a/1.html") -> Page:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return Page(HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # the first date after the headline, with its time
        (
            "<p>2005年01月01日</p><h1>标题</h1><p>2005-04-05 06:40更新 来源：某报</p>",
            "2005-04-05 06:40",
        ),
        # a day alone (a calendar) loses to a date with a time
        ("<h1>标题</h1><p>2006年8月10日</p><p>帖子 2005-06-14 03:25:55</p>", "2005-06-14 03:25:55"),
        # a modification time is passed over
        (
            "<h1>Title</h1><p>Updated: 2024-05-04 09:00</p><p>3 May 2024, 10:30</p>",
            "3 May 2024, 10:30",
        ),
        ("<h1>Titel</h1><span>28.04.2023, 16:11 Uhr</span>", "28.04.2023, 16:11 Uhr"),
        (
            "<h1>Title</h1><time datetime='2024-05-03T10:00:00-04:00'>May 3</time>",
            "2024-05-03T10:00:00-04:00",
        ),
    ],
)
def test_shown_date(body: str, expected: str) -> None:
    p = page(body)
    assert next(c for c in Generic().published(p) if c[1] == "visible")[0] == expected


@pytest.mark.parametrize(
    ("url", "language", "zone"),
    [
        ("https://www.example.de/a", None, "Europe/Berlin"),
        ("https://www.example.co.uk/a", None, "Europe/London"),
        ("https://www.example.com/a", "zh-CN", "Asia/Shanghai"),
        ("https://www.example.com/a", "en", None),
    ],
)
def test_page_zone(url: str, language: str | None, zone: str | None) -> None:
    assert page_zone(url, language) == zone


@pytest.mark.parametrize(
    ("og_title", "site_name", "url", "title"),
    [
        ("Headline here | Börsen-Zeitung", "Börsen-Zeitung", "https://x.example/", "Headline here"),
        ("Headline here | DW | 28.04.2023", "DW.COM", "https://www.dw.example/", "Headline here"),
        ("Headline here - Golem.de", "", "https://www.golem.de/a", "Headline here"),
        (
            "Headline - with a dash inside",
            "Other Site",
            "https://x.example/",
            "Headline - with a dash inside",
        ),
    ],
)
def test_title_loses_the_site_name(og_title: str, site_name: str, url: str, title: str) -> None:
    head = f'<meta property="og:title" content="{og_title}">'
    if site_name:
        head += f'<meta property="og:site_name" content="{site_name}">'
    assert Generic().title(page("<p>x</p>", head, url)) == title


def test_author_metadata_naming_the_site_is_passed_over() -> None:
    p = page(
        "<h1>T</h1><span class='author-name'>Von Hans Müller</span>",
        '<meta name="author" content="Musterstädter Anzeiger">'
        '<meta property="og:site_name" content="Musterstädter Anzeiger">',
    )
    assert Generic().authors(p) == ["Von Hans Müller"]


def test_utf8_bytes_under_a_legacy_charset_read_as_utf8() -> None:
    html = "<html><head><meta charset='iso-8859-15'><title>sanción</title></head><body><h1>sanción</h1><p>x</p></body></html>"
    resp = HtmlResponse(url="https://x.example/", body=html.encode("utf-8"))
    assert resp.encoding == "iso8859-15"
    assert Generic().title(Page(utf8_if_valid(resp))) == "sanción"
    legacy = HtmlResponse(url="https://x.example/", body=html.encode("iso-8859-15"))
    assert utf8_if_valid(legacy) is legacy


# Our own text: a 2000s-style Chinese page saved with no charset anywhere.
_UNDECLARED_ZH = (
    "<html><head><title>八一厂投资拍摄抗战影片</title></head><body><h1>八一厂投资拍摄抗战影片</h1>"
    "<p>记者从有关方面了解到，这部影片讲述了八路军在太行山区坚持抗战的故事，"
    "剧组在山西多个地方取景，拍摄工作已经全部完成，预计将在年底前与观众见面。</p>"
    "<p>影片首次在战争片中起用武术指导，动作场面由专业团队设计。</p></body></html>"
)


def test_undeclared_gbk_page_reads_as_chinese_not_cyrillic() -> None:
    """With no charset declared, charset detection reads GBK bytes as a
    Cyrillic code page; the page is read as GB18030 when it looks Chinese."""
    body = _UNDECLARED_ZH.encode("gbk")
    # What detection gave for such a page of the corpus (zh/6dc2d508):
    resp = HtmlResponse(url="https://x.example/a.html", body=body, encoding="ptcp154")
    assert "八一厂" not in resp.text
    fixed = gb18030_if_undeclared(resp)
    assert fixed.encoding == "gb18030"
    assert Generic().title(Page(fixed)) == "八一厂投资拍摄抗战影片"
    article = Generic().extract(resolve(resp))  # as the spider calls it: encoding decided first
    assert article.title == "八一厂投资拍摄抗战影片" and "太行山区" in (article.body_html or "")


def test_undeclared_legacy_pages_of_other_languages_are_left_alone() -> None:
    for text, codec in (
        ("<p>Привет, как дела? Это обычный русский текст про новости дня.</p>" * 5, "cp1251"),
        ("<p>Le café était très bon, déjà prêt à côté de la gare.</p>" * 5, "cp1252"),
    ):
        resp = HtmlResponse(url="https://x.example/a.html", body=text.encode(codec))
        assert gb18030_if_undeclared(resp) is resp
    korean = "<p>" + "한국어 뉴스 기사 본문입니다. 오늘 서울에서 회의가 열렸습니다. " * 5 + "</p>"
    euc_kr = HtmlResponse(url="https://x.example/k.html", body=korean.encode("euc-kr"))
    assert euc_kr.encoding in ("euc-kr", "cp949", "euc_kr")  # detected: Hangul reads as hanzi
    assert gb18030_if_undeclared(euc_kr) is euc_kr  # in GB18030, but a CJK detection is kept
    declared = HtmlResponse(
        url="https://x.example/a.html",
        body=_UNDECLARED_ZH.encode("gbk"),
        headers={"Content-Type": "text/html; charset=big5"},
    )
    assert gb18030_if_undeclared(declared) is declared  # a declared charset is not second-guessed


CANONICAL_PAGE = (
    "<html><head><title>Budget agreed</title>{head}</head><body><h1>Budget agreed</h1>"
    "<p>The council met on Monday to discuss the new budget for the coming year.</p>"
    "<p>Members agreed <a href='http://[::1/x'>that</a> the <a href='http://a:99999/'>library</a>"
    " keeps its hours.</p></body></html>"
)


@pytest.mark.parametrize(
    ("site", "url", "href", "expected"),
    [
        ("generic", "https://www.news.example/a/1", "/a/1?x=1", "https://www.news.example/a/1?x=1"),
        ("generic", "https://www.news.example/a/1", "https://news.example/a/1", "https://news.example/a/1"),
        ("generic", "https://www.news.example/a/1", "https://m.news.example/a", "https://m.news.example/a"),
        ("generic", "https://news.example/a/1", "https://evil.example/a/1", None),
        ("generic", "https://news.example/a/1", "javascript:alert(1)", None),
        ("generic", "https://news.example/a/1", "file:///etc/passwd", None),
        ("generic", "https://news.example/a/1", "data:text/html,x", None),
        ("generic", "https://news.example/a/1", "http://news.example:99999/a", None),
        ("generic", "https://news.example/a/1", "http://[::1", None),
        ("generic", "file:///saved/a.html", "https://news.example/a/1", "https://news.example/a/1"),
        ("sina", "https://news.sina.cn/x.html", "https://finance.sina.com.cn/x.shtml", "https://finance.sina.com.cn/x.shtml"),
        ("sina", "https://finance.sina.com.cn/x.shtml", "https://evil.example/x", None),
    ],
)  # fmt: skip
def test_canonical_url_only_when_plausible(
    site: str, url: str, href: str, expected: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    """An implausible canonical link does not take over the article (one
    log line names it); malformed links in the body cost nothing."""
    from newscrawl.sites import get_site

    html = CANONICAL_PAGE.format(head=f"<link rel='canonical' href='{href}'>")
    resp = resolve(HtmlResponse(url=url, body=html.encode("utf-8")))
    with caplog.at_level("INFO", logger="newscrawl.sites.fields"):
        article = get_site(site).extract(resp)
    assert article.canonical_url == expected
    assert article.title == "Budget agreed" and "library" in (article.body_html or "")
    refused = [r for r in caplog.records if "Refused canonical URL" in r.getMessage()]
    assert len(refused) == (0 if expected else 1)


def test_found_says_where_title_and_dates_came_from() -> None:
    html = (
        "<html lang='de'><head><meta property='og:title' content='Haushalt beschlossen | Example'>"
        "<meta property='og:site_name' content='Example'>"
        "<meta property='article:published_time' content='2024-03-05T10:00:00+01:00'></head>"
        "<body><h1>Haushalt beschlossen</h1><p>Der Rat hat heute den Haushalt beschlossen.</p>"
        "</body></html>"
    )
    resp = resolve(HtmlResponse("https://www.example.de/2024/03/05/haushalt", body=html.encode()))
    found = Generic().extracted(resp).found
    assert found.titles == [("Haushalt beschlossen", "meta")]
    assert found.published[0] == ("2024-03-05T10:00:00+01:00", "meta")
    assert found.url_date == "2024-03-05" and found.zone == "Europe/Berlin"
    assert "Example" in found.site_names and found.container is None


@pytest.mark.parametrize(
    ("editor", "expected"),
    [
        ('"editor": {"@type": "Person", "name": "Mara Lind"}', ["Mara Lind"]),
        (
            '"editor": ["Ola Nord", {"@type": "Person", "name": "Ute Sand"}]',
            ["Ola Nord", "Ute Sand"],
        ),
        # the site as editor is nobody
        ('"editor": {"@type": "Organization", "name": "Example News"}', []),
    ],
)
def test_jsonld_editor_gives_editors(editor: str, expected: list[str]) -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "T", '
        f'"publisher": {{"@type": "Organization", "name": "Example News"}}, {editor}}}</script>'
    )
    assert Generic().editors(page("<h1>T</h1><p>x</p>", ld)) == expected


@pytest.mark.parametrize(
    ("head", "shown", "expected"),
    [
        # metadata naming only the first of two loses to the shown byline
        (
            '<meta name="author" content="Anna Berg">',
            "By Anna Berg and Tom Lee",
            ["Anna Berg", "Tom Lee"],
        ),
        ("", "Von Hans Müller und Eva Schmidt", ["Hans Müller", "Eva Schmidt"]),
        ("", "Par Claire Dubois · Publié le 05/03/2024", ["Claire Dubois"]),
        ("", "Por Ana Ruiz de la Torre", ["Ana Ruiz de la Torre"]),
        # metadata naming someone the byline does not: metadata stays
        ('<meta name="author" content="Ola Nord">', "By Anna Berg", ["Ola Nord"]),
        # a job title after the name is not a second author
        ('<meta name="author" content="Jon Kerr">', "By Jon Kerr, News Reporter", ["Jon Kerr"]),
        # a sentence, not a byline
        ("", "Die Stadt wird von vielen Menschen besucht.", []),
    ],
)
def test_shown_latin_byline_gives_authors(head: str, shown: str, expected: list[str]) -> None:
    from newscrawl.pipelines.people import split_people

    p = page(f"<h1>Der Titel</h1><p>{shown}</p><p>Erster Absatz des Textes.</p>", head)
    assert split_people(Generic().authors(p), [], None, []).authors == expected


def test_zh_source_and_original_title_lines_on_a_generic_page() -> None:
    from newscrawl.pipelines.text import clean_body

    body = (
        "<h1>城市公园改造完成</h1><div class='info'>2024-03-05 10:00 来源：江城晚报</div>"
        "<div id='c'><p>原标题：老公园换新颜</p><p>图片来源：本站摄影</p>"
        "<p>经过半年施工，城东公园今天重新开放，市民可以免费入园。</p></div>"
    )
    p = page(body)
    assert Generic().source(p) == "江城晚报"
    assert Generic().original_title(p) == "老公园换新颜"
    kept = clean_body(p.elements("//div[@id='c']")[0]).text
    assert "原标题" not in kept


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Edited by Mara Lind and Ola Nord", ["Mara Lind", "Ola Nord"]),
        ("Editor: Ute Sand", ["Ute Sand"]),
        ("The editor said nothing.", []),
    ],
)
def test_shown_editor_line_gives_editors(line: str, expected: list[str]) -> None:
    from newscrawl.pipelines.people import split_people

    p = page(f"<h1>T</h1><p>First paragraph of the text.</p><p>{line}</p>")
    assert split_people([], Generic().editors(p), None, []).editors == expected

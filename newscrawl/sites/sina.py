"""Sina (sina.com.cn, sina.cn): finance and its sister channels, every layout.

Layout families this module knows (selectors are tried newest first):

* today / 2016-2019 desktop: ``h1.main-title``, ``.date-source`` (``.date`` +
  ``.source``), ``div.article`` (``#artibody`` / ``#article``),
  ``.show_author`` / ``.article-editor``, ``.channel-path`` breadcrumb,
  ``#keywords`` (``data-wbkey``);
* 2013-2016: ``#artibodyTitle``, ``.time-source`` (date, then 来源 inside);
* 2009-2012: ``h1#artibodyTitle`` (``h2`` on collection), ``#pub_date``,
  ``#media_name``, ``#artibody``, ``#lo_links`` breadcrumb, ``【责任编辑：X】``
  or ``(责编： X)`` closing the body;
* 2004-2005 GB2312: ``div#article`` with the title in ``th.f24`` /
  ``td.title14``, a date line ``2005年03月31日03:18 <font>来源</font>`` and the
  text in ``td.l17``;
* regional (sh.sina.com.cn): ``.txt`` with ``h1`` and an ``h2`` date line;
* blog.sina.com.cn posts: ``.articalTitle`` (``.titName``, ``.time``), ``.articalContent``;
* mobile (finance.sina.cn / news.sina.cn): ``h1.art_tit_h1``,
  ``.weibo_time`` / ``time.art_time``, ``.weibo_user`` / ``cite.art_cite``,
  ``section.art_content`` with ``p.art_p``.

The module only *finds*: it hands the pipelines the article container (with
Sina's own insertions taken out: live quotes, "(微博)" links, video players,
app/QR promos, related-link lists, pagination), labelled byline lines and date
candidates. Multi-page articles: each page is one record of what that page
shows; the page bar (上一页 1 2 下一页) is removed from the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from newscrawl.found import Byline, Candidate
from newscrawl.sites.base import Site
from newscrawl.sites.css import Node, element_text, strings, stripped_text
from newscrawl.sites.page import Page
from newscrawl.sites.sina_lists import SinaLists

# A date as Sina shows it: 2021年08月27日 14:55 / 2021-08-27 14:55[:12].
_DATE_TEXT = re.compile(
    r"(?:19|20)\d\d\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|-\d{1,2}-\d{1,2})"
    r"(?:\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?)?"
)
# <!--[62,3,68306] published at 2005-03-31 11:37:18 from #008 by 1184-->
_CMS_STAMP = re.compile(r"published at ((?:19|20)\d\d-\d\d-\d\d \d\d:\d\d:\d\d)")
# <!-- news_keyword_pub,stock,sh600717&sz000001 -->
_KEYWORD_PUB = re.compile(r"news_keyword_pub,(\w+),([\w&.\-]*)")
_STOCK_ID = re.compile(r"^(?:stock_)?((?:sh|sz|bj)\d{6}|hk\d{5})$", re.I)
_STOCK_HREF = re.compile(
    r"/realstock/company/((?:sh|sz|bj)\d{6})/|/hkstock/quotes/(\d{5})\.html"
    r"|/usstock/quotes/([A-Za-z.]+)\.html"
)
# Junk Sina pages put inside the article container: (CSS, a string the
# container's HTML holds when the selector can match, or None for tags).
_JUNK: tuple[tuple[str, str | None], ...] = (
    ('span[id^="quote_"]', "quote_"),  # live quote a browser inserted after a company name
    ("script", None),
    ("style", None),
    (".appendQr_wrap", "appendQr_wrap"),
    (".app-qr", "app-qr"),
    (".ecode_weixin", "ecode_weixin"),
    (".tech-quotation", "tech-quotation"),  # 新浪众测 promo
    (".artical-player-wrap", "artical-player-wrap"),
    (".video-2017", "video-2017"),
    ('[id^="videoList"]', "videoList"),
    (".wap_special", "wap_special"),  # 点击进入专题
    (".otherContent_01", "otherContent_01"),
    ("#sinashareto", "sinashareto"),
    (".blkComment", "blkComment"),
    (".page", "page"),  # 上一页 1 2 下一页
    ("#_function_code_page", "_function_code_page"),
    (".moreIn", "moreIn"),  # 更多精彩内容请进入…频道
    (".article-bottom", "article-bottom"),
    (".show_author", "show_author"),
    (".article-editor", "article-editor"),
    (".art_keywords", "art_keywords"),
    (".sinaads", "sinaads"),
    ("ins", None),
    (".finance_app_zqtg", "finance_app_zqtg"),
    (".zb_rel_news", "zb_rel_news"),
    (".fin_reference", "fin_reference"),
)
_WEIBO_LINK = re.compile(r"^[（(]?\s*微博\s*[)）]?$")
_RELATED_HEAD = re.compile(
    r"^(相关新闻|相关阅读|相关报道|相关链接|延伸阅读|推荐阅读|更多阅读|此前报道|往期回顾|专题)\s*[:：]?"
)
_TEXT_END = re.compile(r"<!--\s*(publish_helper_end|news_keyword_pub)")
_EDITOR_LINE = re.compile(
    r"^[\[【(（]?\s*(责任编辑|责编|編輯|编辑)(?:\s*[:：]\s*|\s+)([^:：，。]+?)\s*[\]】)）]?$"
)
_ORIGINAL_TITLE = re.compile(r"^\s*[（(【]?\s*原标题\s*[:：]\s*(.+?)\s*[)）】]?$")
# Promo lines: plain strings (tested with ``in``: a regex alternation of
# them tries every one at every character), and a QR prompt.
_PROMO_STRINGS = (
    "声明：新浪网登载此文", "免责声明：", "海量资讯、精准解读", "新浪财经APP",
    "点击进入专题", "查看更多美图", "立刻注册新浪免费邮箱", "上手机新浪网",
)  # fmt: skip
_QR_PROMPT = re.compile(r"扫描.{0,10}二维码")


def _is_promo(text: str) -> bool:
    """True for a line of Sina's promos (app, QR code, disclaimers, 上一篇).

    >>> _is_promo("海量资讯、精准解读，尽在新浪财经APP"), _is_promo("扫描下方二维码关注"), _is_promo("央行降息")
    (True, True, False)
    """
    return (
        any(p in text for p in _PROMO_STRINGS)
        or text.startswith(("[上一篇]", "[下一篇]"))
        or ("二维码" in text and bool(_QR_PROMPT.search(text)))
    )


# Bylines at the edges of the text.
_WRITER_LINE = re.compile(r"^(作者|文|撰文)\s*[:：/]\s*([^\s(（]{1,20})")
_WECHAT_LINE = re.compile(r"^原创\s*[:：]\s*(\S+?)\s+\S+$")
_TRAILING_PAREN = re.compile(r"[（(]([^()（）]{1,30})[)）]\s*$")
_LEADING_PAREN = re.compile(r"[（(]([^()（）]{0,20}记者[^()（）]{1,30})[)）]")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
_NOT_A_NAME = {
    "完", "图", "组图", "待续", "未完待续", "综合", "综述", "编辑", "记者", "本报记者",
    "视觉中国", "资料图", "资料图片", "新华社", "中新社", "图片来源", "网络图片",
    "路透", "法新", "彭博", "美联", "央视", "新华", "中新", "编译", "原创", "全文完", "本报讯",
}  # fmt: skip
# Sina's desktop and mobile addresses of one article share its doc id:
#   https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml
#   https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html
_DOC_PATH = re.compile(r"/(?:doc|detail)-(i[a-z0-9]{6,})(?:\.d)?\.s?html?$")
_OUTLET_END = re.compile(
    r"(网|報|报|社|台|客户端|新闻|日报|晚报|周刊|杂志|时报|综合|中国|财经|图)$"
)
_REPORTER = re.compile(r"^(?:.{0,8}?)(见习记者|实习记者|特约记者|首席记者|记者)\s*")


# The lines lifted out of the container, by label: the role of their names.
_LIFTED_ROLES = {"责任编辑": "editor", "作者": "author"}


class Sina(SinaLists, Site):
    """Sina article pages."""

    name = "sina"
    domains = ("sina.com.cn", "sina.cn", "sinaimg.cn")
    timezone = "Asia/Shanghai"
    language = "zh"
    title_separators = ("_",)
    site_names = ("新浪财经", "新浪网", "新浪", "Sina")
    # Sina pages are GBK (GB2312 declared) or UTF-8, and a few say one and are the other.
    fallback_encodings = ("gb18030", "utf-8")
    boilerplate_css = tuple(css for css, _ in _JUNK)
    boilerplate_strings = _PROMO_STRINGS
    boilerplate_patterns = (r"^海量资讯、精准解读，尽在新浪财经APP$", r"^新浪声明[:：]")
    # Where a link was clicked: cref=cj, from=wap, vt=4, and the feed's
    # cre=tianyi&mod=pcpager_fin&loc=2&r=0&rfunc=100&tj=none&tr=9.
    tracking_params = frozenset(
        {
            "from",
            "cref",
            "sudaref",
            "vt",
            "pos",
            "tj",
            "tr",
            "fromsinago",
            "sinawap",
            "wm",
            "cre",
            "mod",
            "loc",
            "r",
            "rfunc",
        }
    )

    def article_key(self, url: str) -> str:
        """``sina:doc-<id>`` for a ``doc-i…``/``detail-i…`` article, whichever
        of its desktop or mobile addresses is given; else the default identity.

        >>> Sina().article_key("https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html?from=wap")
        'sina:doc-ikqcfncc5263842'
        """
        m = _DOC_PATH.search(urlsplit(url.strip()).path.lower()) if self.claims(url) else None
        return f"sina:doc-{m[1]}" if m else super().article_key(url)

    ARTICLE_URL = re.compile(
        r"/doc-i[a-z]{4}\w+\.s?html|/detail-i[a-z]{4}\w+\.d\.html"
        r"|/\d{4}-\d{2}-\d{2}/(?:doc-)?\w+\.s?html|//k\.sina\.(?:com\.)?cn/article_\w+\.html"
    )
    """Article addresses: today's ``doc-i….shtml`` (``detail-i….d.html`` on
    sina.cn, ``k.sina.com.cn/article_….html``) and the older ``/YYYY-MM-DD/<number>.shtml`` ones."""

    ROLL_API = "https://feed.mix.sina.com.cn/api/roll/get"
    """The JSON list API Sina's roll-news pages (news.sina.com.cn/roll/,
    finance.sina.com.cn/roll/) load their lists from."""

    ROLL_CHANNELS: ClassVar[dict[str, tuple[int, int]]] = {
        "all": (153, 2509),
        "news": (153, 2510),
        "world": (153, 2511),
        "society": (153, 2669),
        "sports": (153, 2512),
        "ent": (153, 2513),
        "mil": (153, 2514),
        "tech": (153, 2515),
        "finance": (153, 2516),
        "stock": (153, 2517),
        "usstock": (153, 2518),
    }
    """``-a channel=`` -> the roll API's ``(pageid, lid)``."""

    ROLL_PAGES: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Static roll list pages per channel (links + 下一页). Today's roll pages
    are drawn by script from :attr:`ROLL_API`, so none by default; the
    ``NEWSCRAWL_SINA_LIST_PAGES`` setting or ``-a lists=`` adds some."""

    NOT_ARTICLE_URL = re.compile(
        r"//(?:video|slide|photo|live|zhibo|quotes|vip|blog|iask|search)\.|/(?:video|slide|zt_d|"
        r"zhibo|live|quotes|realstock|hkstock/quotes|usstock/quotes)/|/(?:slide|video)_",
    )
    """Sina pages that are no article: video, galleries, live blogs, quotes, topics."""

    TITLE_CSS = (
        "h1.main-title",
        "h1#artibodyTitle",
        "h2#artibodyTitle",
        "h1.art_tit_h1",
        "h1.l_tit",
        ".txt > h1",
        "#article th.f24",
        "#article td.title14",
        ".articalTitle .titName",
    )
    DATE_CSS = (
        ".date-source .date",
        "#top_bar .date",
        "#pub_date",
        ".time-source",
        "#navtimeSource",
        ".weibo_time",
        "time.art_time",
        ".art_time",
        ".txt > h2",
        ".artInfo",
        ".from_info",
        ".articalTitle .time",
    )
    SOURCE_CSS = (
        ".date-source .source",
        "#top_bar .source",
        "#media_name",
        '.time-source [data-sudaclick="media_name"]',
        ".time-source .source",
        ".weibo_user",
        "cite.art_cite",
        ".art_cite",
        ".txt > h2 a",
    )
    BODY_CSS = (
        "div.article#artibody",
        "#artibody",
        "div.article#article",
        "section.art_content",
        ".art_content",
        "#article td.l17",
        ".artpl .txt",
        ".articalContent",
        "td.l17",
    )

    def is_article_url(self, url: str) -> bool:
        return bool(self.ARTICLE_URL.search(url)) and not self.NOT_ARTICLE_URL.search(url)

    def not_article_reason(self, url: str) -> str | None:
        """Why a listed URL is skipped (``video``, ``gallery``, ``live``,
        ``quote``, ``not_article_url``), or None for an article."""
        u = url.lower()
        if re.search(r"//video\.|/video/|video_|\.video\.", u):
            return "video"
        if re.search(r"//(slide|photo)\.|/slide/|slide_", u):
            return "gallery"
        if re.search(r"//(zhibo|live)\.|/zhibo/|/live/", u):
            return "live"
        if re.search(r"//quotes\.|/quotes/|/realstock/|/hq/", u):
            return "quote"
        if not self.is_article_url(url):
            return "not_article_url"
        return None

    # -- where things are --------------------------------------------------

    def _first_text(self, page: Page, selectors: tuple[str, ...]) -> tuple[str, str] | None:
        for css in selectors:
            text = page.text(css)
            if text and text.strip():
                return css, text
        return None

    def _header_cell(self, page: Page) -> str | None:
        """2004-2005 pages: the table cell under the title holding
        ``2005年03月31日03:18 <font>来源</font>``."""
        for td in page.select("#article td"):
            text = stripped_text(td)
            if len(text) < 80 and _DATE_TEXT.search(text):
                return text
        return None

    # -- fields ------------------------------------------------------------

    def title(self, page: Page) -> str | None:
        found = self._first_text(page, self.TITLE_CSS)
        return found[1] if found else super().title(page)

    def published(self, page: Page) -> list[Candidate]:
        """The time shown to readers first, then the page's metadata, then
        the publishing system's stamp in an HTML comment (old pages)."""
        out: list[Candidate] = []
        found = self._first_text(page, self.DATE_CSS)
        if found:
            m = _DATE_TEXT.search(found[1])
            if m:
                out.append((m[0], "visible"))
        if not out:
            cell = self._header_cell(page)
            m = _DATE_TEXT.search(cell or "")
            if m:
                out.append((m[0], "visible"))
        out += [c for c in super().published(page) if c[1] != "visible"]
        # Only old pages carry it: a search for the stamp, not every comment read.
        stamp = (
            page.elements("(//comment()[contains(., 'published at')])[1]")
            if page.mentions("published at")
            else []
        )
        m = _CMS_STAMP.search(stamp[0].text or "") if stamp else None
        if m:
            out.append((m[1], "meta"))
        return out

    def shown_dates(self, page: Page) -> list[str]:
        # published() finds the shown time with DATE_CSS and keeps none of
        # the base class's (a search of the page's whole text): skip it.
        return []

    def updated(self, page: Page) -> list[Candidate]:
        meta = page.meta_first("article:modified_time", "weibo: article:update_at")
        return [(meta, "meta")] if meta else []

    def source(self, page: Page) -> str | None:
        found = self._first_text(page, self.SOURCE_CSS)
        if found:
            text = re.sub(r"^\s*(来源|來源)\s*[:：]\s*", "", found[1])
            text = re.sub(r"\s*[(（]?微博[)）]?\s*$", "", text).strip()
            if text and not text.startswith("http"):
                return text
        for info in page.select(".artInfo, .from_info"):
            # http://www.sina.com.cn 2007年03月01日 10:00 <a>新华网</a> <a>微博</a>
            parts = [_clean(t) for t in info.xpath(".//a/text() | .//span/text() | .//font/text()")]
            parts = [
                t
                for t in parts
                if t
                and t not in ("微博", "我有话说")
                and "://" not in t
                and not _DATE_TEXT.search(t)
            ]
            if parts:
                return re.sub(r"^(来源|來源)\s*[:：]\s*", "", parts[-1]) or None
        cell = self._header_cell(page)
        if cell:
            rest = _DATE_TEXT.sub(" ", cell)
            rest = re.sub(r"https?://\S+", " ", rest).strip()
            if rest and len(rest) <= 20:
                return rest.split()[-1]
        press = (
            page.first('id("article")//text()[contains(., "出版社：")]')
            if page.mentions("出版社")
            else None
        )
        if press:
            m = re.search(r"出版社：\s*(\S+)", press)
            if m:
                return m[1]
        return page.meta_first("mediaid", "article:author")

    def authors(self, page: Page) -> list[str]:
        """Authors come as labelled byline lines (:meth:`bylines`); the
        ``<meta name=author>`` of Sina pages is the outlet, not a person."""
        out = []
        for css in (".article-author", "#author_ename", ".show_author_name"):
            out += page.texts(css)
        if not out and page.mentions("作者："):
            # book.sina.com.cn: 作者：<a>罗银胜</a>
            writer = page.first('id("article")//b[contains(., "作者：")]/a[last()]/text()')
            if writer and writer.strip():
                out.append(writer.strip())
        return out

    def editors(self, page: Page) -> list[str]:
        return []

    def bylines(self, page: Page) -> list[Byline]:
        """The editor / author lines Sina prints under the text, and bylines
        at the edges of the text (``作者：X``, ``原创： X编译 公众号``, a
        closing ``(记者 X)`` or ``(X)``)."""
        lines: list[Byline] = []
        for css in (".show_author", ".article-editor", ".article-editor-box p"):
            for text in page.texts(css):
                # An unlabelled .show_author names the writer.
                lines.append(("line", text) if re.search(r"[:：]", text) else ("author", text))
        found = self._container(page)
        if found is None:
            return lines
        for line in found.lifted:
            role, _, names = line.partition("：")
            if role in _LIFTED_ROLES:
                lines.append((_LIFTED_ROLES[role], names))
        paras = self._paragraphs(found.root)
        if paras:
            m = _LEADING_PAREN.search(paras[0][:120])
            if m:
                lines += [("line", x) for x in _paren_byline(m[1])]
        for text in reversed(paras[-2:]):
            m = _TRAILING_PAREN.search(text)
            if m:
                named = _paren_byline(m[1])
                if named:
                    lines += [("line", x) for x in named]
                    break
        return lines

    def original_title(self, page: Page) -> str | None:
        found = self._container(page)
        return found.original_title if found else None

    def categories(self, page: Page) -> list[str]:
        """The channel breadcrumb, outermost first (正文 / 首页 left out)."""

        def trails() -> Iterator[list[Any]]:  # searched one after another, until one has names
            yield page.class_contains("channel-path")
            yield page.xpath('id("lo_links")')
            yield page.class_contains("navpaht")
            yield page.class_contains("bread")
            if page.mentions("正文"):
                # 2004-2005 pages: a table cell "首页 > 财经 > 正文".
                yield page.xpath('//td[contains(., "正文") and contains(., ">")][not(.//td)]')

        for trail in trails():
            anchors: list[Any] = []
            for el in trail:  # nested trails (a breadcrumb inside a breadcrumb): each link once
                anchors += [a for a in el.iter("a") if a not in anchors]
            names = []
            for a in anchors:
                text = _clean(element_text(a))
                if text and text not in ("正文", "新浪首页", "首页", "新浪网"):
                    names.append(text)
            if names:
                return names
        return super().categories(page)

    def tags(self, page: Page) -> list[str]:
        """Keywords (``#keywords``, ``<meta name=keywords>`` unless it is the
        title again) and stock symbols (``sh600000``; ``hk00700``; US tickers
        as Sina's ``gb_aapl``) from the body's stock links and the
        ``news_keyword_pub`` marker."""
        tags: list[str] = []
        wb = page.first('id("keywords")/@data-wbkey')
        if wb:
            tags += [t for t in re.split(r"[,，]", wb) if t.strip() and t.strip() != "新闻"]
        tags += page.texts("#keywords a") or page.texts(".keywords a, .art_keywords a")
        if not tags:
            kw = page.meta_first("keywords", "news_keywords", "tags")
            title = self.title(page) or ""
            if kw and _clean(kw) != _clean(title):
                tags += [t for t in re.split(r"\s*[,，;；]\s*", kw) if t.strip()]
        tags += self._stocks(page)
        return tags

    def _stocks(self, page: Page) -> list[str]:
        out: list[str] = []
        found = self._container(page)
        # The links of the article's own container (of today's layouts), else the page's.
        scope = found.source if found is not None and found.rank < 5 else page.root
        for sid in strings(scope, './/span[starts-with(@id, "stock_")]/@id'):
            m = _STOCK_ID.match(sid)
            if m:
                out.append(m[1].lower())
        for href in strings(scope, ".//a/@href"):
            m = _STOCK_HREF.search(href)
            if m:
                out.append(m[1] or (f"hk{m[2]}" if m[2] else f"gb_{m[3].lower()}"))
        stamps = "//comment()[contains(., 'news_keyword_pub')]"
        for comment in page.elements(stamps) if page.mentions("news_keyword_pub") else []:
            m = _KEYWORD_PUB.search(comment.text or "")
            if not m or not m[2]:
                continue
            market, codes = m[1].lower(), [c for c in m[2].split("&") if c]
            for code in codes:
                if market == "stock":
                    out.append(code.lower())
                elif market == "hkstock":
                    out.append(f"hk{code}")
                elif market == "usstock":
                    out.append(f"gb_{code.lower()}")
        return out

    def lead(self, page: Page) -> str | None:
        """The description, unless it only repeats the title (old pages)."""
        lead = super().lead(page)
        if lead and _clean(lead) == _clean(self.title(page)):
            return None
        return lead

    def container(self, page: Page) -> Node | None:
        found = self._container(page)
        return found.root if found is not None else None

    # -- the article container ---------------------------------------------

    def _container(self, page: Page) -> _Container | None:
        """The article container as an lxml tree with Sina's insertions
        removed and image captions made ``<figure>``/``<figcaption>``, and
        the byline lines taken out of it (parsed once per page)."""
        cache = page.__dict__.setdefault("_sina", {})
        if "container" not in cache:
            cache["container"] = self._find_container(page)
        found: _Container | None = cache["container"]
        return found

    def _find_container(self, page: Page) -> _Container | None:
        for index, css in enumerate(self.BODY_CSS):
            nodes = page.select(css)
            if not nodes:
                continue
            html = etree.tostring(nodes[0], encoding="unicode", method="html", with_tail=False)
            # Old pages: a picture-in-picture ad between two comments, mid-paragraph.
            html = re.sub(
                r"<!--\s*NEWSZW_HZH_BEGIN\s*-->.*?<!--\s*NEWSZW_HZH_END\s*-->", "", html, flags=re.S
            )
            html = re.sub(
                r"<!--\s*正文页画中画 begin.*?正文页画中画 end\s*-->", "", html, flags=re.S
            )
            # The publishing system marks where the text it was given ends;
            # after it come the editor line and Sina's own widgets.
            lifted: list[str] = []
            end = _TEXT_END.search(html)
            # Only a marker after the text ends it (never one before any text).
            if end and _visible_chars(html[: end.start()]) >= 50:
                after = lxml.html.fragment_fromstring(html[end.start() :], create_parent="div")
                for el in after.iter("p", "div", "span"):
                    text = _clean(el.text_content())
                    m = _EDITOR_LINE.match(text)
                    if m and len(text) < 40:
                        lifted.append(f"责任编辑：{m[2]}")
                        break
                html = html[: end.start()]
            try:
                root = lxml.html.fragment_fromstring(html, create_parent="div")
            except (etree.ParserError, ValueError):
                continue
            lifted += _clean_container(root, css, html)
            if len(_clean(root.text_content())) >= 20:
                return _Container(root, lifted, nodes[0], index)
        return None

    def _paragraphs(self, root: Any) -> list[str]:
        out = []
        for el in root.iter("p", "div"):
            if el.tag == "div" and el.find(".//p") is not None:
                continue
            if el.tag == "div" and "figure" in (el.get("class") or ""):
                continue
            text = _clean(el.text_content())
            if text:
                out.append(text)
        return out


class _Container(NamedTuple):
    root: Any
    """The cleaned container (an lxml element)."""
    lifted: list[str]
    """Labelled lines taken out of it (责任编辑：…, 作者：…, 原标题：…)."""
    source: Any
    """The container as it stands in the page (an lxml element, uncleaned)."""
    rank: int
    """Which of ``Sina.BODY_CSS`` found it (0: the first)."""

    @property
    def original_title(self) -> str | None:
        for line in self.lifted:
            if line.startswith("原标题："):
                return line[4:]
        return None


def _clean(text: str | None) -> str:
    return " ".join((text or "").replace("\u3000", " ").replace("\xa0", " ").split())


def _visible_chars(fragment: str) -> int:
    """How many characters of text an HTML fragment shows (tags, scripts,
    styles and comments left out).

    >>> _visible_chars("<p>　　正文<script>x()</script></p><!-- c -->")
    2
    """
    text = re.sub(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", "", fragment, flags=re.S | re.I)
    return len(_clean(re.sub(r"<[^>]*>", "", text)).replace(" ", ""))


def _drop(el: Any) -> None:
    """Remove ``el`` but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


@lru_cache(maxsize=256)
def _junk_xpath(selectors: tuple[str, ...]) -> Any:
    """The union of junk ``selectors`` as a compiled XPath, translated once."""
    from cssselect import GenericTranslator

    css = ", ".join(selectors)
    return etree.XPath(GenericTranslator().css_to_xpath(css, prefix="descendant-or-self::"))


def _junk_in(html: str) -> Any:
    """The XPath of the junk selectors that can match in ``html``: each
    selector tests every element, so those naming an id or class that the
    container's HTML does not hold are left out."""
    return _junk_xpath(tuple(css for css, needle in _JUNK if needle is None or needle in html))


def _clean_container(root: Any, css: str, html: str) -> list[str]:
    """Remove Sina's insertions from ``root`` (parsed from ``html``);
    return the byline lines (责任编辑, a WeChat 原创 line) and the 原标题
    line it took out."""
    lifted: list[str] = []

    for el in _junk_in(html)(root):
        if el is not root:
            _drop(el)
    for a in root.iter("a"):
        if _WEIBO_LINK.match(_clean(a.text_content())) and "weibo" in (a.get("href") or ""):
            a.text = ""
            for child in list(a):
                a.remove(child)
            # Injected twice at times: 高晓松<a>(微博)</a>(微博)
            a.tail = re.sub(r"^[（(]微博[)）]", "", a.tail or "")
    # Sina images: <div class="img_wrapper"><img><span class="img_descr">caption</span></div>
    for wrap in root.xpath('.//*[contains(@class, "img_wrapper")]'):
        cap = wrap.xpath('.//*[contains(@class, "img_descr")]')
        text = _clean(cap[0].text_content()) if cap else ""
        for c in cap:
            _drop(c)
        wrap.tag = "figure"
        wrap.attrib.clear()
        if text:
            fc = etree.SubElement(wrap, "figcaption")
            fc.text = text
    # Old pages: <center><img></center><br><center><font>caption</font></center>
    for center in root.xpath(".//center[img]"):
        if _clean(center.text_content()):
            continue
        nxt = center.getnext()
        while nxt is not None and nxt.tag == "br":
            nxt = nxt.getnext()
        if nxt is None or nxt.tag != "center" or nxt.find(".//img") is not None:
            continue
        text = _clean(nxt.text_content())
        if 0 < len(text) <= 80:
            _drop(nxt)
            center.tag = "figure"
            center.attrib.clear()
            etree.SubElement(center, "figcaption").text = text
    # sina.cn: <figure><img><h2 class="art_img_tit">caption</h2></figure>
    for cap in root.xpath('.//figure//*[contains(@class, "art_img_tit")]'):
        cap.tag = "figcaption"
        cap.attrib.clear()
    # Headings inside the container repeat the title (sh.sina: h1 + the h2 date line).
    if css.endswith(".txt"):
        for el in root.xpath(".//h1 | .//h2"):
            _drop(el)
    # Paragraph-level junk: promos, editor lines, 原标题, related-link lists.
    in_related = False
    for p in list(root.iter("p", "div")):
        if p.getparent() is None:
            continue
        text = _clean(p.text_content())
        if _RELATED_HEAD.match(text):
            links = _link_text(p)
            rest = _RELATED_HEAD.sub("", text).strip(" ：:")
            if (not text.split("：", 1)[-1].strip() or links) and (not rest or rest == links):
                in_related = True
                _drop(p)
                continue
        if in_related and text and text == _link_text(p):
            _drop(p)
            continue
        if text:
            in_related = False
        if p.tag != "p" and p.find(".//p") is not None:
            continue
        editor = _EDITOR_LINE.match(text)
        wechat = _WECHAT_LINE.match(text)
        original = _ORIGINAL_TITLE.match(text)
        if editor and len(text) < 40:
            lifted.append(f"责任编辑：{editor[2]}")
        elif wechat:
            lifted.append(f"作者：{re.sub(r'编译$', '', wechat[1])}")
        elif original:
            lifted.append(f"原标题：{original[1]}")
        if editor or wechat or original or _is_promo(text):
            _drop(p)
    # A byline-only line opening the text: 作者：Steed(微博)(…)
    for p in list(root.iter("p"))[:3]:
        text = _clean(p.text_content())
        m = _WRITER_LINE.match(text)
        if m and len(text) < 200 and not text.endswith("。"):
            lifted.append(f"作者：{re.sub(r'[(（]?微博[)）]?', '', m[2])}")
            _drop(p)
    return lifted


def _link_text(el: Any) -> str:
    """The text of the links in ``el``."""
    return _clean(" ".join(a.text_content() for a in el.iter("a")))


def _paren_byline(inner: str) -> list[str]:
    """A parenthesised byline as labelled lines, or [] when it is no byline.

    >>> _paren_byline("信报记者 蔡雪婧"), _paren_byline("王霄 发自上海"), _paren_byline("完")
    (['记者 蔡雪婧'], ['记者 王霄'], [])
    >>> _paren_byline("记者 孟然 实习生 程露 通讯员 王五")
    ['记者 孟然 实习生 程露']
    """
    inner = _clean(inner)
    inner = re.sub(r"\s*(发自|报道|摄影?|整理)\S*$", "", inner).strip()
    if not inner:
        return []
    m = re.search(r"^(.+?)\s*/\s*编译$|^编译\s*[:：/]?\s*(.+)$", inner)
    if m:
        return [f"编译 {m[1] or m[2]}"]
    # Correspondents (通讯员, often a press officer) are no writers; interns are.
    parts = re.split(r"\s*通讯员\s*", inner)
    head = parts[0]
    m = _REPORTER.match(head)
    if m:
        names = head[m.end() :].strip()
        return [f"记者 {names}"] if names else []
    tokens = head.split()
    # "中国台湾网 王怡然": an outlet, then the writer.
    if len(tokens) > 1 and _OUTLET_END.search(tokens[0]):
        tokens = tokens[1:]
    if tokens and all(_HAN_NAME.match(t) for t in tokens):
        if any(t in _NOT_A_NAME or _OUTLET_END.search(t) for t in tokens):
            return []
        return [f"记者 {' '.join(tokens)}"]
    return []

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
from urllib.parse import urlsplit

from newscrawl.found import Byline, Candidate
from newscrawl.sites.base import Site
from newscrawl.sites.css import Node, element_text, strings, stripped_text
from newscrawl.sites.page import Page
from newscrawl.sites.sina_body import (  # noqa: F401 - _EDITOR_LINE: tested here
    _EDITOR_LINE,
    _JUNK,
    _PROMO_STRINGS,
    Container,
    _clean,
    _paren_byline,
    find_container,
)
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
# Bylines at the edges of the text.
_TRAILING_PAREN = re.compile(r"[（(]([^()（）]{1,30})[)）]\s*$")
_LEADING_PAREN = re.compile(r"[（(]([^()（）]{0,20}记者[^()（）]{1,30})[)）]")
# Sina's desktop and mobile addresses of one article share its doc id:
#   https://finance.sina.com.cn/china/gncj/2021-08-27/doc-ikqcfncc5263842.shtml
#   https://finance.sina.cn/2021-08-27/detail-ikqcfncc5263842.d.html
_DOC_PATH = re.compile(r"/(?:doc|detail)-(i[a-z0-9]{6,})(?:\.d)?\.s?html?$")


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

    def title_found(self, page: Page) -> Candidate | None:
        found = self._first_text(page, self.TITLE_CSS)
        return (found[1], "css") if found else super().title_found(page)

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

        def trails() -> Iterator[list[Node]]:  # searched one after another, until one has names
            yield page.class_contains("channel-path")
            yield page.xpath('id("lo_links")')
            yield page.class_contains("navpaht")
            yield page.class_contains("bread")
            if page.mentions("正文"):
                # 2004-2005 pages: a table cell "首页 > 财经 > 正文".
                yield page.xpath('//td[contains(., "正文") and contains(., ">")][not(.//td)]')

        for trail in trails():
            anchors: list[Node] = []
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

    def _container(self, page: Page) -> Container | None:
        """The article container as an lxml tree with Sina's insertions
        removed and image captions made ``<figure>``/``<figcaption>``, and
        the byline lines taken out of it (parsed once per page)."""
        cache = page.__dict__.setdefault("_sina", {})
        if "container" not in cache:
            cache["container"] = self._find_container(page)
        found: Container | None = cache["container"]
        return found

    def _find_container(self, page: Page) -> Container | None:
        return find_container(page, self.BODY_CSS, self.boilerplate_css)

    def _paragraphs(self, root: Node) -> list[str]:
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

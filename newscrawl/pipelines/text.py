"""Body and text fields: the article container's HTML becomes a cleaned
``body_html`` and a ``body_text`` with one paragraph per line; byline lines
(来源 / 记者 / 责任编辑) are lifted out of the body for the people pipeline;
title, lead and language are tidied."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Self

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from scrapy.crawler import Crawler

from newscrawl.found import Extracted, as_extracted
from newscrawl.items import Image
from newscrawl.language import detect_language
from newscrawl.normalize import nfkc
from newscrawl.urls import canonicalize, join_url

# Removed with everything inside them.
DROP_TAGS = {
    "script", "style", "noscript", "template", "iframe", "frame", "form", "button", "input",
    "select", "textarea", "svg", "canvas", "object", "embed", "nav", "aside", "footer",
    "header", "link", "meta", "head", "title", "audio", "video", "map",
}  # fmt: skip
# Each starts a new paragraph.
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
    "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td", "th",
    "tbody", "thead", "center", "figure", "figcaption", "body", "html", "address",
}  # fmt: skip
# Between a table row's cells: a tab, so a reader (or a script) can split
# the row again and prose never holds one (text's own whitespace is one
# space). The walker writes a control character that squash() keeps.
TABLE_CELL_SEP = "\t"
_CELL_MARK = "\x1f"
LAYOUT_CELL = "boolean(.//p|.//div|.//br|.//img|.//table|.//li|.//h1|.//h2|.//h3|.//h4)"
HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
# Inline tags kept in body_html (others are unwrapped to their text).
KEEP_INLINE = {"a", "strong", "b", "em", "i", "sub", "sup"}

BOILERPLATE_CLASS = re.compile(
    r"(^|[\s_-])(qr|qrcode|appendqr\w*|share\w*|related\w*|recommend\w*|copyright|"
    r"advert\w*|ads?|app-?download|hidden|comment\w*|toolbar|social\w*|newsletter)($|[\s_-])",
    re.I,
)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Whole lines that are never article text (promos, share prompts, copyright).
BOILERPLATE_LINES = [
    re.compile(p)
    for p in (
        r"(扫描|扫码|长按).{0,12}二维码",
        r"^(点击|进入).{0,10}(专题|客户端|下载)",
        r"(下载|打开).{0,8}(客户端|APP|App|app)(.{0,12})$",
        r"^(关注|添加).{0,16}(公众号|微信|微博)",
        r"^分享到[:：]?",
        r"^(版权所有|Copyright|©)",
        r"^免责声明[:：]",
        r"^(原标题|原題)[:：]",
        r"^(上一页|下一页|\d+|返回顶部|更多|打印|关闭)$",
        r"^(?:[【\[]\s*[^】\]]{1,10}\s*[】\]]\s*){2,}$",  # 【我来说两句】【打印】【关闭】
        r"^(相关新闻|相关报道|相关阅读|相关链接|延伸阅读|推荐阅读)[:：]",
    )
]

# The generic promo patterns drop a line only up to this length: a promo,
# share prompt or copyright notice is one short prompt (the ones above run
# 10-40 characters), while a paragraph that mentions a QR code, an app or
# copyright in passing is text and longer. A site's own patterns
# (Site.boilerplate_*) and the operator's NEWSCRAWL_BOILERPLATE_PATTERNS apply
# to any line: they were written for those pages.
MAX_PROMO_CHARS = 50
# ... except a line that starts with the sign: prose never does, and a
# publisher's rights notice runs to several sentences.
COPYRIGHT_SIGN = re.compile(r"^\s*(©|\(c\)\s*\d{4})", re.I)

# A line that only names people by role: lifted out for the people pipeline.
BYLINE_LINE = re.compile(
    r"^[□■●◆◇○·\s]*[（(]?\s*(责任编辑|責任編輯|责编|编辑|來源|来源|[^，。：:\s]{0,8}?记者|作者|文\s*/|撰文|编译|"
    r"实习生|通讯员|校对|审核)\s*[:：|/]?"
    # the line under an old portal's headline: [URL] date 来源：outlet
    r"|^(?:https?://\S+\s+)?(?:19|20)\d\d\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}[^，。]{0,20}?\s*(来源|來源)\s*[:：]"
)
MAX_BYLINE_CHARS = 60
# A line with sentence punctuation is text that starts with a role word
# ("记者从有关部门获悉，…。"), not a byline.
SENTENCE_PUNCT = re.compile(r"[，。！？；]")

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))
# Joiners are kept where they mean something: inside emoji sequences
# (👩🏽‍💻) and in scripts that use them (Persian ZWNJ, Indic conjuncts);
# elsewhere they are invisible noise. Private-use characters are GBK
# user-defined bytes or icon-font glyphs: never text.
STRAY_JOINERS = re.compile(
    r"(?<![\u0600-\u06ff\u0900-\u0dff\u2600-\u27bf\ufe0f\U0001f000-\U0001faff])[\u200c\u200d]"
    r"|[\u200c\u200d](?![\u0600-\u06ff\u0900-\u0dff\u2600-\u27bf\U0001f000-\U0001faff])"
    r"|[\ue000-\uf8ff]"
)
# Every character ZERO_WIDTH and STRAY_JOINERS remove: one scan for them is
# fast; STRAY_JOINERS' lookbehind tried at every character, and translate()
# of Chinese text, are not (0.3 ms each per page).
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad\u200c\u200d\ue000-\uf8ff]")
SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2002-\u200a\u202f\u205f\u3000]+")


def squash(value: str | None) -> str:
    """Zero-width characters out, every run of whitespace (U+3000 and U+00A0
    too) one space, ends stripped; entities left as they are (text parsed
    from HTML is decoded already, and decoding twice shows ``&amp;lt;`` wrong).

    >>> squash("\u3000a\u00a0\u00a0b\u200b &amp;lt; ")
    'a b &amp;lt;'
    """
    if not value:
        return ""
    return SPACES.sub(" ", _visible(value)).strip()


def _visible(text: str) -> str:
    """``text`` without zero-width characters and stray joiners (most text
    has none, and is returned as it is after one scan)."""
    if not _INVISIBLE.search(text):
        return text
    return STRAY_JOINERS.sub("", text.translate(ZERO_WIDTH))


def clean_text(value: str | None) -> str:
    """One line of text: entities decoded, zero-width characters out, every
    run of whitespace (U+3000 and U+00A0 too) one space, ends stripped.

    >>> clean_text("\u3000\u3000Hello&nbsp;&#123;world&#125;\u200b ")
    'Hello {world}'
    """
    if not value:
        return ""
    text = _visible(html.unescape(value))
    return SPACES.sub(" ", text).strip()


@dataclass
class Body:
    """A cleaned body."""

    html: str = ""
    text: str = ""
    images: list[Image] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)


@dataclass
class _Block:
    kind: str  # "p", "h", "img", "caption"
    html: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    image: Image | None = None


class _Walker:
    """Turns an element tree into paragraphs, images and captions."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[_Block] = []
        self.cur = _Block("p")

    def flush(self, kind: str = "p") -> None:
        if "".join(self.cur.text).strip():
            self.blocks.append(self.cur)
        self.cur = _Block(kind)

    def add_text(self, text: str | None, html_text: str | None = None) -> None:
        if text:
            self.cur.text.append(text)
            self.cur.html.append(html.escape(text, quote=False) if html_text is None else html_text)

    def image(self, el: HtmlElement) -> None:
        src = el.get("data-src") or el.get("data-original") or el.get("src") or ""
        src = src.strip()
        if not src or src.startswith("data:"):
            return
        self.flush()
        caption = None
        fig = el.getparent()
        while fig is not None and fig.tag not in ("figure", "body"):
            fig = fig.getparent()
        if fig is not None and fig.tag == "figure":
            cap = fig.find(".//figcaption")
            if cap is not None:
                caption = squash(cap.text_content()) or None
        url = join_url(self.base_url, src)
        if url is None:  # a malformed address: the image is skipped, the article kept
            return
        self.blocks.append(_Block("img", image={"url": url, "caption": caption}))

    def walk(self, el: HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "img":
            self.image(el)
        elif tag == "br":
            self.flush()
        elif tag == "figcaption":
            self.flush()
            self._children(el)
            self.flush()
            return  # its text is the image caption; the paragraph keeps it on its own line
        elif tag == "tr":
            self.row(el)
        elif tag in BLOCK_TAGS:
            self.flush("h" if tag in HEADINGS else "p")
            if tag in HEADINGS:
                self.cur.kind = "h"
            self._children(el)
            self.flush()
        elif tag in KEEP_INLINE:
            start = len(self.cur.html)
            self._children(el)
            inner = "".join(self.cur.html[start:])
            if inner.strip():
                attrs = ""
                if tag == "a" and el.get("href") and not el.get("href").startswith("javascript:"):
                    href = join_url(self.base_url, el.get("href"))
                    attrs = f' href="{html.escape(href)}"' if href else ""
                self.cur.html[start:] = [f"<{tag}{attrs}>{inner}</{tag}>"]
        else:
            self._children(el)
        self.add_text(el.tail)

    def row(self, el: HtmlElement) -> None:
        """A table row is one line, its cells joined by a tab: a cell a
        line loses which figure belongs to which label, and the line rule
        for page numbers then drops every numeric cell."""
        self.flush()
        cells = [c for c in el if c.tag in ("td", "th")]
        # A layout table (an old portal's article in a cell) holds paragraphs,
        # breaks or images: those keep their own lines.
        if not cells or any(c.xpath(LAYOUT_CELL) for c in cells):
            self._children(el)
            self.flush()
            return
        texts = [squash(c.text_content()) for c in cells]
        # A calendar row (a week of day numbers or weekday names, the month
        # and its arrows over blanks) is a widget, not a table of the text.
        calendar = len(texts) >= 5 and sum(len(t) > 2 for t in texts) <= 1
        if any(texts) and not calendar:
            self.add_text(_CELL_MARK.join(texts))
        self.flush()

    def _children(self, el: HtmlElement) -> None:
        self.add_text(el.text)
        for child in el:
            self.walk(child)


def _text_len(el: HtmlElement) -> int:
    return len(SPACES.sub("", el.text_content()))


def _prune(root: HtmlElement) -> None:
    total: int | None = None  # the root's text length, counted at the first hidden element
    for bad in root.xpath(".//comment() | .//processing-instruction()"):
        _remove_keep_tail(bad)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag in DROP_TAGS:
            _remove_keep_tail(el)
            continue
        marker = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if marker and BOILERPLATE_CLASS.search(marker):
            _remove_keep_tail(el)
        elif HIDDEN_STYLE.search(el.get("style") or ""):
            if total is None:
                total = _text_len(root)
            # Hidden until a script reveals it: an element holding most of
            # the text is the article itself, not a hidden widget.
            if _text_len(el) * 2 <= total:
                _remove_keep_tail(el)


def _remove_keep_tail(el: HtmlElement) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _parse(fragment: str) -> HtmlElement | None:
    try:
        doc = lxml.html.document_fromstring(fragment)
    except (etree.ParserError, ValueError):
        return None
    body = doc.find("body")
    return body if body is not None else doc


def is_boilerplate(line: str, extra: list[re.Pattern[str]] | None = None) -> bool:
    """True for a line that is never article text (promo, share prompt, copyright).

    >>> is_boilerplate("扫描下方二维码，关注我们"), is_boilerplate("央行今日降息。")
    (True, False)

    Only short lines: the patterns are not anchored at both ends, and a
    paragraph that mentions a QR code or starts with "Copyright" is text.

    >>> is_boilerplate("市民可扫描社区公告栏上的二维码，在线预约接种时间，"
    ...                "也可以拨打社区卫生服务中心的电话预约，工作人员将在一个工作日内回复。")
    False
    """
    if len(line) <= MAX_PROMO_CHARS and any(p.search(line) for p in BOILERPLATE_LINES):
        return True
    if COPYRIGHT_SIGN.match(line):
        return True
    return any(p.search(line) for p in extra or [])


_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """``text`` compared loosely: NFKC, case-folded, letters and digits only.

    >>> _key("Ｈｅｌｌｏ, 世界_2!")
    'hello世界2'
    """
    return _NOT_ALNUM.sub("", nfkc(text).casefold())


def _after_headline(blocks: list[_Block], title: str | None) -> list[_Block]:
    """The blocks after the headline when it stands among the first few
    (a container that also holds the breadcrumb and the headline): the
    title is its own field, and what comes before it is page furniture."""
    key = _key(title or "")
    if not key:
        return blocks
    seen = 0
    for i, b in enumerate(blocks):
        if b.kind == "img":
            continue
        if _key(b.text[0]) == key:
            return blocks[i + 1 :]
        seen += 1
        if seen >= 3:
            break
    return blocks


def is_byline(line: str) -> bool:
    """True for a short line that only names people or the outlet by role.

    >>> is_byline("责任编辑：李墨轩 SN098"), is_byline("（总台央视记者 潘虹旭 周琨）")
    (True, True)
    >>> is_byline("记者从有关部门获悉，截至十月底，网点已超过三万个。")  # a sentence
    False
    """
    return (
        len(line) <= MAX_BYLINE_CHARS
        and bool(BYLINE_LINE.match(line))
        and not SENTENCE_PUNCT.search(line)
    )


def clean_body(
    fragment: str | HtmlElement,
    base_url: str = "",
    extra_boilerplate: list[re.Pattern[str]] | None = None,
    title: str | None = None,
    boilerplate_strings: tuple[str, ...] = (),
) -> Body:
    """Clean an article container's HTML.

    Scripts, styles, comments, hidden and share/QR/related blocks go; every
    block and ``<br>`` starts a paragraph; byline lines at the start or end
    move to ``bylines``; images keep their order and captions.

    >>> b = clean_body("<div><p>　　第一段&#123;</p><script>x()</script><p>责任编辑：王五</p></div>")
    >>> b.text, b.bylines
    ('第一段{', ['责任编辑：王五'])
    """
    if isinstance(fragment, str):
        if not fragment.strip():
            return Body()
        root = _parse(fragment)
        if root is None:
            return Body()
    else:
        root = fragment
    _prune(root)
    walker = _Walker(base_url)
    # An element of a page's tree: the text after it is not the body's.
    tail, root.tail = root.tail, None
    walker.walk(root)
    root.tail = tail
    walker.flush()

    blocks: list[_Block] = []
    for b in walker.blocks:
        if b.kind == "img":
            blocks.append(b)
            continue
        text = squash("".join(b.text))
        if (
            not text
            or is_boilerplate(text, extra_boilerplate)
            or any(s in text for s in boilerplate_strings)
        ):
            continue
        b.text = [text.replace(_CELL_MARK, TABLE_CELL_SEP)]
        blocks.append(b)

    blocks = _after_headline(blocks, title)
    # Byline lines are lifted only at the edges: a 记者 in mid-text is text.
    bylines: list[str] = []
    text_idx = [i for i, b in enumerate(blocks) if b.kind != "img"]
    edge = set(text_idx[:2] + text_idx[-4:])
    kept = []
    for i, b in enumerate(blocks):
        if i in edge and b.kind != "img" and is_byline(b.text[0]):
            bylines.append(b.text[0])
        else:
            kept.append(b)

    html_parts: list[str] = []
    text_parts: list[str] = []
    images: list[Image] = []
    for b in kept:
        if b.kind == "img" and b.image is not None:
            images.append(b.image)
            cap = b.image["caption"]
            src = html.escape(b.image["url"])
            if cap:
                html_parts.append(
                    f'<figure><img src="{src}"><figcaption>{html.escape(cap, quote=False)}'
                    "</figcaption></figure>"
                )
            else:
                html_parts.append(f'<figure><img src="{src}"></figure>')
            continue
        text = b.text[0]
        if images and images[-1]["caption"] == text:
            continue  # the figcaption already stands under its image
        inner = (
            squash("".join(b.html)).replace(_CELL_MARK, TABLE_CELL_SEP)
            if b.html
            else html.escape(text, quote=False)
        )
        tag = "h2" if b.kind == "h" else "p"
        html_parts.append(f"<{tag}>{inner}</{tag}>")
        text_parts.append(text)
    return Body("\n".join(html_parts), "\n".join(text_parts), images, bylines)


def normalize_language(value: str | None, body_text: str = "") -> str | None:
    """A BCP 47 primary tag from ``zh-CN`` / ``en_US`` / ``de``; when the page
    does not say, detected from the body (:func:`newscrawl.language.detect_language`).

    >>> normalize_language("zh-CN"), normalize_language("en_US"), normalize_language(None, "你好世界")
    ('zh', 'en', 'zh')
    """
    if value:
        tag = re.split(r"[-_]", value.strip())[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", tag):
            return tag
    return detect_language(body_text) if body_text else None


def clean_title(value: str | None) -> str:
    """A headline on one line, NFC, entities decoded.

    >>> clean_title("  中国人&quot;了不得&quot;\\n ")
    '中国人"了不得"'
    """
    return unicodedata.normalize("NFC", clean_text(value))


class TextPipeline:
    """Cleans body_html into body_html/body_text/images and tidies text fields."""

    def __init__(self, boilerplate: list[str]) -> None:
        self.extra = [re.compile(p) for p in boilerplate]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getlist("NEWSCRAWL_BOILERPLATE_PATTERNS"))

    def process_item(self, item: object) -> Extracted:
        x = as_extracted(item)
        a, found = x.article, x.found
        rules = found.rules
        extra = [*self.extra, *rules.line_patterns]
        source = found.container if found.container is not None else a.body_html
        body = clean_body(source, found.base_url or a.url, extra, a.title, rules.line_strings)
        a.body_html, a.body_text = body.html, body.text
        a.images = body.images
        found.bylines += [("line", line) for line in body.bylines]
        a.title = clean_title(a.title)
        a.canonical_url = canonicalize(a.canonical_url) if a.canonical_url else None
        a.original_title = clean_title(a.original_title) or None
        a.lead = clean_text(a.lead) or None
        a.language = normalize_language(a.language, a.body_text)
        return x

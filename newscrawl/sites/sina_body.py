"""Sina's article container: found by the first of the layouts' selectors
that holds text, copied out of the page's tree (no serialisation, no second
parse), cut where the publishing system marks the end of the text, with
Sina's insertions removed (live quotes, "(微博)" links, video players,
app/QR promos, related-link lists, pagination), image captions made
``<figure>``/``<figcaption>``, and the byline lines (责任编辑, 作者, 原标题)
lifted out for the people pipeline. The body normalizer
(``newscrawl.pipelines.text``) then cleans what is left, once."""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import NamedTuple

import lxml.html
from lxml import etree

from newscrawl.sites.css import Node
from newscrawl.sites.page import Page

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
_TEXT_END = re.compile(r"\s*(publish_helper_end|news_keyword_pub)")
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


_WRITER_LINE = re.compile(r"^(作者|文|撰文)\s*[:：/]\s*([^\s(（]{1,20})")
_WECHAT_LINE = re.compile(r"^原创\s*[:：]\s*(\S+?)\s+\S+$")


class Container(NamedTuple):
    root: Node
    """The cleaned container (an lxml element)."""
    lifted: list[str]
    """Labelled lines taken out of it (责任编辑：…, 作者：…, 原标题：…)."""
    source: Node
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


_AD_BLOCKS = (
    re.compile(r"<!--\s*NEWSZW_HZH_BEGIN\s*-->.*?<!--\s*NEWSZW_HZH_END\s*-->", re.S),
    re.compile(r"<!--\s*正文页画中画 begin.*?正文页画中画 end\s*-->", re.S),
)
_AD_BEGIN = re.compile(r"\s*(NEWSZW_HZH_BEGIN|正文页画中画 begin)")


def _has_ad_block(root: Node) -> bool:
    return any(_AD_BEGIN.match(c.text or "") for c in root.iter(etree.Comment))


def _without_ad_blocks(root: Node) -> Node | None:
    """``root`` without the ad blocks of old pages (the text between their comments)."""
    html = etree.tostring(root[0], encoding="unicode", method="html", with_tail=False)
    for block in _AD_BLOCKS:
        html = block.sub("", html)
    try:
        parsed: Node = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    return parsed


def _text_end(root: Node) -> Node | None:
    """The first comment marking where the text the publishing system was given ends."""
    for c in root.iter(etree.Comment):
        if _TEXT_END.match(c.text or ""):
            return c
    return None


def _visible_before(root: Node, stop: Node) -> int:
    """How many characters of text (scripts and styles left out) come
    before ``stop`` in ``root``, spaces not counted."""
    parts: list[str] = []

    def walk(el: Node) -> bool:
        if el is stop:
            return True
        if isinstance(el.tag, str) and el.tag not in ("script", "style"):
            parts.append(el.text or "")
        for child in el:
            if walk(child):
                return True
            parts.append(child.tail or "")
        return False

    walk(root)
    return len(_clean("".join(parts)).replace(" ", ""))


def _after(stop: Node, root: Node) -> list[Node]:
    """The elements after ``stop`` in document order, outermost first (its
    following siblings, then those of each of its ancestors under ``root``)."""
    out: list[Node] = []
    node = stop
    while node is not None and node is not root:
        out += [s for s in node.itersiblings() if isinstance(s.tag, str)]
        node = node.getparent()
    return out


def _cut_at_text_end(root: Node) -> list[str]:
    """Cut ``root`` at the publishing system's end-of-text marker, when one
    comes after some text (never before any); the editor line after it is
    kept, lifted."""
    end = _text_end(root)
    if end is None or _visible_before(root, end) < 50:
        return []
    lifted: list[str] = []
    texts = [end.tail or ""]
    node = end
    while node is not root:
        texts += [etree.tostring(x, method="text", encoding="unicode") for x in node.itersiblings()]
        node = node.getparent()
        if node is not root:
            texts.append(node.tail or "")
    after = _after(end, root)
    candidates = [_clean("".join(texts))]
    candidates += [_clean(el.text_content()) for e in after for el in e.iter("p", "div", "span")]
    for text in candidates:
        m = _EDITOR_LINE.match(text)
        if m and len(text) < 40:
            lifted.append(f"责任编辑：{m[2]}")
            break
    node = end
    while node is not None and node is not root:
        for sib in list(node.itersiblings()):
            node.getparent().remove(sib)
        parent = node.getparent()
        if node is end:
            parent.remove(end)  # with its tail: the text after the marker
        else:
            node.tail = None
        node = parent
    return lifted


def _drop(el: Node) -> None:
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
def _junk_xpath(selectors: tuple[str, ...]) -> etree.XPath:
    """The union of junk ``selectors`` as a compiled XPath, translated once."""
    from cssselect import GenericTranslator

    css = ", ".join(selectors)
    return etree.XPath(GenericTranslator().css_to_xpath(css, prefix="descendant-or-self::"))


def _clean_container(root: Node, css: str, drop_css: tuple[str, ...]) -> list[str]:
    """Remove Sina's insertions from ``root``;
    return the byline lines (责任编辑, a WeChat 原创 line) and the 原标题
    line it took out."""
    lifted: list[str] = []

    for el in _junk_xpath(drop_css)(root):
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


def _link_text(el: Node) -> str:
    """The text of the links in ``el``."""
    return _clean(" ".join(a.text_content() for a in el.iter("a")))


def find_container(
    page: Page, body_css: tuple[str, ...], drop_css: tuple[str, ...]
) -> Container | None:
    """The first of ``body_css`` that finds a container with text, as a
    cleaned copy (``drop_css`` and Sina's other insertions removed) with the
    byline lines lifted out of it."""
    for index, css in enumerate(body_css):
        nodes = page.select(css)
        if not nodes:
            continue
        # A copy of the page's own element (the page's tree stays whole
        # for the other fields): no serialisation, no second parse.
        root = lxml.html.Element("div")
        root.append(copy.deepcopy(nodes[0]))
        root[0].tail = None
        if _has_ad_block(root):
            # Old pages: a picture-in-picture ad between two comments,
            # cutting across the markup; cut as text, parsed again.
            root = _without_ad_blocks(root)
            if root is None:
                continue
        lifted = _cut_at_text_end(root)
        lifted += _clean_container(root, css, drop_css)
        if len(_clean(root.text_content())) >= 20:
            return Container(root, lifted, nodes[0], index)
    return None


# Parenthesised bylines closing (or opening) the text.
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
_NOT_A_NAME = {
    "完", "图", "组图", "待续", "未完待续", "综合", "综述", "编辑", "记者", "本报记者",
    "视觉中国", "资料图", "资料图片", "新华社", "中新社", "图片来源", "网络图片",
    "路透", "法新", "彭博", "美联", "央视", "新华", "中新", "编译", "原创", "全文完", "本报讯",
}  # fmt: skip
_OUTLET_END = re.compile(
    r"(网|報|报|社|台|客户端|新闻|日报|晚报|周刊|杂志|时报|综合|中国|财经|图)$"
)
_REPORTER = re.compile(r"^(?:.{0,8}?)(见习记者|实习记者|特约记者|首席记者|记者)\s*")


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

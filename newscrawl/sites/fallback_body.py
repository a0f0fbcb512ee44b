"""The body of a page no site module knows: trafilatura's main-text
extraction (imported when first needed: it is slow to import), with the
images of its image-including extraction put back, captioned from the page."""

from __future__ import annotations

import re
from html import escape

from lxml.html import HtmlElement
from parsel import Selector

from newscrawl.urls import join_url


def _trafilatura(html: str, url: str, images: bool) -> str | None:
    import trafilatura

    result = trafilatura.extract(
        html,
        url=url,
        include_images=images,
        output_format="html",
        include_tables=True,
        include_comments=False,
        include_links=False,
    )
    return str(result) if result else None


def _extract(html: str, url: str, images: bool) -> str | None:
    result = _trafilatura(html, url, images)
    if result is None:
        # A page saved inside a wrapper element (corpus tools' <text id=...>)
        # is no HTML tree to trafilatura: read it without the wrapper.
        bare = _WRAPPER.sub("", html, count=1)
        if bare != html:
            result = _trafilatura(bare, url, images)
    return result


def _blocks(fragment: str) -> tuple[str, list[HtmlElement]]:
    """The leading text and the top-level blocks of an extraction."""
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return "", []
    body = root.find(".//body")
    top = body if body is not None else root
    while len(top) == 1 and top[0].tag in ("div", "main", "article", "doc", "body"):
        if (top.text or "").strip():
            break
        top = top[0]
    return top.text or "", list(top)


def _block_key(el: HtmlElement) -> str:
    return "".join(el.text_content().split())[:200]


def with_images(text_html: str, image_html: str, captions: dict[str, str] | None = None) -> str:
    """trafilatura's text (extracted without images, which it prunes less
    well with them) with the images of its image-including extraction put
    back after the paragraph they follow there, each with its caption from
    ``captions`` (image URL -> the page's ``<figcaption>``)."""
    import lxml.html

    lead, text_blocks = _blocks(text_html)
    keys = {_block_key(b) for b in text_blocks if _block_key(b)}
    after: dict[str, list[str]] = {}
    last = ""
    for block in _blocks(image_html)[1]:
        key = _block_key(block)
        if key in keys:
            last = key
        imgs = [block] if block.tag in ("img", "graphic") else block.findall(".//img")
        for img in imgs:
            src = img.get("src")
            if src:
                fig = lxml.html.tostring(img, encoding="unicode", with_tail=False)
                caption = (captions or {}).get(src)
                if caption:
                    fig = f"<figure>{fig}<figcaption>{escape(caption)}</figcaption></figure>"
                after.setdefault(last, []).append(fig)
    if not after:
        return text_html
    parts = [escape(lead), *after.get("", [])]
    for block in text_blocks:
        parts.append(lxml.html.tostring(block, encoding="unicode", with_tail=True))
        parts += after.pop(_block_key(block), [])
    return "<div>" + "".join(parts) + "</div>"


def trafilatura_body(html: str, url: str, sel: Selector | None = None) -> str | None:
    """Main text as HTML by trafilatura (imported here: it is slow to import),
    with the images in it and their captions (from ``sel``, the page)."""
    text = _extract(html, url, images=False)
    if text is None or "<img" not in html.lower():
        return text
    rich = _extract(html, url, images=True)
    if not rich:
        return text
    captions: dict[str, str] = {}
    for fig in sel.xpath("//figure[.//img][.//figcaption]") if sel is not None else []:
        cap = " ".join(" ".join(fig.xpath(".//figcaption//text()").getall()).split())
        for src in fig.xpath(".//img/@src | .//img/@data-src").getall():
            absolute = join_url(url, src)
            if absolute:
                captions.setdefault(absolute, cap)
    return with_images(text, rich, captions)


_WRAPPER = re.compile(r"^\s*<(?!html|head|body|meta|!|\?)[a-z]+\b[^>]*>", re.I)

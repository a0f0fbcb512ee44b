"""Validation: an article with no title or no body is not an article. It is
dropped with a counted reason, never written half-empty. What passes gets
its fingerprint, and it goes on alone (what the site found beside it, the
``Found``, stays here: the outputs never see it).

Fields are bounded too (a page can hold anything): a title longer than
``NEWSCRAWL_MAX_TITLE_CHARS`` is no headline and the article is dropped
(``title_too_long``); a URL longer than ``NEWSCRAWL_MAX_FIELD_CHARS``
drops it too (``url_too_long``: it is the article's identity). A body over
``NEWSCRAWL_MAX_BODY_CHARS`` is cut after its last whole paragraph that
fits, its HTML and images with it; any other text field over
``NEWSCRAWL_MAX_FIELD_CHARS`` is cut (the lead, at a word) or emptied
(source, original title, raw date, a list's entries past the limit). Each
cut counts ``newscrawl/cut/<field>`` and the article's cuts are logged in
one WARNING line naming its URL.
"""

from __future__ import annotations

import hashlib
import logging
from html import escape
from typing import Any, Self

from scrapy.crawler import Crawler

from newscrawl.found import as_extracted
from newscrawl.items import Article
from newscrawl.normalize import nfkc
from newscrawl.pipelines import drop

logger = logging.getLogger(__name__)

CUT_PREFIX = "newscrawl/cut"
MAX_TITLE_CHARS = 1000
MAX_BODY_CHARS = 1_000_000
MAX_FIELD_CHARS = 10_000


def fingerprint(title: str, body_text: str) -> str:
    """SHA-256 (first 32 hex digits) of the normalized title and body text:
    the same text gives the same value whatever its whitespace or width.

    >>> fingerprint("Ａ  title", "body") == fingerprint("A title", " body ")
    True
    """
    norm = " ".join(nfkc(f"{title}\n{body_text}").split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


def problem(
    article: Article,
    min_body_chars: int,
    max_title_chars: int = MAX_TITLE_CHARS,
    max_url_chars: int = MAX_FIELD_CHARS,
) -> str | None:
    """Why ``article`` is not an article (``no_title``, ``title_too_long``,
    ``url_too_long``, ``no_body``), or None."""
    title = article.title.strip()
    if not title:
        return "no_title"
    if len(title) > max_title_chars > 0:
        return "title_too_long"
    if len(article.url) > max_url_chars > 0:
        return "url_too_long"
    if len(article.body_text.strip()) < min_body_chars:
        return "no_body"
    return None


def cut_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space when one is near.

    >>> cut_words("one two three", 9)
    'one two'
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space].rstrip() if space > limit // 2 else head


def cut_body(article: Article, limit: int) -> bool:
    """Cut ``article``'s body after its last whole paragraph within ``limit``
    characters of ``body_text`` (the first one cut at a word when it alone
    is longer), with ``body_html`` and ``images`` cut at the same place:
    the text pipeline writes one block per line in both, figures only in
    the HTML. True when something was cut."""
    text = article.body_text
    if len(text) <= limit:
        return False
    paragraphs = text.split("\n")
    kept, size = 0, 0
    for p in paragraphs:
        if size + len(p) + (1 if kept else 0) > limit:
            break
        size += len(p) + (1 if kept else 0)
        kept += 1
    lines, figures, seen = [], 0, 0
    for line in article.body_html.split("\n"):
        is_figure = line.startswith("<figure")
        if not is_figure and seen == kept:
            break
        lines.append(line)
        figures += is_figure
        seen += not is_figure
    if kept:
        article.body_text = "\n".join(paragraphs[:kept])
    else:
        first = cut_words(paragraphs[0], limit)
        article.body_text = first
        lines.append(f"<p>{escape(first, quote=False)}</p>")
    article.body_html = "\n".join(lines)
    article.images = article.images[:figures]
    return True


def cut_fields(article: Article, limit: int) -> list[str]:
    """Bound ``article``'s other text fields to ``limit`` characters each (a
    list: its entries, in order, while their total fits); the names of the
    fields cut."""
    cut: list[str] = []
    if article.lead and len(article.lead) > limit:
        article.lead = cut_words(article.lead, limit)
        cut.append("lead")
    for name in ("canonical_url", "source", "original_title", "published_raw"):
        value = getattr(article, name)
        if isinstance(value, str) and len(value) > limit:
            setattr(article, name, None)
            cut.append(name)
    for name in ("authors", "editors", "categories", "tags"):
        values: list[str] = getattr(article, name)
        kept, size = [], 0
        for v in values:
            size += len(v)
            if size > limit:
                break
            kept.append(v)
        if len(kept) < len(values):
            setattr(article, name, kept)
            cut.append(name)
    images = [i for i in article.images if len(i["url"]) + len(i["caption"] or "") <= limit]
    if len(images) < len(article.images):
        article.images = images
        cut.append("images")
    return cut


class ValidatePipeline:
    """Drops title-less and body-less articles; bounds the fields of the
    rest (see the module's docstring) and fingerprints them."""

    def __init__(
        self,
        stats: Any,
        min_body_chars: int,
        max_title_chars: int = MAX_TITLE_CHARS,
        max_body_chars: int = MAX_BODY_CHARS,
        max_field_chars: int = MAX_FIELD_CHARS,
    ) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars
        self.max_title_chars = max_title_chars
        self.max_body_chars = max_body_chars
        self.max_field_chars = max_field_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        return cls(
            crawler.stats,
            s.getint("NEWSCRAWL_MIN_BODY_CHARS", 1),
            s.getint("NEWSCRAWL_MAX_TITLE_CHARS", MAX_TITLE_CHARS),
            s.getint("NEWSCRAWL_MAX_BODY_CHARS", MAX_BODY_CHARS),
            s.getint("NEWSCRAWL_MAX_FIELD_CHARS", MAX_FIELD_CHARS),
        )

    def process_item(self, item: object) -> Article:
        """The Article alone (what a spider found beside it stays here), or a drop."""
        a = as_extracted(item).article
        reason = problem(a, self.min_body_chars, self.max_title_chars, self.max_field_chars)
        if reason:
            raise drop(self.stats, reason, a.url)
        cut = cut_fields(a, self.max_field_chars) if self.max_field_chars > 0 else []
        if self.max_body_chars > 0 and cut_body(a, self.max_body_chars):
            cut.insert(0, "body_text")
        if cut:
            for name in cut:
                if self.stats is not None:
                    self.stats.inc_value(f"{CUT_PREFIX}/{name}")
            logger.warning("Cut %s to their limits: %s", ", ".join(cut), a.url)
        a.fingerprint = fingerprint(a.title, a.body_text)
        return a

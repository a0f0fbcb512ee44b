"""Validation: an article with no title or no body is not an article. It is
dropped with a counted reason, never written half-empty. What passes gets
its fingerprint, and its ``raw`` working values are emptied."""

from __future__ import annotations

import hashlib
from typing import Any, Self

from scrapy.crawler import Crawler

from newscrawl.items import Article
from newscrawl.pipelines import as_article, drop, nfkc


def fingerprint(title: str, body_text: str) -> str:
    """SHA-256 (first 32 hex digits) of the normalized title and body text:
    the same text gives the same value whatever its whitespace or width.

    >>> fingerprint("Ａ  title", "body") == fingerprint("A title", " body ")
    True
    """
    norm = " ".join(nfkc(f"{title}\n{body_text}").split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


def problem(article: Article, min_body_chars: int) -> str | None:
    """Why ``article`` is not an article (``no_title``, ``no_body``), or None."""
    if not article.title.strip():
        return "no_title"
    if len(article.body_text.strip()) < min_body_chars:
        return "no_body"
    return None


class ValidatePipeline:
    """Drops title-less and body-less articles; fingerprints the rest."""

    def __init__(self, stats: Any, min_body_chars: int) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats, crawler.settings.getint("NEWSCRAWL_MIN_BODY_CHARS", 1))

    def process_item(self, item: Any) -> Article:
        a = as_article(item)
        reason = problem(a, self.min_body_chars)
        if reason:
            raise drop(self.stats, reason, a.url)
        a.fingerprint = fingerprint(a.title, a.body_text)
        a.raw = {}
        return a

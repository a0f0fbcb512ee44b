"""The Article: the one schema every site fills and every output writes.

Field names are a contract with the outputs (JSON keys, CSV headers, SQL
columns) and with the evaluation of extraction quality: keep them.

A site module fills an Article with what it *found*; what it found beyond
the schema's fields (date candidates, bylines by role, the article
container) travels beside it, typed, in ``newscrawl.found.Found``. The
pipelines turn both into the clean record.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypedDict


class Image(TypedDict):
    """An image of the body, in reading order."""

    url: str
    caption: str | None


@dataclass
class Listing:
    """What a list page, feed entry or saved post said about an article before
    its page was read: fallbacks for the page's own values.

    ``published`` from a feed is an exact instant (RFC 2822 / ISO 8601 with
    offset); ``body_html`` is set when the listing carries the full text
    (a Markdown post, a full-content feed).
    """

    url: str | None = None
    title: str | None = None
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    summary: str | None = None
    body_html: str | None = None


@dataclass
class Article:
    """One news article."""

    url: str = ""
    """URL fetched, after redirects (for a replay: the URL the page was saved from)."""

    canonical_url: str | None = None
    """``<link rel=canonical>`` or og:url, normalized; null when the page names none."""

    site: str = ""
    """Name of the site module that extracted it (``sina``, ``generic``, ...)."""

    title: str = ""
    """Headline as displayed, without the ``<title>`` tag's site-name tail."""

    published_at: str | None = None
    """Publication time, ISO 8601 with offset (``2021-08-27T14:55:00+08:00``)."""

    published_raw: str | None = None
    """The text ``published_at`` was parsed from, exactly as found."""

    published_from: str | None = None
    """Where the date came from: ``visible``, ``meta``, ``jsonld``, ``url`` or ``feed``."""

    updated_at: str | None = None
    """Last modification, ISO 8601 with offset; null when the page gives none."""

    authors: list[str] = field(default_factory=list)
    """Reporters and writers (记者, 作者, 文/), one person per entry, no labels."""

    editors: list[str] = field(default_factory=list)
    """Editors (责任编辑 / 责编), one person per entry; an editor code such as SN098 may follow."""

    source: str | None = None
    """Originating outlet shown as 来源 (北京日报客户端, 新华社, ...)."""

    original_title: str | None = None
    """原标题: the title the article had where it was first published."""

    categories: list[str] = field(default_factory=list)
    """Channel / breadcrumb trail, outermost first, one spelling per category."""

    tags: list[str] = field(default_factory=list)
    """Keywords and stock symbols (``sz300959``)."""

    lead: str | None = None
    """Description or summary."""

    body_text: str = ""
    """Article text only, one paragraph per line."""

    body_html: str = ""
    """The same body as cleaned HTML (p, img, figure, a, strong, ...)."""

    images: list[Image] = field(default_factory=list)
    """Images in the body, in order, with their captions."""

    language: str | None = None
    """BCP 47 language tag (``zh``, ``en``)."""

    fetched_at: str = ""
    """When the response was received, ISO 8601 UTC."""

    fingerprint: str = ""
    """Hash of the normalized title and body_text: same text, same value."""

    story_id: str | None = None
    """The story this article is a copy of: articles whose bodies are near-duplicates
    (syndicated copies) share it. Set by the database store (16 hex digits; an
    article that is no copy has the one derived from its own identity); null
    when no database linked it."""

    duplicate_of: str | None = None
    """Identity (the database's ``articles.id``: the normalized canonical URL)
    of the story's earliest published copy; null on that copy itself and when
    the article has no copy."""


#: The schema's fields, in order: the columns of every output.
ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Article))


def article_record(article: Article) -> dict[str, Any]:
    """The article as a plain dict of the schema's fields (what outputs write)."""
    return {name: getattr(article, name) for name in ARTICLE_FIELDS}

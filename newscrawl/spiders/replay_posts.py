"""Markdown posts (YAML front matter + HTML body) as the replay spider reads
them: the front matter is bounded in size, nesting and aliases (a YAML bomb
is a bad post, not a full memory), and each value must be of its type.

A post newscrawl wrote carries every Article field in its front matter
(``newscrawl.exporters.markdown``; its mark: a ``fingerprint``):
:func:`post_record` reads them back, each checked against the type the
Article declares, and the replay keeps them over what the page gives
(``newscrawl.pipelines.recorded``), so the post replays into the same Article.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Any

import yaml

from newscrawl.items import ARTICLE_FIELDS, Article, Listing
from newscrawl.spiders.replay_inputs import web_address

MAX_DEPTH = 20


class FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader without anchors and aliases (a "billion laughs" post
    expands a few hundred bytes into gigabytes) and with a nesting limit
    (PyYAML composes recursively: 10,000 ``[`` are a RecursionError).
    A timestamp that is no date (``2024-13-45``) stays text."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH}", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def lenient_timestamp(self, node: yaml.Node) -> Any:
        try:
            return self.construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # type: ignore[arg-type]


FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    FrontMatterLoader.lenient_timestamp,
)


def split_front_matter(text: str, limit: int = 65536) -> tuple[dict[str, Any], str]:
    """``(front matter, body)`` of a Markdown post; ValueError (or a
    yaml.YAMLError) when it has none, or one over ``limit`` characters."""
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("---"):
        raise ValueError("no YAML front matter (the post must start with ---)")
    end = text.find("\n---", 3, limit + 8)
    if end < 0:
        if text.find("\n---", 3) >= 0:
            raise ValueError(f"front matter larger than {limit} bytes")
        raise ValueError("front matter is not closed by ---")
    meta = yaml.load(text[3:end], Loader=FrontMatterLoader)
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    body = text[end + 4 :].split("\n", 1)[1] if "\n" in text[end + 4 :] else ""
    return meta, body


def _text(value: Any) -> str | None:
    """A str (or a number YAML read from plain text) that UTF-8 can write, else None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the YAML)
        return None
    return text


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in map(_text, items) if t]


def post_listing(meta: dict[str, Any], body: str, ignored: Callable[[str], None]) -> Listing:
    """What a Markdown post's front matter says (Hexo keys). A value of the
    wrong type (``url: 3``, ``headimg: [..]``) is ignored: ``ignored(key)``."""

    def pick(*keys: str, check: Callable[[Any], str | None] = _text) -> str | None:
        for key in keys:
            value = meta.get(key)
            if value is None or value == "":
                continue
            good = check(value)
            if good is None:
                ignored(key)
                continue
            return good
        return None

    def many(*keys: str) -> list[str]:
        for key in keys:
            value = meta.get(key)
            if value:
                found = _texts(value)
                if not found:
                    ignored(key)
                return found
        return []

    when = meta.get("date")
    published = when.isoformat() if isinstance(when, datetime | date) else pick("date")
    return Listing(
        url=pick("url", "link", "permalink", check=web_address),
        title=pick("title"),
        published=published,
        authors=many("author", "authors"),
        categories=many("categories"),
        tags=many("tags"),
        image=pick("headimg", "thumbnail"),
        summary=pick("description", "excerpt"),
        body_html=body,
    )


def post_page(listing: Listing) -> str:
    """A Markdown post as the HTML page a site module reads."""
    title = escape(listing.title or "")
    image = f'<meta property="og:image" content="{escape(listing.image)}">' if listing.image else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{image}'
        f"</head><body><h1>{title}</h1><article>{listing.body_html or ''}</article></body></html>"
    )


RECORD_MARK = "fingerprint"
"""The front matter key only newscrawl's own posts have (seed posts do not)."""
_TYPES = {f.name: str(f.type) for f in dataclasses.fields(Article)}


def _image(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or _text(value.get("url")) is None:
        return None
    caption = value.get("caption")
    if caption is not None and _text(caption) is None:
        return None
    return {"url": _text(value["url"]), "caption": None if caption is None else _text(caption)}


def _typed(kind: str, value: Any) -> tuple[bool, Any]:
    """``(True, value)`` when ``value`` is of the Article's type ``kind``
    (as its annotation spells it), else ``(False, None)``."""
    if value is None:
        return ("None" in kind or "Optional" in kind), None
    if kind.startswith("list["):
        if not isinstance(value, list):
            return False, None
        if "Image" in kind:
            images = [_image(v) for v in value]
            return (None not in images), images
        if kind == "list[str]":
            texts = [_text(v) if isinstance(v, str) else None for v in value]
            return (None not in texts), texts
        return True, value
    if kind.split(" | ")[0] == "str":
        text = _text(value) if isinstance(value, str) else None
        return text is not None, text
    # A field of another type (a number, a flag): as YAML read it.
    return not isinstance(value, dict | list), value


def post_record(
    meta: dict[str, Any], body: str, ignored: Callable[[str], None]
) -> dict[str, Any] | None:
    """The Article fields a post newscrawl wrote records (None for any other
    post): every field of the schema the front matter holds, ``body_html``
    from the body, ``body_text`` left to be made from it. A value not of its
    field's type is left out: ``ignored(key)``."""
    if RECORD_MARK not in meta:
        return None
    record: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        if name in ("body_text", "body_html") or name not in meta:
            continue
        good, value = _typed(_TYPES[name], meta[name])
        if good:
            record[name] = value
        else:
            ignored(name)
    if "categories" not in record:  # the seed key is written only when there are some
        record["categories"] = []
    # The body as written: one blank line after the front matter, a line break at the end.
    html = body[1:] if body.startswith("\n") else body
    record["body_html"] = html[:-1] if html.endswith("\n") else html
    return record

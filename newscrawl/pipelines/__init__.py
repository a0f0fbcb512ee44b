"""Item pipelines: each module holds pure normalizer functions (table-tested)
and one thin pipeline class that applies them to an Article.

Order (``ITEM_PIPELINES``): text -> people -> dates -> categories -> validate
-> store. Text runs first because it lifts byline lines out of the body for
people; validate drops what is not an article before anything is stored.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from newscrawl.items import Article

DROP_PREFIX = "newscrawl/dropped"


def drop(stats: Any, reason: str, where: str) -> DropItem:
    """Count a drop under ``newscrawl/dropped/<reason>`` and return the
    DropItem to raise; its message names ``where`` (the URL or file)."""
    if stats is not None:
        stats.inc_value(f"{DROP_PREFIX}/{reason}")
        stats.inc_value(f"{DROP_PREFIX}/total")
    exc = DropItem(f"{reason}: {where}")
    exc.newscrawl_reason = reason  # type: ignore[attr-defined]
    return exc


def as_article(item: Any) -> Article:
    """The item as an Article (pipelines only handle Articles)."""
    if not isinstance(item, Article):
        raise TypeError(f"newscrawl pipelines take Article items, got {type(item).__name__}")
    return item

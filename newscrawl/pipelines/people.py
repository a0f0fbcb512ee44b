"""The people pipeline: ``authors``, ``editors`` and ``source`` sorted by
role from what the site found (the rules: :mod:`newscrawl.normalize.people`)."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler

from newscrawl.found import Extracted, as_extracted
from newscrawl.normalize.names import is_site_name
from newscrawl.normalize.people import is_outlet, parse_byline, split_people

__all__ = ["PeoplePipeline", "is_outlet", "is_site_name", "parse_byline", "split_people"]


class PeoplePipeline:
    """Sorts authors/editors/source by role. The site's own names
    (``NEWSCRAWL_SITE_NAMES``, the site module's ``site_names`` and what the
    page calls itself: ``Found.site_names``) are nobody."""

    def __init__(self, site_names: list[str]) -> None:
        self.site_names = tuple(site_names)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getlist("NEWSCRAWL_SITE_NAMES"))

    def process_item(self, item: object) -> Extracted:
        x = as_extracted(item)
        a = x.article
        lines = a.body_text.split("\n") if a.body_text else [""]
        names = self.site_names + x.found.site_names
        p = split_people(
            a.authors,
            a.editors,
            a.source,
            x.found.bylines,
            lines[0],
            names,
            "\n".join(lines[-3:]) if len(lines) > 1 else "",
            a.language,
        )
        a.authors, a.editors, a.source = p.authors, p.editors, p.source
        return x

"""A site module that lives outside the project, for tests/test_site_module.py:
everything newscrawl needs to crawl "Demo Daily" (a made-up Tokyo paper at
news.demo-daily.test) is in this file and the pages beside it. It is a site
only when ``NEWSCRAWL_SITE_MODULES`` names it (with this folder on PYTHONPATH).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newscrawl.sites.base import Site

_STORY = re.compile(r"^/story/(\d+)-[\w-]+\.html$")


class DemoDaily(Site):
    """Demo Daily: a river of stories, paginated by an "Older stories" link."""

    name = "demo_daily"
    domains = ("demo-daily.test",)
    timezone = "Asia/Tokyo"
    language = "en"
    # Where a click came from: ?via=home, ?via=river&slot=3.
    tracking_params = frozenset({"via", "slot"})

    # Discovery: where the list is and how it reads.
    list_pages = ("http://news.demo-daily.test/latest/index.html",)
    list_item_css = ("ul.river li.story",)
    next_page_xpath = '//a[@class="older"]/@href'

    # What the paper calls itself (its pages' <meta name=author>): nobody as an author.
    site_names = ("デモ日報", "Demo Daily")

    def article_key(self, url: str) -> str:
        """``demo_daily:<story number>``, whatever the slug and query."""
        m = _STORY.match(urlsplit(url).path)
        return f"demo_daily:{m[1]}" if m else super().article_key(url)

    def is_article_url(self, url: str) -> bool:
        return bool(_STORY.match(urlsplit(url).path))

    def skip_reason(self, url: str) -> str | None:
        if urlsplit(url).path.startswith("/video/"):
            return "video"
        return super().skip_reason(url)

"""Sina (sina.com.cn, sina.cn): finance and its sister channels."""

from __future__ import annotations

import re

from newscrawl.sites.base import Page, Site


class Sina(Site):
    """Sina article pages."""

    name = "sina"
    domains = ("sina.com.cn", "sina.cn", "sinaimg.cn")
    timezone = "Asia/Shanghai"
    language = "zh"
    title_separators = ("_",)

    ARTICLE_URL = re.compile(r"/doc-i[a-z]{4}\w+\.s?html|/\d{4}-\d{2}-\d{2}/\w+\.s?html")

    def is_article_url(self, url: str) -> bool:
        return bool(self.ARTICLE_URL.search(url))

    def title(self, page: Page) -> str | None:
        return page.text("h1.main-title") or page.text("h1#artibodyTitle") or super().title(page)

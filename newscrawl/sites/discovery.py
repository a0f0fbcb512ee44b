"""Discovery hooks of a site: where a live crawl starts (list pages, APIs)
and how a list page or API response reads into the articles it names.

``Site`` inherits :class:`Discovery`; a site module overrides what it needs
(class attributes for the simple cases, methods for an API). The spider
(``newscrawl.spiders.site``) owns what is the same for every site: the
``since`` cut-off, the ``limit``, the page limit, duplicates, skips counted
by reason, politeness. For example::

    class Demo(Site):
        name = "demo"
        domains = ("demo.example",)
        list_pages = ("https://demo.example/latest/",)
        list_item_css = ("ul.stories li",)

        def is_article_url(self, url: str) -> bool:
            return "/story/" in url

and ``scrapy crawl site -a name=demo -a since=2d`` reads the list, follows
its next-page link and fetches every story younger than two days.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from scrapy.http import TextResponse
from scrapy.settings import BaseSettings

from newscrawl.items import Listing

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_AGE_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LIST_DATE = re.compile(
    r"(?:(\d{4})[-年/])?(\d{1,2})[-月/](\d{1,2})日?\s*(\d{1,2})[:：](\d{2})(?![\d])"
)


def parse_since(text: str | None, tz: str, now: datetime | None = None) -> datetime | None:
    """The cut-off ``-a since=`` names: a date or time (read in the site's
    zone when it has no offset) or an age (``90m``, ``12h``, ``2d``, ``1w``).
    A ValueError says what to write instead.

    >>> now = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
    >>> parse_since("2d", "Asia/Shanghai", now).isoformat()
    '2024-05-01T12:00:00+00:00'
    >>> parse_since("2024-05-01", "Asia/Shanghai").isoformat()
    '2024-05-01T00:00:00+08:00'
    """
    if text is None or not str(text).strip():
        return None
    m = _AGE.match(str(text))
    if m:
        return (now or datetime.now(UTC)) - timedelta(**{_AGE_UNIT[m[2].lower()]: float(m[1])})
    try:
        dt = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"since={text!r} is no date: use 2024-05-01, 2024-05-01T08:00 or an age "
            "such as 12h, 2d, 1w"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


def list_date(text: str, tz: str, year: int) -> datetime | None:
    """The date a list prints beside a link (``(05月03日 10:00)``,
    ``2024-05-03 10:00``), read in zone ``tz``; ``year`` when it shows none.

    >>> list_date("(05月03日 10:00)", "Asia/Shanghai", 2024).isoformat()
    '2024-05-03T10:00:00+08:00'
    >>> list_date("no date here", "UTC", 2024) is None
    True
    """
    m = _LIST_DATE.search(text)
    if not m:
        return None
    try:
        return datetime(
            int(m[1] or year), int(m[2]), int(m[3]), int(m[4]), int(m[5]), tzinfo=ZoneInfo(tz)
        )
    except ValueError:
        return None


@dataclass(frozen=True)
class ListPage:
    """A list page or API page to fetch."""

    url: str
    kind: str = "list"
    """Which of the site's readers reads it (``read_list`` dispatches on it);
    ``"list"`` is an HTML list page."""
    number: int = 1
    """Its place in its pagination (1: a start page); the page limit counts it."""
    dont_filter: bool = False
    """Fetched even when an equal request was seen (an API asked page by page)."""


@dataclass(frozen=True)
class Entry:
    """An article a list names: its URL, what the list said about it (the
    fallbacks of its page's fields) and the time the list gives it."""

    url: str
    listing: Listing
    when: datetime | None = None


@dataclass
class ListRead:
    """What one list page gave: its entries in list order, and the page after
    it (None on the last one). The spider decides whether to follow it."""

    entries: list[Entry] = field(default_factory=list)
    next: ListPage | None = None


class Discovery:
    """Hooks with defaults for a site's live crawl (``scrapy crawl site``)."""

    if TYPE_CHECKING:  # Site's, used here
        timezone: ClassVar[str]
        name: ClassVar[str]

        def is_article_url(self, url: str) -> bool: ...

        def url_date(self, url: str) -> str | None: ...

    list_pages: ClassVar[tuple[str, ...]] = ()
    """Where a crawl starts: the site's list pages (``-a lists=`` replaces them)."""

    list_item_css: ClassVar[tuple[str, ...]] = ("li",)
    """The elements of a list page that each hold one article link, and maybe
    its date (the first link of each is the article's): CSS selectors tried in
    order, the first that matches wins; a page matching none is read link by
    link."""

    next_page_xpath: ClassVar[str] = (
        '//link[@rel="next"]/@href | //a[@rel="next"]/@href'
        ' | //a[normalize-space(.)="下一页" or normalize-space(.)="Next"'
        ' or contains(concat(" ", normalize-space(@class), " "), " next ")]/@href'
    )
    """Where a list page links to the next one."""

    discovery_arguments: ClassVar[dict[str, str]] = {}
    """The site's own ``-a`` arguments of a live crawl (name -> what it means);
    given to :meth:`configure_discovery`, listed by ``scrapy crawl site -h``."""

    def configure_discovery(self, args: Mapping[str, str], settings: BaseSettings) -> None:
        """Take the site's own ``-a`` arguments (only names of
        :attr:`discovery_arguments`) and the crawl's settings before the crawl
        starts; a ValueError says which value is wrong and what to write."""

    def describe_discovery(self) -> str:
        """What the crawl's start log line says of the site's own options."""
        return ""

    def list_starts(self, lists: list[str] | None) -> list[ListPage]:
        """The pages a crawl starts from; ``lists`` (``-a lists=``) replaces
        the site's :attr:`list_pages` (an empty list: none)."""
        return [ListPage(u) for u in (self.list_pages if lists is None else lists)]

    def read_list(self, response: TextResponse, page: ListPage) -> ListRead:
        """The articles on a list page, with the date beside each link (the
        URL's date when it shows none), and the next page's link."""
        items = next(
            (found for css in self.list_item_css if (found := response.css(css))),
            response.css("a[href]"),
        )
        now = datetime.now(UTC)
        entries: list[Entry] = []
        for item in items:
            href = item.attrib.get("href") if item.root.tag == "a" else None
            href = href or item.css("a::attr(href)").get()
            if not href or href.strip().startswith(("javascript:", "#", "mailto:")):
                continue
            url = urljoin(response.url, href.strip())
            text = " ".join(item.css("::text").getall())
            title = " ".join(item.css("a::text").getall() or item.css("::text").getall())
            title = " ".join(title.split())
            entries.append(
                Entry(url, Listing(url=url, title=title or None), self.entry_date(text, url, now))
            )
        nxt = (response.xpath(self.next_page_xpath).get() or "").strip()
        more = ListPage(urljoin(response.url, nxt), page.kind, page.number + 1) if nxt else None
        return ListRead(entries, more)

    def entry_date(self, text: str, url: str, now: datetime | None = None) -> datetime | None:
        """The time a list gives a link: a date in ``text`` (read in the
        site's zone; a list printing no year means the URL's, else this
        year's, else last year's when this year's is in the future), else the
        date in ``url`` (``Site.url_date``)."""
        now = now or datetime.now(UTC)
        day = self.url_date(url)
        year = int(day[:4]) if day else now.astimezone(ZoneInfo(self.timezone)).year
        when = list_date(text, self.timezone, year)
        if when is not None and not day and when > now + timedelta(days=1):
            when = when.replace(year=when.year - 1)
        if when is None and day:
            when = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(self.timezone))
        return when

    def skip_reason(self, url: str) -> str | None:
        """Why a listed URL is not fetched (counted as
        ``newscrawl/skipped/<reason>``), or None for an article."""
        return None if self.is_article_url(url) else "not_article_url"

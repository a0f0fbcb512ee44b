"""Sina live crawl: roll-news lists -> article pages.

    scrapy crawl sina                                # finance, newest first
    scrapy crawl sina -a channel=tech -a since=2d    # stop at articles older than 2 days
    scrapy crawl sina -a since=2024-05-01 -a limit=200

Articles are discovered from two places, both as Sina's own roll pages use them:

* the JSON list API the roll pages load from
  (``feed.mix.sina.com.cn/api/roll/get?pageid=153&lid=2516&num=50&page=N``:
  ``result.data[]`` of ``{url, title, ctime, intro, media_name, keywords}``),
  paginated with ``page=``;
* static roll list pages (``roll.finance.sina.com.cn/.../index_1.shtml``: links
  with a ``(05月03日 10:00)`` date beside them, a 下一页 link to the next page).

Pagination stops at an empty page, at the ``since`` cut-off (a page whose
listed articles are older), at ``limit`` articles or at
``NEWSCRAWL_SINA_MAX_PAGES``. Listed URLs that are no article (video,
galleries, live blogs, quote pages, other addresses) are skipped, counted under
``newscrawl/skipped/<reason>`` with a log line naming the URL. Article pages
that fail (404, or 5xx after Scrapy's retries) are counted as
``newscrawl/dropped/http_error`` and the crawl goes on.

Where the lists are is Sina knowledge (``newscrawl.sites.sina``); the API base
and the list pages can be overridden by ``-a api=`` / ``-a lists=`` or the
``NEWSCRAWL_SINA_API`` / ``NEWSCRAWL_SINA_LIST_PAGES`` settings (a local test
server, a mirror). Politeness (robots.txt, AutoThrottle, User-Agent with a
contact, per-domain concurrency) comes from ``settings.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.items import Listing
from newscrawl.sites.sina import Sina
from newscrawl.spiders.base import ArticleSpider

SKIP_PREFIX = "newscrawl/skipped"
DISCOVERY = "newscrawl_discovery"
"""Request meta: a list page or API page (always fetched by incremental runs)."""
ENTRY_DATE = "newscrawl_date"
"""Request meta: the date (ISO 8601) the list gave the article."""

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_AGE_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LIST_DATE = re.compile(
    r"(?:(\d{4})[-年/])?(\d{1,2})[-月/](\d{1,2})日?\s*(\d{1,2})[:：](\d{2})(?![\d])"
)


def parse_since(text: str | None, tz: str, now: datetime | None = None) -> datetime | None:
    """The cut-off ``-a since=`` names: a date or time (read in the site's
    zone when it has no offset) or an age (``90m``, ``12h``, ``2d``, ``1w``).

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
        raise UsageError(
            f"sina: since={text!r} is no date: use 2024-05-01, 2024-05-01T08:00 or an age "
            "such as 12h, 2d, 1w"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


def api_items(body: bytes) -> list[dict[str, Any]]:
    """``result.data`` of a roll API response (JSON, or JSONP ``cb({...})``).

    >>> api_items(b'cb({"result": {"data": [{"url": "u"}]}});')
    [{'url': 'u'}]
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text.startswith("{"):
        # JSONP, possibly inside try{...}catch(e){}: the object between "({" and "})".
        start, end = text.find("({"), text.rfind("})")
        text = text[start + 1 : end + 1] if 0 <= start < end else text
    data = json.loads(text)
    items = (data.get("result") or {}).get("data") or []
    return [i for i in items if isinstance(i, dict)]


def list_date(text: str, tz: str, year: int) -> datetime | None:
    """The date a roll list prints beside a link (``(05月03日 10:00)``,
    ``2024-05-03 10:00``); ``year`` when it shows none.

    >>> list_date("(05月03日 10:00)", "Asia/Shanghai", 2024).isoformat()
    '2024-05-03T10:00:00+08:00'
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


class SinaSpider(ArticleSpider):
    """Sina's roll news, newest first, into the article pipeline."""

    name = "sina"

    def __init__(
        self,
        channel: str = "finance",
        since: str | None = None,
        limit: str | int | None = None,
        api: str | None = None,
        lists: str | list[str] | None = None,
        num: str | int = 50,
        max_pages: str | int = 50,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.site = "sina"
        self.sina = Sina()
        if channel not in self.sina.ROLL_CHANNELS and not str(channel).isdigit():
            known = ", ".join(sorted(self.sina.ROLL_CHANNELS))
            raise UsageError(f"sina: unknown channel {channel!r}; known: {known} (or a lid number)")
        self.channel = channel
        if channel in self.sina.ROLL_CHANNELS:
            self.pageid, self.lid = self.sina.ROLL_CHANNELS[channel]
        else:
            self.pageid, self.lid = 153, int(channel)
        self.cutoff = parse_since(since, self.sina.timezone)
        # As an ISO instant with its offset, for middlewares that read ``since``.
        self.since = self.cutoff.isoformat() if self.cutoff else None
        try:
            self.limit = int(limit) if limit not in (None, "") else None
            self.num = int(num)
            self.max_pages = int(max_pages)
        except ValueError as exc:
            raise UsageError(f"sina: limit, num and max_pages are numbers ({exc})") from None
        self.api = self.sina.ROLL_API if api is None else api
        if lists is None:
            self.lists = list(self.sina.ROLL_PAGES.get(channel, ()))
        elif isinstance(lists, str):
            self.lists = [u for u in re.split(r"[\s,]+", lists) if u]
        else:
            self.lists = list(lists)
        if self.num < 1 or self.max_pages < 1 or (self.limit is not None and self.limit < 1):
            raise UsageError("sina: limit, num and max_pages are 1 or more")
        for u in ([self.api] if self.api else []) + self.lists:
            parts = urlsplit(u)
            # Checked here: Request() would raise "Missing scheme" from start().
            web = parts.scheme in ("http", "https") and parts.netloc
            if not web and not (parts.scheme == "file" and parts.path):
                raise UsageError(f"sina: {u!r} is no http(s) URL (api= and lists= need one)")
        self.seen: set[str] = set()
        self.requested = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        s = crawler.settings
        if s.get("NEWSCRAWL_SINA_API") is not None:
            kwargs.setdefault("api", s.get("NEWSCRAWL_SINA_API"))
        pages = s.getdict("NEWSCRAWL_SINA_LIST_PAGES")
        channel = kwargs.get("channel", "finance")
        if channel in pages:
            kwargs.setdefault("lists", pages[channel])
        kwargs.setdefault("max_pages", s.getint("NEWSCRAWL_SINA_MAX_PAGES", 50))
        spider: Self = super().from_crawler(crawler, *args, **kwargs)
        return spider

    # -- discovery -----------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.logger.info(
            "sina: channel %s (lid %s), since %s, limit %s, API %s, %d list page(s)",
            self.channel,
            self.lid,
            self.since or "-",
            self.limit if self.limit is not None else "-",
            self.api or "off",
            len(self.lists),
        )
        if self.api:
            yield self.api_request(1)
        for url in self.lists:
            yield Request(
                url,
                callback=self.parse_list,
                errback=self.list_failed,
                meta={DISCOVERY: True, "list_page": 1},
            )

    def api_request(self, page: int) -> Request:
        query = {"pageid": self.pageid, "lid": self.lid, "k": "", "num": self.num, "page": page}
        sep = "&" if "?" in self.api else "?"
        return Request(
            f"{self.api}{sep}{urlencode(query)}",
            callback=self.parse_api,
            errback=self.list_failed,
            meta={DISCOVERY: True, "list_page": page, "api": True},
            dont_filter=True,
        )

    def parse_api(self, response: Response) -> Iterator[Request]:
        page = int(response.meta["list_page"])
        try:
            items = api_items(response.body)
        except (ValueError, AttributeError) as exc:
            self.skip("bad_list_page", response.url, f"not roll API JSON: {exc}")
            return
        self.logger.info("sina: API page %d: %d items", page, len(items))
        older = False
        for item in items:
            url = str(item.get("url") or item.get("wapurl") or "")
            when = None
            ctime = str(item.get("ctime") or item.get("intime") or "")
            if ctime.isdigit():
                when = datetime.fromtimestamp(int(ctime), UTC)
            listing = Listing(
                url=url,
                title=item.get("title") or None,
                published=when.isoformat() if when else None,
                summary=item.get("intro") or item.get("summary") or None,
                tags=[k for k in re.split(r"[,，]", str(item.get("keywords") or "")) if k],
            )
            req = self.listed(url, when, listing)
            if req is None and when is not None and self.cutoff and when < self.cutoff:
                older = True
            if req is not None:
                yield req
        if self.more(items, older, page):
            yield self.api_request(page + 1)

    def parse_list(self, response: Response) -> Iterator[Request]:
        page = int(response.meta["list_page"])
        year = datetime.now(ZoneInfo(self.sina.timezone)).year
        links = response.css(
            ".list_009 li, .listBlk li, #d_list li, ul.list li, .feed-card-item, .news-item"
        ) or response.css("li")
        older = False
        count = 0
        for li in links:
            href = li.css("a::attr(href)").get()
            if not href or href.startswith(("javascript:", "#")):
                continue
            url = urljoin(response.url, href.strip())
            text = " ".join(li.css("::text").getall())
            # Lists print no year: the URL's, else this year's (last year's
            # when that would be in the future).
            day = self.sina.url_date(url)
            when = list_date(text, self.sina.timezone, int(day[:4]) if day else year)
            if when is not None and not day and when > datetime.now(UTC) + timedelta(days=1):
                when = when.replace(year=when.year - 1)
            if when is None and day:
                when = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(self.sina.timezone))
            title = " ".join(li.css("a::text").getall()).strip() or None
            count += 1
            req = self.listed(url, when, Listing(url=url, title=title))
            if req is None and when is not None and self.cutoff and when < self.cutoff:
                older = True
            if req is not None:
                yield req
        self.logger.info("sina: list page %s: %d links", response.url, count)
        nxt = response.xpath(
            '//a[normalize-space(.)="下一页" or contains(@class, "next")]/@href'
        ).get()
        if nxt and self.more(links, older, page):
            yield Request(
                urljoin(response.url, nxt),
                callback=self.parse_list,
                errback=self.list_failed,
                meta={DISCOVERY: True, "list_page": page + 1},
            )

    def listed(self, url: str, when: datetime | None, listing: Listing) -> Request | None:
        """The request for a listed URL, or None (skipped, with its reason counted)."""
        if not url.startswith(("http://", "https://")):
            return None
        key = url.split("#", 1)[0]
        if key in self.seen:
            return None
        self.seen.add(key)
        reason = self.sina.not_article_reason(url)
        if reason:
            self.skip(reason, url)
            return None
        if self.cutoff and when is not None and when < self.cutoff:
            self.skip("older_than_since", url, when.isoformat(), level="debug")
            return None
        if self.limit is not None and self.requested >= self.limit:
            return None
        self.requested += 1
        meta: dict[str, Any] = {ENTRY_DATE: when.isoformat()} if when else {}
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"listing": listing},
            meta=meta,
        )

    def more(self, items: Any, older: bool, page: int) -> bool:
        """Whether to read the next list page."""
        if not items:
            return False
        if older:
            self.logger.info(
                "sina: page %d reaches the since cut-off; not paginating further", page
            )
            return False
        if self.limit is not None and self.requested >= self.limit:
            self.logger.info("sina: limit of %d articles reached", self.limit)
            return False
        if page >= self.max_pages:
            self.logger.info("sina: NEWSCRAWL_SINA_MAX_PAGES (%d) reached", self.max_pages)
            return False
        return True

    # -- articles and failures -------------------------------------------------

    def skip(self, reason: str, url: str, detail: str = "", level: str = "info") -> None:
        """Count a listed URL not fetched, with a log line naming it."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{SKIP_PREFIX}/{reason}")
        log = self.logger.debug if level == "debug" else self.logger.info
        log("Skipped %s: %s%s", reason, url, f" ({detail})" if detail else "")

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        if isinstance(exc, HttpError):
            self.count_drop("http_error", request.url, f"HTTP {exc.response.status}")
        elif isinstance(exc, IgnoreRequest):
            reason = "robots_txt" if "robots" in str(exc).lower() else "ignored"
            self.skip(reason, request.url, str(exc) or "a downloader middleware")
        else:
            self.count_drop("fetch_error", request.url, f"{type(exc).__name__}: {exc}")

    def list_failed(self, failure: Failure) -> None:
        """A list or API page that failed: counted; the other lists go on."""
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        if isinstance(exc, HttpError):
            detail = f"HTTP {exc.response.status}"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        self.skip("list_page_error", request.url, detail)
        self.logger.warning("list page failed: %s (%s)", request.url, detail)

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        skipped = {
            k[len(SKIP_PREFIX) + 1 :]: v
            for k, v in sorted(stats.items())
            if k.startswith(SKIP_PREFIX)
        }
        self.logger.info(
            "sina: %d articles requested; skipped: %s",
            self.requested,
            ", ".join(f"{k} {v}" for k, v in skipped.items()) or "none",
        )

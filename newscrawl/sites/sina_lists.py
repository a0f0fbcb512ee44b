"""Where Sina lists its articles, for ``scrapy crawl sina`` (and
``scrapy crawl site -a name=sina``): the discovery hooks of the Sina site.

Two kinds of list, both as Sina's own roll pages use them:

* the JSON list API the roll pages load from
  (``feed.mix.sina.com.cn/api/roll/get?pageid=153&lid=2516&num=50&page=N``:
  ``result.data[]`` of ``{url, title, ctime, intro, media_name, keywords}``),
  paginated with ``page=``;
* static roll list pages (``roll.finance.sina.com.cn/.../index_1.shtml``: links
  with a ``(05月03日 10:00)`` date beside them, a 下一页 link to the next page).

The API base and the list pages can be overridden by ``-a api=`` /
``-a lists=`` or the ``NEWSCRAWL_SINA_API`` / ``NEWSCRAWL_SINA_LIST_PAGES``
settings (a local test server, a mirror).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from scrapy.http import TextResponse
from scrapy.settings import BaseSettings

from newscrawl.items import Listing
from newscrawl.sites.discovery import Discovery, Entry, ListPage, ListRead

API = "api"
"""``ListPage.kind`` of a roll API page."""


def api_items(body: bytes) -> list[dict[str, Any]]:
    """``result.data`` of a roll API response (JSON, or JSONP ``cb({...})``);
    a ValueError when it is neither.

    >>> api_items(b'cb({"result": {"data": [{"url": "u"}]}});')
    [{'url': 'u'}]
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text.startswith("{"):
        # JSONP, possibly inside try{...}catch(e){}: the object between "({" and "})".
        start, end = text.find("({"), text.rfind("})")
        text = text[start + 1 : end + 1] if 0 <= start < end else text
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the response is no JSON object")
    items = (data.get("result") or {}).get("data") or []
    return [i for i in items if isinstance(i, dict)]


def api_entry(item: Mapping[str, Any]) -> Entry:
    """One roll API item as a listed article (``ctime`` is a Unix time)."""
    url = str(item.get("url") or item.get("wapurl") or "")
    ctime = str(item.get("ctime") or item.get("intime") or "")
    when = datetime.fromtimestamp(int(ctime), UTC) if ctime.isdigit() else None
    listing = Listing(
        url=url,
        title=item.get("title") or None,
        published=when.isoformat() if when else None,
        summary=item.get("intro") or item.get("summary") or None,
        tags=[k for k in re.split(r"[,，]", str(item.get("keywords") or "")) if k],
    )
    return Entry(url, listing, when)


class SinaLists(Discovery):
    """Sina's discovery: the roll API of a channel, then its roll list pages."""

    ARTICLE_URL = re.compile(
        r"/doc-i[a-z]{4}\w+\.s?html|/detail-i[a-z]{4}\w+\.d\.html"
        r"|/\d{4}-\d{2}-\d{2}/(?:doc-)?\w+\.s?html|//k\.sina\.(?:com\.)?cn/article_\w+\.html"
    )
    """Article addresses: today's ``doc-i….shtml`` (``detail-i….d.html`` on
    sina.cn, ``k.sina.com.cn/article_….html``) and the older ``/YYYY-MM-DD/<number>.shtml`` ones."""

    ROLL_API = "https://feed.mix.sina.com.cn/api/roll/get"
    """The JSON list API Sina's roll-news pages (news.sina.com.cn/roll/,
    finance.sina.com.cn/roll/) load their lists from."""

    ROLL_CHANNELS: ClassVar[dict[str, tuple[int, int]]] = {
        "all": (153, 2509),
        "news": (153, 2510),
        "world": (153, 2511),
        "society": (153, 2669),
        "sports": (153, 2512),
        "ent": (153, 2513),
        "mil": (153, 2514),
        "tech": (153, 2515),
        "finance": (153, 2516),
        "stock": (153, 2517),
        "usstock": (153, 2518),
    }
    """``-a channel=`` -> the roll API's ``(pageid, lid)``."""

    ROLL_PAGES: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Static roll list pages per channel (links + 下一页). Today's roll pages
    are drawn by script from :attr:`ROLL_API`, so none by default; the
    ``NEWSCRAWL_SINA_LIST_PAGES`` setting or ``-a lists=`` adds some."""

    NOT_ARTICLE_URL = re.compile(
        r"//(?:video|slide|photo|live|zhibo|quotes|vip|blog|iask|search)\.|/(?:video|slide|zt_d|"
        r"zhibo|live|quotes|realstock|hkstock/quotes|usstock/quotes)/|/(?:slide|video)_",
    )
    """Sina pages that are no article: video, galleries, live blogs, quotes, topics."""

    def is_article_url(self, url: str) -> bool:
        return bool(self.ARTICLE_URL.search(url)) and not self.NOT_ARTICLE_URL.search(url)

    def not_article_reason(self, url: str) -> str | None:
        """Why a listed URL is skipped (``video``, ``gallery``, ``live``,
        ``quote``, ``not_article_url``), or None for an article."""
        u = url.lower()
        if re.search(r"//video\.|/video/|video_|\.video\.", u):
            return "video"
        if re.search(r"//(slide|photo)\.|/slide/|slide_", u):
            return "gallery"
        if re.search(r"//(zhibo|live)\.|/zhibo/|/live/", u):
            return "live"
        if re.search(r"//quotes\.|/quotes/|/realstock/|/hq/", u):
            return "quote"
        if not self.is_article_url(url):
            return "not_article_url"
        return None

    list_item_css = (
        ".list_009 li, .listBlk li, #d_list li, ul.list li, .feed-card-item, .news-item",
        "li",
    )
    next_page_xpath = '//a[normalize-space(.)="下一页" or contains(@class, "next")]/@href'
    discovery_arguments: ClassVar[dict[str, str]] = {
        "channel": "roll channel: finance (default), news, tech, stock... or a lid number",
        "api": "roll API base URL (default Sina's, or NEWSCRAWL_SINA_API); empty: no API",
        "num": "articles per API page (default 50)",
    }

    channel = "finance"
    pageid, lid = 153, 2516
    num = 50
    api: str | None = None
    """The roll API base; None: :attr:`ROLL_API`; empty: the API is not read."""
    configured_lists: tuple[str, ...] | None = None
    """The channel's list pages from ``NEWSCRAWL_SINA_LIST_PAGES``."""

    def configure_discovery(self, args: Mapping[str, str], settings: BaseSettings) -> None:
        """``-a channel=`` (a name of ``ROLL_CHANNELS`` or a lid number),
        ``-a api=``, ``-a num=``; the ``NEWSCRAWL_SINA_*`` settings."""
        channel = str(args.get("channel") or "finance")
        if channel in self.ROLL_CHANNELS:
            self.pageid, self.lid = self.ROLL_CHANNELS[channel]
        elif channel.isdigit():
            self.pageid, self.lid = 153, int(channel)
        else:
            known = ", ".join(sorted(self.ROLL_CHANNELS))
            raise ValueError(f"unknown channel {channel!r}; known: {known} (or a lid number)")
        self.channel = channel
        try:
            self.num = int(args.get("num") or 50)
        except ValueError:
            raise ValueError(f"num={args.get('num')!r} is no whole number") from None
        if self.num < 1:
            raise ValueError("num (articles per API page) is 1 or more")
        api = args.get("api")
        if api is None and settings.get("NEWSCRAWL_SINA_API") is not None:
            api = str(settings.get("NEWSCRAWL_SINA_API"))
        self.api = self.ROLL_API if api is None else api
        if self.api:
            parts = urlsplit(self.api)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"api={self.api!r} is no http(s) URL")
        pages = settings.getdict("NEWSCRAWL_SINA_LIST_PAGES")
        if channel in pages:
            value = pages[channel]
            listed = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
            self.configured_lists = tuple(u for u in listed if u)

    def describe_discovery(self) -> str:
        return f"channel {self.channel} (lid {self.lid}), API {self.api or 'off'}"

    def api_page(self, number: int) -> ListPage:
        """Page ``number`` of the channel's roll API."""
        base = self.ROLL_API if self.api is None else self.api
        query = {"pageid": self.pageid, "lid": self.lid, "k": "", "num": self.num, "page": number}
        sep = "&" if "?" in base else "?"
        return ListPage(f"{base}{sep}{urlencode(query)}", API, number, dont_filter=True)

    def list_starts(self, lists: list[str] | None) -> list[ListPage]:
        """API page 1 (unless the API is off), then the channel's list pages:
        ``lists``, else ``NEWSCRAWL_SINA_LIST_PAGES``, else ``ROLL_PAGES``."""
        starts = [self.api_page(1)] if self.api != "" else []
        if lists is None:
            lists = list(self.configured_lists or self.ROLL_PAGES.get(self.channel, ()))
        return starts + [ListPage(u) for u in lists]

    def read_list(self, response: TextResponse, page: ListPage) -> ListRead:
        """An API page's items (the next API page while it has any), or a
        roll list page's links (the base reader, with Sina's list classes)."""
        if page.kind != API:
            return super().read_list(response, page)
        entries = [api_entry(item) for item in api_items(response.body)]
        return ListRead(entries, self.api_page(page.number + 1) if entries else None)

    def skip_reason(self, url: str) -> str | None:
        """``video``, ``gallery``, ``live``, ``quote``, ``not_article_url``, or None."""
        return self.not_article_reason(url)

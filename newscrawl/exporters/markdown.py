"""Markdown posts: one file per article, in the format of the seed posts
(Hexo: YAML front matter with ``title``, ``categories``, ``headimg``,
``author``, ``comments``, ``date``, ``thumbnail``; then the body HTML).

newscrawl adds ``url`` to the front matter (the replay spider reads it back as
the article's address) and, with ``NEWSCRAWL_MARKDOWN_TAGS``, ``tags``. The date
is RFC 2822 in GMT as in the seeds (``Fri, 27 Aug 2021 06:55:12 GMT``), or
with ``NEWSCRAWL_MARKDOWN_ISO_DATES`` the full ISO 8601 time with its offset
(plus ``updated`` when known).

After the seed keys come the Article's other fields, each under its own
name (``site``, ``published_at``, ``authors``, ``editors``, ``source``,
``fingerprint``... every field of :data:`newscrawl.items.ARTICLE_FIELDS` but
``body_text``, which the body gives), so replaying the post gives back the
same Article field for field (:mod:`newscrawl.spiders.replay_posts`).

File names are stable, safe on every OS and bounded:
``<published date>-<slug of the title>-<12 hex of the article's identity>.md``,
so a re-crawl rewrites the same post. Every write is atomic (a temporary file
in the same folder, then a rename): a killed crawl never leaves half a post.

With a database on, a post is written once its row is committed (the store's
``articles_committed`` signal), never for an article the database lost: new
and changed articles are written, one stored unchanged only when its post is
missing, an older copy of a stored article never (it must not replace the
current text). The batch about to be committed is kept in a journal
(:mod:`newscrawl.exporters.journal`) until its posts are written, so a kill
between the commit and the writes is made good by the next run. With no
database every scraped article is written at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import yaml
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.exporters.journal import clear_journal, journal_path, recover, write_journal
from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.pipelines.store import articles_committed, articles_committing, store_enabled
from newscrawl.urls import article_key

logger = logging.getLogger(__name__)

SLUG_MAX_BYTES = 80
TMP_SUFFIX = ".tmp"
_LINE_BREAKS = "\n\r\x85\u2028\u2029"


class _PostDumper(yaml.SafeDumper):
    """Strings single-quoted as in the seeds; double-quoted (with escapes)
    when they hold a line break or a character YAML cannot show as is."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if any(c in value for c in _LINE_BREAKS) else "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_PostDumper.add_representer(str, _represent_str)


def yaml_scalar(value: str) -> str:
    """One YAML string that reads back as exactly ``value``.

    >>> yaml_scalar("it's")
    "'it''s'"
    >>> yaml_scalar("a\\x00b")
    '"a\\\\0b"'
    """
    return str(yaml.dump(value, Dumper=_PostDumper, allow_unicode=True, width=10**9)).rstrip("\n")


def yaml_plain(value: str) -> str:
    """``value`` unquoted where YAML reads it back unchanged (as the seeds
    write author, categories and date), else quoted.

    >>> yaml_plain("Fri, 27 Aug 2021 06:55:12 GMT") + " | " + yaml_plain("true")
    "Fri, 27 Aug 2021 06:55:12 GMT | 'true'"
    """
    if value and value.strip() == value and not any(c in value for c in _LINE_BREAKS):
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return yaml_scalar(value)


def rfc2822_gmt(iso: str) -> str | None:
    """An ISO 8601 time as the seeds write dates.

    >>> rfc2822_gmt("2021-08-27T14:55:12+08:00")
    'Fri, 27 Aug 2021 06:55:12 GMT'
    """
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    u = when.astimezone(UTC)
    return f"{days[u.weekday()]}, {u.day:02d} {months[u.month - 1]} {u.year} {u:%H:%M:%S} GMT"


SEED_KEY_FIELDS = ("title", "url", "categories")
"""Fields a seed key of the same name holds exactly."""
FROM_THE_BODY = ("body_html", "body_text")
"""Fields the post's body holds (the text is made from the HTML again)."""


def record_fields(article: Article, written: set[str]) -> dict[str, Any]:
    """The article's fields the seed keys (``written``) and the body do not hold."""
    skip = {*SEED_KEY_FIELDS, *FROM_THE_BODY, *written}
    return {f: getattr(article, f) for f in ARTICLE_FIELDS if f not in skip}


def render_post(article: Article, iso_dates: bool = False, tags: bool = False) -> str:
    """The article as a Markdown post (front matter + body HTML)."""
    lines = ["---", f"title: {yaml_scalar(article.title)}", f"url: {yaml_scalar(article.url)}"]
    if article.categories:
        lines.append("categories: ")
        lines += [f" - {yaml_plain(c)}" for c in article.categories]
    if tags and article.tags:
        lines.append("tags: ")
        lines += [f" - {yaml_plain(t)}" for t in article.tags]
    image = article.images[0]["url"] if article.images else None
    if image:
        lines.append(f"headimg: {yaml_scalar(image)}")
    if len(article.authors) == 1:
        lines.append(f"author: {yaml_plain(article.authors[0])}")
    elif article.authors:
        lines.append("author: ")
        lines += [f" - {yaml_plain(a)}" for a in article.authors]
    lines.append("comments: false")
    if article.published_at:
        date = article.published_at if iso_dates else rfc2822_gmt(article.published_at)
        if date:
            lines.append(f"date: {yaml_plain(date)}")
    if iso_dates and article.updated_at:
        lines.append(f"updated: {yaml_scalar(article.updated_at)}")
    if image:
        lines.append(f"thumbnail: {yaml_scalar(image)}")
    # Every other field under its own name, in block style as the seed keys;
    # PyYAML quotes a string that would read back as another type (a time
    # as a timestamp, "null", "true").
    rest = record_fields(article, {"tags"} if tags and article.tags else set())
    dumped = yaml.safe_dump(
        rest, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**9
    )
    lines += [dumped.rstrip("\n"), "---", "", article.body_html, ""]
    return "\n".join(lines)


def slugify(text: str, max_bytes: int = SLUG_MAX_BYTES) -> str:
    """Letters and digits of any script, ``-`` between words, lower case,
    at most ``max_bytes`` of UTF-8: nothing a file system could misread.

    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("万余名校长聚焦“双减”落实！")
    '万余名校长聚焦-双减-落实'
    >>> slugify("<script>") + "|" + slugify("\\u202e\\x00")
    'script|'
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    size = 0
    dash = False
    for ch in text:
        if unicodedata.category(ch)[0] in "LN":
            piece = ("-" if dash and out else "") + ch.lower()
            dash = False
            n = len(piece.encode("utf-8"))
            if size + n > max_bytes:
                break
            out.append(piece)
            size += n
        else:
            dash = True
    return "".join(out)


def post_filename(article: Article) -> str:
    """``YYYY-MM-DD-slug-<hash>.md`` (``undated`` when there is no date)."""
    date = (article.published_at or "")[:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        date = "undated"
    key = article_key(article.url, article.canonical_url)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    slug = slugify(article.title) or "article"
    return f"{date}-{slug}-{digest}.md"


def atomic_write(path: Path, data: bytes, fsync: bool = False) -> None:
    """Write ``path`` whole or not at all: a temp file renamed over it. A
    killed process leaves the old file or the new one, never half of one;
    ``fsync`` also makes it survive a power cut (at ~10 ms a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _post_url(path: Path) -> str | None:
    """The ``url`` in an existing post's front matter (None when unreadable)."""
    try:
        head = path.read_text(encoding="utf-8")[:65536]
        end = head.find("\n---", 3)
        meta = yaml.safe_load(head[3:end]) if head.startswith("---") and end > 0 else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    url = meta.get("url") if isinstance(meta, dict) else None
    return url if isinstance(url, str) else None


def remove_stale_temp_files(folder: Path) -> int:
    """Delete temp files left by killed crawls (their process is gone); how many."""
    removed = 0
    for tmp in folder.glob(f".*{TMP_SUFFIX}"):
        m = re.search(r"\.(\d+)\.tmp$", tmp.name)
        if m:
            try:
                os.kill(int(m.group(1)), 0)
                continue  # a live crawl is writing it
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed


class MarkdownPosts:
    """Writes each scraped article as a post under ``NEWSCRAWL_MARKDOWN``."""

    def __init__(
        self, folder: Path, iso_dates: bool, tags: bool, stats: Any = None, fsync: bool = False
    ) -> None:
        self.folder = folder
        self.iso_dates = iso_dates
        self.tags = tags
        self.stats = stats
        self.fsync = fsync
        #: The database the posts wait for ("" : none, posts written at once).
        self.database = ""
        self.journal = journal_path(folder)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        folder = s.get("NEWSCRAWL_MARKDOWN")
        if not folder:
            raise NotConfigured("NEWSCRAWL_MARKDOWN is empty: no Markdown posts")
        ext = cls(
            Path(str(folder)),
            s.getbool("NEWSCRAWL_MARKDOWN_ISO_DATES", False),
            s.getbool("NEWSCRAWL_MARKDOWN_TAGS", False),
            crawler.stats,
            s.getbool("NEWSCRAWL_MARKDOWN_FSYNC", False),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        if store_enabled(s):
            ext.database = str(s.get("NEWSCRAWL_DATABASE"))
            crawler.signals.connect(ext.articles_committing, signal=articles_committing)
            crawler.signals.connect(ext.articles_committed, signal=articles_committed)
        else:
            crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        removed = remove_stale_temp_files(self.folder)
        if removed:
            logger.info("removed %d half-written posts left by a killed run", removed)
        if self.database:
            found = recover(self.journal, self.database)
            if found is not None:
                for article in found[1]:
                    self.write(article)
                clear_journal(self.journal)

    def item_scraped(self, item: Any, spider: Any) -> None:
        if isinstance(item, Article):
            self.write(item)

    def _to_write(self, articles: list[Any], outcomes: list[str]) -> list[Article]:
        return [
            a
            for a, outcome in zip(articles, outcomes, strict=True)
            if isinstance(a, Article)
            and outcome != "older"
            and not (outcome == "seen" and self.path_for(a).exists())
        ]

    def articles_committing(self, articles: list[Any], outcomes: list[str]) -> None:
        posts = self._to_write(articles, outcomes)
        if posts:
            write_journal(self.journal, posts, 0)

    def articles_committed(self, articles: list[Any], outcomes: list[str]) -> None:
        for article in self._to_write(articles, outcomes):
            self.write(article)
        clear_journal(self.journal)

    def path_for(self, article: Article) -> Path:
        """The post's path; another article already holding the name gets ``-2``, ``-3``..."""
        name = post_filename(article)
        key = article_key(article.url, article.canonical_url)
        path = self.folder / name
        n = 1
        while path.exists():
            other = _post_url(path)
            if other is None or other == article.url or article_key(other) == key:
                break
            n += 1
            path = self.folder / f"{name[:-3]}-{n}.md"
        return path

    def write(self, article: Article) -> Path:
        path = self.path_for(article)
        data = render_post(article, self.iso_dates, self.tags).encode("utf-8")
        atomic_write(path, data, self.fsync)
        if self.stats is not None:
            self.stats.inc_value("newscrawl/markdown_posts")
        return path

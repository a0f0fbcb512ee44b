"""Where an article's values are on most news sites: the default field
finders of every ``Site`` (JSON-LD, Open Graph and ``<meta>``, ``<time>``,
``<link rel=canonical>``, shown dates and bylines, trafilatura for the body).
A site module overrides only those these defaults get wrong. Each returns
what the page says, uncleaned (the pipelines clean)."""

from __future__ import annotations

import logging
import re
from html import escape
from typing import ClassVar
from urllib.parse import urlsplit

from newscrawl.found import Byline, Candidate
from newscrawl.normalize.names import is_site_name
from newscrawl.normalize.people import parse_byline
from newscrawl.sites.fallback_body import trafilatura_body
from newscrawl.sites.metadata import broken_ld_value, ld_breadcrumbs, ld_names
from newscrawl.sites.page import Page
from newscrawl.sites.shown import (
    markup_date,
    shown_bylines,
    shown_dates,
    shown_editors,
    shown_latin_byline,
    shown_original_title,
    shown_zh_source,
)
from newscrawl.urls import host_of, join_url, plausible_canonical

_URL_DATE = re.compile(r"/((?:19|20)\d\d)[-/]?(0[1-9]|1[0-2])[-/]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])")

# Where pages show their authors, most specific first.
_AUTHOR_CSS = (
    '[itemprop="author"] [itemprop="name"]',
    '[rel="author"]',
    '[itemprop="author"]',
    ".byline__author, .byline-author, .author-name, .authorName, .article-author, .author__name",
    '.byline, [class*="byline"]',
    'a[href*="/autor/"], a[href*="/autoren/"], a[href*="/author/"], a[href*="/authors/"]',
)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " ‹ ", " « ", " » ")
_DATE_PART = re.compile(r"^[\d\s./:-]+$")


def _squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _is_site_part(part: str, names: list[str]) -> bool:
    """True for a title part that is a date or names the site (fuzzily:
    ``Golem.de`` is the site golem.de, ``Die Neue Südtiroler Tageszeitung``
    the site tageszeitung.it)."""
    key = _squash(part)
    if not key or _DATE_PART.match(part.strip()):
        return True
    if len(part.split()) > 6:
        return False
    return any(
        key == n or (len(n) >= 4 and n in key) or (len(key) >= 4 and key in n) for n in names
    )


# "By Jon King, News Reporter": a job title, not a second author.
_JOB = re.compile(
    r"\b(?:Reporter|Correspondent|Editor|Writer|Staff|Contributor|Columnist|Producer|"
    r"Redakteur(?:in)?|Journaliste|Periodista)s?\b",
    re.I,
)


def _or_shown(names: list[str], shown: str | None) -> list[str]:
    """The byline the page shows when it names, exactly, everyone metadata
    names and more (metadata often keeps only the first of two authors)."""
    if not shown:
        return names
    said = {n.casefold() for n in parse_byline(shown).authors if not _JOB.search(n)}
    if len(said) > len(names) and all(n.strip().casefold() in said for n in names):
        return [shown]
    return names


class Fields:
    """The default field finders (a base of ``Site``, whose hooks they read)."""

    domains: ClassVar[tuple[str, ...]] = ()
    """Hosts this site claims, subdomains included."""

    language: ClassVar[str | None] = None
    """Language when the page does not say."""

    title_separators: ClassVar[tuple[str, ...]] = (" | ", " - ", " – ", " — ", "_", " :: ")
    """Where the ``<title>`` tag's site-name tail starts."""

    site_names: ClassVar[tuple[str, ...]] = ()
    """Names the site goes by besides those its pages give (og:site_name,
    the JSON-LD publisher, its host): a byline or ``<meta name=author>``
    naming one of them is the site, not a person."""

    # -- fields: each returns what the page says, uncleaned ---------------

    def title(self, page: Page) -> str | None:
        """The headline (``title_found``'s text)."""
        found = self.title_found(page)
        return found[0] if found else None

    def title_found(self, page: Page) -> Candidate | None:
        """The headline and where it was found: JSON-LD headline (``jsonld``),
        og:title (``meta``), a lone ``<h1>`` (``h1``), then the ``<title>``
        tag less its site-name tail (``title``); a listing's title last
        (``listing``). A metadata title loses a tail (or head) naming the
        site or a date (``Headline | DW | 28.04.2023``)."""
        for value, origin in (
            (page.ld_article.get("headline"), "jsonld"),
            (page.meta_first("og:title", "twitter:title"), "meta"),
        ):
            if isinstance(value, str) and value.strip():
                return self.strip_site_name(value, page), origin
        h1 = page.texts("h1")
        if len(h1) == 1:
            return h1[0], "h1"
        tag = page.text("title")
        if tag:
            return self.strip_title_tail(tag), "title"
        # Pages saved by corpus tools wrap the page in <text id=URL title=TITLE>.
        saved = page.first("//text/@title")
        if saved and saved.strip():
            return self.strip_title_tail(saved), "title"
        return (page.listing.title, "listing") if page.listing.title else None

    def strip_site_name(self, title: str, page: Page) -> str:
        """``title`` without parts, at either end, that name the site or
        are a date, or that a ``<h1>`` of the page shows the title without."""
        h1s = {_squash(h) for h in page.texts("h1")}
        names = [k for k in (_squash(n) for n in self.names_of(page)) if len(k) >= 2]
        for sep in _TITLE_SEPARATORS:
            if sep not in title:
                continue
            parts = title.split(sep)
            while len(parts) > 1:
                if _squash(sep.join(parts[:-1])) in h1s or _is_site_part(parts[-1], names):
                    parts = parts[:-1]
                elif _is_site_part(parts[0], names):
                    parts = parts[1:]
                else:
                    break
            title = sep.join(parts)
        return title

    def strip_title_tail(self, title: str) -> str:
        """``Headline - Site Name`` -> ``Headline`` (the longest part wins)."""
        for sep in self.title_separators:
            if sep in title:
                parts = [p for p in title.split(sep) if p.strip()]
                if parts:
                    return max(parts, key=len) if len(parts) > 1 else parts[0]
        return title

    def canonical_url(self, page: Page) -> str | None:
        """The page's canonical URL (``read_canonical``), read once per page."""
        if not page.canonical_read:
            page.canonical, page.canonical_read = self.read_canonical(page), True
        return page.canonical

    def read_canonical(self, page: Page) -> str | None:
        """``<link rel=canonical>``, else og:url, made absolute; None when it
        is no address this page may claim (``plausible_canonical``: http(s),
        on the page's own host, its parent domain, or one of the site's
        domains), so that another site's address never takes over the
        article's identity."""
        href = page.first('descendant::link[@rel="canonical"]/@href') or page.meta_first("og:url")
        if not href or not href.strip():
            return None
        url = join_url(page.url, href) or href.strip()
        # www.example.com may name example.com (or m.example.com) as canonical.
        own = host_of(page.url).removeprefix("www.")
        if not plausible_canonical(page.url, url, (*self.domains, *([own] if own else []))):
            logging.getLogger(__name__).info("Refused canonical URL %r of %s", url[:300], page.url)
            return None
        return url

    def published(self, page: Page) -> list[Candidate]:
        """Publication date candidates, most trusted first: JSON-LD, ``<meta>``,
        then the time shown to readers (``<time>``, ``itemprop=datePublished``,
        a date-classed element, else the first date after the headline), then
        a listing's. The dates pipeline lets a shown time overrule metadata
        within a day of it (see ``choose_date``)."""
        out: list[Candidate] = []
        ld = page.ld_article.get("datePublished") or page.ld_article.get("dateCreated")
        if not isinstance(ld, (str, int, float)):
            ld = broken_ld_value(page.root, "datePublished")
        if isinstance(ld, (str, int, float)):
            out.append((str(ld), "jsonld"))
        meta = page.meta_first(
            "article:published_time",
            "og:article:published_time",
            "datepublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "publish_date",
            "date",
            "dc.date",
            "dc.date.issued",
            "dcterms.created",
            "dcterms.date",
            "sailthru.date",
            "parsely-pub-date",
            "weibo: article:create_at",
            "article.published",
            "og:published_time",
            "published_time",
            "release_date",
        )
        if meta:
            out.append((meta, "meta"))
        out += [(text, "visible") for text in self.shown_dates(page)]
        if page.listing.published:
            out.append((page.listing.published, "feed"))
        # Markup for machines in scripts and attributes ("meta": the schema's
        # word); the URL's own date, when there is one, is surer.
        if not out and not self.url_date(page.url):
            found = markup_date(page.response.text)
            if found:
                out.append((found, "meta"))
        return out

    def shown_dates(self, page: Page) -> list[str]:
        """Dates shown to readers (see ``shown_dates``); a site that finds
        its shown time itself overrides this to skip the search."""
        return shown_dates(page, self.title(page))

    def updated(self, page: Page) -> list[Candidate]:
        """Last-modified candidates, most trusted first."""
        out: list[Candidate] = []
        ld = page.ld_article.get("dateModified")
        if isinstance(ld, (str, int, float)):
            out.append((str(ld), "jsonld"))
        meta = page.meta_first("article:modified_time", "og:updated_time", "dcterms.modified")
        if meta:
            out.append((meta, "meta"))
        return out

    def url_date(self, url: str) -> str | None:
        """The ``YYYY-MM-DD`` a URL carries (``/2021-08-27/``, ``/20210827/``), if any."""
        m = _URL_DATE.search(urlsplit(url).path + "/")
        return f"{m[1]}-{m[2]}-{m[3]}" if m else None

    def authors(self, page: Page) -> list[str]:
        """Author names or labelled byline text; the people pipeline splits
        them. Metadata that names only the site itself is passed over for
        the byline the page shows."""
        site = tuple(self.names_of(page))
        shown = shown_latin_byline(page)
        names = [n for n in ld_names(page.ld_article.get("author")) if not is_site_name(n, site)]
        if names:
            return _or_shown(names, shown)
        for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator"):
            values = [
                v
                for v in page.meta.get(key, [])
                if v.strip() and "://" not in v and not is_site_name(v, site)
            ]
            if values:
                return _or_shown(values, shown)
        for css in _AUTHOR_CSS:
            found: list[str] = []
            for text in page.texts(css):
                text = " ".join(text.split())
                if 2 <= len(text) <= 80 and text not in found:
                    found.append(text)
            if found:
                # Many hits are a list of other articles' authors: keep the first.
                return found[:1] if len(found) > 3 else found
        if shown:
            return [shown]
        return list(page.listing.authors)

    def names_of(self, page: Page) -> list[str]:
        """What the page calls its site (og:site_name, application-name, the
        JSON-LD publisher, the host's name) and the site's ``site_names``:
        never a person in a byline."""
        names = [
            page.meta_first(k) or "" for k in ("og:site_name", "application-name", "twitter:site")
        ]
        names += ld_names(page.ld_article.get("publisher"))
        host = (urlsplit(page.url).hostname or "").lower().removeprefix("www.")
        if host:
            names += [host, host.split(".")[0]]
        # A long "name" is some page's misuse of the tag (a headline), not a site.
        return [
            n.strip().lstrip("@") for n in names if n and n.strip() and len(n.split()) <= 4
        ] + list(self.site_names)

    def editors(self, page: Page) -> list[str]:
        """Editor names the page marks up: the JSON-LD article's ``editor``
        (a name, a Person or a list), never the site itself."""
        site = tuple(self.names_of(page))
        names = [n for n in ld_names(page.ld_article.get("editor")) if not is_site_name(n, site)]
        if names:
            return names
        shown = shown_editors(page)
        return [shown] if shown else []

    def source(self, page: Page) -> str | None:
        """The originating outlet: a ``来源：`` shown under the headline."""
        return shown_zh_source(page.text_after(self.title(page), 300))

    def bylines(self, page: Page) -> list[Byline]:
        """Bylines by role for the people pipeline: by default the labelled
        Chinese bylines (``作者：X``, ``记者 X Y``, ``文/X``) in the text that
        follows the headline, as lines whose labels say the roles."""
        return [("line", t) for t in shown_bylines(page.text_after(self.title(page), 1500))]

    def original_title(self, page: Page) -> str | None:
        """原标题, when the page shows one (a ``原标题：`` line)."""
        return shown_original_title(page)

    def categories(self, page: Page) -> list[str]:
        """Breadcrumb / section trail, outermost first."""
        names = ld_breadcrumbs(page.jsonld)
        if names:
            return names
        section = page.ld_article.get("articleSection")
        if isinstance(section, str):
            return [section]
        if isinstance(section, list):
            return [str(s) for s in section]
        meta = page.meta.get("article:section")
        if meta:
            return meta
        return list(page.listing.categories)

    def tags(self, page: Page) -> list[str]:
        """Keywords: ``article:tag``, ``news_keywords``/``keywords``, JSON-LD keywords."""
        tags = list(page.meta.get("article:tag", []))
        if not tags:
            kw = page.meta_first("news_keywords", "keywords")
            ld = page.ld_article.get("keywords")
            if kw:
                tags = re.split(r"\s*[,，;；]\s*", kw)
            elif isinstance(ld, str):
                tags = re.split(r"\s*[,，;；]\s*", ld)
            elif isinstance(ld, list):
                tags = [str(k) for k in ld]
        return tags or list(page.listing.tags)

    def lead(self, page: Page) -> str | None:
        """Description or summary."""
        ld = page.ld_article.get("description")
        return (
            page.meta_first("description", "og:description", "twitter:description")
            or (ld if isinstance(ld, str) else None)
            or page.listing.summary
        )

    def body_html(self, page: Page) -> str | None:
        """The article container's HTML: a listing's full text, else
        trafilatura's main-text extraction (it already prefers the
        ``articleBody`` container, and cleans it), else the ``articleBody``
        element or JSON-LD text."""
        if page.listing.body_html:
            return page.listing.body_html
        found = trafilatura_body(page.response.text, page.url, page.sel)
        if found:
            return found
        node = page.sel.css('[itemprop="articleBody"]')
        if node:
            return str(node[0].get())
        text = page.ld_article.get("articleBody")
        if isinstance(text, str) and text.strip():
            return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
        return None

    def page_language(self, page: Page) -> str | None:
        """``<html lang>``, content-language, og:locale, JSON-LD inLanguage, the site's."""
        lang = (
            page.first("/html/@lang")
            or page.meta_first("content-language", "og:locale", "language")
            or page.ld_article.get("inLanguage")
        )
        return lang if isinstance(lang, str) and lang.strip() else self.language

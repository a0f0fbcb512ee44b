"""Page: one response parsed once (by parsel, into one lxml tree), with what
every field method shares read once: JSON-LD, ``<meta>``, the visible text,
the ids and classes present, and CSS selection with parsel's semantics."""

from __future__ import annotations

import re

from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.items import Listing
from newscrawl.sites.css import Node, css_elements, element_text, elements, node_xpath, strings
from newscrawl.sites.metadata import LdNode, ld_article, read_jsonld, read_meta

# The ids and classes a selector requires: its #names and .names once quoted
# strings and [attribute] tests are taken out. A selector with a pseudo-class
# (``:not(.x)``) is not read this way: a name in it may be excluded, not required.
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|\[[^\]]*\]")
_CSS_NAMES = re.compile(r"([#.])((?:[\w-]|\\.)+)")
_TEXT_XPATH = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template or ancestor::option or ancestor::select)]"
)


def required_names(css: str) -> list[tuple[str, str]] | None:
    """The ``(#|., name)`` pairs every element a one-alternative selector
    finds must carry (``None`` when that cannot be told from its text).

    >>> required_names("div.article#artibody p"), required_names('a[href$=".html"]')
    ([('.', 'article'), ('#', 'artibody')], [])
    >>> required_names("p:not(.ad)") is None, required_names(".a, .b") is None
    (True, True)
    """
    bare = _QUOTED.sub(" ", css)
    if ":" in bare or "," in bare or "\\" in bare:
        return None
    return [(m[1], m[2]) for m in _CSS_NAMES.finditer(bare)]


class Page:
    """A response with its metadata parsed once, shared by every field method."""

    def __init__(self, response: TextResponse, listing: Listing | None = None) -> None:
        self.response = response
        self.listing = listing or Listing()
        self.sel: Selector = response.selector
        self.root: Node = self.sel.root
        """The page's lxml tree: every query runs on it (one parse per page)."""
        self.url: str = response.url
        self._select_memo: dict[str, list[Node]] = {}
        self._text_memo: dict[str, str | None] = {}
        self._jsonld: list[LdNode] | None = None
        self._ld_article: LdNode | None = None
        self._meta: dict[str, list[str]] | None = None
        self._all_text: str | None = None
        self._ids: frozenset[str] | None = None
        self._classes: frozenset[str] | None = None
        self.canonical: str | None = None
        self.canonical_read = False
        """The site's canonical URL of the page, once read (``Site.canonical_url``)."""

    # -- queries ------------------------------------------------------------

    def xpath(self, query: str) -> list[object]:
        """``query`` on the page: lxml elements and plain strings."""
        return node_xpath(self.root, query)

    def elements(self, query: str) -> list[Node]:
        """The elements ``query`` selects on the page."""
        return elements(self.root, query)

    def first(self, query: str) -> str | None:
        """The first string ``query`` selects (an attribute, a text node), or None."""
        found = strings(self.root, query)
        return found[0] if found else None

    @property
    def ids(self) -> frozenset[str]:
        """Every id on the page (one query returning strings, no elements)."""
        if self._ids is None:
            self._ids = frozenset(strings(self.root, "descendant-or-self::*/@id"))
        return self._ids

    @property
    def classes(self) -> frozenset[str]:
        """Every class on the page (one query returning strings, no elements)."""
        if self._classes is None:
            values = strings(self.root, "descendant-or-self::*/@class")
            self._classes = frozenset(" ".join(values).split())
        return self._classes

    def has(self, kind: str, name: str) -> bool:
        """True when an element of the page has id (``kind="#"``) or class (``"."``) ``name``."""
        return name in (self.ids if kind == "#" else self.classes)

    def select(self, css: str) -> list[Node]:
        """The elements a CSS selector finds, as parsel finds them: in
        document order, each once (nested matches too), every element of an
        id the page repeats.

        One compiled XPath of cssselect's translation runs on the page's
        tree; alternatives naming an id or class the page lacks are left out
        first (most of a site's selectors are for other layouts), so they
        cost a set lookup, not a walk of the tree."""
        memo = self._select_memo
        if css not in memo:
            alts = [css] if ("[" in css or ":" in css) else [a.strip() for a in css.split(",")]
            live = [a for a in alts if self._possible(a)]
            memo[css] = css_elements(self.root, ", ".join(live)) if live else []
        return memo[css]

    def _possible(self, css: str) -> bool:
        names = required_names(css)
        return names is None or all(self.has(kind, name) for kind, name in names)

    def class_contains(self, part: str) -> list[Node]:
        """The elements whose ``class`` value holds ``part`` anywhere
        (``bread`` in ``m-breadcrumb``), in document order."""
        if not any(part in c for c in self.classes):
            return []
        return self.elements(f"descendant::*[contains(@class, '{part}')]")

    def text(self, css: str) -> str | None:
        """The joined text of the first node a CSS selector finds, or None."""
        # Sites ask for the same nodes from several fields: one query each.
        if css not in self._text_memo:
            nodes = self.select(css)
            self._text_memo[css] = (element_text(nodes[0]) or None) if nodes else None
        return self._text_memo[css]

    def texts(self, css: str) -> list[str]:
        """The text of every node a CSS selector finds (empty ones left out)."""
        return [t for t in map(element_text, self.select(css)) if t.strip()]

    def mentions(self, text: str) -> bool:
        """False when ``text`` is nowhere in the page's decoded HTML, so that
        a query looking for it (in a comment, a text) can be skipped: a
        string search costs microseconds, a query testing every node up to
        a millisecond."""
        return text in self.response.text

    # -- what the page says about itself ------------------------------------

    @property
    def jsonld(self) -> list[LdNode]:
        """Every JSON-LD node on the page, ``@graph`` flattened."""
        if self._jsonld is None:
            self._jsonld = read_jsonld(self.root)
        return self._jsonld

    @property
    def ld_article(self) -> LdNode:
        """The JSON-LD node describing the article (empty when there is none)."""
        if self._ld_article is None:
            self._ld_article = ld_article(self.jsonld)
        return self._ld_article

    @property
    def meta(self) -> dict[str, list[str]]:
        """``<meta>`` contents keyed by lower-cased name, property or itemprop."""
        if self._meta is None:
            self._meta = read_meta(self.root)
        return self._meta

    def meta_first(self, *keys: str) -> str | None:
        """The first non-empty ``<meta>`` content among ``keys``."""
        for key in keys:
            for v in self.meta.get(key, []):
                if v.strip():
                    return v
        return None

    def ld_text(self, key: str) -> str | None:
        """The article's JSON-LD value of ``key`` when it is a string (or a number), else None."""
        value = self.ld_article.get(key)
        return str(value) if isinstance(value, (str, int, float)) else None

    @property
    def all_text(self) -> str:
        """The page's visible text in document order, whitespace collapsed,
        one line per text node."""
        if self._all_text is None:
            lines = (" ".join(t.split()) for t in strings(self.root, _TEXT_XPATH) if t.strip())
            self._all_text = "\n".join(lines)
        return self._all_text

    def text_after(self, headline: str | None, size: int = 3000) -> str:
        """``size`` characters of the page's text from the end of the headline
        (from the start when the headline is not found in it)."""
        head = " ".join((headline or "").split())[:40]
        text = self.all_text
        pos = text.find(head) if head else -1
        start = pos + len(head) if pos >= 0 else 0
        return text[start : start + size]

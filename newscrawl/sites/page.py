"""Page: one response parsed once (by parsel, into one lxml tree), with what
every field method shares read once: JSON-LD, ``<meta>``, the visible text,
the ids and classes present, and CSS selection with parsel's semantics."""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.items import Listing
from newscrawl.sites.css import (
    Node,
    css_elements,
    css_xpath,
    element_text,
    elements,
    node_xpath,
    strings,
)
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


# A selector the page's index of ids and classes answers: compounds of a tag,
# #ids and .classes, joined by descendant (space) or child (>) combinators.
_COMPOUND = re.compile(r"^([A-Za-z][\w-]*|\*)?((?:[#.][\w-]+)+)$|^([A-Za-z][\w-]*|\*)$")
_NAME_PART = re.compile(r"([#.])([\w-]+)")
# XPath's whitespace (normalize-space), which is what cssselect's class test splits on.
_CLASS_SPLIT = re.compile(r"[ \t\n\r]+")


def _compound(text: str) -> tuple[str | None, list[str], list[str]] | None:
    """``div.a#b`` as ``("div", ["b"], ["a"])``; None for anything else."""
    m = _COMPOUND.match(text)
    if not m:
        return None
    tag = (m[1] or m[3] or "*").lower()
    ids = [n for k, n in _NAME_PART.findall(m[2] or "") if k == "#"]
    classes = [n for k, n in _NAME_PART.findall(m[2] or "") if k == "."]
    return (None if tag == "*" else tag), ids, classes


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


_CLASS_ATTRS = etree.XPath("descendant-or-self::*/@class")


def _matches(el: Node, tag: str | None, ids: list[str], classes: list[str]) -> bool:
    """True when ``el`` is of ``tag`` (any when None) with every id and class."""
    if tag is not None and el.tag != tag:
        return False
    if any(el.get("id") != i for i in ids):
        return False
    have = _CLASS_SPLIT.split(el.get("class") or "")
    return all(c in have for c in classes)


def _outermost(found: list[Node]) -> list[Node]:
    """``found`` (in document order) without the elements inside another of
    them: a descendant search under each then finds every element once, in order."""
    keep: set[Node] = set()
    out: list[Node] = []
    for el in found:
        if not any(a in keep for a in el.iterancestors()):
            out.append(el)
            keep.add(el)
    return out


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
        self._id_counts: dict[str, int] | None = None
        self._class_index: dict[str, list[Node]] | None = None
        self._class_attrs: list[str] | None = None
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
            self._ids = frozenset(self.id_counts)
        return self._ids

    @property
    def id_counts(self) -> dict[str, int]:
        """How many elements carry each id (a page may repeat one)."""
        if self._id_counts is None:
            counts: dict[str, int] = {}
            for value in strings(self.root, "descendant-or-self::*/@id"):
                counts[value] = counts.get(value, 0) + 1
            self._id_counts = counts
        return self._id_counts

    @property
    def classes(self) -> frozenset[str]:
        """Every class on the page (one query returning strings, no elements)."""
        if self._classes is None:
            self._classes = frozenset(" ".join(self._class_values()).split())
        return self._classes

    def _class_values(self) -> list[str]:
        if self._class_attrs is None:
            # Attribute values that know their element (lxml's smart strings):
            # the index below reaches an element only when a selector asks.
            self._class_attrs = list(_CLASS_ATTRS(self.root))
        return self._class_attrs

    def with_class(self, name: str) -> list[Node]:
        """The elements whose ``class`` has ``name`` among its classes, in
        document order (from the page's index of classes, built once)."""
        if self._class_index is None:
            index: dict[str, list[str]] = {}
            for value in self._class_values():
                for c in set(_CLASS_SPLIT.split(value)):
                    if c:
                        index.setdefault(c, []).append(value)
            self._class_index = {c: [v.getparent() for v in vs] for c, vs in index.items()}  # type: ignore[attr-defined]
        return self._class_index.get(name, [])

    def with_id(self, name: str) -> list[Node]:
        """The elements with ``id=name``, in document order: the parser's
        table of ids when the page has one such element, else a search."""
        n = self.id_counts.get(name, 0)
        if n == 0 or "'" in name:
            return []
        query = f"id('{name}')" if n == 1 else f"descendant-or-self::*[@id='{name}']"
        return elements(self.root, query)

    def has(self, kind: str, name: str) -> bool:
        """True when an element of the page has id (``kind="#"``) or class (``"."``) ``name``."""
        return name in (self.ids if kind == "#" else self.classes)

    def select(self, css: str) -> list[Node]:
        """The elements a CSS selector finds, as parsel finds them: in
        document order, each once (nested matches too), every element of an
        id the page repeats.

        Selectors of tags, ids and classes (most of a site's) are answered
        from the page's index of ids and classes: alternatives naming one
        the page lacks cost a set lookup, and the first compound is looked
        up, not searched for in every element; the rest is cssselect's
        translation (parsel's translator), compiled once to XPath, under it.
        Any other selector is that XPath over the whole tree."""
        memo = self._select_memo
        if css not in memo:
            alts = [css] if ("[" in css or ":" in css) else [a.strip() for a in css.split(",")]
            live = [a for a in alts if self._possible(a)]
            if len(live) == 1:
                fast = self._indexed(live[0])
                memo[css] = fast if fast is not None else css_elements(self.root, live[0])
            else:
                memo[css] = css_elements(self.root, ", ".join(live)) if live else []
        return memo[css]

    def _possible(self, css: str) -> bool:
        names = required_names(css)
        return names is None or all(self.has(kind, name) for kind, name in names)

    def _indexed(self, css: str) -> list[Node] | None:
        """``css`` answered from the index (None when it is no such selector)."""
        tokens = css.replace(">", " > ").split()
        if not tokens or "+" in css or "~" in css:
            return None
        head = _compound(tokens[0])
        if head is None or not (head[1] or head[2]):
            return None
        tag, ids, classes = head
        found = self.with_id(ids[0]) if ids else self.with_class(classes[0])
        found = [el for el in found if _matches(el, tag, ids, classes)]
        rest = tokens[1:]
        if not rest or not found:
            return found
        if rest[0] == ">":
            if len(found) > 1:
                return None  # children of nested heads interleave: the whole-tree query orders them
            prefix, rest = "child::", rest[1:]
        else:
            prefix = "descendant::"
            found = _outermost(found)
        if not rest or rest[0] == ">":
            return None
        under = css_xpath(" ".join(rest), prefix)
        out: list[Node] = []
        for base in found:
            out += [el for el in under(base) if not isinstance(el, str)]
        return out

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

"""Queries on the one parsed tree of a page: XPath compiled once per
expression, CSS translated by cssselect (parsel's translator, so the same
semantics: document order, each element once, every element of a repeated
id) into XPath compiled once per selector."""

from __future__ import annotations

from functools import lru_cache

from cssselect import HTMLTranslator
from lxml import etree
from lxml.html import HtmlElement as Node

# Node: an element of a page's lxml tree (parsel parses HTML with lxml.html,
# whose elements these are; lxml ships no type information, so to mypy it is
# an opaque class).

__all__ = [
    "Node",
    "css_elements",
    "css_xpath",
    "element_text",
    "elements",
    "node_xpath",
    "strings",
    "stripped_text",
]

_TRANSLATOR = HTMLTranslator()


@lru_cache(maxsize=1024)
def compiled(query: str) -> etree.XPath:
    """``query`` compiled once (lxml's XPath objects are reusable and thread-safe to call)."""
    return etree.XPath(query, smart_strings=False)


@lru_cache(maxsize=1024)
def css_xpath(css: str, prefix: str = "descendant-or-self::") -> etree.XPath:
    """A CSS selector as a compiled XPath (``prefix`` is its first axis), translated once."""
    return compiled(_TRANSLATOR.css_to_xpath(css, prefix=prefix))


def node_xpath(node: Node, query: str) -> list[object]:
    """``query`` on an lxml node: its elements and plain strings (no parsel
    Selector per result: per-node work stays cheap)."""
    result = compiled(query)(node)
    return list(result) if isinstance(result, list) else []


def elements(node: Node, query: str) -> list[Node]:
    """The elements ``query`` selects under ``node`` (strings left out)."""
    result = compiled(query)(node)
    return [r for r in result if not isinstance(r, str)] if isinstance(result, list) else []


def strings(node: Node, query: str) -> list[str]:
    """The strings (text nodes, attribute values) ``query`` selects under ``node``."""
    result = compiled(query)(node)
    return [r for r in result if isinstance(r, str)] if isinstance(result, list) else []


def css_elements(node: Node, css: str) -> list[Node]:
    """The elements a CSS selector finds under (and at) an lxml node, in document order."""
    result = css_xpath(css)(node)
    return [r for r in result if not isinstance(r, str)] if isinstance(result, list) else []


def element_text(el: Node) -> str:
    """The text under an lxml element, its non-blank text nodes joined by spaces."""
    return " ".join(t for t in strings(el, ".//text()") if t.strip())


def stripped_text(el: Node) -> str:
    """The text under an lxml element, each text node stripped, joined by spaces."""
    return " ".join(t.strip() for t in strings(el, ".//text()") if t.strip())

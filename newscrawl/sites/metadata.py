"""What a page says about itself in markup meant for machines: JSON-LD
(``@graph`` flattened, the node describing the article) and ``<meta>``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from newscrawl.sites.css import Node, elements, strings

JSON = object
"""A decoded JSON value (dict, list, str, int, float, bool or None)."""
LdNode = dict[str, JSON]

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "TechArticle",
    "ScholarlyArticle",
    "WebPage",
}


def ld_types(node: LdNode) -> set[str]:
    """The ``@type`` values of a JSON-LD node."""
    t = node.get("@type", [])
    return {str(x) for x in t} if isinstance(t, list) else {str(t)}


def _walk_ld(node: JSON) -> Iterator[LdNode]:
    if isinstance(node, list):
        for x in node:
            yield from _walk_ld(x)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk_ld(node["@graph"])


def read_jsonld(root: Node) -> list[LdNode]:
    """Every JSON-LD node of the page under ``root``, ``@graph`` flattened."""
    nodes: list[LdNode] = []
    for text in strings(root, 'descendant::script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        nodes.extend(_walk_ld(data))
    return nodes


_LD_VALUE = r'"{key}"\s*:\s*"([^"]{{6,40}})"'


def broken_ld_value(root: Node, key: str) -> str | None:
    """``key``'s string value in a JSON-LD block that does not parse (a stray
    quote or trailing comma): read by pattern, so a broken block still gives
    the article's own date instead of leaving it to a related list's."""
    pattern = re.compile(_LD_VALUE.format(key=re.escape(key)))
    for text in strings(root, 'descendant::script[@type="application/ld+json"]/text()'):
        try:
            json.loads(text, strict=False)
        except ValueError:
            m = pattern.search(text)
            if m:
                return m[1]
    return None


def ld_article(nodes: list[LdNode]) -> LdNode:
    """The JSON-LD node describing the article (empty when there is none)."""
    best: LdNode = {}
    for node in nodes:
        types = ld_types(node)
        if types & (ARTICLE_TYPES - {"WebPage"}):
            return node
        if "WebPage" in types and not best:
            best = node
    return best


def ld_names(value: JSON) -> list[str]:
    """Names in a JSON-LD value: a string, a Person/Organization, or a list of them.

    >>> ld_names([{"@type": "Person", "givenName": "Jane", "familyName": "Doe"}, "Bo Li"])
    ['Jane Doe', 'Bo Li']
    """
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            name = v.get("name")
            if not name and (v.get("givenName") or v.get("familyName")):
                name = " ".join(str(p) for p in (v.get("givenName"), v.get("familyName")) if p)
            if isinstance(name, str):
                out.append(name)
    return out


def ld_breadcrumbs(nodes: list[LdNode]) -> list[str]:
    """The names of the first JSON-LD BreadcrumbList that has any, outermost first."""
    for node in nodes:
        if "BreadcrumbList" in ld_types(node):
            items = node.get("itemListElement") or []
            names = []
            for it in items if isinstance(items, list) else []:
                if isinstance(it, dict):
                    item = it.get("item")
                    n = it.get("name") or (item.get("name") if isinstance(item, dict) else None)
                    if isinstance(n, str):
                        names.append(n)
            if names:
                return names
    return []


def read_meta(root: Node) -> dict[str, list[str]]:
    """``<meta>`` contents keyed by lower-cased name, property or itemprop."""
    out: dict[str, list[str]] = {}
    for m in elements(root, "descendant::meta[@content]"):
        key = m.get("name") or m.get("property") or m.get("itemprop")
        if key:
            out.setdefault(key.strip().lower(), []).append(m.get("content") or "")
    return out

"""What a site module found on one page, typed: the hand-off from the site
(``Site.find``) to the normalizing pipelines.

The spider yields an :class:`Extracted`: the :class:`~newscrawl.items.Article`
with the values the site found as it found them, and the :class:`Found` that
has no place in the schema (date candidates with their provenance, bylines by
role, the article container as an element of the page's one parsed tree,
the zone, the site's names and body rules). The pipelines normalize the
Article from both; the validate pipeline hands on the Article alone, so the
outputs never see the Found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from newscrawl.items import Article

Candidate = tuple[str, str]
"""A value as found, with where it came from: ``(text, from)``. For dates,
from is ``visible``, ``meta``, ``jsonld``, ``url`` or ``feed``; for titles,
``css``, ``jsonld``, ``meta``, ``h1``, ``title`` or ``listing``."""

Byline = tuple[str, str]
"""A byline as found: ``(role, text)``. Role ``author``, ``editor`` or
``source`` holds only names (or the outlet); role ``line`` is text whose role
labels (``来源：X 记者 Y``, ``By Jane Doe``) the people pipeline reads."""


@dataclass(frozen=True)
class BodyRules:
    """A site's own rules for its article container, applied by the body
    normalizer with the site-independent ones (``Site.body_rules``)."""

    drop_css: tuple[str, ...] = ()
    """Selectors of elements inside the container that are never text (widgets, promos)."""

    line_strings: tuple[str, ...] = ()
    """A paragraph holding one of these strings is never text (promos, disclaimers)."""

    line_patterns: tuple[re.Pattern[str], ...] = ()
    """A paragraph these match (``search``) is never text."""

    def is_boilerplate(self, line: str) -> bool:
        """True for a line these rules say is never article text."""
        return any(s in line for s in self.line_strings) or any(
            p.search(line) for p in self.line_patterns
        )


@dataclass
class Found:
    """What a site found on a page besides the Article's own fields."""

    base_url: str = ""
    """The address relative links of the body are read against (the response's URL)."""

    titles: list[Candidate] = field(default_factory=list)
    """Headline candidates, the one the Article holds first."""

    published: list[Candidate] = field(default_factory=list)
    """Publication date candidates, most trusted first."""

    updated: list[Candidate] = field(default_factory=list)
    """Last-modification candidates, most trusted first."""

    url_date: str | None = None
    """The ``YYYY-MM-DD`` the URL carries, if any."""

    zone: str = "UTC"
    """IANA zone of the times the page shows without an offset ("UTC": the crawl's default)."""

    bylines: list[Byline] = field(default_factory=list)
    """Bylines by role, for the people pipeline (the body's edge bylines are added to them)."""

    site_names: tuple[str, ...] = ()
    """What the site calls itself: nobody when it stands as an author."""

    container: HtmlElement | None = None
    """The article container, an element of the page's parsed tree (the body
    normalizer cleans it in place); None when the body comes as HTML text
    (``Article.body_html``: a feed's full text, trafilatura's extraction)."""

    rules: BodyRules = field(default_factory=BodyRules)
    """The site's own body rules."""

    recorded: dict[str, object] = field(default_factory=dict)
    """The fields a Markdown post newscrawl wrote records (set by the replay
    spider; ``newscrawl.pipelines.recorded`` puts them back)."""


@dataclass
class Extracted:
    """The item a spider yields: the Article as found and the rest of what was found."""

    article: Article
    found: Found


def as_extracted(item: object) -> Extracted:
    """``item`` as an Extracted (an Article alone comes with nothing more found)."""
    if isinstance(item, Extracted):
        return item
    if isinstance(item, Article):
        return Extracted(item, Found(base_url=item.url))
    raise TypeError(f"newscrawl pipelines take Article items, got {type(item).__name__}")

"""Finders of what a page shows its readers outside any markup meant for
machines: the publication date (``<time>``, a date-classed element, the
first date after the headline) and labelled Chinese bylines (``作者：X``,
``记者 X Y``, ``文/X``)."""

from __future__ import annotations

import re

from newscrawl.normalize.months import MONTHS
from newscrawl.sites.css import stripped_text
from newscrawl.sites.page import Page

# A date as pages show it, always with a year, with the time when there is one.
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_CLOCK = (
    r"(?:\s*(?:T|,|um|at|à|a las|-|\|)?\s*(?:上午|下午|晚上|凌晨|早上|中午)?\s*"
    r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?(?:\s*(?:[AaPp]\.?\s?[Mm]\.?|Uhr))?)?"
)
SHOWN_DATE = re.compile(
    r"(?<![\d.])(?:(?:19|20)\d\d(?:-\d{1,2}-\d{1,2}(?![\d-])|/\d{1,2}/\d{1,2}(?![\d/])"
    r"|\.\d{1,2}\.\d{1,2}(?![\d.])|\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?)"
    r"|\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d\d(?!\d)|\d{1,2}/\d{1,2}/(?:19|20)\d\d(?!\d)"
    rf"|\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTH_WORDS})\.?\s+(?:de\s+)?(?:19|20)\d\d(?!\d)"
    rf"|(?:{_MONTH_WORDS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d(?!\d))" + _CLOCK,
    re.I,
)
# A shown date right after one of these is a modification, not the publication.
_UPDATE_LABEL = re.compile(
    r"(更新|修改|Updated?|Aktualisiert|Mis à jour|Actualizado|Last modified)\W{0,4}$", re.I
)
_DATE_CLASS = re.compile(r"date|time|pub|posted|datum|fecha", re.I)


def _first_shown(text: str) -> str | None:
    """The first date in ``text`` that shows a time of day, else the first
    date (a day alone is more often a calendar, an archive or a list's)."""
    first = None
    for m in SHOWN_DATE.finditer(text):
        if _UPDATE_LABEL.search(text[max(0, m.start() - 16) : m.start()]):
            continue
        if _CLOCK_IN.search(m[0]):
            return m[0].strip()
        first = first or m[0].strip()
    return first


_CLOCK_IN = re.compile(r"\d\s*[:：]\s*\d\d")


# 作者：张三 / 记者 张三 李四 / 文/张三 / 本报实习生 张三: a label, a separator, names.
_ZH_NAME = r"[\u4e00-\u9fff·]{2,4}"
ZH_BYLINE = re.compile(
    r"(?:^|(?<=[\s（(【\[|｜]))((?:作者|撰文|文|[\u4e00-\u9fff·]{0,10}?(?:记者|实习生|通讯员))"
    rf"[ \t]*[:：/／ \n][ \t\n]*{_ZH_NAME}(?:(?: |、| 、 ){_ZH_NAME}){{0,5}})(?=[\s）)】\]|｜,，。]|$)"
)


def shown_bylines(text: str, limit: int = 2) -> list[str]:
    """The first labelled Chinese bylines in ``text``.

    >>> shown_bylines("2022-02-13 09:57 光明网 光明日报记者 王建宏 张文攀 土豆，听名字")
    ['光明日报记者 王建宏 张文攀 土豆']
    """
    return [" ".join(m[1].split()) for m in ZH_BYLINE.finditer(text)][:limit]


# Text that is not the article's dateline: a photo's caption and credit.
_CAPTIONS = "//figcaption | //*[contains(@class, 'caption')] | //*[contains(@class, 'credit')]"


def _without_captions(page: Page, text: str) -> str:
    """``text`` (lines of ``page.all_text``) without the lines of captions:
    a caption between the headline and the dateline dates the photo."""
    lines = {" ".join(t.split()) for el in page.elements(_CAPTIONS) for t in el.itertext()}
    lines.discard("")
    if not lines:
        return text
    return "\n".join(line for line in text.split("\n") if line not in lines)


def _masthead(el: object) -> bool:
    """True for an element before the page's first ``<h1>`` or in a caption:
    a masthead's "today" date or a photo's, not the article's."""
    xpath = getattr(el, "xpath")  # noqa: B009 - lxml element (typed Node elsewhere)
    return bool(xpath("boolean(following::h1) or ancestor::figcaption or ancestor::figure"))


def markup_date(html: str) -> str | None:
    """The date htmldate finds in the raw HTML (a script's ``publishTime: "…"``,
    an element's ``data-publish-time`` attribute): the last resort when
    nothing the page shows or declares gives one (about 10 ms a page).
    A first of the month is refused: htmldate fills a day it did not find
    with 01 (a copyright year gives ``YYYY-01-01``), and a guess is worse
    than no date."""
    from htmldate import find_date

    try:
        found: str | None = find_date(html, extensive_search=True, original_date=True)
    except (ValueError, TypeError):
        return None
    return found if found and not found.endswith("-01") else None


# "By Jane Doe and John Roe", "Von Hans Müller und Eva Schmidt", "Par Claire
# Dubois", "Por Ana Ruiz": a capitalised label, then capitalised names (with
# their particles) joined by commas or the language's "and".
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿß'’\-]+"
_LATIN_NAME = rf"{_CAP}(?:\s+(?:(?:von|van|de|der|den|du|la|le|del|da|di)\s+){{0,2}}{_CAP}){{1,3}}"
LATIN_BYLINE = re.compile(
    rf"(?:By|BY|Von|Par|Por)\s+{_LATIN_NAME}"
    rf"(?:(?:\s*,\s*|\s+(?:and|und|et|y|&)\s+){_LATIN_NAME})*"
)


_EDITED = re.compile(
    rf"(?:Edited by|Editor|Editors|Redigiert von|Redaktion)\s*:?\s+({_LATIN_NAME}"
    rf"(?:(?:\s*,\s*|\s+(?:and|und|et|y|&)\s+){_LATIN_NAME})*)"
)


# Leaf-ish elements that hold one line: a label line such as "Edited by X" or 原标题：….
_LINE_ELEMENTS = (
    "//body//*[self::p or self::div or self::span or self::li or self::strong][not(.//p or .//div)]"
)


def _short_line_match(
    page: Page, labels: tuple[str, ...], limit: int, pattern: re.Pattern[str]
) -> str | None:
    """Group 1 of ``pattern`` matched at the start of the first element of at
    most ``limit`` characters. The page's text (read once per page anyway) is
    asked for a label first: most pages have none, and they are not walked."""
    text = page.all_text
    if not any(label in text for label in labels):
        return None
    for el in page.elements(_LINE_ELEMENTS):
        line = stripped_text(el)
        if len(line) <= limit:
            m = pattern.match(line)
            if m:
                return m[1]
    return None


def shown_editors(page: Page) -> str | None:
    """The names of an "Edited by X" / "Editor: X" line that opens a short element.

    >>> from scrapy.http import HtmlResponse
    >>> html = b"<h1>T</h1><p>Text.</p><p>Edited by Mara Lind and Ola Nord</p>"
    >>> shown_editors(Page(HtmlResponse("https://x.com/a", body=html, encoding="utf-8")))
    'Mara Lind and Ola Nord'
    """
    return _short_line_match(page, ("Edit", "Redakt", "Redigiert"), 120, _EDITED)


def shown_latin_byline(page: Page) -> str | None:
    """The first "By/Von/Par/Por" byline that opens a short element after the
    headline (element by element: a name never runs into the next paragraph).

    >>> from scrapy.http import HtmlResponse
    >>> html = b"<h1>T</h1><p>Par Claire Dubois - 05/03/2024</p><p>Texte</p>"
    >>> shown_latin_byline(Page(HtmlResponse("https://x.fr/a", body=html, encoding="utf-8")))
    'Par Claire Dubois'
    """
    xpath = "//h1[1]/following::*[self::p or self::div or self::span or self::address or self::li]"
    for el in page.elements(xpath)[:40]:
        text = stripped_text(el)
        if len(text) > 160:
            continue
        m = LATIN_BYLINE.match(text)
        if m:
            return m[0]
    return None


# 来源：新华社 / 原标题：…: lines under a Chinese headline (an image's 来源 is a credit).
_ZH_SOURCE = re.compile(r"(?<![图片照像])(?:来源|來源)\s*[:：]\s*([^\s|｜:：]{2,20})")
_ZH_ORIGINAL = re.compile(r"^\s*(?:原标题|原標題)\s*[:：]\s*(.{2,80}?)\s*$")


def shown_zh_source(text: str) -> str | None:
    """The outlet of the first ``来源：`` in ``text`` (the text after the headline).

    >>> shown_zh_source("2024-03-05 10:00 来源：新华社 字号：大"), shown_zh_source("图片来源：视觉中国")
    ('新华社', None)
    """
    m = _ZH_SOURCE.search(text)
    return m[1] if m else None


def shown_original_title(page: Page) -> str | None:
    """The title after ``原标题：`` in a short element of the page."""
    return _short_line_match(page, ("原标题", "原標題"), 90, _ZH_ORIGINAL)


def shown_dates(page: Page, headline: str | None) -> list[str]:
    """Dates shown to readers, best first: ``<time>`` and
    ``itemprop=datePublished``, an element whose class or id says date/time
    (not a masthead's before the ``<h1>``, not a caption's), then the first
    date after the headline in the page's text without captions (else the
    first date in it)."""
    out: list[str] = []
    for node in page.elements('//*[@itemprop="datePublished"] | descendant::time')[:3]:
        value = node.get("datetime") or node.get("content")
        if not value:
            value = stripped_text(node)
        if value and value.strip() and value not in out:
            out.append(value.strip())
    for el in page.elements("//body//*[@class or @id]"):
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if not _DATE_CLASS.search(marker) or _masthead(el):
            continue
        text = stripped_text(el)
        if len(text) > 120:
            continue
        found = _first_shown(text)
        if found and found not in out:
            out.append(found)
            break
    found = _first_shown(_without_captions(page, page.text_after(headline)))
    found = found or _first_shown(_without_captions(page, page.all_text))
    if found and found not in out:
        out.append(found)
    return out

"""People by role: byline text mixing roles (``来源 北京日报客户端|记者 李祺瑶``,
``责任编辑：李墨轩 SN098``, ``By Jane Doe and John Roe``) becomes ``authors``,
``editors`` and ``source``, one person per entry, labels never kept. Pure functions: the sites (a shown byline weighed
against metadata) and the people pipeline both use them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newscrawl.found import Byline
from newscrawl.normalize.names import is_site_name

_ROLE_WORDS: list[tuple[str, str]] = [
    (r"责任编辑|責任編輯|责编|編輯|编辑|Edited by|Editor", "editor"),
    (r"来源|來源|稿源|出处|Source", "source"),
    (
        # 光明日报记者, 新华日报·交汇点记者, 本报实习生: an outlet before the role
        r"[\u4e00-\u9fff·]{0,10}?(?:记者|实习生|通讯员)|作者|撰文|文\s*/|文／|编译|"
        r"By|Von|Par|Por|Text",
        "author",
    ),
]
_LABEL = re.compile(
    "|".join(
        f"(?P<{role}{i}>(?:^|(?<=[\\s|｜（(,，;；]))(?:{words})\\s*[:：]?\\s*)"
        for i, (words, role) in enumerate(_ROLE_WORDS)
    ),
)
_SPLIT = re.compile(
    r"\s*(?:[、,，;；/|｜&]|\band\b|\bund\b|\bet\b|\bog\b|\by\b|\se\s|\s和\s|\s+)\s*"
)
_SPLIT_LATIN = re.compile(
    r"\s*(?:[、,，;；/|｜&]|\band\b|\bund\b|\bet\b|\bog\b|\boch\b|\bog\b|\by\b|\se\s|\bi\b|\bи\b)\s*"
)
# Han names are written without spaces: "张三 李四" is two people, "大渡 美咲" is
# one in Japanese, and "Андрей Колесников" one in any alphabet.
_HAN_NAMES = re.compile(r"^[\u4e00-\u9fff·]{2,5}(?:\s+[\u4e00-\u9fff·]{2,5})*$")
_JUNK_WORD = re.compile(r"^[\d\W_]+$")
_EDITOR_CODE = re.compile(r"\b[A-Z]{1,4}\d{2,6}\b")
_NOISE = re.compile(
    r"[（(]\s*(?:微博|编译|[A-Za-z]{2,4}|[\w.]+\.\w{2,4})\s*[)）]|[（(]\s*编译\s*[)）]|^[（(]|[)）]$"
)
# A leading "By"/"Von"/"Par"... in any case; only at the start, so that
# "Ursula von der Leyen" keeps her particle.
_LATIN_LABEL = re.compile(
    r"^(?:(?:written|words|text|reported|story)\s+by|by|von|par|por|di|door|av|af|text|texte|"
    r"autor(?:in)?|author|reporter)\s*[:：]?\s+",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"@|https?://|^www\.|\.(?:com|de|org|net|co\.uk|fr|es|it|ch|at|lt|in|jp|cn|ru)\b|\d|"
    r"^(staff|redaktion|editorial|editors?|admin|administrator|newsroom|email the author|"
    r"unknown|anonymous|佚名|null|none|本报|本站|综合|staff writer|guest|gast|team|"
    r"reporter|correspondent|contributor|author|autor|autorin|agencies|agency|wire|"
    r"updated|published|posted|read more|mehr|more|photo|foto)$|"
    r"^(?:image|photo|foto|bild|picture|credit|quelle|source)s?\s*:|getty|istock|shutterstock|"
    r"dpa-infocom|\bimages?\b",
    re.I,
)
_LAST_FIRST = re.compile(r"^([^\W\d_][\w'\-]+),\s*([^\W\d_][\w'\-.]+(?:\s[^\W\d_][\w'\-.]+)?)$")
_OUTLET = re.compile(
    r"(网|網|报|報|社|台|客户端|财经|新闻|日报|晚报|周刊|杂志|综合|时报|通讯|传媒|媒体|频道|APP|"
    r"Reuters|AFP|AP|dpa|Bloomberg|Press|News|Times|Post|Agency)$"
)
_LATIN = re.compile(r"[A-Za-z]")


@dataclass
class People:
    """The people and outlet of one article."""

    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    source: str | None = None


def _names(value: str, keep_codes: bool = False, han_split: bool = True) -> list[str]:
    value = _LATIN_LABEL.sub("", _NOISE.sub("", value.strip()).strip(" :：|｜"))
    if not keep_codes:
        value = _EDITOR_CODE.sub("", value)
    value = value.strip()
    if not value:
        return []
    m = _LAST_FIRST.match(value)
    if m and not is_outlet(m[1]) and not is_outlet(m[2]):
        value = f"{m[2]} {m[1]}"  # "Doe, Jane": one person, family name first
    words = value.split()
    if han_split and _HAN_NAMES.match(" ".join(w for w in words if not _JUNK_WORD.match(w))):
        parts = words
    else:
        parts = (_SPLIT_LATIN if _LATIN.search(value) or " " in value else _SPLIT).split(value)
    out = []
    for part in parts:
        part = _LATIN_LABEL.sub("", _NOISE.sub("", part)).strip(" .·:：()（）-–—")
        if part and not _NOT_A_NAME.search(part) and len(part.split()) <= 5:
            out.append(part)
    return out


def is_outlet(name: str) -> bool:
    """True for an organisation's name rather than a person's.

    >>> is_outlet("新浪财经综合"), is_outlet("北京日报客户端"), is_outlet("李祺瑶")
    (True, True, False)
    """
    return bool(_OUTLET.search(name.strip()))


def parse_byline(text: str) -> People:
    """Split one byline by its role labels.

    >>> p = parse_byline("来源 北京日报客户端|记者 李祺瑶")
    >>> p.source, p.authors
    ('北京日报客户端', ['李祺瑶'])
    """
    people = People()
    text = " ".join(text.split())
    matches = list(_LABEL.finditer(text))
    if not matches:
        return people
    for i, m in enumerate(matches):
        role = next(k for k, v in m.groupdict().items() if v is not None).rstrip("0123456789")
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end].strip(" |｜")
        if role == "source":
            value = value.strip(" [［【（(")
            value = re.split(r"[\s\]］】)）]", value)[0] if value else ""
            if value and people.source is None:
                people.source = value
        elif role == "editor":
            people.editors += _names(value)
        else:
            people.authors += _names(value)
    return people


def _by_role(byline: Byline | str) -> People:
    """The people of one byline: ``(role, names)``, or a ``line`` (or a
    plain string) whose labels say the roles."""
    if isinstance(byline, str):
        return parse_byline(byline)
    role, text = byline
    if role == "author":
        return People(authors=_names(text))
    if role == "editor":
        return People(editors=_names(text))
    if role == "source":
        return People(source=text.strip() or None)
    return parse_byline(text)


def _dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        key = n.casefold()
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


_INLINE_REPORTER = re.compile(r"[（(]([^（）()]{0,16}记者[^（）()]{1,30})[)）]")


def split_people(
    authors: list[str],
    editors: list[str],
    source: str | None,
    bylines: list[Byline] | list[str],
    first_line: str = "",
    site_names: tuple[str, ...] = (),
    last_lines: str = "",
    language: str | None = None,
) -> People:
    """Authors, editors and source from what a site found and the body's bylines.

    Labelled text goes by its label; an unlabelled author that is an outlet
    becomes the source (when there is none); a reporter named in brackets
    in ``first_line`` or ``last_lines`` of the body (``（记者 张三）``) is one
    when no byline names any; in Japanese (``language="ja"``) a space
    separates family and given name, not two people; ``site_names`` (the site itself,
    e.g. 新浪财经 as a feed's author) are nobody.
    """
    out = People(source=(source or "").strip() or None)
    for byline in bylines:
        p = _by_role(byline)
        out.authors += p.authors
        out.editors += p.editors
        out.source = out.source or p.source
    for value in authors:
        p = parse_byline(value)
        if p.authors or p.editors or p.source:
            out.authors += p.authors
            out.editors += p.editors
            out.source = out.source or p.source
            continue
        for name in _names(value, han_split=language != "ja"):
            if name in site_names or is_site_name(name, site_names):
                continue
            if is_outlet(name):
                out.source = out.source or name
            else:
                out.authors.append(name)
    for value in editors:
        p = parse_byline(value)
        out.editors += p.editors or p.authors or _names(value)
    if not out.authors and (first_line or last_lines):
        m = _INLINE_REPORTER.search(first_line[:80]) or _INLINE_REPORTER.search(last_lines[-200:])
        if m:
            out.authors += parse_byline(m[1]).authors
    out.authors = _dedupe(
        [
            a
            for a in out.authors
            if a not in site_names and not is_outlet(a) and not is_site_name(a, site_names)
        ]
    )
    out.editors = _dedupe(out.editors)
    return out

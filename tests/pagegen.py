"""Generated article pages for the storage and crash tests: saved pages
(``NAME.html`` + ``NAME.json`` with the URL and fetch time) that the replay
spider reads as a live crawl would. The text is made up here."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

WORDS = [
    "harbour",
    "council",
    "budget",
    "river",
    "bridge",
    "school",
    "library",
    "market",
    "railway",
    "festival",
    "museum",
    "hospital",
    "farmers",
    "weather",
    "energy",
    "water",
    "housing",
    "transport",
    "tourism",
]

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title_e} - Test Gazette</title>
<meta property="article:published_time" content="{published}">
<meta name="author" content="{author}"></head><body><h1>{title_e}</h1>
<article itemprop="articleBody">{paragraphs}</article></body></html>"""


def article_url(i: int) -> str:
    return f"https://gazette.example/news/2024/{i % 12 + 1:02d}/story-{i}"


def page_html(i: int, title: str | None = None, revision: int = 0) -> str:
    """Page ``i`` (``revision`` > 0 changes its body text)."""
    title = title if title is not None else f"Story {i}: the {WORDS[i % len(WORDS)]} report"
    paras = [
        f"Paragraph {n} of story {i} talks about the {WORDS[(i + n) % len(WORDS)]} "
        f"and the {WORDS[(i * 7 + n) % len(WORDS)]} in plain words."
        + (f" Revised text number {revision}." if revision and n == 0 else "")
        for n in range(3 + i % 4)
    ]
    return PAGE.format(
        title_e=escape(title, quote=False),
        published=f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T08:30:00+01:00",
        author=f"Ana {WORDS[i % len(WORDS)].title()}",
        paragraphs="".join(f"<p>{escape(p)}</p>" for p in paras),
    )


def write_page(
    folder: Path,
    i: int,
    *,
    title: str | None = None,
    revision: int = 0,
    fetched_at: str = "2024-06-01T00:00:00Z",
    url: str | None = None,
) -> Path:
    """Write page ``i`` as ``story-i.html`` + sidecar; the HTML file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"story-{i}.html"
    html_path.write_text(page_html(i, title, revision), encoding="utf-8")
    side = {"url": url or article_url(i), "fetched_at": fetched_at}
    html_path.with_suffix(".json").write_text(json.dumps(side), encoding="utf-8")
    return html_path


def write_pages(folder: Path, count: int) -> list[str]:
    """``count`` distinct pages; their URLs."""
    for i in range(count):
        write_page(folder, i)
    return [article_url(i) for i in range(count)]

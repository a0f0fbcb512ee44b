"""Scoring newscrawl (or any extractor) on ../shared/corpus as its README says.

Pages are laid out in a temporary folder (gzipped ones unzipped there, nothing
copied into the project) with a sibling ``NAME.json`` giving the truth URL,
replayed through the real ``scrapy crawl replay``, and scored field by field.
The scorers take plain dicts keyed by page, so a comparison script can score
trafilatura or GNE with exactly the same rules:

    python tests/corpus_eval.py zh|fundus|trafilatura   # newscrawl's table
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# --- normalization (README: HTML-unescape, NFKC, drop U+3000, one space) ---


def norm(value: Any) -> str:
    """The corpus README's normalization before any comparison."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", html.unescape(str(value))).replace("\u3000", "")
    return " ".join(text.split())


def bigrams(text: str) -> Counter[str]:
    chars = re.sub(r"\s+", "", norm(text))
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def bigram_f1(got: str, truth: str) -> float:
    """Character-bigram F1 of ``got`` against ``truth`` (whitespace ignored)."""
    g, t = bigrams(got), bigrams(truth)
    if not g and not t:
        return 1.0
    overlap = sum((g & t).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(g.values()), overlap / sum(t.values())
    return 2 * p * r / (p + r)


def name_set(names: Iterable[str]) -> set[str]:
    return {norm(n).casefold() for n in names if norm(n)}


# --- laying pages out for the replay --------------------------------------


@dataclass
class Page:
    """One corpus page: its key, the file to replay, the truth."""

    key: str
    file: Path
    url: str | None
    truth: dict[str, Any]
    fetched_at: str | None = None


def _write(page: Page, tmp: Path, name: str, data: bytes) -> Path:
    out = tmp / f"{name}.html"
    out.write_bytes(data)
    side: dict[str, str] = {}
    if page.url:
        side["url"] = page.url
    if page.fetched_at:
        side["fetched_at"] = page.fetched_at
    if side:
        out.with_suffix(".json").write_text(json.dumps(side), encoding="utf-8")
    return out


def expected_url(path: Path, url: str | None) -> str:
    """The URL the replay gives a page: the sidecar's, else canonical/og:url,
    else the file's own URI (as ``ReplaySpider.parse_html`` decides)."""
    if url:
        return url
    from scrapy.http import HtmlResponse

    resp = HtmlResponse(url=path.resolve().as_uri(), body=path.read_bytes())
    try:
        found = resp.xpath(
            '//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content'
        ).get()
    except ValueError:
        found = None
    if found and found.strip().startswith(("http://", "https://")):
        return found.strip()
    return path.resolve().as_uri()


def zh_pages(corpus: Path) -> list[Page]:
    pages = []
    for f in sorted((corpus / "original").glob("*.html")):
        head = f.read_bytes()[:2000]
        m = re.search(rb'<text id="(https?://[^"]+)"', head)
        truth = {
            kind: (corpus / kind / f"{f.stem}.txt").read_text(encoding="utf-8").strip()
            for kind in ("author", "date", "cleaned")
        }
        pages.append(Page(f.stem, f, m[1].decode("utf-8", "replace") if m else None, truth))
    return pages


def fundus_pages(corpus: Path) -> list[Page]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, t in sorted(truth.items()):
        crawl = t.get("crawl_date")
        fetched = None
        if crawl:
            fetched = datetime.fromisoformat(crawl).isoformat(timespec="seconds") + "Z"
        pages.append(Page(key, corpus / key, t.get("url"), t, fetched))
    return pages


def trafilatura_pages(corpus: Path) -> list[Page]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, t in sorted(truth.items()):
        url = key if key.startswith(("http://", "https://")) else None
        pages.append(Page(key, corpus / "pages" / f"{t['file']}.gz", url, t))
    return pages


def page_bytes(page: Page) -> bytes:
    data = page.file.read_bytes()
    return gzip.decompress(data) if page.file.name.endswith(".gz") else data


def lay_out(pages: list[Page], tmp: Path) -> dict[str, str]:
    """Write every page (unzipped) with its sidecar into ``tmp``; return
    {url the replay will give it: page key}."""
    by_url: dict[str, str] = {}
    for i, page in enumerate(pages):
        path = _write(page, tmp, f"p{i:04d}", page_bytes(page))
        by_url.setdefault(expected_url(path, page.url), page.key)
    return by_url


def replay_corpus(pages: list[Page], tmp: Path) -> dict[str, dict[str, Any]]:
    """newscrawl's records for ``pages``, keyed by page key, via a real replay."""
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import replay

    src = tmp / "pages"
    src.mkdir()
    by_url = lay_out(pages, src)
    records, _ = replay(src, tmp)
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        key = by_url.get(r["url"])
        if key is not None:
            out.setdefault(key, r)
    return out


# --- scorers: records are dicts with the Article's field names ---------------


@dataclass
class Table:
    """Per-field scores, printable."""

    title: str
    rows: dict[str, tuple[float, str]] = field(default_factory=dict)

    def add(self, name: str, value: float, detail: str) -> None:
        self.rows[name] = (value, detail)

    def __getitem__(self, name: str) -> float:
        return self.rows[name][0]

    def __str__(self) -> str:
        lines = [self.title]
        lines += [f"  {k:<16} {v:.3f}  {d}" for k, (v, d) in self.rows.items()]
        return "\n".join(lines)


_ZH_DATE = re.compile(
    r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?)?)?"
)


def zh_date_ok(got: str | None, truth: str) -> bool:
    """Equal to the precision the truth gives (``2018``, ``2005-5-7 21:23:57``),
    read as the wall-clock time in the output's own offset."""
    m = _ZH_DATE.fullmatch(truth.strip())
    if not m or not got:
        return False
    try:
        dt = datetime.fromisoformat(got.replace("Z", "+00:00"))
    except ValueError:
        return False
    parts = [dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second]
    return all(int(t) == g for t, g in zip(m.groups(), parts, strict=True) if t is not None)


def score_zh(pages: list[Page], records: dict[str, dict[str, Any]], who: str) -> Table:
    """Date (pages whose truth has one), author set (UNKNOWN = no author)
    and body character-bigram F1 (mean over all pages)."""
    dates = [p for p in pages if _ZH_DATE.fullmatch(p.truth["date"].strip())]
    d_ok = sum(
        zh_date_ok(records.get(p.key, {}).get("published_at"), p.truth["date"]) for p in dates
    )
    a_ok = 0
    for p in pages:
        truth = p.truth["author"]
        want = set() if truth.upper() in ("UNKNOWN", "UNKNWON") else name_set(truth.split())
        a_ok += name_set(records.get(p.key, {}).get("authors") or []) == want
    f1s = [
        bigram_f1(records.get(p.key, {}).get("body_text") or "", p.truth["cleaned"]) for p in pages
    ]
    t = Table(f"{who} on zh/ ({len(pages)} pages, {len(records)} with output)")
    t.add("date", d_ok / len(dates), f"{d_ok}/{len(dates)} pages with a dated truth")
    t.add("authors", a_ok / len(pages), f"{a_ok}/{len(pages)} (UNKNOWN = empty set)")
    t.add("body_f1", sum(f1s) / len(f1s), "mean char-bigram F1")
    return t


def _instant(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def fundus_date_ok(got: str | None, truth: str | None) -> bool:
    """Same instant to the minute where the truth has a time (a naive truth
    is its wall-clock time); same day where it is midnight (a date only)."""
    if not truth or not got:
        return not truth and not got
    t, g = _instant(truth), _instant(got)
    if t is None or g is None:
        return False
    if g.tzinfo is None:  # a tool that gives no offset: its wall clock against the truth's
        g = g.replace(tzinfo=t.tzinfo)
    if (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0):
        local = g.astimezone(t.tzinfo) if t.tzinfo else g
        return local.date() == t.date() or g.date() == t.date()
    if t.tzinfo is None:
        return abs(g.replace(tzinfo=None) - t) < timedelta(minutes=1) or abs(
            g - t.replace(tzinfo=g.tzinfo)
        ) < timedelta(minutes=1)
    return abs(g - t) < timedelta(minutes=1)


# News agencies: Fundus lists them as authors; newscrawl's schema has them as the source.
_AGENCY = re.compile(
    r"^(the )?(associated press|ap|afp|dpa|reuters|kna|epd|apa|sda|ats|efe|ansa|anadolu\w*|"
    r"xinhua|新华社|中新社|bloomberg|agencies|agence france-presse)$",
    re.I,
)


def _squash(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


def is_org(name: str, page: Page) -> bool:
    """An author entry that names the publisher itself or a news agency,
    not a person (Fundus lists both as authors; newscrawl does not)."""
    key = _squash(name)
    host = re.sub(r"^www\.", "", (re.match(r"https?://([^/]+)", page.url or "") or ["", ""])[1])
    orgs = {_squash(page.truth.get("publisher") or ""), _squash(host), _squash(host.split(".")[0])}
    orgs.discard("")
    return bool(_AGENCY.match(name.strip())) or any(
        key.startswith(o) or o.startswith(key) or o in key for o in orgs if len(o) >= 3
    )


def score_fundus(pages: list[Page], records: dict[str, dict[str, Any]], who: str) -> Table:
    """Title equal; author set equal (``authors``), and the same with the
    publisher's own name and news agencies left out on both sides
    (``authors_people``); published_at same instant (or day)."""
    ok: Counter[str] = Counter()
    for p in pages:
        r = records.get(p.key)
        if r is None:
            continue
        ok["title"] += norm(r.get("title")) == norm(p.truth["title"])
        got, want = r.get("authors") or [], p.truth["authors"] or []
        ok["authors"] += name_set(got) == name_set(want)
        ok["authors_people"] += name_set(a for a in got if not is_org(a, p)) == name_set(
            a for a in want if not is_org(a, p)
        )
        ok["published_at"] += fundus_date_ok(r.get("published_at"), p.truth["publishing_date"])
    n = len(pages)
    t = Table(f"{who} on generic/fundus/ ({n} pages, {len(records)} with output)")
    for k in ("title", "authors", "authors_people", "published_at"):
        t.add(k, ok[k] / n, f"{ok[k]}/{n}")
    return t


def score_snippets(pages: list[Page], records: dict[str, dict[str, Any]], who: str) -> Table:
    """trafilatura's evaluation: ``with`` snippets found are true positives
    (else false negatives), ``without`` snippets found are false positives;
    summed over the set."""
    tp = fn = fp = 0
    for p in pages:
        body = " ".join((records.get(p.key, {}).get("body_text") or "").split())
        for s in p.truth["with"]:
            if " ".join(s.split()) in body:
                tp += 1
            else:
                fn += 1
        fp += sum(1 for s in p.truth["without"] if " ".join(s.split()) in body)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    t = Table(f"{who} on generic/trafilatura/ ({len(pages)} pages, {len(records)} with output)")
    t.add("precision", prec, f"tp={tp} fp={fp}")
    t.add("recall", rec, f"fn={fn}")
    t.add("f1", f1, "")
    return t


SETS = {
    "zh": (("zh",), zh_pages, score_zh),
    "fundus": (("generic", "fundus"), fundus_pages, score_fundus),
    "trafilatura": (("generic", "trafilatura"), trafilatura_pages, score_snippets),
}


def main(argv: list[str]) -> None:
    import os
    import tempfile

    corpus_root = Path(os.environ.get("NEWSCRAWL_CORPUS", ROOT.parent / "shared" / "corpus"))
    for name in argv or list(SETS):
        parts, load, scorer = SETS[name]
        pages = load(corpus_root.joinpath(*parts))
        with tempfile.TemporaryDirectory() as tmp:
            records = replay_corpus(pages, Path(tmp))
            if os.environ.get("KEEP_RECORDS"):
                Path(os.environ["KEEP_RECORDS"]).joinpath(f"{name}.json").write_text(
                    json.dumps(records, ensure_ascii=False), encoding="utf-8"
                )
        print(scorer(pages, records, "newscrawl"))


if __name__ == "__main__":
    main(sys.argv[1:])

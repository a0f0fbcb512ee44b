"""The benchmark's second corpus: real Sina pages, many times over.

The 20 pages of ``$NEWSCRAWL_CORPUS/sina/`` are read where they are, at run
time, and written ``copies`` times into the benchmark's own work folder
(never into the project): copy ``k`` of a page is its bytes with its
address (``truth.json``'s ``url``) changed to one of its own, plus a
``NAME.json`` sidecar giving that address and a fixed fetch time, as the
accuracy test lays pages out. Each copy is then an article of its own
(its own identity and row), not a re-crawl of the first: the full replay
does on copy 50 what it does on copy 1.

    python -m bench.sina_pages OUT --copies 50
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The evaluation corpus: NEWSCRAWL_CORPUS, as the tests read it.
CORPUS = Path(os.environ.get("NEWSCRAWL_CORPUS", ROOT.parent / "shared" / "corpus")) / "sina"
FETCHED_AT = "2026-01-01T00:00:00Z"  # fixed, as in tests/test_sina_accuracy.py

# The last path segment's name before its extension: "doc-iihnz…" of ".../doc-iihnz….shtml".
_STEM = re.compile(r"([^/]+?)(\.[a-z]+)?$")


def copy_url(url: str, k: int) -> str:
    """The address of copy ``k`` of the page at ``url``: a suffix on the
    last segment's name, so the host, the date in the path and the article
    pattern (``doc-i….shtml``) stay as they were.

    >>> copy_url("https://news.sina.com.cn/c/2019-11-25/doc-iihnzahi3275702.shtml", 7)
    'https://news.sina.com.cn/c/2019-11-25/doc-iihnzahi3275702c0007.shtml'
    """
    return _STEM.sub(lambda m: f"{m[1]}c{k:04d}{m[2] or ''}", url, count=1)


def build(out: Path, copies: int, corpus: Path = CORPUS) -> list[dict[str, str]]:
    """Write ``copies`` copies of each corpus page under ``out`` (skipped when
    ``out/corpus.json`` says they are there) and return one record per page
    written: ``file`` (relative to ``out``) and ``url``."""
    pages = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))["pages"]
    stamp = {"corpus": str(corpus), "copies": copies, "pages": len(pages)}
    stamp_file = out / "corpus.json"
    index_file = out / "pages.jsonl"
    if stamp_file.exists() and index_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        return [json.loads(line) for line in index_file.read_text("utf-8").splitlines()]
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    for p in pages:
        data = (corpus / p["file"]).read_bytes()
        url = p["url"]
        # The page's own og:url / canonical / <text id=…> name it too, and a
        # canonical address is the article's identity: rename it there as well.
        old = [u.encode("ascii") for u in {url, url.replace("https://", "http://", 1)}]
        for k in range(copies):
            new = copy_url(url, k)
            body = data
            for o in old:
                body = body.replace(o, new.encode("ascii"))
            name = Path(f"{k // 1000:03d}") / f"{k:04d}-{p['file']}"
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(body)
            side = {"url": new, "fetched_at": FETCHED_AT}
            (out / name).with_suffix(".json").write_text(json.dumps(side), encoding="utf-8")
            rows.append({"file": str(name), "url": new})
    rows.sort(key=lambda r: r["file"])  # the replay's own order
    index_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stamp_file.write_text(json.dumps(stamp))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    a = ap.parse_args(argv)
    rows = build(a.out, a.copies, a.corpus)
    print(f"{len(rows)} pages in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

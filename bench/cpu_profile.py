"""Where the full replay's CPU goes: ``scrapy crawl replay`` (every pipeline,
JSON Lines and SQLite, as ``python -m bench`` runs it) under cProfile, on
the benchmark's pages; the functions with the most time of their own, and
the share of each concern.

    .venv/bin/python -m bench.cpu_profile                  # 1,000 generated pages
    .venv/bin/python -m bench.cpu_profile --pages 2000 --top 40
    .venv/bin/python -m bench.cpu_profile --sina-copies 50 # pages built from the Sina corpus

As the benchmark subtracts start-up, a profile of the same replay on one
page is subtracted, function by function: what is left is the cost of the
pages. Both profiles are kept (``WORK/profile-*/replay.prof``) for
``pstats`` or snakeviz. cProfile slows Python code more than C code (lxml, sqlite3), so
the shares are of a profiled run: good for where the time goes, not for
absolute speed (that is ``python -m bench``).

A concern is named by the code that asks for the work: a function is
*anchored* to a concern by its module (``newscrawl/pipelines/text.py`` is
the text pipeline, ``scrapy/`` and ``twisted/`` are Scrapy, ...) or, in
``newscrawl/sites/``, by its name (``*clean*``, ``*container*``, ``*body*``
... are container cleaning, the rest field extraction); every other
function (lxml, parsel, the CSS engine, dateparser, sqlite3, json,
newscrawl's shared helpers) takes the concerns of its callers, in
proportion to the time it spent under each (cProfile keeps one level of
callers, so this is an estimate through shared helpers).
"""

from __future__ import annotations

import argparse
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import sina_pages
from bench.generate import generate, page_path

ROOT = Path(__file__).resolve().parents[1]

Func = tuple[str, int, str]  # pstats' key: file, line, function name

PARSE = "decode + parse (charset, Scrapy's decode, lxml)"
FIELDS = "site field extraction"
CLEAN = "container cleaning (site module)"
TEXT = "text pipeline"
OTHER_PIPELINES = "other pipelines (people, dates, categories, validate)"
OUTPUTS = "outputs (store: SQLite, JSON Lines)"
SPIDER = "replay spider (files, sidecars)"
SCRAPY = "Scrapy, Twisted, asyncio"
STARTUP = "start-up (imports)"
CONCERNS = (PARSE, FIELDS, CLEAN, TEXT, OTHER_PIPELINES, OUTPUTS, SPIDER, SCRAPY, STARTUP)

# Names of site-module functions that clean the article container.
_CLEANING = re.compile(
    r"clean|container|junk|_drop|paragraph|body|visible|_blocks|with_images|promo|_link_text"
    r"|text_end|_after|ad_block"
)
# The selection engine: shared by field extraction and cleaning, so it
# takes its callers' concern.
_SELECTING = re.compile(
    r"^(xpath|first|select|_select\w*|texts?|_text\w*|has\w*|class\w*|with_class|css_\w+"
    r"|_css_\w+|node_xpath|_compiled|compiled|element_text|stripped_text|\w*_memo|_squash"
    r"|elements|strings|ids|classes|_possible|required_names|mentions)$"
)
_PARSEL_PARSE = {"create_root_node", "_get_root_from_text", "_get_root"}


def anchor(func: Func) -> str | None:
    """The concern ``func`` belongs to by itself, or None (its callers')."""
    file, _, name = func
    path = file.replace("\\", "/")
    if name == "<module>" or "importlib" in path:
        return STARTUP
    if "/newscrawl/" in path:
        part = path.rsplit("/newscrawl/", 1)[1]
        if "charset" in part:
            return PARSE
        if "css" in part or "select" in part:
            return None
        if part.startswith("sites/"):
            if _SELECTING.match(name):
                return None
            return CLEAN if _CLEANING.search(name) else FIELDS
        if "body" in part:
            return CLEAN
        if part == "pipelines/text.py":
            return TEXT
        if part.startswith(("pipelines/store", "storage/", "exporters/")):
            return OUTPUTS
        if part.startswith(("pipelines/", "normalize/")):
            return OTHER_PIPELINES
        if part.startswith("spiders/"):
            return SPIDER
        return None
    if "/scrapy/" in path:
        if path.endswith(("/extensions/feedexport.py", "/scrapy/exporters.py")):
            return OUTPUTS
        if path.endswith("/http/response/text.py"):
            return PARSE
        return SCRAPY
    if "/w3lib/encoding" in path or "/charset_normalizer/" in path:
        return PARSE
    if "/parsel/" in path and name in _PARSEL_PARSE:
        return PARSE
    if "/twisted/" in path or "/asyncio/" in path or path.endswith("/selectors.py"):
        return SCRAPY
    return None


def shares(stats: pstats.Stats, anchor: Callable[[Func], str | None] = anchor) -> dict[str, float]:
    """Own time (seconds) per concern."""
    table = stats.stats  # type: ignore[attr-defined]  # pstats documents it, typeshed does not
    memo: dict[Func, dict[str, float]] = {}
    busy: set[Func] = set()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))

    def concerns(f: Func) -> dict[str, float]:
        if f in memo:
            return memo[f]
        fixed = anchor(f)
        if fixed is not None:
            memo[f] = {fixed: 1.0}
            return memo[f]
        busy.add(f)
        mix: dict[str, float] = {}
        callers = {c: v for c, v in table[f][4].items() if c not in busy and c in table}
        weights = {c: v[2] or v[3] or v[1] for c, v in callers.items()}
        total = sum(weights.values())
        for c, w in weights.items():
            for k, share in concerns(c).items():
                mix[k] = mix.get(k, 0.0) + share * w / total
        busy.discard(f)
        memo[f] = mix or {SCRAPY: 1.0}  # no caller: the event loop itself
        return memo[f]

    out = dict.fromkeys(CONCERNS, 0.0)
    for f, (_, _, tt, _, _) in table.items():
        for k, share in concerns(f).items():
            out[k] += tt * share
    return out


_STDLIB = re.compile(r".*/python3\.\d+/")


def _name(func: Func) -> str:
    file, line, name = func
    if file == "~":
        return name
    for marker in ("/site-packages/", f"{ROOT}/"):
        if marker in file:
            file = file.rsplit(marker, 1)[1]
            break
    else:
        file = _STDLIB.sub("", file)
    return f"{file}:{line}({name})"


def _own(stats: pstats.Stats) -> dict[Func, tuple[int, float, float]]:
    table = stats.stats  # type: ignore[attr-defined]
    return {f: (nc, tt, ct) for f, (_, nc, tt, ct, _) in table.items()}


def report(prof: Path, base: Path, pages: int, top: int) -> list[str]:
    """The profile of ``pages`` pages less that of one page (``base``): the
    marginal cost, as ``python -m bench`` counts CPU per page."""
    full, one = pstats.Stats(str(prof)), pstats.Stats(str(base))
    own, own1 = _own(full), _own(one)
    total, total1 = sum(v[1] for v in own.values()), sum(v[1] for v in own1.values())
    marginal = total - total1
    lines = [
        f"profiled CPU (own time of every function): {total:.1f} s on {pages} pages, "
        f"{total1:.1f} s on one page; marginal {marginal:.1f} s, "
        f"{marginal / (pages - 1) * 1000:.2f} ms/page",
        "",
        f"top {top} functions by own time, one page's subtracted:",
        f"{'own s':>7} {'share':>6} {'calls':>9} {'cum s':>7}  function",
    ]
    zero = (0, 0.0, 0.0)
    diff = {
        f: tuple(a - b for a, b in zip(v, own1.get(f, zero), strict=True)) for f, v in own.items()
    }
    for f, (nc, tt, ct) in sorted(diff.items(), key=lambda kv: kv[1][1], reverse=True)[:top]:
        lines.append(f"{tt:7.2f} {tt / marginal:6.1%} {int(nc):9d} {ct:7.2f}  {_name(f)}")
    by, by1 = shares(full), shares(one)
    lines.append("")
    lines.append(
        f"{'share of the marginal CPU, by concern':56} {'s':>6} {'share':>6} {'ms/page':>8}"
    )
    for k in CONCERNS:
        d = by[k] - by1[k]
        lines.append(f"{k:56} {d:6.2f} {d / marginal:6.1%} {d / (pages - 1) * 1000:8.2f}")
    return lines


def profile_replay(pages: Path, out: Path) -> tuple[Path, int, list[str]]:
    """``scrapy crawl replay`` of ``pages`` under cProfile, outputs in ``out``:
    the profile, the articles written, the command."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    prof = out / "replay.prof"
    cmd = [
        sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "scrapy", "crawl", "replay",
        "-a", f"path={pages}",
        "-s", f"NEWSCRAWL_JSONL={out / 'articles.jsonl'}",
        "-s", f"NEWSCRAWL_DATABASE=sqlite:///{out / 'newscrawl.sqlite3'}",
    ]  # fmt: skip
    with (out / "log.txt").open("wb") as log:
        code = subprocess.call(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if code != 0 or not prof.exists():
        raise SystemExit(f"the profiled replay failed ({code}): see {out / 'log.txt'}")
    written = sum(1 for _ in (out / "articles.jsonl").open("rb"))
    return prof, written, cmd


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000, help="generated pages")
    ap.add_argument("--sina-copies", type=int, default=0, help="profile Sina pages instead")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newscrawl-bench")
    a = ap.parse_args(argv)
    if a.sina_copies:
        corpus = a.work / f"sina-{a.sina_copies}"
        rows = sina_pages.build(corpus, a.sina_copies)
        n, first = len(rows), corpus / rows[0]["file"]
        what = f"{n} pages built from the Sina corpus"
    else:
        corpus = a.work / f"pages-{a.pages}"
        n, first = len(generate(corpus, a.pages)), page_path(corpus, 0)
        what = f"{n} generated pages"
    base, _, _ = profile_replay(first, a.work / f"profile-{corpus.name}-1")
    prof, written, cmd = profile_replay(corpus, a.work / f"profile-{corpus.name}")
    print(f"cProfile of the full replay on {what} ({written} articles written), less one page's")
    print("command: " + " ".join(cmd))
    for line in report(prof, base, n, a.top):
        print(line)


if __name__ == "__main__":
    main()

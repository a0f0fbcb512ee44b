"""Micro-benchmark: extraction plus normalization of one page, no Scrapy
engine. For each corpus page: bytes -> ``HtmlResponse`` -> ``Site.extract``
-> every item pipeline but the outputs (store), in order.

    python -m bench.micro [--corpus CORPUS/sina] [--repeat 15] [--profile]

Each page is run once untimed (first-call costs: imports, dateparser's
tables), then ``--repeat`` times; a page's time is the fastest of its
repeats, and the median and 95th percentile are taken over pages. The corpus
is read where it is, at run time. Times are this process's CPU time, so
that other work on the machine inflates them less than wall time.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler

from newscrawl.sites import site_for_url

ROOT = Path(__file__).resolve().parents[1]
# The evaluation corpus: NEWSCRAWL_CORPUS, as the tests read it.
CORPUS = Path(os.environ.get("NEWSCRAWL_CORPUS", ROOT.parent / "shared" / "corpus")) / "sina"
OUTPUT_PIPELINES = ("store", "dedupe")  # outputs and crawl memory, not normalization
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Result:
    file: str
    kb: float
    ms: float
    dropped: str | None
    parse_ms: float = 0.0
    """Of ``ms``, decoding and parsing the HTML alone (lxml, through Scrapy's selector)."""


def pipelines() -> list[Any]:
    """The ``process_item`` of each of the project's normalizing pipelines,
    in order, built as a crawl builds them (taking the item alone)."""
    settings = get_project_settings()
    install_reactor(settings["TWISTED_REACTOR"])  # the crawler checks for it; never run
    # Only the pipelines are wanted: no extensions or add-ons (some need a running spider).
    only = {**settings.copy_to_dict(), "EXTENSIONS": {}, "EXTENSIONS_BASE": {}, "ADDONS": {}}
    crawler = get_crawler(settings_dict=only)
    out = []
    order = sorted(settings.getwithbase("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
    for path, prio in order:
        if prio is None or any(f".{name}." in str(path) for name in OUTPUT_PIPELINES):
            continue
        cls = load_object(path)
        obj = cls.from_crawler(crawler) if hasattr(cls, "from_crawler") else cls()
        # Scrapy passes the spider to a two-argument process_item; looked up
        # here once, not per page (inspect.signature is slow).
        if len(inspect.signature(obj.process_item).parameters) == 1:
            out.append(obj.process_item)
        else:
            out.append(functools.partial(obj.process_item, spider=None))
    return out


def _process(pipes: list[Any], item: Any) -> Any:
    for process_item in pipes:
        item = process_item(item)
    return item


def one(data: bytes, url: str, pipes: list[Any]) -> str | None:
    """Extract and normalize one page; the drop reason, if it was dropped."""
    response = HtmlResponse(url=url, body=data)
    found = site_for_url(url).extracted(response, None, FETCHED)
    try:
        _process(pipes, found)
    except DropItem as exc:
        return str(exc).split(":")[0]
    return None


def corpus_pages(corpus: Path) -> list[tuple[str, str, bytes]]:
    """``(file, url, bytes)`` of every page ``truth.json`` lists."""
    truth = json.loads((corpus / "truth.json").read_text("utf-8"))
    return [(p["file"], p["url"], (corpus / p["file"]).read_bytes()) for p in truth["pages"]]


def run(corpus: Path, repeat: int) -> list[Result]:
    pipes = pipelines()
    pages = corpus_pages(corpus)
    results = []
    for name, url, data in pages:
        dropped = one(data, url, pipes)  # warm-up, untimed
        times = []
        for _ in range(repeat):
            # CPU time of this process: other work on the machine does not count.
            t0 = time.process_time()
            one(data, url, pipes)
            times.append(time.process_time() - t0)
        parse = []
        for _ in range(repeat):
            t0 = time.process_time()
            HtmlResponse(url=url, body=data).selector  # noqa: B018 (parsed on first use)
            parse.append(time.process_time() - t0)
        # The fastest repeat: what the code costs, less the interruptions
        # by other work on the machine (timeit's advice).
        results.append(
            Result(name, len(data) / 1024, min(times) * 1000, dropped, min(parse) * 1000)
        )
    return results


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation."""
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def report(results: list[Result], verbose: bool = False) -> str:
    ms = [r.ms for r in results]
    lines = []
    if verbose:
        for r in sorted(results, key=lambda r: -r.ms):
            drop = f"  dropped: {r.dropped}" if r.dropped else ""
            lines.append(
                f"  {r.ms:7.2f} ms (parse {r.parse_ms:5.2f})  {r.kb:6.0f} KB  {r.file[:52]}{drop}"
            )
    lines.append(
        f"extraction + normalization (CPU), {len(ms)} Sina corpus pages: "
        f"median {statistics.median(ms):.2f} ms, p95 {percentile(ms, 0.95):.2f} ms, "
        f"max {max(ms):.2f} ms, mean {statistics.fmean(ms):.2f} ms per page"
    )
    parse = [r.parse_ms for r in results]
    rest = [r.ms - r.parse_ms for r in results]
    lines.append(
        f"  of which decoding + parsing the HTML (lxml): median {statistics.median(parse):.2f} ms;"
        f" the rest (extraction + normalization proper): median {statistics.median(rest):.2f} ms,"
        f" p95 {percentile(rest, 0.95):.2f} ms"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--profile", action="store_true", help="cProfile the timed loop")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per page")
    a = ap.parse_args(argv)
    if not (a.corpus / "truth.json").exists():
        sys.exit(f"no corpus at {a.corpus} (pass --corpus DIR holding truth.json)")
    if a.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        results = run(a.corpus, a.repeat)
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        results = run(a.corpus, a.repeat)
    print(report(results, a.verbose))


if __name__ == "__main__":
    main()

"""newscrawl's benchmark: one command, run from the project folder.

    .venv/bin/python -m bench                      # throughput, Sina pages, micro
    .venv/bin/python -m bench --pages 5000 --repeat 3
    .venv/bin/python -m bench --only sina --sina-copies 100
    .venv/bin/python -m bench --only memory        # 10,000 and 100,000 pages
    .venv/bin/python -m bench.cpu_profile          # where the full replay's CPU goes

Throughput: generated Sina-like pages (``bench/generate.py``) replayed five
ways, each in its own process, one after another:

0. ``bare-defaults``: the bare spider with Scrapy's default settings (what
   the replay tuning buys);
1. ``bare``: Scrapy alone, a spider yielding ``{"url": ...}``: the ceiling;
2. ``floor``: Scrapy parsing each page with lxml (parsel) for its
   ``<title>``: the floor of any Scrapy replay that reads its pages;
3. ``newscrawl``: ``scrapy crawl replay`` with every pipeline, JSON Lines and
   SQLite outputs, exactly as a user runs it;
4. ``trafilatura``: a spider calling trafilatura and dateparser per page.

``sina``: rows 1 to 4 again on pages built from the Sina corpus
(``bench/sina_pages.py``: ``--sina-copies`` copies of its 20 real pages,
each under its own address, written into the work folder at run time).

pages/s is pages over Scrapy's ``elapsed_time_seconds`` (the crawl, not the
interpreter's start-up). CPU ms/page comes from the child's resource usage
(user + system), less that of the same command on one page in the same
round (the start-up), over the pages after the first: the marginal cost of
a page; the median over rounds. Peak RSS is the child's own high-water mark
(``VmHWM``). Absolute figures vary from machine to machine; the ratios are
the figures to quote, above all floor/newscrawl by CPU per page (the target
is >= 0.6: newscrawl costs at most 1/0.6 of the floor).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import micro, sina_pages
from bench.generate import generate, page_path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("bare-defaults", "bare", "floor", "newscrawl", "trafilatura")
SINA_KINDS = ("bare", "floor", "newscrawl", "trafilatura")
LABELS = {
    "bare-defaults": "0 bare Scrapy, Scrapy defaults",
    "bare": "1 bare Scrapy (ceiling)",
    "floor": "2 Scrapy + lxml <title> (floor)",
    "newscrawl": "3 newscrawl full replay",
    "trafilatura": "4 trafilatura + dateparser",
}


@dataclass
class Run:
    kind: str
    pages: int
    items: int
    elapsed: float
    cpu: float
    maxrss_mb: float
    wall: float

    @property
    def rate(self) -> float:
        return self.pages / self.elapsed if self.elapsed else 0.0


def _stats_from_log(log: str) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    for key in ("elapsed_time_seconds", "item_scraped_count", "memusage/max"):
        m = re.search(rf"'{re.escape(key)}': ([\d.]+)", log)
        if m:
            stats[key] = float(m[1])
    return stats


def run_child(
    cmd: list[str], out: Path, every: int = 0, interval: float = 0.2
) -> tuple[int, Any, float]:
    """Run ``cmd`` (log in ``out/log.txt``); its exit code, resource usage
    and peak RSS in MB. The peak is the child's own ``VmHWM``, polled:
    ``ru_maxrss`` of a child also counts the parent's memory at the fork.
    With ``every``, print RSS each ``every`` articles written to
    ``out/articles.jsonl``."""
    jsonl = out / "articles.jsonl"
    t0 = time.perf_counter()
    peak = rss = 0
    done, offset, next_mark = 0, 0, every
    with (out / "log.txt").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss = _proc_kb(proc.pid, "VmRSS")
            peak = max(peak, _proc_kb(proc.pid, "VmHWM"))
            if every and jsonl.exists():
                with jsonl.open("rb") as f:
                    f.seek(offset)
                    chunk = f.read()
                done += chunk.count(b"\n")
                offset += len(chunk)
                while done >= next_mark:
                    print(
                        f"  {next_mark:>7} pages: RSS {rss / 1024:.0f} MB, peak so far "
                        f"{peak / 1024:.0f} MB ({time.perf_counter() - t0:.0f} s)",
                        flush=True,
                    )
                    next_mark += every
            time.sleep(interval)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage, peak / 1024


def run_one(kind: str, pages: Path, n: int, work: Path, tag: str = "", every: int = 0) -> Run:
    """One benchmark process over ``pages``; its figures."""
    out = work / f"out-{kind}{tag}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if kind == "newscrawl":
        cmd = [
            sys.executable, "-m", "scrapy", "crawl", "replay",
            "-a", f"path={pages}",
            "-s", f"NEWSCRAWL_JSONL={out / 'articles.jsonl'}",
            "-s", f"NEWSCRAWL_DATABASE=sqlite:///{out / 'newscrawl.sqlite3'}",
        ]  # fmt: skip
    else:
        cmd = [sys.executable, "-m", "bench.spiders", kind, str(pages), str(out)]
    t0 = time.perf_counter()
    code, usage, peak = run_child(cmd, out, every)
    wall = time.perf_counter() - t0
    text = (out / "log.txt").read_text("utf-8", "replace")
    if code != 0:
        raise SystemExit(f"{kind} failed ({code}):\n{text[-3000:]}")
    if kind == "newscrawl":
        stats = _stats_from_log(text)
    else:
        stats = json.loads((out / "stats.json").read_text())
    return Run(
        kind,
        n,
        int(stats.get("item_scraped_count", 0)),
        float(stats.get("elapsed_time_seconds", 0.0)),
        usage.ru_utime + usage.ru_stime,
        peak,
        wall,
    )


def check_output(work: Path, truth: list[dict[str, Any]]) -> str:
    """How much of the generated pages' truth newscrawl's output holds."""
    by_url = {t["url"]: t for t in truth}
    path = work / "out-newscrawl" / "articles.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    ok = dict.fromkeys(("title", "date", "source", "authors", "editor", "body"), 0)
    for rec in records:
        t = by_url.get(rec["url"])
        if t is None:
            continue
        ok["title"] += rec["title"] == t["title"]
        ok["date"] += (rec.get("published_at") or "")[:16] == t["published_at"]
        ok["source"] += rec.get("source") == t["source"]
        ok["authors"] += sorted(rec.get("authors") or []) == sorted(t["authors"])
        ok["editor"] += t["editor"] in (rec.get("editors") or [])
        body = rec.get("body_text") or ""
        ok["body"] += (
            body.startswith(t["first_sentence"])
            and t["last_sentence"] in body[-200:]
            and "责任编辑" not in body
            and "新浪财经APP" not in body
        )
    n = len(truth)
    parts = ", ".join(f"{k} {v / n:.0%}" for k, v in ok.items())
    return f"newscrawl output: {len(records)} of {n} pages; right: {parts}"


def _mb(x: float) -> str:
    return f"{x:.0f} MB"


def check_sina(work: Path, rows: list[dict[str, str]], tag: str) -> str:
    """How many of the Sina copies newscrawl wrote, each under its own address."""
    path = work / f"out-newscrawl{tag}" / "articles.jsonl"
    urls = [json.loads(line)["url"] for line in path.read_text("utf-8").splitlines() if line]
    wanted = {r["url"] for r in rows}
    return (
        f"newscrawl output: {len(urls)} records of {len(rows)} pages, "
        f"{len(wanted & set(urls))} distinct pages"
    )


def measure(
    kinds: tuple[str, ...], corpus: Path, first: Path, pages: int, repeat: int, work: Path, tag: str
) -> tuple[dict[str, list[Run]], dict[str, list[Run]], list[str]]:
    """``repeat`` rounds of: each kind on one page (its start-up cost), then
    each kind on the whole corpus, one process after another."""
    base: dict[str, list[Run]] = {k: [] for k in kinds}
    runs: dict[str, list[Run]] = {k: [] for k in kinds}
    warnings = []
    for _ in range(repeat):
        for k in kinds:
            base[k].append(run_one(k, first, 1, work, f"{tag}-1"))
        for k in kinds:
            r = run_one(k, corpus, pages, work, tag)
            if r.items != pages:
                warnings.append(f"warning: {k} scraped {r.items} items of {pages} pages")
            runs[k].append(r)
    return runs, base, warnings


def _marginal(runs: list[Run], base: list[Run]) -> list[float]:
    """CPU seconds per page of each round, with that round's start-up (the
    one-page run) subtracted."""
    return [(r.cpu - b.cpu) / (r.pages - 1) for r, b in zip(runs, base, strict=True)]


def table(runs: dict[str, list[Run]], base: dict[str, list[Run]]) -> list[str]:
    """The rows (median over rounds) and the ratios to newscrawl's full replay."""
    lines = [f"{'':34} {'pages/s':>9} {'CPU ms/page':>12} {'peak RSS':>9}"]
    rate: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for k, rs in runs.items():
        rate[k] = statistics.median(r.rate for r in rs)
        cpu[k] = statistics.median(_marginal(rs, base[k]))
        rss = max(r.maxrss_mb for r in rs)
        lines.append(f"{LABELS[k]:34} {rate[k]:9.1f} {cpu[k] * 1000:12.2f} {_mb(rss):>9}")
    lines.append("")
    n = "newscrawl"
    for k, target in (("floor", "  (target >= 0.6)"), ("bare", ""), ("trafilatura", "")):
        if k not in runs:
            continue
        # Both say how fast newscrawl is next to ``k`` (above 1: faster).
        by_cpu, by_rate = cpu[k] / cpu[n], rate[n] / rate[k]
        name = f"{n} / {k}" if k == "trafilatura" else f"{k} / {n}"
        lines.append(
            f"{name + ':':26} {by_cpu:.2f} by CPU per page, {by_rate:.2f} by pages/s{target}"
        )
        if k == "floor" and len(runs[k]) > 1:
            pairs = zip(_marginal(runs[k], base[k]), _marginal(runs[n], base[n]), strict=True)
            each = [x / y for x, y in pairs]
            lines.append(f"{name} by CPU, per round: " + ", ".join(f"{v:.2f}" for v in each))
    return lines


def throughput(pages: int, repeat: int, work: Path) -> list[str]:
    """The generated pages, every kind of run."""
    corpus = work / f"pages-{pages}"
    truth = generate(corpus, pages)
    sizes = [int(str(t["bytes"])) for t in truth]
    gb = sum(1 for t in truth if t["encoding"] == "gb2312")
    lines = [
        f"corpus: {pages} generated Sina-like pages, {sum(sizes) / 1e6:.0f} MB, "
        f"{min(sizes) // 1024}-{max(sizes) // 1024} KB (median "
        f"{sorted(sizes)[len(sizes) // 2] // 1024} KB), {gb} GB2312, {pages - gb} UTF-8",
    ]
    runs, base, warnings = measure(KINDS, corpus, page_path(corpus, 0), pages, repeat, work, "")
    lines += warnings
    lines.append(check_output(work, truth))
    lines.append("")
    return lines + table(runs, base)


def sina(copies: int, repeat: int, work: Path) -> list[str]:
    """Pages built from the Sina corpus (``bench/sina_pages.py``): the rows
    that the ratios to newscrawl need."""
    corpus = work / f"sina-{copies}"
    rows = sina_pages.build(corpus, copies)
    pages = len(rows)
    sizes = [(corpus / r["file"]).stat().st_size for r in rows[: pages // copies]]
    lines = [
        f"corpus: {copies} copies of the {pages // copies} Sina corpus pages ({pages} pages, "
        f"{sum(sizes) * copies / 1e6:.0f} MB, {min(sizes) // 1024}-{max(sizes) // 1024} KB), "
        "each copy under its own address"
    ]
    first = corpus / rows[0]["file"]
    runs, base, warnings = measure(SINA_KINDS, corpus, first, pages, repeat, work, "-sina")
    lines += warnings
    lines.append(check_sina(work, rows, "-sina"))
    lines.append("")
    return lines + table(runs, base)


def _proc_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def memory(sizes: list[int], work: Path, min_kb: int, max_kb: int) -> list[str]:
    """Peak RSS of the full replay at each size (the first ``n`` pages of one
    corpus), each its own process; the largest also noted as it goes."""
    n_max = max(sizes)
    corpus = work / f"memory-{n_max}-{min_kb}-{max_kb}"
    t0 = time.perf_counter()
    truth = generate(corpus, n_max, seed=11, min_kb=min_kb, max_kb=max_kb)
    total = sum(int(str(t["bytes"])) for t in truth)
    del truth
    lines = [
        f"memory corpus: {n_max} pages of {min_kb}-{max_kb} KB, {total / 1e9:.1f} GB "
        f"(ready in {time.perf_counter() - t0:.0f} s)"
    ]
    print(lines[0], flush=True)
    for n in sorted(sizes):
        if n == n_max:
            path = corpus
        elif n == 10_000:
            path = corpus / "000"  # the first 10,000 pages are one folder
        else:
            raise SystemExit("memory sizes are 10000 and the corpus size")
        every = max(10_000, n // 10) if n > 10_000 else 0
        r = run_one("newscrawl", path, n, work, f"-memory-{n}", every)
        lines.append(
            f"newscrawl full replay, {n:>7} pages: peak RSS {_mb(r.maxrss_mb)}, "
            f"{r.items} items, {r.rate:.1f} pages/s, {r.wall:.0f} s"
        )
        print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000, help="throughput corpus size")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the runs")
    ap.add_argument(
        "--only",
        default="throughput,sina,micro",
        help="throughput, sina, micro, memory (comma-separated)",
    )
    ap.add_argument(
        "--sina-copies", type=int, default=0, help="copies of each Sina page (default: pages/20)"
    )
    ap.add_argument("--memory-pages", default="10000,100000")
    ap.add_argument("--memory-kb", default="30,60", help="page size range of the memory corpus")
    ap.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "newscrawl-bench",
        help="where pages and outputs go (kept: generated pages are reused)",
    )
    a = ap.parse_args(argv)
    parts = set(a.only.split(","))
    a.work.mkdir(parents=True, exist_ok=True)
    print(f"newscrawl benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs")
    if "throughput" in parts:
        for line in throughput(a.pages, a.repeat, a.work):
            print(line, flush=True)
    if "sina" in parts:
        print()
        copies = a.sina_copies or max(2, a.pages // 20)
        for line in sina(copies, a.repeat, a.work):
            print(line, flush=True)
    if "micro" in parts:
        print()
        print(micro.report(micro.run(micro.CORPUS, 15)), flush=True)
    if "memory" in parts:
        print()
        sizes = [int(x) for x in a.memory_pages.split(",")]
        lo, hi = (int(x) for x in a.memory_kb.split(","))
        memory(sizes, a.work, lo, hi)  # prints as it goes


if __name__ == "__main__":
    main()

"""Hostile inputs: one replay of a folder of broken, malicious and odd
inputs (``bench/hostile_inputs.py``) among good pages, tallied by category.

    .venv/bin/python -m bench.hostile            # the folder as the tests use it
    .venv/bin/python -m bench.hostile --big      # plus a 50 MB page and 1,000,000 paragraphs

For each category: the inputs, how many were stored, dropped (by reason) or
skipped (by reason), the tracebacks and ERROR lines of the run, and the
peak RSS of the crawl process. Every drop and skip is matched to its input
by the file name its log line gives; stored articles by their titles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.hostile_inputs import Case, write_hostile_inputs

ROOT = Path(__file__).resolve().parents[1]
_LINE = re.compile(r"\] (?:WARNING|DEBUG): (Dropped|Skipped) ([a-z_]+): (.*)$")


def owner(where: str, root: Path, cases: list[Case]) -> Case | None:
    """The case whose file a log line names (the longest name that matches)."""
    best: Case | None = None
    for case in cases:
        name = str(root / case.name)
        if (name in where or case.name in where) and (
            best is None or len(case.name) > len(best.name)
        ):
            best = case
    return best


def run(big: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="newscrawl-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "in"
        cases = write_hostile_inputs(root, big=big)
        report = tmp / "report.json"
        cmd = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "replay",
            "-a",
            f"path={root}",
            "-s",
            f"NEWSCRAWL_JSONL={tmp / 'out.jsonl'}",
            "-s",
            f"NEWSCRAWL_DATABASE=sqlite:///{tmp / 'db.sqlite3'}",
            "-s",
            f"NEWSCRAWL_REPORT={report}",
            "-s",
            "LOG_LEVEL=DEBUG",
        ]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace")
        took = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        log = proc.stderr

        rows: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        inputs = Counter(c.category for c in cases)
        for line in log.splitlines():
            m = _LINE.search(line)
            if not m:
                continue
            kind, reason, where = m.groups()
            case = owner(where, root, cases)
            category = case.category if case else "(unmatched)"
            rows[category]["dropped" if kind == "Dropped" else "skipped"][reason] += 1
        db = sqlite3.connect(tmp / "db.sqlite3")
        titles = Counter(str(t) for (t,) in db.execute("SELECT title FROM articles"))
        for case in cases:
            for title in case.titles:
                if titles[title] > 0:
                    titles[title] -= 1
                    rows[case.category]["stored"]["stored"] += 1
        for _title, n in titles.items():
            if n > 0:
                rows["(other stored)"]["stored"]["stored"] += n
        summary = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}

    print(f"hostile replay: {len(cases)} input files, {sum(inputs.values())} cases, {took:.1f} s")
    print(f"exit status {proc.returncode}; peak RSS {peak_mb:.0f} MB")
    print(
        f"tracebacks: {log.count('Traceback (most recent call last)')}; ERROR lines: "
        f"{sum(1 for line in log.splitlines() if '] ERROR:' in line)}"
    )
    if "inputs" in summary:
        i = summary["inputs"]
        print(
            f"inputs: {i['read']} = stored {i['stored']} + dropped {i['dropped']} + skipped "
            f"{i['skipped']} (unaccounted {i['unaccounted']})"
        )
    print()
    print("| category | files | stored | dropped (by reason) | skipped (by reason) |")
    print("|---|---|---|---|---|")
    for category in sorted(set(inputs) | set(rows)):
        r = rows.get(category, {})
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(r.get("dropped", {}).items())) or "-"
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(r.get("skipped", {}).items())) or "-"
        stored = r.get("stored", Counter())["stored"]
        print(f"| {category} | {inputs.get(category, 0)} | {stored} | {dropped} | {skipped} |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--big", action="store_true", help="add the 50 MB and 1,000,000-paragraph pages"
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    run(args.big)


if __name__ == "__main__":
    main()

"""Every input accounted for: one ``scrapy crawl replay`` over a folder of
hostile inputs (tests/hostile_inputs.py) among good pages. The run ends
normally, with no traceback and no ERROR line; the good pages are stored;
every bad input is one counted drop (or skip) whose WARNING names it; and
inputs == written + dropped + skipped."""

from __future__ import annotations

import json
import re
import resource
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import replay
from w3lib.url import file_uri_to_path

from bench.hostile_inputs import MTIME_ISO, Case, write_hostile_inputs

# Reasons only the replay spider gives: their counts are exact. Other
# reasons (empty_file, not_html, no_title...) may also come from the
# "page-level" inputs, whose outcome is the page extraction's business.
EXACT = {
    "symlink_loop", "dangling_symlink", "symlinked_folder", "not_a_file", "unreadable_folder",
    "unreadable_file",
    "bad_markdown", "bad_gzip", "too_large", "bad_warc_record", "not_warc", "bad_target_uri",
    "http_error",
}  # fmt: skip


@dataclass
class Run:
    folder: Path
    cases: list[Case]
    proc: subprocess.CompletedProcess[str]
    records: list[dict[str, Any]]
    stats: dict[str, int]
    report: dict[str, Any]
    db: Path
    peak_rss_kb: int


def stats_of(log: str) -> dict[str, int]:
    """The integer stats of Scrapy's closing "Dumping Scrapy stats" block."""
    dump = log[log.index("Dumping Scrapy stats") :]
    return {k: int(v) for k, v in re.findall(r"'([\w/]+)': (\d+)", dump)}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("hostile")
    folder = tmp / "in"
    cases = write_hostile_inputs(folder)
    records, proc = replay(folder, tmp, "-s", f"NEWSCRAWL_REPORT={tmp}/reports/{{spider}}.json")
    (report_file,) = (tmp / "reports").glob("*.json")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(
        folder,
        cases,
        proc,
        records,
        stats_of(proc.stderr),
        json.loads(report_file.read_text("utf-8")),
        tmp / "db.sqlite3",
        peak,
    )


def outcomes(cases: list[Case]) -> Counter[str]:
    return Counter(o for c in cases for o in c.outcomes)


def test_the_run_ends_normally_with_no_traceback_nor_error(run: Run) -> None:
    log = run.proc.stderr
    assert run.proc.returncode == 0
    assert "Traceback" not in log
    assert "start_error" not in log and "Logging error" not in log
    assert not [line for line in log.splitlines() if "] ERROR:" in line]
    assert run.report["finish_reason"] == "finished"


def test_every_input_is_written_dropped_or_skipped(run: Run) -> None:
    s = run.stats
    expected = outcomes(run.cases)
    assert s["newscrawl/inputs"] == sum(expected.values())
    written = run.report["articles"]["written"]
    assert written == s.get("item_scraped_count", 0)
    dropped = s["newscrawl/dropped/total"]
    skipped = s["newscrawl/skipped/total"]
    assert s["newscrawl/inputs"] == written + dropped + skipped
    assert sum(run.report["dropped"].values()) == dropped


def test_each_bad_input_is_counted_under_its_reason(run: Run) -> None:
    expected = outcomes(run.cases)
    drops = run.report["dropped"]
    for outcome, n in expected.items():
        kind, _, reason = outcome.partition(":")
        if kind == "drop" and reason in EXACT:
            assert drops.get(reason) == n, (reason, drops)
        elif kind == "drop":
            assert drops.get(reason, 0) >= n, (reason, drops)
        elif kind == "skip":
            assert run.stats[f"newscrawl/skipped/{reason}"] == n, reason
    stored = expected["stored"]
    assert stored <= run.report["articles"]["written"] <= stored + expected["any"]


def test_each_drop_warning_names_its_input(run: Run) -> None:
    lines = [line for line in run.proc.stderr.splitlines() if "WARNING" in line]
    for case in run.cases:
        name = Path(case.name).name.replace("\n", "\\n")
        for outcome in case.outcomes:
            if outcome.startswith("drop:") and outcome[5:] in EXACT:
                reason = outcome[5:]
                assert any(reason in line and name in line for line in lines), (case.name, reason)


def test_good_pages_are_stored_in_the_database(run: Run) -> None:
    db = sqlite3.connect(run.db)
    titles = {t for (t,) in db.execute("SELECT title FROM articles")}
    wanted = {t for c in run.cases for t in c.titles}
    assert wanted - titles == set()
    assert "'; DROP TABLE articles;--" in titles  # stored as text, the table is still there
    assert "{{7*7}} ${7*7} <%= 7*7 %>" in titles and "<script>alert(1)</script>" in titles
    # Read once: good/ is also reached through walk/inside and walk/copy.html.
    assert sum(r["title"] == "Good page number 0" for r in run.records) == 1


def test_bad_sidecars_leave_the_page_at_its_own_address_and_mtime(run: Run) -> None:
    by_title = {r["title"]: r for r in run.records}
    log = run.proc.stderr
    for case in run.cases:
        if case.category != "bad sidecar":
            continue
        record = by_title[case.titles[0]]
        assert record["url"].startswith("file://"), record["url"]
        assert record["fetched_at"] == MTIME_ISO, case.name
        side = Path(case.name).with_suffix(".json").name
        assert re.search(rf"WARNING: Ignoring .*{re.escape(side)}", log), side


def test_odd_file_names_replay_at_their_quoted_address(run: Run) -> None:
    names = {
        Path(file_uri_to_path(r["url"])).relative_to(run.folder.resolve()).as_posix()
        for r in run.records
        if r["url"].startswith("file://")
    }
    for case in run.cases:
        if case.category == "odd names":
            assert case.name in names, case.name


def test_warc_records_after_damage_are_replayed(run: Run) -> None:
    by_title = {r["title"]: r for r in run.records}
    assert by_title["WARC page one"]["url"] == "https://warc.example/2024/one"
    # A WARC-Date that is no date: the record is kept, fetched now.
    assert by_title["WARC page one"]["fetched_at"] > "2025"
    assert by_title["WARC page two"]["fetched_at"] == "2024-03-06T12:00:00Z"
    for title in ("After the cut one", "After the garbage", "Whole-file gzip page B"):
        assert title in by_title


def test_closing_line_counts_files_not_replayable_by_name(run: Run) -> None:
    # notes.txt, picture.png and the 17 sidecars (no input of their own).
    assert re.search(r"replayed \d+ files \(19 not replayable by name, ignored\)", run.proc.stderr)


def test_peak_memory_stays_bounded(run: Run) -> None:
    """A billion-laughs post, 3 MB of front matter, an 11 MB gzip bomb and
    an 11 MB WARC record: the replay process stays near its usual size."""
    assert run.peak_rss_kb < 400_000, run.peak_rss_kb


def test_jsonl_and_database_agree(run: Run) -> None:
    db = sqlite3.connect(run.db)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(run.records)


# -- the helpers on their own (no crawl) --------------------------------------


def test_folder_walk_goes_on_after_a_symlink_loop(tmp_path: Path) -> None:
    from newscrawl.spiders.replay_inputs import BadEntry, FolderWalk, Input

    (tmp_path / "a-loop").symlink_to("a-loop")
    (tmp_path / "b.html").write_text("<p>x</p>")
    (tmp_path / "c.txt").write_text("x")
    walk = FolderWalk(tmp_path)
    entries = list(walk)
    assert entries == [
        BadEntry(tmp_path / "a-loop", "symlink_loop", "the link points back to itself"),
        Input(tmp_path / "b.html", "html", 8),
    ]
    assert walk.ignored == 1


def test_front_matter_refuses_aliases_and_deep_nesting() -> None:
    import yaml

    from newscrawl.spiders.replay_posts import split_front_matter

    with pytest.raises(yaml.YAMLError, match="aliases"):
        split_front_matter("---\na: &x [1]\nb: *x\n---\nbody")
    with pytest.raises(yaml.YAMLError, match="nested deeper"):
        split_front_matter("---\na: " + "[" * 5000 + "]" * 5000 + "\n---\nbody")
    with pytest.raises(ValueError, match="larger than 100"):
        split_front_matter("---\na: '" + "x" * 200 + "'\n---\nbody", limit=100)
    meta, body = split_front_matter("---\ndate: 2024-13-45\ntitle: t\n---\n<p>b</p>")
    assert meta == {"date": "2024-13-45", "title": "t"} and body == "<p>b</p>"


def test_warc_reading_resumes_after_a_cut_gzip_member(tmp_path: Path) -> None:
    from bench.hostile_inputs import _warc, page
    from newscrawl.spiders.replay_warc import Damage, Record, warc_records

    one = _warc([{"url": "https://w.example/1", "body": page("one")}], gz=True)
    two = _warc([{"url": "https://w.example/2", "body": page("two")}], gz=True)
    path = tmp_path / "x.warc.gz"
    path.write_bytes(one + one[:50] + two)
    got = list(warc_records(path, 1_000_000))
    assert [type(x) for x in got] == [Record, Damage, Record]
    assert got[1].offset == len(one) and got[2].offset == len(one) + 50
    assert [x.target for x in got if isinstance(x, Record)] == [
        "https://w.example/1",
        "https://w.example/2",
    ]

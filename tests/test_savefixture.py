"""``scrapy savefixture``: a page recorded from a URL (served from 127.0.0.1)
or a saved file is a golden fixture the golden test passes with nothing
added; what cannot be recorded is one line and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from httpserver import LocalServer, Reply

from newscrawl import golden
from newscrawl.spiders.replay_inputs import fetch_time

# Text written for these tests: a small English news page the generic site reads.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Quayside Post</title>
<script type="application/ld+json">
{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "{title}",
 "datePublished": "2024-06-0{day}T07:30:00+01:00", "author": {{"@type": "Person", "name": "Mara Quill"}}}}
</script>{head}
</head><body><nav><a href="/">Home</a></nav><article>
<h1>{title}</h1>
<p>The harbour ferry will run every twenty minutes from Monday, the operator said on {day} June.</p>
<p>Two new boats join the route, and the last crossing leaves at midnight.</p>
</article><footer>Copyright The Quayside Post</footer></body></html>
"""


def savefixture(*args: str) -> subprocess.CompletedProcess[str]:
    """``scrapy savefixture ARGS`` from the project folder, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "savefixture", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def started(*runs: tuple[str, ...]) -> list[subprocess.CompletedProcess[str]]:
    """``scrapy savefixture`` with each of ``runs``, all at once; their outcomes."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "scrapy", "savefixture", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in runs
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def golden_problems(fixtures: Path, tmp: Path) -> list[str]:
    """The golden test's verdict on a fixtures folder: one replay, every case compared."""
    tmp.mkdir()
    run = golden.replay(fixtures, tmp, cwd=ROOT)
    assert run.process.returncode == 0, run.process.stderr[-3000:]
    replayed = run.by_url()
    cases = golden.cases(fixtures)
    assert cases
    return [
        p for c in cases for p in golden.problems(c, golden.read(c.with_suffix(".json")), replayed)
    ]


def test_a_live_page_becomes_a_fixture_the_golden_test_passes(tmp_path: Path) -> None:
    page = PAGE.format(title="Harbour ferry runs every twenty minutes", day=3, head="").encode()
    routes = {
        "/robots.txt": Reply(
            200, "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
        ),
        "/news/2024/harbour-ferry.html": Reply(200, page),
        "/private/draft.html": Reply(200, page),
        # No charset but the HTTP header's: the saved bytes alone read otherwise.
        "/news/cafe.html": Reply(
            200,
            PAGE.format(title="Se\u00f1ora Pe\u00f1a re-opens her caf\u00e9", day=4, head="")
            .replace('<meta charset="utf-8">', "")
            .encode("latin-1"),
            content_type="text/html; charset=iso-8859-1",
        ),
    }
    fixtures = tmp_path / "fixtures"
    with LocalServer(routes=routes) as server:
        # A tracking parameter: the fixture is recorded at the address the Article keeps.
        url = server.url("/news/2024/harbour-ferry.html?utm_source=feed")
        proc = savefixture(url, "--fixtures", str(fixtures))
        assert proc.returncode == 0, proc.stderr[-3000:]
        refused, missing, latin = started(
            (server.url("/private/draft.html"), "--fixtures", str(fixtures)),
            (server.url("/news/gone.html"), "--fixtures", str(fixtures)),
            (server.url("/news/cafe.html"), "--fixtures", str(fixtures), "--name", "cafe"),
        )
        agents = {r.headers.get("user-agent", "") for r in server.requests}
        paths = server.paths()
        base = server.base

    html = fixtures / "generic" / "news_2024_harbour_ferry.html"
    assert html.read_bytes() == page  # the bytes as fetched
    record = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    assert record["title"] == "Harbour ferry runs every twenty minutes"
    assert record["authors"] == ["Mara Quill"]
    assert record["url"].startswith(base + "/news/2024/harbour-ferry.html")
    assert fetch_time(record["fetched_at"]) is not None
    assert f"wrote {html}" in proc.stdout and "Review the .json" in proc.stdout
    # Politely: robots.txt first, the project's User-Agent.
    assert paths[0] == "/robots.txt" and "/private/draft.html" not in paths
    assert agents and all(a.startswith("newscrawl/") for a in agents), agents
    for bad, why in ((refused, "robots.txt"), (missing, "HTTP 404")):
        assert bad.returncode == 1
        assert why in bad.stderr and "savefixture: " in bad.stderr and "Traceback" not in bad.stderr
    assert latin.returncode == 0, latin.stderr[-3000:]
    assert "note: the server's Content-Type gave charset" in latin.stdout
    assert sorted(p.name for p in fixtures.rglob("*")) == [
        "cafe.html",
        "cafe.json",
        "generic",
        "news_2024_harbour_ferry.html",
        "news_2024_harbour_ferry.json",
    ]

    assert golden_problems(fixtures, tmp_path / "check") == []


def test_a_saved_file_becomes_a_fixture_and_is_not_overwritten(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    canonical = '<link rel="canonical" href="https://quayside.example/news/ferry-boats/">'
    first = saved / "Ferry Boats.html"
    first.write_text(PAGE.format(title="Two ferry boats join", day=4, head=canonical), "utf-8")
    second = saved / "timetable.html"
    second.write_text(PAGE.format(title="Ferry timetable changes", day=5, head=""), "utf-8")
    (saved / "timetable.json").write_text(
        json.dumps({"url": "https://quayside.example/t/", "fetched_at": "2024-06-05T09:00:00Z"}),
        "utf-8",
    )
    bare = saved / "bare.html"
    bare.write_text(PAGE.format(title="No address here", day=6, head=""), "utf-8")
    fixtures = tmp_path / "fixtures"

    ran = savefixture(str(first), "--fixtures", str(fixtures))
    assert ran.returncode == 0, ran.stderr[-3000:]
    ran = savefixture(str(second), "--fixtures", str(fixtures), "--name", "timetable_2024")
    assert ran.returncode == 0, ran.stderr[-3000:]
    by_canonical = fixtures / "generic" / "ferry_boats.html"
    assert by_canonical.read_bytes() == first.read_bytes()
    assert golden.read(by_canonical.with_suffix(".json"))["url"].startswith(
        "https://quayside.example/news/ferry-boats"
    )
    timetable = golden.read(fixtures / "generic" / "timetable_2024.json")
    assert (timetable["url"], timetable["fetched_at"]) == (
        "https://quayside.example/t/",
        "2024-06-05T09:00:00Z",
    )
    assert golden_problems(fixtures, tmp_path / "check") == []

    # Each refusal is one line on stderr and changes nothing.
    before = {p: p.read_bytes() for p in fixtures.rglob("*.*")}
    # Run side by side: none of them writes.
    again, no_address, other_site = started(
        (str(first), "--fixtures", str(fixtures)),
        (str(bare), "--fixtures", str(fixtures)),
        (str(second), "--fixtures", str(fixtures), "--site", "sina"),
    )
    for bad, why in (
        (again, "exists: not overwritten (--force"),
        (no_address, "no web address"),
        (other_site, "as site 'generic', not 'sina'"),
    ):
        assert bad.returncode == 1, bad.stderr
        assert why in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert {p: p.read_bytes() for p in fixtures.rglob("*.*")} == before

    forced = savefixture(str(first), "--fixtures", str(fixtures), "--force")
    assert forced.returncode == 0, forced.stderr[-3000:]

"""The benchmark's page generator and the replay tuning it measures (no
timings here: speed is measured by ``python -m bench``, not asserted)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, corpus_dir, replay
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

sys.path.insert(0, str(ROOT))  # bench/ is a folder of the project, not an installed package
from bench.generate import generate, page
from bench.sina_pages import build
from newscrawl.logformatter import NewscrawlLogFormatter
from newscrawl.spiders.replay import ReplaySpider


def test_pages_are_deterministic_sized_and_encoded_as_declared() -> None:
    seen = set()
    for i in range(40):
        data, truth = page(3, i)
        assert page(3, i)[0] == data
        assert 30 * 1024 * 0.9 <= len(data) <= 200 * 1024 * 1.1
        text = data.decode(truth.encoding)  # strict: GB2312 pages are pure GB2312
        assert f"charset={truth.encoding}" in text or f'charset="{truth.encoding}"' in text
        assert truth.title in text and truth.editor in text and truth.first_sentence in text
        seen.add(truth.encoding)
    assert seen == {"gb2312", "utf-8"}


def test_generated_pages_replay_to_their_truth(tmp_path: Path) -> None:
    truth = {t["url"]: t for t in generate(tmp_path / "pages", 12, seed=5)}
    records, _ = replay(tmp_path / "pages", tmp_path)
    assert len(records) == 12
    for rec in records:
        t = truth[rec["url"]]
        assert rec["title"] == t["title"]
        assert rec["published_at"].startswith(t["published_at"])
        assert rec["source"] == t["source"]
        assert t["editor"] in rec["editors"]
        assert rec["body_text"].startswith(t["first_sentence"])
        assert "责任编辑" not in rec["body_text"] and "新浪财经APP" not in rec["body_text"]


def test_replay_is_tuned_and_live_crawls_keep_their_settings() -> None:
    crawler = get_crawler(ReplaySpider)
    assert crawler.settings.getint("CONCURRENT_ITEMS") == 1
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0
    from newscrawl import settings

    assert settings.ROBOTSTXT_OBEY and settings.AUTOTHROTTLE_ENABLED


def test_per_page_debug_lines_only_when_debug_is_logged() -> None:
    request = Request("file:///tmp/a.html")
    response = HtmlResponse("file:///tmp/a.html", body=b"<p>x</p>", request=request)
    spider = ReplaySpider(path=".")
    quiet = NewscrawlLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "INFO"}))
    loud = NewscrawlLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "DEBUG"}))
    assert quiet.crawled(request, response, spider) is None
    assert quiet.scraped({"url": "u"}, response, spider) is None
    line = loud.crawled(request, response, spider)
    assert line is not None and line["level"] == logging.DEBUG
    assert loud.scraped({"url": "u"}, response, spider) is not None


def test_replay_lists_files_sorted_without_following_folder_links(tmp_path: Path) -> None:
    from newscrawl.spiders.replay import replay_files

    for name in ("b/2.html", "b/10.html", "a.md", "c/x.warc.gz", "c/notes.txt", ".hidden.htm"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "b", target_is_directory=True)
    (tmp_path / "b" / "same.html").symlink_to(tmp_path / "a.md")
    found = [(str(p.relative_to(tmp_path)), kind) for p, kind in replay_files(tmp_path)]
    assert found == [
        (".hidden.htm", "html"),
        ("a.md", "markdown"),
        ("b/10.html", "html"),
        ("b/2.html", "html"),
        ("b/same.html", "html"),
        ("c/x.warc.gz", "warc"),
    ]
    expected = sorted(p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".txt"))
    assert [p for p, _ in replay_files(tmp_path)] == expected
    assert list(replay_files(tmp_path / "a.md")) == [(tmp_path / "a.md", "markdown")]


def test_floor_spider_parses_each_page_for_its_title(tmp_path: Path) -> None:
    """The floor row: each page decoded as declared (GB2312 too) and parsed
    for its <title>, one item per page."""
    truth = generate(tmp_path / "pages", 3, seed=3)
    assert {t["encoding"] for t in truth} == {"gb2312", "utf-8"}
    out = tmp_path / "out"
    feeds = json.dumps({str(out / "items.jsonl"): {"format": "jsonlines", "encoding": "utf8"}})
    cmd = [sys.executable, "-m", "bench.spiders", "floor", str(tmp_path / "pages"), str(out)]
    subprocess.run([*cmd, f"FEEDS={feeds}"], cwd=ROOT, check=True, capture_output=True)
    assert json.loads((out / "stats.json").read_text())["item_scraped_count"] == 3
    items = [json.loads(line) for line in (out / "items.jsonl").read_text("utf-8").splitlines()]
    titles = {Path(i["url"]).name: i["title"] for i in items}
    for t in truth:
        assert titles[Path(t["file"]).name].startswith(f"{t['title']}_")


def test_sina_copies_are_articles_of_their_own(tmp_path: Path) -> None:
    """Each copy of a Sina corpus page has its own address, in its sidecar
    and in the page (its og:url), so the replay stores every copy."""
    sina = corpus_dir("sina")
    rows = build(tmp_path / "sina", 2, sina)
    pages = json.loads((sina / "truth.json").read_text("utf-8"))["pages"]
    assert len(rows) == 2 * len(pages) == len({r["url"] for r in rows})
    for r in rows:
        side = json.loads((tmp_path / "sina" / r["file"]).with_suffix(".json").read_text())
        assert side["url"] == r["url"]
    first = next(p for p in pages if "doc-i" in p["url"])
    copy = next(r for r in rows if r["file"].endswith("0001-" + first["file"]))
    data = (tmp_path / "sina" / copy["file"]).read_bytes()
    assert copy["url"].encode() in data and first["url"].encode() not in data
    assert build(tmp_path / "sina", 2, sina) == rows  # reused, not rebuilt

"""``scrapy crawl sina`` end to end, in a subprocess, against a real HTTP server
on 127.0.0.1 serving roll API pages, roll list pages and article pages written
for these tests (tests/sina_live/, Sina's structure, our own text).

What the server holds (dates are Beijing time; the crawl runs with
``since=2024-05-01``):

* API page 1: A1, a video, A2, an article answering 500, a gallery;
  page 2: A3, an article answering 404, a live blog, A1 again, A4;
  page 3: two articles older than ``since`` (so page 4 is never asked for);
* list page 1: A2 again, A7 (old numeric URL), a quote page, a page robots.txt
  forbids, and 下一页 -> list page 2: A8 (GBK bytes served as UTF-8) and an
  article older than ``since``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, crawl, read_jsonl
from httpserver import LocalServer, Reply, Request

DATA = ROOT / "tests" / "sina_live"
API = "/api/roll/get"
FAILING = "/finance/roll/2024-05-03/doc-inaaaaaa0000500.shtml"
GONE = "/finance/roll/2024-05-02/doc-inaaaaaa0000404.shtml"
# Served as GBK bytes under a header (and a <meta>) that say UTF-8.
MISLABELLED = "/finance/2024-05-01/18765432102.shtml"

WRITTEN = {
    "/finance/china/2024-05-03/doc-inaaaaaa0000001.shtml",
    "/finance/stock/2024-05-03/doc-inaaaaaa0000002.shtml",
    "/finance/roll/2024-05-02/doc-inaaaaaa0000003.shtml",
    "/finance/roll/2024-05-01/doc-inaaaaaa0000004.shtml",
    "/finance/2024-05-02/18765432101.shtml",
    "/finance/2024-05-01/18765432102.shtml",
}


def roll_api(req: Request) -> Reply:
    """The roll API: ``result.data`` of page ``page`` for finance (lid 2516)."""
    if req.query.get("pageid") != "153" or req.query.get("lid") != "2516":
        return Reply.json({"result": {"status": {"code": 1, "msg": "bad lid"}}}, status=400)
    page = DATA / "api" / f"page{req.query.get('page', '1')}.json"
    body = page.read_bytes() if page.exists() else (DATA / "api" / "empty.json").read_bytes()
    return Reply(200, body, content_type="application/json; charset=utf-8")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    gbk = (DATA / MISLABELLED.lstrip("/")).read_text(encoding="utf-8").encode("gbk")
    routes = {
        API: roll_api,
        FAILING: Reply(500, b"<html>server error</html>"),
        MISLABELLED: Reply(200, gbk, content_type="text/html; charset=utf-8"),
    }
    with LocalServer(root=DATA, routes=routes) as s:
        yield s


def run(server: LocalServer, tmp: Path, *args: str) -> tuple[list[dict[str, Any]], str]:
    out = tmp / "out.jsonl"
    proc = crawl(
        "sina",
        "-a",
        f"api={server.url(API)}",
        *args,
        "-s",
        f"NEWSCRAWL_JSONL={out}",
        "-s",
        f"NEWSCRAWL_DATABASE=sqlite:///{tmp / 'db.sqlite3'}",
        # Polite defaults stay on (robots.txt, AutoThrottle); only the delays go.
        "-s",
        "AUTOTHROTTLE_START_DELAY=0",
        "-s",
        "DOWNLOAD_DELAY=0",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return (read_jsonl(out) if out.exists() else []), proc.stderr


def stats(log: str) -> dict[str, Any]:
    """The stats dict Scrapy dumps at the end of the log."""
    m = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", log, re.S)
    assert m, log[-3000:]
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", m[1])
    value: dict[str, Any] = ast.literal_eval(text)
    return value


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_crawl_lists_paginates_skips_and_survives_errors(
    server: LocalServer, tmp_path: Path
) -> None:
    records, log = run(
        server,
        tmp_path,
        "-a",
        f"lists={server.url('/roll/index_1.shtml')}",
        "-a",
        "since=2024-05-01",
    )
    assert {path_of(r["url"]) for r in records} == WRITTEN
    assert len(records) == len(WRITTEN)

    # Every record is a whole Sina article.
    for r in records:
        assert r["site"] == "sina"
        assert r["title"] and r["body_text"] and r["published_from"] == "visible"
        assert r["published_at"].startswith("2024-05-0") and r["published_at"].endswith("+08:00")
        assert r["source"] and r["editors"] and r["authors"]
        assert "新浪财经APP" not in r["body_text"] and "责任编辑" not in r["body_text"]
    a1 = next(r for r in records if r["url"].endswith("0000001.shtml"))
    assert a1["authors"] == ["周明"] and a1["editors"] == ["王静"] and a1["source"] == "新华财经"
    assert a1["categories"] == ["财经", "滚动"]
    # The page whose bytes are GBK but whose header says UTF-8 still decodes right.
    a8 = next(r for r in records if r["url"].endswith(MISLABELLED))
    assert a8["title"] == "今年首批旅游消费券发放完毕" and a8["source"] == "北京日报客户端"
    assert not any("\ufffd" in str(v) for r in records for v in r.values())

    # Pagination: API pages 1-3 (page 3 is all older than since), list pages 1-2.
    api_pages = [r.query["page"] for r in server.requests if r.path == API]
    assert api_pages == ["1", "2", "3"]
    assert server.hits("/roll/index_2.shtml") == 1 and server.hits("/roll/index_3.shtml") == 0
    # Older than since: never fetched.
    for old in ("0000005.shtml", "0000006.shtml", "18765432103.shtml"):
        assert not any(p.endswith(old) for p in server.paths()), old
    # A duplicate listing is fetched once.
    assert server.hits("/finance/china/2024-05-03/doc-inaaaaaa0000001.shtml") == 1

    # 500: retried (RETRY_TIMES=2), then counted; 404: counted; the crawl went on.
    assert server.hits(FAILING) == 3
    assert server.hits(GONE) == 1
    s = stats(log)
    assert s["newscrawl/dropped/http_error"] == 2
    assert f"Dropped http_error: {server.url(FAILING)} (HTTP 500)" in log
    assert f"Dropped http_error: {server.url(GONE)} (HTTP 404)" in log

    # Non-articles: skipped with a counted reason and a log line naming the URL.
    for reason, count in (("video", 1), ("gallery", 1), ("live", 1), ("quote", 1)):
        assert s[f"newscrawl/skipped/{reason}"] == count, reason
    assert s["newscrawl/skipped/older_than_since"] == 3
    assert f"Skipped video: {server.url('/video/2024-05-03/doc-inaaaaaa9000001.shtml')}" in log
    # robots.txt is obeyed: the /private/ page is never fetched.
    assert server.hits("/robots.txt") == 1
    assert not any(p.startswith("/private/") for p in server.paths())
    assert s["newscrawl/skipped/robots_txt"] == 1
    assert "articles written: 6" in log


def test_limit_stops_the_crawl(server: LocalServer, tmp_path: Path) -> None:
    records, _ = run(server, tmp_path, "-a", "limit=2", "-a", "lists=")
    assert len(records) == 2
    assert [r.query["page"] for r in server.requests if r.path == API] == ["1"]


def test_without_since_pagination_ends_at_an_empty_page(
    server: LocalServer, tmp_path: Path
) -> None:
    records, _ = run(server, tmp_path, "-a", "lists=")
    assert [r.query["page"] for r in server.requests if r.path == API] == ["1", "2", "3", "4", "5"]
    # The old articles are articles too when no since is given.
    assert len(records) == 4 + 3


def test_user_agent_names_the_project(server: LocalServer, tmp_path: Path) -> None:
    run(server, tmp_path, "-a", "limit=1", "-a", "lists=")
    agents = {r.headers.get("user-agent", "") for r in server.requests}
    assert agents and all(a.startswith("newscrawl/") and "+http" in a for a in agents), agents


def test_unknown_channel_is_refused(tmp_path: Path) -> None:
    proc = crawl("sina", "-a", "channel=nope", "-s", f"NEWSCRAWL_JSONL={tmp_path / 'o.jsonl'}")
    assert proc.returncode != 0
    assert "unknown channel 'nope'" in proc.stderr

"""Story linking: syndicated copies share a ``story_id`` and name the earliest
copy in ``duplicate_of``, in SQLite and a real PostgreSQL (``database_url``),
across runs, re-crawls, re-keys and kills, and in a replay crawl's outputs."""

from __future__ import annotations

import csv
import itertools
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, corpus_dir, crawl, read_jsonl
from scrapy.settings import Settings

sys.path.insert(0, str(ROOT))  # bench/ is a folder of the project, not an installed package
from bench.stories import quality
from bench.storygen import story_set
from newscrawl import stories
from newscrawl.items import Article
from newscrawl.settings_check import check_settings
from newscrawl.storage import SCHEMA_VERSION, Store, open_store
from newscrawl.stories import story_id_of
from newscrawl.urls import article_key

COPIES = Path(__file__).parent / "story_copies"

STORY = [
    "记者从示例市统计局获悉，今年前两个月全市规模以上工业增加值同比增长百分之七点一，增速比去年全年加快一点二个百分点。",
    "分行业看，汽车制造业增加值增长百分之十五点三，电子信息制造业增长百分之十一点八，两者合计拉动全市工业增长三点九个百分点。",
    "新动能加快成长，新能源汽车、工业机器人和集成电路产量分别增长百分之三十二、百分之十九和百分之十四。",
    "统计局有关负责人表示，随着一批重大项目陆续投产，全市工业生产有望继续保持平稳较快增长。",
]
OTHER = [
    "示例市今年将新建和改造城市公园二十座，新增绿道一百二十公里，让市民出门五百米可见绿。",
    "园林部门介绍，新建公园将优先安排在老城区和人口密集的新建小区周边，并同步配建停车和公厕设施。",
    "同时，全市还将开展行道树补植行动，对缺株断行的道路全部补齐，计划年底前完成。",
]


def article(n: int, body: list[str], published: str | None, **more: Any) -> Article:
    return Article(
        url=f"https://portal{n}.example/2024/03/05/story-{n}.html",
        site="generic",
        title=f"标题{n}",
        published_at=published,
        body_text="\n".join(body),
        fetched_at="2024-03-05T12:00:00Z",
        fingerprint=more.pop("fingerprint", f"fp{n}"),
        **more,
    )


def key(n: int) -> str:
    return article_key(f"https://portal{n}.example/2024/03/05/story-{n}.html")


def rows(store: Store) -> dict[str, tuple[str, str | None]]:
    return {
        str(r[0]): (str(r[1]), r[2])
        for r in store.execute("SELECT id, story_id, duplicate_of FROM articles").fetchall()
    }


# --- the text side -------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("國際貿易增長，銀行業務擴張。", "国际贸易增长,银行业务扩张."),  # traditional, half-width
        ("ＧＤＰ增长５．２％", "GDP增长5.2%"),  # full-width letters and digits
        ("第一段\n\n第二段　（完）", "第一段第二段(完)"),  # spacing, U+3000, brackets
    ],
)
def test_what_portals_change_normalizes_away(a: str, b: str) -> None:
    assert stories.normalize(a) == stories.normalize(b)


def test_a_copy_is_similar_a_different_story_is_not() -> None:
    original = stories.signature("\n".join(STORY))
    copy = stories.signature("\n".join(["来源：示例通讯社", *STORY[1:], "责任编辑：张三"]))
    other = stories.signature("\n".join(OTHER))
    assert original is not None and copy is not None and other is not None
    assert stories.similarity(original, copy) >= 0.5 > stories.similarity(original, other)
    assert stories.signature("短讯：收盘上涨。") is None  # too short to tell stories apart
    assert stories.from_bytes(stories.to_bytes(original)).tolist() == original.tolist()


def test_link_precision_and_recall_on_the_synthetic_set() -> None:
    """The floors the benchmark reached (bench/stories.py prints the full table):
    pairs of copies linked, pairs of different stories (same template, same
    long quote) kept apart, and each copy pointing to the earliest one."""
    q = quality(120, stories.DEFAULT_THRESHOLD, seed=3)
    precision, recall, *_ = q["all"]
    assert precision >= 0.98 and recall >= 0.97, q
    for kind in ("template", "quote"):
        assert q[kind][0] >= 0.98, (kind, q[kind])
    assert q["duplicate_of"] >= 0.97


def test_real_articles_of_different_stories_are_far_apart() -> None:
    """The evaluation corpus's Chinese articles (68 texts, none a copy of
    another): no pair comes near the threshold (0.03 at most when measured)."""
    texts = [
        p.read_text(encoding="utf-8") for p in sorted(corpus_dir("zh", "cleaned").glob("*.txt"))
    ]
    sigs = [s for s in map(stories.signature, texts) if s is not None]
    assert len(sigs) >= 50
    worst = max(stories.similarity(a, b) for a, b in itertools.combinations(sigs, 2))
    assert worst < 0.2 < stories.DEFAULT_THRESHOLD


def test_the_generated_set_is_deterministic() -> None:
    assert [d.body for d in story_set(20, 5)] == [d.body for d in story_set(20, 5)]


# --- the database side (SQLite and PostgreSQL) ---------------------------------


def test_copies_share_a_story_and_name_the_earliest(database_url: str) -> None:
    store = open_store(database_url)
    try:
        later = article(
            1, ["原标题：工业增长加快", *STORY, "责任编辑：王五"], "2024-03-05T15:00:00+08:00"
        )
        store.upsert(later)
        assert later.story_id == story_id_of(key(1)) and later.duplicate_of is None
        store.commit()
        # The original, published earlier, arrives second (another run): it joins
        # the story and the copy stored first now points to it.
        first = article(2, STORY, "2024-03-05T09:00:00+08:00")
        assert store.upsert(first) == "new"
        other = article(3, OTHER, "2024-03-05T08:00:00+08:00")
        store.upsert(other)
        third = article(4, [s.replace("，", ",") for s in STORY[:3]], "2024-03-05T10:00:00Z")
        store.upsert(third)
        store.commit()
        got = rows(store)
        assert first.story_id == later.story_id == third.story_id == story_id_of(key(1))
        assert got[key(1)] == (story_id_of(key(1)), key(2))
        assert got[key(2)] == (story_id_of(key(1)), None)
        assert got[key(4)] == (story_id_of(key(1)), key(2))
        assert got[key(3)] == (story_id_of(key(3)), None)
        assert third.duplicate_of == key(2) and first.duplicate_of is None
        # A re-crawl keeps the story; a changed text too (its index follows the text).
        again = article(2, STORY, "2024-03-05T09:00:00+08:00")
        assert store.upsert(again) == "seen" and again.story_id == story_id_of(key(1))
        edited = article(3, [*OTHER, "（完）"], "2024-03-05T08:00:00+08:00", fingerprint="x")
        assert store.upsert(edited) == "changed"
        store.commit()
        assert rows(store)[key(3)] == (story_id_of(key(3)), None)
        signatures = store.execute(
            f"SELECT count(*) FROM story_signatures WHERE article_id = {store.p('k')}",
            {"k": key(3)},
        ).fetchone()[0]
        assert signatures == 1
        assert store.count() == 4
    finally:
        store.close()


def test_links_are_found_by_another_connection(database_url: str) -> None:
    """The index is in the database: a second process (or worker) sees it."""
    one, two = open_store(database_url), open_store(database_url)
    try:
        one.upsert(article(1, STORY, "2024-03-05T09:00:00+08:00"))
        one.commit()
        copy = article(2, [*STORY[:3], "免责声明：本文仅供参考。"], None)
        two.upsert(copy)
        two.commit()
        assert copy.story_id == story_id_of(key(1)) and copy.duplicate_of == key(1)
    finally:
        one.close()
        two.close()


KILLED = """
import time
from newscrawl.items import Article
from newscrawl.storage import open_store
store = open_store({url!r})
for n, body, published in {articles!r}:
    store.upsert(Article(url=f"https://portal{{n}}.example/2024/03/05/story-{{n}}.html",
                         title="t", body_text=body, published_at=published, fingerprint=str(n)))
    if n == 1:
        store.commit()
print("linked", flush=True)  # the copy linked to the original, not committed
time.sleep(60)
"""


def test_a_killed_crawl_leaves_no_half_linked_rows(database_url: str) -> None:
    articles = [
        (1, "\n".join(STORY), "2024-03-05T09:00:00+08:00"),
        (2, "\n".join(STORY[1:]), "2024-03-05T08:00:00+08:00"),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED.format(url=database_url, articles=articles)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "linked"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = open_store(database_url)
    try:
        assert rows(store) == {key(1): (story_id_of(key(1)), None)}
        assert store.execute("SELECT count(*) FROM story_signatures").fetchone()[0] == 1
        bands = store.execute("SELECT count(*) FROM story_bands").fetchone()[0]
        assert bands == stories.BANDS
        # The next run stores the copy again and links it.
        copy = article(2, STORY[1:], "2024-03-05T08:00:00+08:00")
        store.upsert(copy)
        store.commit()
        assert rows(store)[key(1)] == (story_id_of(key(1)), key(2))
    finally:
        store.close()


def test_a_schema_5_database_is_linked_and_rekeys_keep_story_ids(database_url: str) -> None:
    store = open_store(database_url)
    try:
        store.upsert(article(1, STORY, "2024-03-05T09:00:00+08:00"))
        store.upsert(article(2, ["来源：示例通讯社", *STORY], "2024-03-05T11:00:00+08:00"))
        store.upsert(article(3, OTHER, None))
        store.commit()
        # As schema 5 held it: no story tables or columns.
        for sql in (
            "DROP TABLE story_bands",
            "DROP TABLE story_signatures",
            "DROP INDEX articles_story_id",
            "ALTER TABLE articles DROP COLUMN story_id",
            "ALTER TABLE articles DROP COLUMN duplicate_of",
            "UPDATE newscrawl_meta SET value = '5' WHERE key = 'schema_version'",
        ):
            store.execute(sql)
        store.commit()
    finally:
        store.close()
    store = open_store(database_url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        linked = rows(store)
        assert linked == {
            key(1): (story_id_of(key(1)), None),
            key(2): (story_id_of(key(1)), key(1)),
            key(3): (story_id_of(key(3)), None),
        }
        # A re-key (schema step 3 run again) moves the original to another key: its
        # story id stays, its copy's duplicate_of and its signature follow it.
        p = store.p
        old = "https://portal1.example/old-spelling"
        store.execute(
            "INSERT INTO articles SELECT "
            + ", ".join(
                p("old") if d[0] == "id" else f'"{d[0]}"'
                for d in store.execute("SELECT * FROM articles LIMIT 0").description
            )
            + f" FROM articles WHERE id = {p('new')}",
            {"old": old, "new": key(1)},
        )
        for sql in (
            f"UPDATE story_signatures SET article_id = {p('old')} WHERE article_id = {p('new')}",
            f"UPDATE articles SET duplicate_of = {p('old')} WHERE duplicate_of = {p('new')}",
            f"DELETE FROM articles WHERE id = {p('new')}",
            "UPDATE newscrawl_meta SET value = '2' WHERE key = 'schema_version'",
        ):
            store.execute(sql, {"old": old, "new": key(1)})
        store.commit()
    finally:
        store.close()
    store = open_store(database_url)
    try:
        assert rows(store) == linked
        copy = article(4, STORY[:3], "2024-03-05T12:00:00+08:00")
        store.upsert(copy)
        assert (copy.story_id, copy.duplicate_of) == (story_id_of(key(1)), key(1))
    finally:
        store.close()


@pytest.mark.parametrize(
    ("value", "says"),
    [("0.1", "at least 0.3"), ("1.5", "at most 1"), ("half", "is not a number")],
)
def test_a_bad_threshold_stops_the_crawl_at_start(value: str, says: str) -> None:
    problems = check_settings(Settings({"NEWSCRAWL_STORY_THRESHOLD": value}))
    named = [p for p in problems if "NEWSCRAWL_STORY_THRESHOLD" in p]
    assert len(named) == 1 and says in named[0], problems


# --- a replay crawl ------------------------------------------------------------


def test_a_replay_links_two_copies_in_every_output(tmp_path: Path) -> None:
    """Two pages of one story (other headline, 原标题 and app lines, a paragraph
    dropped, one in traditional characters, half-width punctuation) and one
    other story of the same port: the copies share a story in JSON Lines, CSV,
    Markdown and the database; the later copy names the earlier."""
    db = tmp_path / "db.sqlite3"
    proc = crawl(
        "replay",
        "-a",
        f"path={COPIES}",
        "-s",
        f"NEWSCRAWL_JSONL={tmp_path / 'out.jsonl'}",
        "-s",
        f"NEWSCRAWL_CSV={tmp_path / 'out.csv'}",
        "-s",
        f"NEWSCRAWL_MARKDOWN={tmp_path / 'posts'}",
        "-s",
        f"NEWSCRAWL_DATABASE=sqlite:///{db}",
        "-s",
        f"NEWSCRAWL_REPORT={tmp_path / 'report.json'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    by_url = {r["url"]: r for r in read_jsonl(tmp_path / "out.jsonl")}
    first = by_url["https://finance.example.com.cn/2024-03-05/port-throughput.html"]
    copy = by_url["https://news.portal.example/finance/2024-03-05/doc-copy-port.shtml"]
    other = by_url["https://news.portal.example/finance/2024-03-06/doc-port-safety.shtml"]
    first_key = article_key(first["url"])
    assert first["story_id"] == copy["story_id"] == story_id_of(first_key)
    assert copy["duplicate_of"] == first_key and first["duplicate_of"] is None
    assert other["story_id"] == story_id_of(article_key(other["url"]))
    assert other["story_id"] != first["story_id"]
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as f:
        csv_rows = {r["url"]: r for r in csv.DictReader(f)}
    assert csv_rows[copy["url"]]["story_id"] == first["story_id"]
    assert csv_rows[copy["url"]]["duplicate_of"] == first_key
    fronts = [
        yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])
        for p in (tmp_path / "posts").glob("*.md")
    ]
    linked = [f for f in fronts if f.get("duplicate_of") == first_key]
    assert len(linked) == 1 and linked[0]["story_id"] == first["story_id"]
    store = open_store(f"sqlite:///{db}")
    try:
        assert rows(store)[article_key(copy["url"])] == (first["story_id"], first_key)
    finally:
        store.close()
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))


def test_an_export_keeps_the_story_index(fresh_postgres_url: str, tmp_path: Path) -> None:
    """``scrapy exportdb`` copies the signatures and rebuilds their bands: a copy
    stored into the exported file later still finds its story."""
    from newscrawl.storage.export import export_sqlite

    store = open_store(fresh_postgres_url)
    try:
        store.upsert(article(1, STORY, "2024-03-05T09:00:00+08:00"))
        store.upsert(article(2, OTHER, "2024-03-05T10:00:00+08:00"))
        store.commit()
    finally:
        store.close()
    out = tmp_path / "export.sqlite3"
    assert export_sqlite(fresh_postgres_url, out)["story_signatures"] == 2
    store = open_store(f"sqlite:///{out}")
    try:
        assert store.execute("SELECT count(*) FROM story_bands").fetchone()[0] == 2 * stories.BANDS
        copy = article(3, ["来源：示例通讯社", *STORY[:3]], "2024-03-05T11:00:00+08:00")
        store.upsert(copy)
        assert (copy.story_id, copy.duplicate_of) == (story_id_of(key(1)), key(1))
    finally:
        store.close()

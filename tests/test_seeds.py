"""The seed posts users already have (../shared/corpus/seeds/): replaying
them gives the title, the exact instant, each person in their own field, the
categories in one spelling and a body without the site's boilerplate."""

from __future__ import annotations

import sqlite3
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import corpus_dir, replay

from newscrawl.spiders.replay import split_front_matter


@pytest.fixture(scope="module")
def seeds() -> Path:
    return corpus_dir("seeds")


@pytest.fixture(scope="module")
def records(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("seeds")
    out, _ = replay(seeds, tmp)
    return {r["url"].rsplit("/", 1)[-1]: r for r in out}


def front_matter(path: Path) -> dict[str, Any]:
    meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
    return meta


def test_every_seed_is_one_record(seeds: Path, records: dict[str, dict[str, Any]]) -> None:
    assert sorted(records) == sorted(p.name for p in seeds.glob("*.md"))


def test_title_and_instant(seeds: Path, records: dict[str, dict[str, Any]]) -> None:
    for name, rec in records.items():
        meta = front_matter(seeds / name)
        assert rec["title"] == meta["title"]
        instant = parsedate_to_datetime(meta["date"])
        assert rec["published_at"].endswith("+08:00"), "Sina time is Beijing time"
        from datetime import datetime

        assert datetime.fromisoformat(rec["published_at"]) == instant
        assert rec["published_raw"] == meta["date"]
        assert rec["published_from"] == "feed"


def test_first_seed_people_and_categories(records: dict[str, dict[str, Any]]) -> None:
    rec = records["000_d2caee7ee9b4949e.md"]
    assert rec["published_at"] == "2021-08-27T14:55:12+08:00"
    assert rec["authors"] == ["李祺瑶"]
    assert rec["source"] == "北京日报客户端"
    assert rec["editors"] == ["李墨轩"]
    assert "新浪财经" not in rec["authors"], "the feed's author is the site, not a person"
    assert rec["categories"] == ["金融", "新浪财经", "新浪财经-国内"]


@pytest.mark.parametrize(
    "boilerplate",
    [
        "appendQr",
        "尽在新浪财经APP",
        "{",
        "border:1px",
        "责任编辑",
        "正文下iframe",
        "<!--",
        "来源 北京日报",
    ],
)
def test_body_has_no_boilerplate(records: dict[str, dict[str, Any]], boilerplate: str) -> None:
    for rec in records.values():
        assert boilerplate not in rec["body_text"]
        assert "<style" not in rec["body_html"] and "<!--" not in rec["body_html"]
    first = records["000_d2caee7ee9b4949e.md"]["body_text"].splitlines()
    assert first[0].startswith("“双减”专项治理要校内校外双向发力")
    assert first[-1].endswith("学校将提高教育教学、作业管理以及课后服务的水平。")


def test_twice_is_two_rows_not_four(seeds: Path, tmp_path: Path) -> None:
    replay(seeds, tmp_path)
    replay(seeds, tmp_path)
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 2


def test_front_matter_is_yaml(seeds: Path) -> None:
    for p in seeds.glob("*.md"):
        assert isinstance(yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1]), dict)

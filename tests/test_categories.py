"""Categories and tags, one row per hard case: one spelling across widths
and traditional/simplified characters, the alias map, order, duplicates and
"Home" out."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from newscrawl.items import Article
from newscrawl.pipelines.categories import (
    CategoriesPipeline,
    normalize_categories,
    normalize_label,
    normalize_tags,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("新浪财经－国內", "新浪财经-国内"),  # full-width dash, traditional 內
        ("財經新聞", "财经新闻"),
        ("ＡＢＣ　Ｎｅｗｓ", "ABC News"),  # full-width letters and space
        ("新浪财经 — 国内", "新浪财经-国内"),
        (" Politik  /", "Politik"),
    ],
)
def test_one_spelling(a: str, b: str) -> None:
    assert normalize_label(a) == normalize_label(b)


@pytest.mark.parametrize(
    ("values", "aliases", "expected"),
    [
        (["金融", "新浪财经", "新浪财经－国內"], {}, ["金融", "新浪财经", "新浪财经-国内"]),
        (["首页", "Home", "Startseite", "金融"], {}, ["金融"]),
        (["金融", "", " ", "金融", "金融"], {}, ["金融"]),
        (["Welt", "Politik", "Welt"], {}, ["Welt", "Politik"]),  # order kept, outermost first
        (["Biz", "Business"], {"Biz": "Business"}, ["Business"]),
        (["財經"], {"财经": "Finance"}, ["Finance"]),  # the alias matches any spelling
    ],
)
def test_categories(values: list[str], aliases: dict[str, str], expected: list[str]) -> None:
    assert normalize_categories(values, aliases) == expected


def test_tags() -> None:
    assert normalize_tags(["sz300959", "SZ300959", "", " A股 ", "a股"]) == ["sz300959", "A股"]


def test_alias_map_comes_from_settings() -> None:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_CATEGORY_ALIASES": {"国内新闻": "国内"}})
    a = Article(categories=["首页", "國內新聞", "国内"])
    CategoriesPipeline.from_crawler(crawler).process_item(a)
    assert a.categories == ["国内"]

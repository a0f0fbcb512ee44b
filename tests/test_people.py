"""People by role, one row per hard case: Chinese bylines mixing roles,
English and European bylines, JSON-LD Person objects, and what is no name."""

from __future__ import annotations

import pytest

from newscrawl.found import Extracted, Found
from newscrawl.items import Article
from newscrawl.pipelines.people import PeoplePipeline, is_site_name, split_people
from newscrawl.sites.base import ld_names, shown_bylines

SITES = ("新浪财经",)

CASES = [
    # (authors found, bylines found, expected (authors, editors, source))
    ([], ["来源 北京日报客户端|记者 李祺瑶"], (["李祺瑶"], [], "北京日报客户端")),
    ([], ["（总台央视记者 潘虹旭 周琨）"], (["潘虹旭", "周琨"], [], None)),
    ([], ["责任编辑：李墨轩 SN098"], ([], ["李墨轩"], None)),
    ([], ["记者 张三 李四 实习生 王五"], (["张三", "李四", "王五"], [], None)),
    (["文/张三"], [], (["张三"], [], None)),
    (["作者：张三、李四"], [], (["张三", "李四"], [], None)),
    ([], ["本报记者 张三 通讯员 李四"], (["张三", "李四"], [], None)),
    ([], ["光明日报记者 王建宏 张文攀"], (["王建宏", "张文攀"], [], None)),  # an outlet before 记者
    ([], ["本报实习生 刘一 周二 本报记者 王三"], (["刘一", "周二", "王三"], [], None)),
    ([], ["作者：安东尼 7"], (["安东尼"], [], None)),  # a reading count after the name
    (["新浪财经综合"], [], ([], [], "新浪财经综合")),  # a source, not a person
    (["新浪财经"], [], ([], [], None)),  # the site itself
    (["张三(微博)"], [], (["张三"], [], None)),
    (["张三（微博）", "张三"], [], (["张三"], [], None)),  # no duplicates
    (["By Jane Doe and John Roe"], [], (["Jane Doe", "John Roe"], [], None)),
    (["by  Jane Doe"], [], (["Jane Doe"], [], None)),
    (["BY JANE DOE"], [], (["JANE DOE"], [], None)),
    (["Jane Doe, John Roe | Reuters"], [], (["Jane Doe", "John Roe"], [], "Reuters")),
    (
        ["Jane Doe and John Roe, Associated Press"],
        [],
        (["Jane Doe", "John Roe"], [], "Associated Press"),
    ),
    (["Von Hans Müller und Eva Schmidt"], [], (["Hans Müller", "Eva Schmidt"], [], None)),
    (["Ursula von der Leyen"], [], (["Ursula von der Leyen"], [], None)),
    (
        ["Trine Jørgensen og Tôrtia Reimer-Johansen"],
        [],
        (["Trine Jørgensen", "Tôrtia Reimer-Johansen"], [], None),
    ),
    (["Doe, Jane", "Roe, John"], [], (["Jane Doe", "John Roe"], [], None)),  # citation style
    (["Elena Oberholzer (obe)"], [], (["Elena Oberholzer"], [], None)),  # an initials code
    (["Андрей Колесников"], [], (["Андрей Колесников"], [], None)),  # one person, not two
    (["दैनिक भास्कर"], [], (["दैनिक भास्कर"], [], None)),
    # Not names: e-mails, handles, staff labels, credits, domains, ids.
    (["jane.doe@example.com"], [], ([], [], None)),
    (["@janedoe"], [], ([], [], None)),
    (["Staff"], [], ([], [], None)),
    (["Redaktion"], [], ([], [], None)),
    (["Email the author"], [], ([], [], None)),
    (["Jane Doe", "Image: Getty Images", "iStockphoto"], [], (["Jane Doe"], [], None)),
    (["example.de"], [], ([], [], None)),
    (["L_104485"], [], ([], [], None)),
]


@pytest.mark.parametrize(("authors", "bylines", "expected"), CASES)
def test_people(
    authors: list[str], bylines: list[str], expected: tuple[list[str], list[str], str | None]
) -> None:
    p = split_people(authors, [], None, bylines, "", SITES)
    assert (p.authors, p.editors, p.source) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("新京报快讯（记者 裴剑飞）今日有网友爆料", "", ["裴剑飞"]),
        ("（总台央视记者 潘虹旭 周琨）昨天", "", ["潘虹旭", "周琨"]),
        ("工业企业绿色化改造。", "推动云南工业高质量发展。（记者 胡晓蓉）", ["胡晓蓉"]),
        ("记者从上海昆剧团获悉", "", []),  # 记者 as a word, no name
    ],
)
def test_reporter_in_brackets_in_the_text(first: str, last: str, expected: list[str]) -> None:
    assert split_people([], [], None, [], first, (), last).authors == expected


def test_japanese_names_keep_their_space() -> None:
    assert split_people(["大渡 美咲"], [], None, [], language="ja").authors == ["大渡 美咲"]
    assert split_people(["张三 李四"], [], None, []).authors == ["张三", "李四"]


def test_jsonld_person_objects() -> None:
    found = ld_names(
        [
            {"@type": "Person", "name": "Jane Doe", "email": "jane@example.com"},
            {"@type": "Person", "givenName": "John", "familyName": "Roe"},
            "Bo Li",
        ]
    )
    assert split_people(found, [], None, []).authors == ["Jane Doe", "John Roe", "Bo Li"]


@pytest.mark.parametrize(
    ("name", "sites", "expected"),
    [
        ("n-tv NACHRICHTEN", ("n-tv.de", "n-tv"), True),
        ("STERN.de", ("stern.de",), True),
        ("Der Postillon", ("Der Postillon",), True),
        ("Paul Serran", ("paul.com", "paul"), False),
        ("Jane Doe", ("example.com",), False),
    ],
)
def test_site_name_is_nobody(name: str, sites: tuple[str, ...], expected: bool) -> None:
    assert is_site_name(name, sites) is expected


def test_pipeline_drops_the_pages_own_name() -> None:
    a = Article(authors=["Golem.de"])
    PeoplePipeline(["新浪财经"]).process_item(Extracted(a, Found(site_names=("Golem.de", "golem"))))
    assert a.authors == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2022-02-13 09:57\n光明网\n光明日报记者 王建宏 张文攀\n土豆，听名字",
            ["光明日报记者 王建宏 张文攀"],
        ),
        ("作者：\n芊草凡凡\n时间：2005-08-22", ["作者：\n芊草凡凡"]),
        ("文/李四\n正文", ["文/李四"]),
        ("记者从上海昆剧团获悉", []),
    ],
)
def test_chinese_bylines_on_the_page(text: str, expected: list[str]) -> None:
    assert shown_bylines(text) == [" ".join(e.split()) for e in expected]

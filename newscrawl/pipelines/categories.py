"""Categories and tags: one spelling per category (NFKC, traditional
characters to simplified, dashes unified, an alias map from settings),
order kept, duplicates, empties and "Home" out."""

from __future__ import annotations

import re
import unicodedata
from typing import Self

from scrapy.crawler import Crawler

from newscrawl.found import Extracted, as_extracted

# Traditional -> simplified for characters seen in channel names; categories
# are short, so a table beats a conversion library here.
_T2S_PAIRS = (
    "內内 國国 際际 財财 經经 聞闻 訊讯 證证 滬沪 業业 產产 樂乐 體体 軍军 車车 網网 灣湾 臺台 亞亚 歐欧 "
    "華华 資资 數数 碼码 遊游 戲戏 視视 頻频 圖图 書书 讀读 評评 論论 專专 題题 導导 時时 區区 縣县 鄉乡 "
    "貿贸 銀银 險险 債债 權权 貨货 幣币 匯汇 價价 場场 環环 醫医 藥药 學学 東东 個个 開开 發发 動动 會会 "
    "機机 電电 話话 見见 聽听 說说 廣广 濟济 貝贝 寶宝 萬万 與与 務务 調调 稅税 關关 閱阅 風风 聯联 絡络 "
    "實实 熱热 點点 觀观 頭头 條条 葉叶 隊队 運运 線线 壇坛 欄栏 報报 紙纸 軟软 韓韩 頁页 "
)
_T2S = str.maketrans({p[0]: p[1] for p in _T2S_PAIRS.split()})
_DASHES = re.compile(r"\s*[-‐‑‒–—―−－]\s*")
_HOME = {"home", "首页", "主页", "startseite", "accueil", "inicio"}


def normalize_label(value: str) -> str:
    """One spelling of a category: NFKC, simplified characters, one dash, one space.

    >>> normalize_label("新浪财经－国內") == normalize_label("新浪财经-国内")
    True
    """
    text = unicodedata.normalize("NFKC", value).translate(_T2S)
    text = _DASHES.sub("-", text)
    return " ".join(text.split()).strip(" >»/|")


def normalize_categories(values: list[str], aliases: dict[str, str] | None = None) -> list[str]:
    """Categories outermost first, one spelling each, no duplicates or "Home".

    >>> normalize_categories(["首页", "金融", "新浪财经－国內", "新浪财经-国内", ""])
    ['金融', '新浪财经-国内']
    """
    aliases = {normalize_label(k): v for k, v in (aliases or {}).items()}
    out: list[str] = []
    for value in values:
        label = normalize_label(str(value))
        label = aliases.get(label, label)
        if label and label.casefold() not in _HOME and label not in out:
            out.append(label)
    return out


def normalize_tags(values: list[str]) -> list[str]:
    """Tags: NFKC, trimmed, duplicates (case-insensitive) and empties out.

    >>> normalize_tags([" A股 ", "a股", "sz300959", ""])
    ['A股', 'sz300959']
    """
    seen: set[str] = set()
    out = []
    for value in values:
        tag = " ".join(unicodedata.normalize("NFKC", str(value)).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return out


class CategoriesPipeline:
    """Normalizes categories (with ``NEWSCRAWL_CATEGORY_ALIASES``) and tags."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(dict(crawler.settings.getdict("NEWSCRAWL_CATEGORY_ALIASES")))

    def process_item(self, item: object) -> Extracted:
        x = as_extracted(item)
        a = x.article
        a.categories = normalize_categories(a.categories, self.aliases)
        a.tags = normalize_tags(a.tags)
        return x

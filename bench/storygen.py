"""Syndicated-story test set: synthetic Chinese finance news of this project's
own wording (no publisher's text), each story with the copies portals make of it.

``story_set(n, seed)`` gives ``n`` stories. Every story is an original and
1-4 copies, each copy made by one to three of the edits portals really make:

- ``lead+``: a summary paragraph (摘要) put in front; ``lead-``: the first paragraph cut;
- ``boiler``: the portal's lines around the text (来源, 原标题, 责任编辑, a disclaimer,
  an app promotion);
- ``drop``: one paragraph in the middle dropped;
- ``trad``: the text in traditional characters; ``width``: full-width digits and
  letters, half-width punctuation (or the other way round).

A new headline is given to every copy (the title is not part of the compared body).

Besides the originals with random wording, the set holds *near-miss* stories that
must stay apart: ``template`` families (one report frame, e.g. a market close,
filled with other indices, figures and companies) and ``quote`` pairs (two
different stories quoting one long statement). The truth is the ``story`` of
each :class:`Doc`: two docs are copies when their ``story`` is the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

COMPANIES = [
    "华信科技",
    "东方能源",
    "长江证券",
    "恒远地产",
    "瑞丰银行",
    "中科芯材",
    "海通物流",
    "天润乳业",
    "金鼎矿业",
    "博远医药",
    "星河汽车",
    "安泰保险",
    "鸿图电子",
    "绿洲环保",
    "盛达钢铁",
    "云帆航空",
    "新锐光伏",
    "北辰化工",
    "远景电力",
    "嘉禾食品",
    "融创数据",
    "华夏基金",
    "汇丰制药",
    "青岛港务",
    "宏达纺织",
    "广源燃气",
    "启明软件",
    "鼎盛建设",
    "万和家电",
    "联通智网",
    "德胜锂电",
    "飞鹰通信",
]
PEOPLE = [
    "王建国",
    "李晓明",
    "张丽华",
    "刘志强",
    "陈静",
    "杨帆",
    "赵敏",
    "黄海涛",
    "周立新",
    "吴婷",
    "徐国栋",
    "孙悦",
    "马骏",
    "胡晓峰",
    "郭琳",
    "何志远",
    "高翔",
    "林慧",
    "罗文斌",
    "梁宇",
]
CITIES = [
    "北京",
    "上海",
    "深圳",
    "广州",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "重庆",
    "天津",
    "西安",
    "苏州",
]
SECTORS = [
    "新能源汽车",
    "半导体",
    "光伏",
    "白酒",
    "银行",
    "保险",
    "券商",
    "房地产",
    "医药生物",
    "消费电子",
    "有色金属",
    "煤炭",
    "军工",
    "人工智能",
    "储能",
    "航运",
    "旅游酒店",
    "农业",
    "传媒",
    "钢铁",
]
AGENCIES = [
    "国家统计局",
    "中国人民银行",
    "证监会",
    "国家发改委",
    "财政部",
    "商务部",
    "银保监会",
    "海关总署",
]
ANALYSTS = [
    "中信证券",
    "国泰君安",
    "招商证券",
    "华泰证券",
    "中金公司",
    "海通证券",
    "广发证券",
    "兴业证券",
]
INDICES = ["上证指数", "深证成指", "创业板指", "科创50", "沪深300", "北证50"]

FRAMES = [
    "{c}发布公告称，公司{y}年前三季度实现营业收入{n}亿元，同比增长{p}%，归属于上市公司股东的净利润{m}亿元。",
    "据{a}最新数据，{mo}月份全国{s}行业产量同比增长{p}%，增速较上月加快{q}个百分点。",
    "{c}董事长{h}在业绩说明会上表示，公司将继续加大研发投入，力争在{s}领域形成新的增长点。",
    "受消息面影响，{s}板块午后异动拉升，{c}涨停，{c2}涨超{q}%。",
    "{an}研报指出，{s}行业景气度有望持续回升，维持“增持”评级，目标价{n}元。",
    "{ci}市统计局数据显示，今年以来全市规模以上工业增加值同比增长{p}%，高于全国平均水平。",
    "{c}表示，本次募集资金将主要用于{s}项目建设及补充流动资金，预计{y}年底前投产。",
    "业内人士{h}认为，当前{s}行业正处于由规模扩张向质量提升转变的关键阶段，龙头企业优势将进一步扩大。",
    "截至{mo}月末，{c}总资产达到{n}亿元，较年初增长{p}%，不良贷款率为{q}%。",
    "{a}有关负责人介绍，下一步将出台更多稳增长措施，推动{s}等重点领域投资加快落地。",
    "从资金面看，北向资金全天净买入{n}亿元，其中{s}板块获加仓超过{m}亿元。",
    "公告显示，{c}拟以自有资金不超过{n}亿元回购公司股份，回购价格上限为{m}元/股。",
    "{c}在{ci}举行新品发布会，推出面向{s}市场的多款新产品，首批订单已超过{n}万台。",
    "{h}分析称，海外需求回暖叠加国内政策发力，{s}产业链有望迎来新一轮补库存周期。",
    "记者从{a}获悉，{mo}月份社会消费品零售总额同比增长{p}%，其中{s}类商品销售增长较快。",
    "{c}与{c2}签署战略合作协议，双方将在{s}、数字化转型等领域开展深度合作。",
    "数据显示，{mo}月{s}板块整体市盈率约为{n}倍，处于近五年来的{q}%分位水平。",
    "{ci}出台支持{s}产业发展的若干措施，对符合条件的企业给予最高{n}万元奖励。",
    "多家机构预计，{y}年{s}行业市场规模将突破{n}亿元，年均复合增长率保持在{p}%以上。",
    "{c}相关负责人{h}向记者透露，公司海外收入占比已提升至{p}%，东南亚市场增长尤为明显。",
    "{an}首席经济学家{h}表示，预计下半年货币政策仍将保持稳健，降准仍有一定空间。",
    "当日，{c}股价收于{m}元，全天成交额{n}亿元，换手率{q}%。",
    "{a}数据显示，{mo}月末广义货币余额同比增长{p}%，狭义货币余额同比增长{q}%。",
    "针对市场关注的产能过剩问题，{c}回应称，公司产能利用率保持在{p}%左右，订单饱满。",
    "{ci}某{s}企业负责人告诉记者，今年以来原材料价格波动较大，企业通过套期保值锁定部分成本。",
    "分析人士指出，{s}板块近期持续走强，主要受益于行业政策预期改善和业绩超预期。",
    "{c}披露，公司控股股东计划在未来六个月内增持公司股份，增持金额不低于{n}千万元。",
    "{mo}月以来，{s}期货价格累计上涨{p}%，创下年内新高，现货市场成交明显活跃。",
]
TEMPLATES = [
    # (headline frame, paragraphs): the frame of a recurring report, filled afresh each day.
    [
        "{y}年{mo}月{d}日，A股三大指数集体{up}，{i1}收报{n}点，{up}{p}%；{i2}收报{m}点，{up}{q}%。",
        "两市全天成交额{n}亿元，较上一交易日{more}{m}亿元，北向资金净{buy}{q}亿元。",
        "板块方面，{s}、{s2}板块涨幅居前，{s3}板块跌幅居前。个股方面，{c}、{c2}涨停。",
        "展望后市，{an}认为，市场短期或维持震荡格局，建议投资者关注业绩确定性较高的{s}板块。",
    ],
    [
        "{a}{mo}月{d}日公布数据显示，{mo}月份全国居民消费价格指数同比上涨{p}%，环比{up}{q}%。",
        "其中，城市上涨{p}%，农村上涨{q}%；食品价格上涨{m}%，非食品价格上涨{p}%。",
        "{a}城市司首席统计师{h}解读称，{mo}月份消费市场继续恢复，{s}价格{up}明显。",
        "{an}分析师表示，物价总体温和，为货币政策保持宽松提供了空间。",
    ],
    [
        "{c}{mo}月{d}日晚间发布{y}年半年度报告，报告期内实现营业收入{n}亿元，同比{up}{p}%。",
        "实现归属于上市公司股东的净利润{m}亿元，同比{up}{q}%；基本每股收益{q}元。",
        "报告期内，公司{s}业务收入占比提升至{p}%，毛利率较上年同期{up}{q}个百分点。",
        "{c}表示，下半年将继续聚焦主业，推进{s}项目投产，进一步提升盈利能力。",
    ],
]
QUOTES = [
    "{a}有关负责人在新闻发布会上表示：“当前我国经济运行总体平稳，发展质量稳步提升，但外部环境"
    "依然复杂严峻，国内需求仍显不足。下一步，我们将坚持稳中求进工作总基调，加大宏观政策调节力度，"
    "着力扩大有效需求，稳定市场预期，推动经济持续回升向好，确保完成全年经济社会发展目标任务。”",
    "{h}在论坛上指出：“资本市场是现代金融体系的重要组成部分，要坚持以投资者为本，提高上市公司"
    "质量，严厉打击财务造假、内幕交易等违法违规行为，完善退市制度，推动形成优胜劣汰的良性循环，"
    "让投资者真正分享经济增长的成果，更好地服务实体经济高质量发展。”",
]
LEADS = [
    "摘要：{c}最新公告引发市场关注，{s}板块或迎来新一轮行情。",
    "【导读】{a}最新数据出炉，{s}行业表现亮眼，机构看好后市。",
    "核心提示：{s}产业链景气回升，{c}等龙头公司有望率先受益。",
]
BOILER_TOP = [
    "来源：新华社",
    "来源：证券时报网",
    "本文来源：{ci}日报客户端",
    "原标题：{c}发布重要公告",
    "（原标题：{s}板块持续走强）",
]
BOILER_BOTTOM = [
    "责任编辑：{h} SN{k}",
    "免责声明：本文仅代表作者个人观点，与本网站无关。其原创性以及文中陈述文字和内容未经本站证实，"
    "对本文以及其中全部或者部分内容、文字的真实性、完整性、及时性本站不作任何保证或承诺，请读者仅作参考。",
    "海量资讯、精准解读，尽在财经客户端",
    "（本文转载自{ci}财经网，版权归原作者所有）",
    "更多精彩内容，请关注本站微信公众号。",
]
EDITS = ("lead+", "lead-", "boiler", "drop", "trad", "width")


@dataclass
class Doc:
    """One article of the set: its body and which story it is a copy of."""

    story: int
    body: str
    title: str
    edits: tuple[str, ...] = ()
    kind: str = "random"
    published: int = 0
    """Minutes after the original's publication (the original is 0)."""
    extra: dict[str, str] = field(default_factory=dict)


def _fill(frame: str, rnd: random.Random) -> str:
    c, c2 = rnd.sample(COMPANIES, 2)
    s, s2, s3 = rnd.sample(SECTORS, 3)
    up = rnd.choice(["上涨", "下跌"])
    return frame.format(
        c=c, c2=c2, s=s, s2=s2, s3=s3, h=rnd.choice(PEOPLE), a=rnd.choice(AGENCIES),
        an=rnd.choice(ANALYSTS), ci=rnd.choice(CITIES), i1=INDICES[rnd.randrange(3)],
        i2=INDICES[3 + rnd.randrange(3)], y=rnd.randint(2015, 2025), mo=rnd.randint(1, 12),
        d=rnd.randint(1, 28), n=rnd.randint(10, 9999), m=round(rnd.uniform(1, 999), 2),
        p=round(rnd.uniform(0.1, 40), 1), q=round(rnd.uniform(0.1, 9), 2), k=rnd.randint(100, 999),
        up=up, more="增加" if up == "上涨" else "减少", buy=rnd.choice(["买入", "卖出"]),
    )  # fmt: skip


def _random_story(rnd: random.Random) -> list[str]:
    paragraphs = []
    for _ in range(rnd.randint(5, 9)):
        frames = rnd.sample(FRAMES, rnd.randint(2, 3))
        paragraphs.append("".join(_fill(f, rnd) for f in frames))
    return paragraphs


def _trad(text: str) -> str:
    from zhconv_rs import zhconv

    return str(zhconv(text, "zh-hant"))


_FULL = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_HALF_PUNCT = {
    "，": ",",
    "。": ".",
    "：": ":",
    "；": ";",
    "（": "(",
    "）": ")",
    "！": "!",
    "？": "?",
}


def _width(text: str, rnd: random.Random) -> str:
    table = _FULL if rnd.random() < 0.5 else _HALF_PUNCT
    return "".join(table.get(ch, ch) for ch in text)


def copy_of(paragraphs: list[str], rnd: random.Random) -> tuple[list[str], tuple[str, ...]]:
    """A portal's copy of ``paragraphs``: one to three edits, which are returned too."""
    edits = tuple(sorted(rnd.sample(EDITS, rnd.randint(1, 3))))
    out = list(paragraphs)
    if "drop" in edits and len(out) > 3:
        del out[rnd.randrange(1, len(out) - 1)]
    if "lead-" in edits and len(out) > 3:
        del out[0]
    if "lead+" in edits:
        out.insert(0, _fill(rnd.choice(LEADS), rnd))
    if "boiler" in edits:
        out = [_fill(rnd.choice(BOILER_TOP), rnd), *out]
        out += [_fill(b, rnd) for b in rnd.sample(BOILER_BOTTOM, rnd.randint(1, 2))]
    body = "\n".join(out)
    if "trad" in edits:
        body = _trad(body)
    if "width" in edits:
        body = _width(body, rnd)
    return body.split("\n"), edits


def story_set(n: int = 300, seed: int = 14) -> list[Doc]:
    """``n`` stories with their copies (about 3.5 docs a story); a tenth of the
    stories are template families, a tenth quote pairs (the near misses)."""
    rnd = random.Random(seed)
    docs: list[Doc] = []
    story = 0
    while story < n:
        kind = rnd.choices(["random", "template", "quote"], [8, 1, 1])[0]
        if kind == "template":
            frame = rnd.choice(TEMPLATES)
            # The report's frame, then a few paragraphs of that day's own news.
            family = [[_fill(p, rnd) for p in frame] + _random_story(rnd)[:3] for _ in range(3)]
        elif kind == "quote":
            quote = _fill(rnd.choice(QUOTES), rnd)
            family = []
            for _ in range(2):
                paras = _random_story(rnd)[:4]
                paras.insert(rnd.randint(1, 3), quote)
                family.append(paras)
        else:
            family = [_random_story(rnd)]
        for paragraphs in family:
            if story >= n:
                break
            docs.append(Doc(story, "\n".join(paragraphs), f"原文{story}", kind=kind))
            for j in range(rnd.randint(1, 4)):
                body, edits = copy_of(paragraphs, rnd)
                minutes = rnd.randint(1, 600)
                docs.append(Doc(story, "\n".join(body), f"转载{story}-{j}", edits, kind, minutes))
            story += 1
    return docs

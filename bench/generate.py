"""Generate Sina-like article pages for the benchmark.

The pages follow the 2016-2019 Sina article layout (``h1.main-title``,
``.date-source`` with ``.date`` and ``.source``, ``#artibody`` with ``<p>``
paragraphs, a 原标题 line, a reporter line, the QR-code promo, the 责任编辑
line, keywords and related lists) inside the rest of a real page: navigation,
inline and linked styles, inline scripts, a sidebar of hot lists and a
footer. All text is made up here from word lists; nothing comes from a real
page. About a third of the pages are GB2312 bytes, the rest UTF-8.

Every page is a pure function of ``(seed, index)``, so a corpus can be
regenerated exactly, in any order, by any number of processes.

    python -m bench.generate OUT --pages 2000 [--min-kb 30 --max-kb 200]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

# --- word lists (all GB2312 characters, so every page encodes either way) ---

SUBJECTS = (
    "国家统计局", "多家上市公司", "地方金融监管部门", "业内人士", "分析人士", "市场机构",
    "部分券商研究员", "一家科技企业负责人", "行业协会", "当地居民", "中小企业主", "外资机构",
    "基金经理", "商务部门", "交通运输部门", "多位经济学家", "银行业人士", "受访企业",
    "某汽车制造商", "电商平台", "物流企业", "农业合作社", "高校研究团队", "城市规划部门",
)  # fmt: skip
VERBS = (
    "表示", "认为", "指出", "透露", "预计", "强调", "介绍", "坦言", "分析称", "提醒",
)  # fmt: skip
TOPICS = (
    "今年以来消费市场持续回暖", "制造业订单出现明显增长", "新能源汽车销量创下新高",
    "部分城市房价涨幅有所收窄", "居民储蓄意愿依然较强", "跨境电商进出口规模继续扩大",
    "中小企业融资成本稳中有降", "夜间经济成为拉动内需的新亮点", "农产品价格总体保持平稳",
    "科技创新板块受到资金关注", "旅游市场的复苏势头较为明显", "物流行业的数字化进程加快",
    "地方专项债券发行节奏加快", "绿色金融产品不断丰富", "芯片产业链上下游协同加强",
    "养老服务需求持续增长", "城市更新项目陆续开工", "外贸企业订单结构出现变化",
    "快递业务量保持较快增长", "新型基础设施建设稳步推进", "就业形势总体保持稳定",
)  # fmt: skip
TAILS = (
    "这一趋势有望在下半年延续", "但仍需警惕外部环境的不确定性", "后续政策效果值得期待",
    "市场信心正在逐步恢复", "相关部门将加强监测和引导", "行业集中度可能进一步提高",
    "企业需要在成本控制上下功夫", "投资者应当理性看待短期波动", "长期向好的基本面没有改变",
    "这为相关企业带来了新的机遇", "各方对此普遍持乐观态度", "具体细则有待进一步明确",
)  # fmt: skip
METRICS = (
    "社会消费品零售总额", "规模以上工业增加值", "快递业务量", "新能源汽车产量", "进出口总额",
    "新增贷款", "商品房销售面积", "居民人均可支配收入", "服务业生产指数", "高技术制造业投资",
)  # fmt: skip
PLACES = (
    "北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "天津",
    "苏州", "长沙", "郑州", "青岛", "厦门", "合肥", "济南", "昆明", "沈阳",
)  # fmt: skip
HEAD_A = (
    "消费回暖", "出口提速", "楼市降温", "新能源车热销", "夜市升温", "芯片国产化", "物流提效",
    "农产品稳价", "养老需求增长", "绿色金融扩容", "专项债加速", "就业总体稳定", "外贸转型",
)  # fmt: skip
HEAD_B = (
    "多地出台配套措施", "企业订单明显增加", "机构看好后市表现", "小店主迎来好时节",
    "行业迎来新一轮洗牌", "政策红利持续释放", "市场关注度持续升温", "专家解读背后逻辑",
    "相关板块集体走强", "监管部门释放积极信号",
)  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娥玲鹏辉斌宇浩凯晨雨轩墨萱"
OUTLETS = (
    "新浪财经", "中国证券报", "经济参考报", "北京日报客户端", "新华社", "第一财经", "每日经济新闻",
    "证券时报", "21世纪经济报道", "央视新闻", "人民网", "中国新闻网", "上海证券报", "财经网",
)  # fmt: skip
CHANNELS = (
    ("finance.sina.com.cn", "china", "财经", "国内经济"),
    ("finance.sina.com.cn", "stock/marketresearch", "财经", "股市研究"),
    ("finance.sina.com.cn", "roll", "财经", "滚动新闻"),
    ("news.sina.com.cn", "c", "新闻", "国内新闻"),
    ("news.sina.com.cn", "s", "新闻", "社会新闻"),
    ("tech.sina.com.cn", "i", "科技", "互联网"),
    ("tech.sina.com.cn", "mobile/n", "科技", "手机"),
    ("ent.sina.com.cn", "s/m", "娱乐", "明星"),
)  # fmt: skip
NAV = (
    ("新浪首页", "https://www.sina.com.cn/"), ("新闻", "https://news.sina.com.cn/"),
    ("财经", "https://finance.sina.com.cn/"), ("股票", "https://finance.sina.com.cn/stock/"),
    ("基金", "https://finance.sina.com.cn/fund/"), ("科技", "https://tech.sina.com.cn/"),
    ("体育", "https://sports.sina.com.cn/"), ("娱乐", "https://ent.sina.com.cn/"),
    ("汽车", "https://auto.sina.com.cn/"), ("博客", "https://blog.sina.com.cn/"),
    ("视频", "https://video.sina.com.cn/"), ("房产", "https://house.sina.com.cn/"),
    ("教育", "https://edu.sina.com.cn/"), ("读书", "https://book.sina.com.cn/"),
    ("时尚", "https://fashion.sina.com.cn/"), ("健康", "https://health.sina.com.cn/"),
)  # fmt: skip
QR_TEXT = "海量资讯、精准解读，尽在新浪财经APP"


@dataclass
class Truth:
    """What a correct extraction of a generated page gives."""

    file: str
    url: str
    encoding: str
    title: str
    published_at: str
    source: str
    authors: list[str]
    editor: str
    first_sentence: str
    last_sentence: str
    paragraphs: int


def _name(r: random.Random) -> str:
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2))))


def _sentence(r: random.Random) -> str:
    kind = r.random()
    if kind < 0.4:
        return f"{r.choice(SUBJECTS)}{r.choice(VERBS)}，{r.choice(TOPICS)}，{r.choice(TAILS)}。"
    if kind < 0.7:
        pct = f"{r.randint(1, 60)}.{r.randint(0, 9)}%"
        return (
            f"数据显示，{r.choice(PLACES)}{r.choice(METRICS)}同比增长{pct}，"
            f"较上月提高{r.randint(1, 9)}个百分点。"
        )
    if kind < 0.85:
        return (
            f"在{r.choice(PLACES)}，{r.choice(SUBJECTS)}告诉记者，"
            f"“{r.choice(TOPICS)}，{r.choice(TAILS)}。”"
        )
    return f"{r.choice(TOPICS)}，{r.choice(SUBJECTS)}对此{r.choice(VERBS)}，{r.choice(TAILS)}。"


def _para(r: random.Random) -> str:
    return "".join(_sentence(r) for _ in range(r.randint(1, 5)))


def _css(r: random.Random, size: int) -> str:
    """Style rules, about ``size`` characters."""
    out: list[str] = []
    n = 0
    while n < size:
        cls = f".{r.choice(('art', 'blk', 'nav', 'side', 'hot', 'top', 'ft', 'ct'))}-{r.randint(1, 999)}"
        rule = (
            f"{cls} {r.choice(('a', 'li', 'span', 'p', 'div', 'h3'))}{{margin:{r.randint(0, 20)}px "
            f"{r.randint(0, 20)}px;color:#{r.randint(0, 0xFFFFFF):06x};"
            f"font-size:{r.randint(12, 18)}px;line-height:{r.randint(18, 30)}px}}\n"
        )
        out.append(rule)
        n += len(rule)
    return "".join(out)


def _js(r: random.Random, size: int) -> str:
    """Page configuration and ad code, about ``size`` characters."""
    out: list[str] = []
    n = 0
    while n < size:
        ident = f"sina_{r.choice(('ad', 'cfg', 'suda', 'feed', 'wb', 'cmnt'))}_{r.randint(1, 9999)}"
        line = (
            f'var {ident} = {{"id": "{r.randint(10**6, 10**7)}", "pos": "PDPS{r.randint(10**8, 10**9)}",'
            f' "w": {r.randint(100, 1000)}, "h": {r.randint(50, 600)}, "on": {str(r.random() < 0.5).lower()}}};'
            f"\nif ({ident}.on && window.{ident}) {{ document.write('<div id=\"{ident}\"></div>'); }}\n"
        )
        out.append(line)
        n += len(line)
    return "".join(out)


def _link_list(r: random.Random, host: str, n: int, with_time: bool, year: int) -> str:
    items = []
    for _ in range(n):
        title = f"{r.choice(HEAD_A)} {r.choice(HEAD_B)}"
        url = f"https://{host}/{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}/doc-i{_doc_id(r)}.shtml"
        when = (
            f'<span class="time">{r.randint(1, 12)}月{r.randint(1, 28)}日</span>'
            if with_time
            else ""
        )
        items.append(f'<li><a href="{url}" target="_blank">{title}</a>{when}</li>')
    return "".join(items)


def _doc_id(r: random.Random) -> str:
    letters = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4))
    return letters + "".join(r.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(10))


def target_bytes(r: random.Random, min_kb: int, max_kb: int) -> int:
    """A page size between min_kb and max_kb, log-uniform (most pages small)."""
    return int(1024 * math.exp(r.uniform(math.log(min_kb), math.log(max_kb))))


def page(seed: int, index: int, min_kb: int = 30, max_kb: int = 200) -> tuple[bytes, Truth]:
    """Page number ``index`` of corpus ``seed``: its bytes and what it says."""
    r = random.Random(seed * 1_000_003 + index)
    gb = r.random() < 0.35
    encoding = "gb2312" if gb else "utf-8"
    host, path, chan, sub = r.choice(CHANNELS)
    year = r.randint(2016, 2019)
    month, day = r.randint(1, 12), r.randint(1, 28)
    hour, minute, second = r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)
    url = f"https://{host}/{path}/{year}-{month:02d}-{day:02d}/doc-i{_doc_id(r)}.shtml"
    title = f"{r.choice(HEAD_A)} {r.choice(HEAD_B)}"
    source = r.choice(OUTLETS)
    reporters = [_name(r) for _ in range(r.choice((0, 1, 1, 2)))]
    editor = _name(r)
    code = f"{r.choice(('SF', 'SN', 'JF', 'NE'))}{r.randint(1, 199):03d}"
    paras = [_para(r) for _ in range(r.randint(6, 30))]
    keywords = [r.choice(HEAD_A) for _ in range(3)]
    stock = f"s{r.choice('hz')}{r.randint(600000, 603999) if r.random() < 0.5 else r.randint(1, 3999):06d}"
    date_shown = f"{year}年{month:02d}月{day:02d}日 {hour:02d}:{minute:02d}"
    iso = f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}+08:00"
    img = f"https://n.sinaimg.cn/{chan_slug(host)}/transform/{r.randint(100, 999)}/w{r.choice((550, 640))}h{r.randint(300, 500)}/{year}{month:02d}{day:02d}/{_doc_id(r)[:8]}.jpg"

    charset = (
        '<meta http-equiv="Content-type" content="text/html; charset=gb2312" />'
        if gb
        else '<meta charset="utf-8">'
    )
    body_parts = []
    if r.random() < 0.3:
        body_parts.append(f"<p>　　原标题：{r.choice(HEAD_A)}，{r.choice(HEAD_B)}</p>")
    for i, text in enumerate(paras):
        cut = text.find("，") + 1
        if i == 2 and cut:
            text = (
                text[:cut]
                + f'<span id="stock_{stock}"><a href="https://finance.sina.com.cn/realstock/company/{stock}/nc.shtml" class="keyword" target="_blank">{r.choice(SUBJECTS)}</a></span><span id="quote_{stock}"></span>'
                + text[cut:]
            )
        body_parts.append(f"<p>　　{text}</p>")
        if i == 3 and r.random() < 0.7:
            body_parts.append(
                f'<div class="img_wrapper"><img id="img_{r.randint(1, 10**6)}" src="{img}" alt="{title}">'
                f'<span class="img_descr">{r.choice(PLACES)}街头一景。</span></div>'
            )
    if reporters:
        body_parts.append(f"<p>　　（记者 {' '.join(reporters)}）</p>")
    body_parts.append(
        '<div class="appendQr_wrap"><div class="appendQr_normal"><div class="appendQr_normal_txt">'
        f'{QR_TEXT}</div><img src="https://n.sinaimg.cn/finance/qr/appqr.png" class="appendQr_normal_img" /></div></div>'
    )
    body_parts.append(f'<p class="article-editor">责任编辑：{editor} {code}</p>')
    body = "\n".join(body_parts)

    nav = "".join(f'<li><a href="{u}" target="_blank">{t}</a></li>' for t, u in NAV)
    sub_nav = "".join(
        f'<a href="https://{host}/{r.choice(("roll", "focus", "zl", "review", "world"))}/">{r.choice(HEAD_A)}</a> '
        for _ in range(r.randint(10, 25))
    )
    head_fixed = f"""<!DOCTYPE html>
<!-- [ published at {year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d} ] -->
<html>
<head>
{charset}
<title>{title}_{"新浪财经" if chan == "财经" else "新浪" + chan}_新浪网</title>
<meta name="keywords" content="{",".join(keywords)}">
<meta name="tags" content="{",".join(keywords)}">
<meta name="description" content="{paras[0][:60]}">
<link rel="canonical" href="{url}">
<meta property="og:type" content="news">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{paras[0][:60]}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{img}">
<meta name="weibo: article:create_at" content="{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}">
<meta name="mediaid" content="{source}">
<meta property="article:author" content="{source}">
<meta property="article:published_time" content="{iso}">
<meta name="sudameta" content="allCIDs:{r.randint(1, 999)},{r.randint(1, 999)};dataid:{r.randint(10**7, 10**8)}">
<meta name="publishid" content="{r.randint(10**6, 10**7)}">
<link rel="stylesheet" type="text/css" href="https://n.sinaimg.cn/{chan_slug(host)}/css/article.css">
<link rel="stylesheet" type="text/css" href="https://n.sinaimg.cn/common/css/top-nav.css">
<link rel="shortcut icon" href="https://www.sina.com.cn/favicon.ico">
"""
    content = f"""<body>
<!-- body code begin -->
<div class="top-nav-wrap" id="SI_Top_Wrap"><div class="top-nav"><ul class="tn-nav">{nav}</ul>
<div class="tn-login"><a href="https://login.sina.com.cn/" class="tn-tab">登录</a> <a href="https://login.sina.com.cn/signup/">注册</a></div></div></div>
<div class="header"><div class="logo"><a href="https://{host}/"><img src="https://n.sinaimg.cn/{chan_slug(host)}/logo.png" alt="{chan}"></a></div>
<div class="sub-nav">{sub_nav}</div></div>
<div class="main-content w1240">
<div class="channel-path"><a href="https://{host}/">{chan}</a> &gt; <a href="https://{host}/{path}/">{sub}</a> &gt; 正文</div>
<h1 class="main-title">{title}</h1>
<div class="top-bar-wrap" id="top_bar_wrap"><div class="top-bar"><div class="date-source">
<span class="date">{date_shown}</span>
<a href="https://{host}/" class="source ent-source" target="_blank">{source}</a>
</div><div class="share" id="sharePanel"><a class="share-weibo" href="javascript:;">微博</a><a class="share-weixin" href="javascript:;">微信</a></div></div></div>
<div class="article-content clearfix" id="article_content"><div class="article-content-left">
<div class="article" id="artibody" data-sudaclick="blk_content">
{body}
</div>
<div class="keywords" id="keywords" data-wbkey="{",".join(keywords)}">关键字：{"".join(f'<a href="https://tags.news.sina.com.cn/{k}" target="_blank">{k}</a>' for k in keywords)}</div>
"""
    # Everything below varies in size to reach the page's target size.
    target = target_bytes(r, min_kb, max_kb)
    per_char = 2 if gb else 3  # rough encoded size of a Han character
    fixed = (len(head_fixed) + len(content)) * (per_char + 1) // 2
    room = max(0, target - fixed - 4000)
    css_share = r.uniform(0.1, 0.35)
    js_size = int(room * r.uniform(0.25, 0.45))
    lists_room = max(0, int(room * (1 - css_share)) - js_size)
    n_items = max(10, lists_room // 110)
    related = _link_list(r, host, min(n_items // 3, 60), True, year)
    hot = _link_list(r, host, min(n_items // 3, 60), False, year)
    footer_links = _link_list(
        r, "www.sina.com.cn", max(0, n_items - 2 * min(n_items // 3, 60)), False, year
    )
    tail = f"""<div class="article-bottom"><div class="blk-related" id="related"><h3>相关新闻</h3><ul>{related}</ul></div>
<div class="blk-comment" id="comment_wrap"><div class="comment-tip">我要评论</div></div></div>
</div>
<div class="article-content-right"><div class="side-hot"><h3>热门推荐</h3><ul>{hot}</ul></div></div>
</div></div>
<div class="footer" id="footer"><p><a href="https://corp.sina.com.cn/chn/">新浪简介</a> | <a href="https://corp.sina.com.cn/eng/">About Sina</a> | <a href="https://emarketing.sina.com.cn/">广告服务</a></p>
<ul class="ft-links">{footer_links}</ul>
<p class="copyright">Copyright &copy; 1996-{year} SINA Corporation, All Rights Reserved</p></div>
<script type="text/javascript">
{_js(r, js_size // 2)}
</script>
<script type="text/javascript" src="https://n.sinaimg.cn/{chan_slug(host)}/js/article.js" charset="utf-8"></script>
</body>
</html>
"""
    script = f'<script type="text/javascript">\nvar SINA_TEXT_PAGE_INFO = {{"channel": "{chan_slug(host)}", "newsid": "{r.randint(10**6, 10**7)}"}};\n{_js(r, js_size - js_size // 2)}</script>\n</head>\n'
    # The style sheet fills the page to its target size.
    size = len((head_fixed + script + content + tail).encode(encoding))
    css = f'<style type="text/css">\n{_css(r, max(500, target - size - 40))}</style>\n'
    data = (head_fixed + css + script + content + tail).encode(encoding)
    authors = reporters
    truth = Truth(
        file="",
        url=url,
        encoding=encoding,
        title=title,
        published_at=f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}",
        source=source,
        authors=authors,
        editor=editor,
        first_sentence=paras[0].split("。")[0],
        last_sentence=paras[-1].rstrip("。”").split("。")[-1],
        paragraphs=len(paras),
    )
    return data, truth


def chan_slug(host: str) -> str:
    return host.split(".")[0]


def page_path(out: Path, index: int) -> Path:
    """``out/<shard of 10,000>/<batch of 1,000>/NNNNNN.html``: a corpus's
    first 10,000 pages are one folder, small folders for the file system."""
    return out / f"{index // 10_000:03d}" / f"{index // 1000 % 10}" / f"{index:06d}.html"


def _write_range(args: tuple[str, int, int, int, int, int]) -> list[dict[str, object]]:
    out, seed, start, stop, min_kb, max_kb = args
    rows = []
    for i in range(start, stop):
        data, truth = page(seed, i, min_kb, max_kb)
        path = page_path(Path(out), i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        truth.file = str(path.relative_to(out))
        rows.append({**asdict(truth), "bytes": len(data)})
    return rows


def generate(
    out: Path,
    pages: int,
    seed: int = 7,
    min_kb: int = 30,
    max_kb: int = 200,
    workers: int | None = None,
) -> list[dict[str, object]]:
    """Write ``pages`` pages under ``out`` (skipped when ``out/truth.jsonl``
    already lists them) and return their truth records."""
    out.mkdir(parents=True, exist_ok=True)
    truth_file = out / "truth.jsonl"
    stamp = {"pages": pages, "seed": seed, "min_kb": min_kb, "max_kb": max_kb}
    stamp_file = out / "corpus.json"
    if truth_file.exists() and stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        return [json.loads(line) for line in truth_file.read_text("utf-8").splitlines()]
    chunk = 500
    jobs = [
        (str(out), seed, s, min(s + chunk, pages), min_kb, max_kb) for s in range(0, pages, chunk)
    ]
    rows: list[dict[str, object]] = []
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for part in pool.map(_write_range, jobs):
            rows.extend(part)
    with truth_file.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    stamp_file.write_text(json.dumps(stamp))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--min-kb", type=int, default=30)
    ap.add_argument("--max-kb", type=int, default=200)
    a = ap.parse_args(argv)
    rows = generate(a.out, a.pages, a.seed, a.min_kb, a.max_kb)
    sizes = sorted(int(str(r["bytes"])) for r in rows)
    gb = sum(1 for r in rows if r["encoding"] == "gb2312")
    print(
        f"{len(rows)} pages in {a.out}: {sum(sizes) / 1e6:.0f} MB, "
        f"{sizes[0] // 1024}-{sizes[-1] // 1024} KB (median {sizes[len(sizes) // 2] // 1024} KB), "
        f"{gb} GB2312",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

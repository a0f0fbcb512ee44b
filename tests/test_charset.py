"""The encoding of a page, decided once (``newscrawl.charset.resolve``):
UTF-16 and UTF-32 pages in either byte order, with or without a BOM,
declared or not, read right; the rules for legacy pages kept."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Response

from newscrawl.charset import is_wide, looks_binary, resolve, text_head, wide_encoding
from newscrawl.sites import get_site

TITLE = "Grüße aus 北京: the council’s budget"
PAGE = (
    "<html><head>{meta}<title>{t}</title></head><body><h1>{t}</h1>"
    "<p>The council met on Monday to discuss the budget for the coming year.</p>"
    "<p>中文段落：会议讨论了明年的预算。 Members agreed on the library hours.</p>"
    "</body></html>"
)
BOMS = {
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
}


def wide_cases() -> list[tuple[str, str, bool, str, str]]:
    """(id, codec, bom, meta, header) for each way a wide page arrives."""
    cases = []
    for codec in BOMS:
        family = codec[:6]  # utf-16 / utf-32: what pages and servers declare
        for bom in (True, False):
            for meta, header in (
                ("", ""),
                (f'<meta charset="{family}">', ""),
                ("", f"text/html; charset={family}"),
                ("", f"text/html; charset={codec}"),
                ("", "text/html; charset=iso-8859-1"),  # a server's wrong default
            ):
                cases.append(
                    (f"{codec}-bom{bom}-{meta[6:20]}{header[19:]}", codec, bom, meta, header)
                )
    return cases


@pytest.mark.parametrize(("case", "codec", "bom", "meta", "header"), wide_cases())
def test_wide_pages_read_right(case: str, codec: str, bom: bool, meta: str, header: str) -> None:
    body = (BOMS[codec] if bom else b"") + PAGE.format(meta=meta, t=TITLE).encode(codec)
    headers = {"Content-Type": header} if header else {}
    raw = Response("https://news.example/a/1.html", body=body, headers=headers)
    page = resolve(raw)
    assert is_wide(page.encoding), (case, page.encoding)
    assert not looks_binary(text_head(page))
    article = get_site("generic").extract(page)
    assert article.title == TITLE
    assert "中文段落" in article.body_html and "\x00" not in article.body_html


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20, None),
        (bytes(range(256)) * 8, None),
        (b"<p>plain ascii page</p>" * 20, None),
        ("<p>短</p>".encode("utf-16-le"), "utf-16-le"),
        (b"\x00" * 64, None),  # NUL bytes only: no text
    ],
)
def test_wide_encoding_is_not_fooled_by_binary(body: bytes, expected: str | None) -> None:
    assert wide_encoding(body) == expected


def test_binary_bytes_stay_binary() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20
    page = resolve(Response("https://x.example/a.html", body=png))
    assert looks_binary(text_head(page))


@pytest.mark.parametrize(
    ("body", "headers", "encoding", "text"),
    [
        # UTF-8 bytes under a legacy declaration read as UTF-8 (today's rule)
        ('<meta charset="gb2312"><p>sanción 新闻</p>'.encode(), {}, "utf-8", "sanción 新闻"),
        # a real GBK page declared GB2312
        ('<meta charset="gb2312"><p>新闻</p>'.encode("gbk"), {}, "gb18030", "新闻"),
        # the header wins over detection
        (
            "<p>café</p>".encode("cp1252"),
            {"Content-Type": "text/html; charset=cp1252"},
            "cp1252",
            "café",
        ),
        # a UTF-16 declaration the bytes do not bear out
        (
            b"<p>plain page</p>",
            {"Content-Type": "text/html; charset=utf-16"},
            "utf-8",
            "plain page",
        ),
        ('<meta charset="utf-16"><p>été</p>'.encode(), {}, "utf-8", "été"),
        # a UTF-8 BOM
        (b"\xef\xbb\xbf<p>\xc3\xa9t\xc3\xa9</p>", {}, "utf-8", "été"),
    ],
)
def test_one_byte_and_utf8_pages_unchanged(
    body: bytes, headers: dict[str, str], encoding: str, text: str
) -> None:
    page = resolve(HtmlResponse("https://x.example/a.html", body=body, headers=headers))
    assert page.encoding.replace("_", "-") == encoding
    assert text in page.text


def test_undeclared_gbk_reads_as_gb18030() -> None:
    zh = "<p>" + "央行今日宣布下调存款准备金率，释放长期资金约一万亿元。" * 3 + "</p>"
    resp = HtmlResponse("https://x.example/a.html", body=zh.encode("gbk"), encoding="ptcp154")
    assert resolve(resp).encoding == "gb18030"


def test_an_encoding_that_stands_keeps_the_response() -> None:
    resp = HtmlResponse("https://x.example/a.html", body=b"<p>x</p>", encoding="utf-8")
    resp.selector  # noqa: B018 - parsed once; resolve must not make it parse again
    assert resolve(resp) is resp

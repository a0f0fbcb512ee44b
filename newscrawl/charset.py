"""How a page's bytes become text: the encoding is decided once, by
:func:`resolve`, before anything parses the page.

The order: a byte order mark; then the bytes' own NUL pattern when they are
UTF-16 or UTF-32 (ASCII markup in those encodings is one NUL byte in two, or
three in four, which no other encoding of an HTML page shows, whatever a
header or ``<meta>`` claims); then the HTTP header or ``<meta>`` declaration,
where bytes valid as UTF-8 under a legacy declaration are read as UTF-8;
then charset detection (Scrapy's: ``w3lib.encoding.html_to_unicode`` with
charset-normalizer), where undeclared bytes that read as Chinese are GB18030.
"""

from __future__ import annotations

import codecs

from scrapy.http import HtmlResponse, Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Control bytes, less the whitespace ones (9-13: tab, newlines, form feed, CR).
_CONTROLS = bytes(b for b in range(32) if b < 9 or b > 13)
WIDE = ("utf-16", "utf-32", "utf_16", "utf_32")
"""Prefixes of the encodings whose ASCII characters hold NUL bytes."""


def looks_binary(body: bytes) -> bool:
    """True for bytes that are no web page (NUL bytes, or mostly control bytes).
    Run it on the bytes of a one-byte or UTF-8 page, or on the text of a
    UTF-16/32 one encoded as UTF-8 (see :func:`text_head`).

    >>> looks_binary(b"<html>\\x1b[0m</html>"), looks_binary(b"\\x01\\x02\\x03<p>")
    (False, True)
    """
    head = body[:4096]
    if b"\x00" in head:
        return True
    # Counted in C (bytes.translate), not byte by byte: this runs on every page.
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls * 10 > len(head)


def is_wide(encoding: str | None) -> bool:
    """True for UTF-16 and UTF-32 (any byte order)."""
    return (encoding or "").lower().startswith(WIDE)


def text_head(response: TextResponse, size: int = 4096) -> bytes:
    """The page's first bytes as a one-byte/UTF-8 page has them: the body,
    or for a UTF-16/32 page its decoded text encoded as UTF-8."""
    if is_wide(response.encoding):
        return response.text[:size].encode("utf-8", errors="replace")
    return response.body[:size]


def wide_encoding(body: bytes) -> str | None:
    """``utf-32-le``/``-be`` or ``utf-16-le``/``-be`` when the first 4 KB
    show that encoding's NUL bytes (and decode in it), else None.

    >>> page = "<html><body><p>Grüße 中文</p></body></html>"
    >>> [wide_encoding(page.encode(e)) for e in ("utf-16-le", "utf-16-be", "utf-32-be", "utf-8")]
    ['utf-16-le', 'utf-16-be', 'utf-32-be', None]
    """
    head = body[:4096]
    head = head[: len(head) - len(head) % 4]
    if len(head) < 8:
        return None
    quads = len(head) // 4
    zeros = [head[i::4].count(0) for i in range(4)]
    found = None
    # UTF-32: the two high bytes of every BMP character are NUL, and the
    # low byte of almost none is (ASCII markup makes the third byte NUL too).
    if min(zeros[2], zeros[3]) >= 0.9 * quads and zeros[0] <= 0.1 * quads:
        found = "utf-32-le"
    elif min(zeros[0], zeros[1]) >= 0.9 * quads and zeros[3] <= 0.1 * quads:
        found = "utf-32-be"
    else:
        pairs = len(head) // 2
        even, odd = zeros[0] + zeros[2], zeros[1] + zeros[3]
        # A quarter of the characters ASCII (markup), few whose other byte is NUL.
        if odd >= pairs / 4 and even <= odd / 10:
            found = "utf-16-le"
        elif even >= pairs / 4 and odd <= even / 10:
            found = "utf-16-be"
    if found is None:
        return None
    try:
        codecs.getincrementaldecoder(found)("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return found


def resolve(response: Response) -> TextResponse:
    """``response`` as a TextResponse read in the encoding it is in, decided
    once (see the module's docstring). The same object comes back when its
    encoding stands, so a tree already parsed is kept. Bytes that are no
    text (``looks_binary``) come back undetected, for the caller to drop."""
    if not isinstance(response, TextResponse):
        replaced = response.replace(cls=HtmlResponse)
        assert isinstance(replaced, TextResponse)
        response = replaced
    body = response.body
    bom = read_bom(body)[0]
    if bom:
        return _read_as(response, bom)
    wide = wide_encoding(body)
    if wide:
        return _read_as(response, wide)
    if looks_binary(body):
        return response
    if is_wide(response.encoding) and looks_utf8(body):
        # A UTF-16/32 declaration the bytes do not bear out (their markup
        # would show NUL bytes): a server's or a re-saved page's mistake.
        return _read_as(response, "utf-8")
    return gb18030_if_undeclared(utf8_if_valid(response))


def _read_as(response: TextResponse, encoding: str) -> TextResponse:
    if codecs.lookup(response.encoding).name == codecs.lookup(encoding).name:
        return response
    replaced = response.replace(encoding=encoding)
    assert isinstance(replaced, TextResponse)
    return replaced


def utf8_if_valid(response: TextResponse) -> TextResponse:
    """The response read as UTF-8 when it declares a legacy charset but its
    bytes are valid UTF-8 with non-ASCII text in them: pages re-saved as
    UTF-8 keep their old ``<meta charset=gb2312>``, and servers lie; bytes
    in a legacy encoding almost never form valid UTF-8 by chance."""
    enc = (response.encoding or "").lower().replace("_", "-")
    if enc in ("utf-8", "utf8", "ascii", "us-ascii"):
        return response
    body = response.body
    if body.isascii():
        return response
    return response.replace(encoding="utf-8") if looks_utf8(body) else response


def declares_encoding(response: TextResponse) -> bool:
    """True when the response says its charset: a Content-Type header's
    charset, a ``<meta charset>`` / ``http-equiv`` in the page, or a BOM."""
    header = response.headers.get(b"Content-Type")
    if header and http_content_type_encoding(header.decode("latin-1")):
        return True
    return bool(read_bom(response.body)[0] or html_body_declared_encoding(response.body))


def looks_chinese(body: bytes) -> bool:
    """True when ``body`` reads as GB18030 Chinese text: it decodes with few
    errors (a cut character or two), holds at least 20 hanzi, and most of
    them (70%) are among the 3,755 common ones (GB2312 level 1). Bytes of
    another legacy encoding decode as rare characters (Cyrillic cp1251
    words, Latin-1 accents before ASCII letters) or not at all.

    >>> looks_chinese("央行今日宣布下调存款准备金率，释放长期资金约一万亿元。".encode("gbk"))
    True
    >>> looks_chinese("Привет, как дела? Это обычный русский текст.".encode("cp1251") * 2)
    False
    >>> looks_chinese("Le café était très bon, déjà prêt à côté.".encode("cp1252") * 5)
    False
    """
    text = body.decode("gb18030", errors="replace")
    hanzi = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if len(hanzi) < 20 or text.count("\ufffd") > 2 + len(hanzi) // 100:
        return False
    common = sum(1 for c in hanzi if 0xB0 <= c.encode("gb18030")[0] <= 0xD7)
    return common >= 0.7 * len(hanzi)


def gb18030_if_undeclared(response: TextResponse) -> TextResponse:
    """The response read as GB18030 when it declares no charset, is not
    UTF-8, and reads as Chinese (``looks_chinese``). Charset detection
    (Scrapy's, charset_normalizer's) takes such pages, common on Chinese
    sites of the 2000s, for Cyrillic (ptcp154, cp1251): their byte pairs
    look alike."""
    if _writes_cjk(response.encoding) or response.body.isascii():
        return response  # detected as Chinese, Japanese or Korean (or UTF-8): kept
    if declares_encoding(response) or looks_utf8(response.body):
        return response
    if not looks_chinese(response.body):
        return response
    return response.replace(encoding="gb18030")


def _writes_cjk(encoding: str | None) -> bool:
    """True for an encoding that can write Chinese, Japanese or Korean
    (GBK, Big5, Shift_JIS, EUC-KR, UTF-8...), False for a one-byte one."""
    for char in "中あ한":
        try:
            char.encode(encoding or "ascii")
            return True
        except (UnicodeEncodeError, LookupError):
            continue
    return False


def looks_utf8(body: bytes) -> bool:
    """True when ``body`` decodes as UTF-8."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def redecode(response: TextResponse, encodings: tuple[str, ...]) -> TextResponse:
    """``response`` decoded with whichever of its own encoding and
    ``encodings`` gives the fewest undecodable bytes (U+FFFD), when its own
    gives any (a site's ``fallback_encodings``: pages that declare one
    encoding and are in another).

    >>> page = HtmlResponse("https://news.example/a.html", body="<p>新浪</p>".encode("gbk"),
    ...                     headers={"Content-Type": "text/html; charset=utf-8"})
    >>> redecode(page, ("gb18030", "utf-8")).text
    '<p>新浪</p>'
    """
    text = response.text
    if "\ufffd" not in text:
        return response
    best, best_bad = response, text.count("\ufffd")
    for encoding in encodings:
        candidate = response.body.decode(encoding, errors="replace")
        bad = candidate.count("\ufffd")
        if bad < best_bad:
            best, best_bad = response.replace(encoding=encoding), bad
    return best

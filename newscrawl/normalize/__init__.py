"""Pure normalizers shared by the site modules and the pipelines: no Scrapy,
no site, no page. Dependencies point one way: ``sites`` and ``pipelines``
import from here, never the other way, and ``sites`` never imports
``pipelines``."""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII (U+FF01-FF5E), mapped to its NFKC form without NFKC.
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_HALF = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, five times faster on Chinese
    text: its full-width punctuation (，：（）) is mapped first, and the
    rest is most often NFKC already, which is checked in C.

    >>> nfkc("（记者　张三）Ａ１") == unicodedata.normalize("NFKC", "（记者　张三）Ａ１")
    True
    """
    text = _FULL_WIDTH.sub(lambda m: _HALF[m[0]], text).replace("\u3000", " ")
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)

"""The language of a text the page does not label: py3langid, whose model
ships inside its package (no download at run time), loaded on first use.

A page's own ``<html lang>`` / ``Content-Language`` / JSON-LD ``inLanguage``
wins; this is asked only when none is given (see
:func:`newscrawl.pipelines.text.normalize_language`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

SAMPLE = 2000
"""Characters of the body classified: the first paragraphs decide, and the
cost stays flat on long articles."""

MIN_CHARS = 40
"""Shorter texts (a caption, a one-line body) give no reliable answer. A Han or
kana character counts twice: it carries about a word."""

MIN_PROBABILITY = 0.75
"""Below this normalised probability the answer is None, not a guess."""


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@lru_cache(maxsize=1)
def _identifier() -> _Identifier:
    # Imported here: loading the compressed model takes about 2 s, paid only by a
    # run that meets a page with no language of its own.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return identifier


def han_share(text: str) -> float:
    """The share of CJK unified ideographs among the non-space characters.

    >>> han_share("央行 today"), han_share("")
    (0.2857142857142857, 0.0)
    """
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if "\u4e00" <= c <= "\u9fff") / len(chars)


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code for ``text``, or None when it is too short or the
    detector is unsure. Mostly-Han text without kana is ``zh`` at once.

    >>> detect_language("Der Stadtrat hat am Dienstag den neuen Haushalt beschlossen.")
    'de'
    >>> detect_language("市政府昨日公布了新的交通规划方案，预计明年开工建设。"), detect_language("OK")
    ('zh', None)
    """
    sample = " ".join(text[:SAMPLE].split())
    kana = sum(1 for c in sample if "\u3040" <= c <= "\u30ff")
    han = han_share(sample)
    if han > 1 / 3 and not kana:
        return "zh"
    wide = kana + round(han * len(sample))
    if len(sample) + wide < MIN_CHARS:
        return None
    lang, probability = _identifier().classify(sample)
    return lang if probability >= MIN_PROBABILITY else None

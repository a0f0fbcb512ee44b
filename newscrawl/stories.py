"""Syndicated copies: the text side of story linking (the database side is
:mod:`newscrawl.storage.stories`).

Two articles are copies of one story when the character shingles of their
normalized bodies overlap enough: their Jaccard similarity, estimated from
MinHash signatures (datasketch), is at least ``NEWSCRAWL_STORY_THRESHOLD``.
Candidates are found by locality-sensitive hashing over the signatures:
:data:`BANDS` bands of :data:`ROWS` values each; two signatures that agree
on every value of one band share that band's key. The probability that two
bodies of similarity ``s`` share at least one band is ``1 - (1 - s**ROWS)**BANDS``
(:func:`candidate_probability`): with 32 bands of 4 it is 0.87 at s = 0.5,
0.99 at 0.6 and 0.9996 at 0.7, and 0.23 at 0.3 (a false candidate only costs
the comparison of two signatures, which then rejects it). 32 x 4 was chosen
for the default threshold 0.5, the lowest the measured copies need
(``bench/stories.py``), using all 128 values. The banding does not depend on the
setting, so the index in the database stays valid when it changes; it is
weaker below 0.5 (0.56 at s = 0.4), and thresholds under :data:`MIN_THRESHOLD`
are refused because the bands would miss most pairs there.

Normalization before shingling (:func:`normalize`): Unicode NFKC (full-width
letters, digits and punctuation become their half-width forms), traditional
characters to simplified (zhconv-rs, MediaWiki's conversion tables), lower
case, and only letters and digits kept: punctuation and spacing differ
between portals and say nothing about the story. Shingles are runs of
:data:`SHINGLE` characters (Chinese has no spaces to cut words at), hashed
with CRC-32 before datasketch's permutations (its default SHA-1 per shingle
was half the cost of an article's link).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from functools import lru_cache
from typing import Any

import numpy as np

PERMUTATIONS = 128
"""MinHash permutations: the signature's length (a 4-byte value each)."""
BANDS = 32
ROWS = 4
SHINGLE = 4
"""Characters per shingle. 4 tells sentences apart better than 3 (which
common phrases share) and survives one-character edits better than 5."""
SEED = 1
"""datasketch's permutation seed: fixed, or stored signatures stop comparing."""
SCHEME = "affine32"
"""datasketch's permutation scheme (its default since 2.0), named so that a
later default cannot make new signatures incomparable with stored ones."""
DEFAULT_THRESHOLD = 0.5
MIN_THRESHOLD = 0.3
MIN_CHARS = 40
"""A body with fewer normalized characters is never linked (a caption, a
one-line flash: too little text to tell stories apart)."""


_NOT_WORD = re.compile(r"[\W_]+")
"""What is not a letter or digit of any script (Unicode word characters less ``_``)."""


def normalize(text: str) -> str:
    """The body as compared: NFKC, simplified characters, lower case, letters and digits only.

    >>> normalize("　國際貿易，２０２４年ＧＤＰ增長5%！")
    '国际贸易2024年gdp增长5'
    """
    from zhconv_rs import zhconv

    text = unicodedata.normalize("NFKC", text)
    return _NOT_WORD.sub("", str(zhconv(text, "zh-hans")).lower())


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """The distinct ``k``-character runs of the normalized text, as UTF-8.

    >>> sorted(s.decode() for s in shingles("人民银行，降准", 4))
    ['人民银行', '民银行降', '银行降准']
    """
    norm = normalize(text)
    if len(norm) <= k:
        return {norm.encode()} if norm else set()
    return {norm[i : i + k].encode() for i in range(len(norm) - k + 1)}


@lru_cache(maxsize=1)
def _permutations() -> Any:
    """datasketch's permutations for :data:`SEED`, made once (a MinHash makes
    them anew for each signature unless given: a third of its cost)."""
    from datasketch import MinHash

    return MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME).permutations


def _shingle_hash(data: bytes) -> int:
    # CRC-32 in C, ~40 times faster than datasketch's default SHA-1 per shingle;
    # the MinHash's random affine permutations do the mixing.
    return zlib.crc32(data)


def signature(text: str) -> np.ndarray[Any, np.dtype[np.uint32]] | None:
    """The MinHash signature of ``text`` (:data:`PERMUTATIONS` 32-bit values),
    or None when the body is too short to link (:data:`MIN_CHARS`)."""
    grams = shingles(text)
    if len(grams) + SHINGLE - 1 < MIN_CHARS:
        return None
    from datasketch import MinHash

    m = MinHash(
        num_perm=PERMUTATIONS,
        seed=SEED,
        hashfunc=_shingle_hash,
        permutations=_permutations(),
        scheme=SCHEME,
    )
    m.update_batch(list(grams))
    # datasketch keeps the values below 2**32 in uint64: 4 bytes each suffice.
    return np.asarray(m.hashvalues, dtype=np.uint32)


def to_bytes(sig: np.ndarray[Any, np.dtype[np.uint32]]) -> bytes:
    """A signature as stored (little-endian 32-bit values)."""
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray[Any, np.dtype[np.uint32]]:
    """A stored signature read back."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def similarity(
    a: np.ndarray[Any, np.dtype[np.uint32]], b: np.ndarray[Any, np.dtype[np.uint32]]
) -> float:
    """Estimated Jaccard similarity: the share of equal values (MinHash.jaccard's estimate)."""
    return float(np.count_nonzero(a == b)) / len(a)


def band_keys(sig: np.ndarray[Any, np.dtype[np.uint32]]) -> list[int]:
    """The LSH index keys of a signature: one signed 64-bit integer per band
    (a hash of the band's number and values), as both databases store BIGINT."""
    data = sig.astype("<u4")
    keys = []
    for band in range(BANDS):
        chunk = data[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def candidate_probability(s: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """Probability that two bodies of Jaccard similarity ``s`` share a band.

    >>> round(candidate_probability(0.6), 3)
    0.988
    """
    return float(1 - (1 - s**rows) ** bands)


def story_id_of(key: str) -> str:
    """The story id an article starts (its own, when it is no copy): 16 hex
    digits of the SHA-256 of its identity, so a re-crawl gives the same one.

    >>> story_id_of("https://example.com/a")
    '2dce0a4c50441bfc'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

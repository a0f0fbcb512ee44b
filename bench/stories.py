"""Story linking: how well copies are linked, and what it costs per article.

    .venv/bin/python -m bench.stories                  # quality table + cost at 10k and 1M
    .venv/bin/python -m bench.stories --only quality --stories 300
    .venv/bin/python -m bench.stories --only cost --sizes 10000

Quality: the synthetic set of ``bench/storygen.py`` (``--stories`` stories of
this project's own text with the copies portals make, plus template families
and quote pairs that must stay apart), stored in a real SQLite file through
``Store.upsert`` in a shuffled order (copies often arrive before the
original). Precision and recall are over pairs of articles: a pair is linked
when both got one ``story_id``; it should be when both are copies of one story.
``duplicate_of ok`` is the share of copies whose ``duplicate_of`` (read from
the database at the end) names their story's earliest published article.

Cost: with N articles already stored, the time of ``Store.upsert`` + commit for
1,000 more articles of the synthetic set (the whole store path: row, link query,
signature and band rows), and the database's size per stored article for the
story index. N = 10,000: every stored article is a real one, stored the same
way. N = 1,000,000: the stored articles are minimal rows (no text) with random
signatures and band keys written straight into the index tables (a full run
would take hours); random band keys share no band with the new articles, so
the figure is the cost of the index lookups at that size, not of confirming
many candidates.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.storygen import Doc, story_set
from newscrawl import stories
from newscrawl.items import Article
from newscrawl.storage import Store, open_store
from newscrawl.urls import article_key


def as_article(doc: Doc, i: int) -> Article:
    """The doc as a stored article: its own address, published ``doc.published`` minutes after 08:00."""
    h, m = divmod(doc.published, 60)
    return Article(
        url=f"https://portal{i % 13}.example/story/{i}.html",
        site="generic",
        title=doc.title,
        published_at=f"2024-03-01T{8 + h:02d}:{m:02d}:00+08:00",
        body_text=doc.body,
        fetched_at="2024-03-01T20:00:00Z",
        fingerprint=f"fp{i}",
        language="zh",
    )


def store_docs(store: Store, docs: list[Doc], start: int = 0, commit_every: int = 50) -> None:
    for n, doc in enumerate(docs):
        store.upsert(as_article(doc, start + n))
        if n % commit_every == commit_every - 1:
            store.commit()
    store.commit()


def pair_scores(docs: list[Doc], story_ids: list[str]) -> tuple[float, float, int, int, int]:
    """(precision, recall, true, false, missed links) over all pairs."""
    tp = fp = fn = 0
    for (a, sa), (b, sb) in itertools.combinations(zip(docs, story_ids, strict=True), 2):
        same, linked = a.story == b.story, sa == sb
        tp += same and linked
        fp += linked and not same
        fn += same and not linked
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def quality(n_stories: int, threshold: float, seed: int = 14) -> dict[str, Any]:
    """Store the set once in a fresh SQLite file; the scores, overall and by kind."""
    docs = story_set(n_stories, seed)
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/q.sqlite3", threshold)
        try:
            for i in order:
                store.upsert(as_article(docs[i], i))
            store.commit()
            rows = {
                str(r[0]): (str(r[1]), r[2])
                for r in store.execute("SELECT id, story_id, duplicate_of FROM articles")
            }
        finally:
            store.close()
    keys = [article_key(as_article(d, i).url) for i, d in enumerate(docs)]
    sids = [rows[k][0] for k in keys]
    out: dict[str, Any] = {"docs": len(docs), "all": pair_scores(docs, sids)}
    for kind in ("random", "template", "quote"):
        pick = [i for i, d in enumerate(docs) if d.kind == kind]
        out[kind] = pair_scores([docs[i] for i in pick], [sids[i] for i in pick])
    earliest: dict[int, str] = {}
    for i, d in sorted(enumerate(docs), key=lambda x: (x[1].published, x[0])):
        earliest.setdefault(d.story, keys[i])
    right = total = 0
    for i, d in enumerate(docs):
        if keys[i] != earliest[d.story]:
            total += 1
            right += rows[keys[i]][1] == earliest[d.story]
    out["duplicate_of"] = right / total if total else 1.0
    return out


def print_quality(n_stories: int, thresholds: list[float]) -> None:
    print(f"\nstory links, {n_stories} stories (bench/storygen.py), SQLite, shuffled order")
    print("threshold | docs | precision | recall | linked right/wrong/missed pairs | "
          "random P/R | template P/R | quote P/R | duplicate_of ok")  # fmt: skip
    for t in thresholds:
        q = quality(n_stories, t)
        p, r, tp, fp, fn = q["all"]
        by = " | ".join(f"{q[k][0]:.3f}/{q[k][1]:.3f}" for k in ("random", "template", "quote"))
        print(f"{t:9.2f} | {q['docs']} | {p:.4f} | {r:.4f} | {tp}/{fp}/{fn} | {by} | "
              f"{q['duplicate_of']:.3f}")  # fmt: skip


def _fill_synthetic(store: Store, n: int) -> None:
    """``n`` minimal articles with random signatures and band keys, straight into the
    tables; the band rows in key order (as a B-tree is best filled), all at the end."""
    import numpy as np

    conn = store.conn  # type: ignore[attr-defined]
    rng = np.random.default_rng(7)
    chunk = 100_000
    conn.execute("PRAGMA synchronous=OFF")
    for start in range(0, n, chunk):
        ids = range(start, min(n, start + chunk))
        sigs = rng.integers(0, 2**32, size=(len(ids), stories.PERMUTATIONS), dtype=np.uint32)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO articles (id, url, story_id, first_seen, last_seen, changed_at) "
            "VALUES (?, ?, ?, '', '', '')",
            (
                (f"https://filler.example/{i}", f"https://filler.example/{i}", f"{i:016x}")
                for i in ids
            ),
        )
        conn.executemany(
            "INSERT INTO story_signatures (sig_id, article_id, story_id, published_utc, signature)"
            " VALUES (?, ?, ?, '2024-01-01T00:00:00Z', ?)",
            ((i + 1, f"https://filler.example/{i}", f"{i:016x}", stories.to_bytes(sigs[i - start]))
             for i in ids),
        )  # fmt: skip
        conn.execute("COMMIT")
    bands = rng.integers(-(2**63), 2**63 - 1, size=n * stories.BANDS, dtype=np.int64)
    owners = np.repeat(np.arange(1, n + 1, dtype=np.int64), stories.BANDS)
    order = np.argsort(bands, kind="stable")
    bands, owners = bands[order], owners[order]
    for start in range(0, len(bands), 1_000_000):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO story_bands (band, sig_id) VALUES (?, ?)",
            zip(
                bands[start : start + 1_000_000].tolist(),
                owners[start : start + 1_000_000].tolist(),
                strict=True,
            ),
        )
        conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous=NORMAL")


def cost(n: int, probe: int = 1000) -> tuple[float, float, float]:
    """(ms per article for ``probe`` more, bytes per stored article, of which the index)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.sqlite3"
        store = open_store(f"sqlite:///{path}")
        try:
            if n <= 100_000:
                docs = story_set(n // 3 + 200, seed=99)[:n]
                store_docs(store, docs)
                real = True
            else:
                _fill_synthetic(store, n)
                real = False
            store.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            store.commit()
            size = path.stat().st_size
            index_pages = _index_bytes(store)
            new = story_set(probe // 3 + 50, seed=123)[:probe]
            t0 = time.perf_counter()
            for doc in new:
                stories.signature(doc.body)
            signing = time.perf_counter() - t0
            t0 = time.perf_counter()
            store_docs(store, new, start=10_000_000)
            elapsed = time.perf_counter() - t0
            # The same articles under other addresses, the link step left out: what linking adds.
            import newscrawl.storage as storage

            linking = storage.link_new
            storage.link_new = lambda _s, key, _b, _p: (stories.story_id_of(key), None)
            try:
                t0 = time.perf_counter()
                store_docs(store, new, start=20_000_000)
                unlinked = time.perf_counter() - t0
            finally:
                storage.link_new = linking
            t0 = time.perf_counter()
            for j, doc in enumerate(new):
                store.upsert(as_article(doc, 10_000_000 + j))  # stored: only the row is read
            store.commit()
            seen = time.perf_counter() - t0
        finally:
            store.close()
    kind = "real articles" if real else "synthetic index rows"
    print(f"  {n:>9,} stored ({kind}): {elapsed / probe * 1000:.2f} ms per new article "
          f"(upsert + link + commit every 50; of which the signature {signing / probe * 1000:.2f} ms; "
          f"without the link step: {unlinked / probe * 1000:.2f} ms; "
          f"the same article stored again: {seen / probe * 1000:.2f} ms), "
          f"database {size / n:,.0f} bytes per article, of which story index {index_pages / n:,.0f}")  # fmt: skip
    return elapsed / probe * 1000, size / n, index_pages / n


def _index_bytes(store: Store) -> int:
    """Bytes of the story tables and their indexes (SQLite's dbstat when compiled in,
    else estimated from the row counts)."""
    try:
        row = store.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN ('story_signatures', 'story_bands', "
            "'story_signatures_story', 'sqlite_autoindex_story_signatures_1', "
            "'articles_story_id')"
        ).fetchone()
        return int(row[0] or 0)
    except Exception:
        store.rollback()
        bands = store.count("articles") * (stories.BANDS * 24 + stories.PERMUTATIONS * 4 + 120)
        return bands


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", choices=["quality", "cost"])
    ap.add_argument("--stories", type=int, default=300)
    ap.add_argument("--thresholds", default="0.4,0.5,0.6,0.7")
    ap.add_argument("--sizes", default="10000,1000000")
    args = ap.parse_args()
    if args.only != "cost":
        print_quality(args.stories, [float(t) for t in args.thresholds.split(",")])
    if args.only != "quality":
        print(f"\ncost per article (SQLite, {os.cpu_count()} cores)")
        for n in (int(s) for s in args.sizes.split(",")):
            cost(n)


if __name__ == "__main__":
    main()

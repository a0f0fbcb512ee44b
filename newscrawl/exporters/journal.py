"""The batch a file output is about to receive, kept until the output has it.

A file output writes a batch only after the database committed it
(``articles_committed``), so a kill can land in between: the rows are
committed, the records not (or not all) written, and a re-run finds those
articles already stored with this text and would not write them again. To
close that gap the output writes the batch's records to a journal *before*
the commit (``articles_committing``), with the file's size at that moment,
and removes it once the batch is written. A run that finds a journal left by
a killed run cuts the file back to that size, writes again the journal's
records the database did commit, and drops the others: the file ends up
holding each committed record once, and nothing uncommitted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from newscrawl.items import Article, article_record
from newscrawl.storage import open_store
from newscrawl.urls import article_key

logger = logging.getLogger(__name__)


def journal_path(output: Path) -> Path:
    """Where the pending batch of ``output`` (a file or a folder) is kept."""
    return output.parent / f".{output.name}.uncommitted.json"


def write_journal(path: Path, articles: list[Article], offset: int) -> None:
    """Keep ``articles`` (about to be committed) and the output's size, whole
    or not at all (a temp file renamed over it)."""
    data = {"offset": offset, "records": [article_record(a) for a in articles]}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    os.replace(tmp, path)


def clear_journal(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def read_journal(path: Path) -> tuple[int, list[Article]] | None:
    """(offset, articles) of a journal left by a killed run; None when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="surrogatepass"))
        return int(data["offset"]), [Article(**r) for r in data["records"]]
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        # Torn while being written: the batch was not committed yet.
        logger.warning("%s is unreadable (%s): its batch was never committed", path, exc)
        return 0, []


def committed(database: str, articles: list[Article]) -> list[Article]:
    """Those of ``articles`` whose text the database holds (current or kept
    as a version): the ones the killed run's commit went through for."""
    if not articles:
        return []
    store = open_store(database)
    try:
        p = store.p
        out = []
        for a in articles:
            params = {"id": article_key(a.url, a.canonical_url), "fp": a.fingerprint}
            row = store.execute(
                f"SELECT 1 FROM articles WHERE id = {p('id')} AND fingerprint = {p('fp')} "
                f"UNION ALL SELECT 1 FROM article_versions WHERE article_id = {p('id')} "
                f"AND fingerprint = {p('fp')}",
                params,
            ).fetchone()
            if row is not None:
                out.append(a)
        store.commit()
        return out
    finally:
        store.close()


def recover(path: Path, database: str) -> tuple[int, list[Article]] | None:
    """The journal at ``path`` resolved: (offset to cut the output back to,
    committed articles to write again); None when there is no journal. The
    caller removes the journal once it has written them (a kill before that
    only means doing it again)."""
    found = read_journal(path)
    if found is None:
        return None
    offset, articles = found
    again = committed(database, articles)
    logger.warning(
        "%s: a killed run left a batch of %d records; %d were committed and are written "
        "again, %d were not (the next fetch stores them)",
        path,
        len(articles),
        len(again),
        len(articles) - len(again),
    )
    return offset, again


def cut_back(output: Path, offset: int) -> int:
    """Truncate ``output`` to ``offset`` bytes (what a killed run wrote of its
    batch goes: it is written again whole); the number of bytes cut."""
    try:
        size = output.stat().st_size
    except FileNotFoundError:
        return 0
    if size <= offset:
        return 0
    with output.open("r+b") as f:
        f.truncate(offset)
    return size - offset

"""Two different jobs on one SQLite file run side by side, as the README
says: two replays of different folders at the same time, the same
``NEWSCRAWL_DATABASE``, both exit 0 and every article of both is stored.
Before write transactions took the lock at BEGIN (and an up-to-date schema
was only read), one of them failed with ``database is locked`` in 2 of 4 tries."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ROOT, crawl_command, read_jsonl
from pagegen import write_page

from newscrawl.storage import open_store
from newscrawl.urls import article_key

PAGES = 80  # per job


def _job(pages: Path, db: str, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        crawl_command(
            "replay",
            "-a",
            f"path={pages}",
            NEWSCRAWL_JSONL=out,
            NEWSCRAWL_DATABASE=db,
            NEWSCRAWL_COMMIT_ITEMS=10,  # many small transactions: many chances to collide
            # The health report too: its runs table is one more connection on the file.
            NEWSCRAWL_REPORT=out.with_suffix(".report.json"),
        ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_jobs_on_one_sqlite_file_both_finish(tmp_path: Path) -> None:
    urls: dict[str, list[str]] = {"a": [], "b": []}
    for n, job in enumerate(urls):
        for i in range(PAGES):
            k = n * 10_000 + i
            write_page(tmp_path / job, k)
            urls[job].append(f"https://gazette.example/news/2024/{k % 12 + 1:02d}/story-{k}")
    for attempt in range(3):
        # A new file each time: the two also race to create the schema.
        db = f"sqlite:///{tmp_path / f'db-{attempt}.sqlite3'}"
        procs = {job: _job(tmp_path / job, db, tmp_path / f"{job}-{attempt}.jsonl") for job in urls}
        for job, proc in procs.items():
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"attempt {attempt}, job {job}: {err[-3000:]}"
            assert "database is locked" not in err
        store = open_store(db)
        try:
            keys = {r[0] for r in store.execute("SELECT id FROM articles").fetchall()}
        finally:
            store.close()
        assert keys == {article_key(u) for u in urls["a"] + urls["b"]}
        for job in urls:
            records = read_jsonl(tmp_path / f"{job}-{attempt}.jsonl")
            assert sorted(r["url"] for r in records) == sorted(urls[job])

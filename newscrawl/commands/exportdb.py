"""``scrapy exportdb FILE [--force]``: copy the database (``NEWSCRAWL_DATABASE``,
PostgreSQL or SQLite) into a new SQLite file of the same schema, full-text
index included (:mod:`newscrawl.storage.export`), for ``scrapy browse FILE``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.storage import StorageError, mask_password
from newscrawl.storage.export import ExportError, export_sqlite


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "FILE [--force]"

    def short_desc(self) -> str:
        return "Copy the database (e.g. PostgreSQL) into a SQLite file for scrapy browse"

    def long_desc(self) -> str:
        return (
            "Copy every article, earlier version and run of NEWSCRAWL_DATABASE into the new "
            "SQLite file FILE, with the same schema and full-text index, so that "
            "`scrapy browse FILE` (Datasette) can open it. An existing FILE is replaced "
            "only with --force, once the copy is complete."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give the SQLite file to write")
        assert self.settings is not None
        source = str(self.settings.get("NEWSCRAWL_DATABASE") or "")
        if not source:
            raise UsageError("NEWSCRAWL_DATABASE is empty: nothing to copy")
        out = Path(args[0])
        started = time.monotonic()
        try:
            counts = export_sqlite(source, out, force=opts.force)
        except (ExportError, StorageError) as exc:
            print(f"scrapy exportdb: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        rows = ", ".join(f"{n} {table}" for table, n in counts.items())
        print(
            f"copied {mask_password(source)} into {out}: {rows} "
            f"({time.monotonic() - started:.1f} s); browse it: scrapy browse {out}"
        )

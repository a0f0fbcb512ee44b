"""``scrapy browse [FILE] [--host 127.0.0.1] [--port 8001]``: look at the archive
in a web browser. Runs Datasette over the SQLite file (``FILE``, else
``NEWSCRAWL_DATABASE``: ``data/newscrawl.sqlite3`` by default) with the
project's metadata (:mod:`newscrawl.browse`) until Ctrl-C.

A PostgreSQL database is browsed through a SQLite copy: ``scrapy exportdb``.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.browse import (
    INSTALL,
    BrowseError,
    datasette_command,
    have_datasette,
    sqlite_file,
    write_metadata,
)
from newscrawl.storage import StorageError, open_store


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[FILE] [--host HOST] [--port PORT]"

    def short_desc(self) -> str:
        return "Browse the stored articles with Datasette (facets, full-text search)"

    def long_desc(self) -> str:
        return (
            "Serve the SQLite database (FILE, else NEWSCRAWL_DATABASE) with Datasette and "
            "newscrawl's metadata: the articles with facets by site, source, category and "
            "day, and a search over titles and bodies. Open the URL it prints. "
            "A PostgreSQL database is browsed through a copy: scrapy exportdb FILE."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8001, help="port to listen on")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("give at most one database file")
        assert self.settings is not None
        target = args[0] if args else str(self.settings.get("NEWSCRAWL_DATABASE") or "")
        try:
            path = sqlite_file(target)
            if not have_datasette():
                raise BrowseError(f"Datasette is not installed: {INSTALL}")
            # Brings an older file to the current schema (its full-text index
            # came with schema 5), as a crawl would; refuses a newer one.
            open_store(f"sqlite:///{path}").close()
        except (BrowseError, StorageError) as exc:
            print(f"scrapy browse: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        with tempfile.TemporaryDirectory(prefix="newscrawl-browse-") as tmp:
            metadata = write_metadata(path, Path(tmp) / "metadata.json")
            cmd = datasette_command(path, metadata, opts.host, opts.port)
            print(f"Datasette over {path} on http://{opts.host}:{opts.port}/ (Ctrl-C stops it)")
            server = subprocess.Popen(cmd)
            # Ctrl-C reaches Datasette too (same process group); a SIGTERM sent
            # to this process alone (a service manager, a test) is passed on.
            signal.signal(signal.SIGTERM, lambda *_: server.terminate())
            try:
                self.exitcode = server.wait()
            except KeyboardInterrupt:
                self.exitcode = server.wait()

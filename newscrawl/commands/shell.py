"""``scrapy shell``, for newscrawl's saved pages: a path to a file that
exists (``scrapy shell fixtures/sina/doc_2024_article.html``) is opened as
that file, where Scrapy's own shell would take ``fixtures`` for a host name
unless the path starts with ``./``.

A shell session is no crawl run: it takes no run lock, writes no health
report, stores nothing and skips nothing as already stored (a value given
with ``-s`` still wins), so exploring a page never touches ``data/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scrapy.commands.shell import Command as ScrapyShell
from scrapy.settings import SETTINGS_PRIORITIES

SHELL_SETTINGS: dict[str, Any] = {
    "NEWSCRAWL_LOCK": False,
    "NEWSCRAWL_REPORT": "",
    "NEWSCRAWL_MONITORING": "off",
    "NEWSCRAWL_INCREMENTAL": False,
    "NEWSCRAWL_JSONL": "",
    "NEWSCRAWL_CSV": "",
    "NEWSCRAWL_MARKDOWN": "",
    "NEWSCRAWL_WARC": "",
    # No database either: opening one migrates an older schema, a write.
    "NEWSCRAWL_DATABASE": "",
    "ITEM_PIPELINES": {},
}


class Command(ScrapyShell):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name, value in SHELL_SETTINGS.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and "://" not in args[0] and Path(args[0]).is_file():
            args = [Path(args[0]).resolve().as_uri(), *args[1:]]
        super().run(args, opts)

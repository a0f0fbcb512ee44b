"""Look at the archive in a web browser: Datasette over a newscrawl SQLite file,
with the metadata the project ships (``newscrawl/datasette/metadata.yml``:
titles, column descriptions, facets by site, source, category and day, search
over title and body through the FTS5 index ``articles_fts``).

Datasette reads SQLite only: a PostgreSQL database is browsed through a copy
(``scrapy exportdb``, :mod:`newscrawl.storage.export`). Datasette is optional
(``pip install -e '.[browse]'``) and imported only by the process it runs in.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import yaml

PLUGINS = Path(__file__).parent / "datasette"
"""The shipped metadata and the Datasette plugin (the day facet) it uses."""
METADATA = PLUGINS / "metadata.yml"
"""The shipped metadata; its database is named ``newscrawl``."""

SHIPPED_NAME = "newscrawl"
INSTALL = "pip install -e '.[browse]' (Datasette)"

SETTINGS: dict[str, str] = {
    # A body is thousands of characters: the table page shows its start, the
    # row page (one click on the id) the whole article.
    "truncate_cells_html": "300",
    # Facets over a large archive take longer than Datasette's 200 ms default.
    "facet_time_limit_ms": "2000",
    # Suggesting facets tries every column on every page: 3 of the 4 s the
    # articles page took over 100,000 articles. A column's menu still facets by it.
    "suggest_facets": "off",
    "sql_time_limit_ms": "5000",
}
"""Datasette settings ``scrapy browse`` starts it with (``--setting NAME VALUE``)."""


class BrowseError(RuntimeError):
    """Datasette cannot be started; the message says what to do."""


def database_name(path: Path) -> str:
    """The name Datasette gives a database file: its name without the suffix.

    >>> database_name(Path("data/newscrawl.sqlite3")), database_name(Path("/tmp/news.db"))
    ('newscrawl', 'news')
    """
    return path.stem


def metadata_for(path: Path) -> dict[str, Any]:
    """The shipped metadata with its database named as Datasette names ``path``."""
    meta: dict[str, Any] = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    databases = meta.get("databases", {})
    databases[database_name(path)] = databases.pop(SHIPPED_NAME)
    return meta


def have_datasette() -> bool:
    return importlib.util.find_spec("datasette") is not None


def write_metadata(path: Path, out: Path) -> Path:
    """Write ``metadata_for(path)`` as JSON (Datasette reads JSON or YAML) to ``out``."""
    out.write_text(json.dumps(metadata_for(path), ensure_ascii=False, indent=1), "utf-8")
    return out


def datasette_command(
    path: Path, metadata: Path, host: str = "127.0.0.1", port: int = 8001
) -> list[str]:
    """``datasette serve`` over ``path`` with ``metadata``, the day facet and :data:`SETTINGS`,
    in this Python (the one newscrawl is installed in)."""
    cmd = [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(metadata)]
    cmd += ["--plugins-dir", str(PLUGINS)]
    cmd += ["--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        cmd += ["--setting", name, value]
    return cmd


def sqlite_file(database: str) -> Path:
    """The SQLite file of a ``NEWSCRAWL_DATABASE`` value (or a path) to browse.

    Raises BrowseError for a PostgreSQL URL (with the export command to run
    first) and for a file that does not exist.
    """
    if database.startswith(("postgresql://", "postgres://")):
        raise BrowseError(
            "NEWSCRAWL_DATABASE is a PostgreSQL database and Datasette reads SQLite: "
            "copy it first with `scrapy exportdb data/export.sqlite3`, "
            "then `scrapy browse data/export.sqlite3`"
        )
    if not database:
        raise BrowseError("no database to browse: NEWSCRAWL_DATABASE is empty; give a file")
    from newscrawl.storage.sqlite import database_path

    path = database_path(database)
    if not path.is_file():
        raise BrowseError(
            f"no database at {path}: run a crawl first (bash scripts/run.sh) or give a file"
        )
    return path

#!/usr/bin/env bash
# Look at the archive in a web browser: Datasette over the crawl's SQLite file
# (NEWSCRAWL_DATABASE, by default data/newscrawl.sqlite3) with newscrawl's
# metadata, on http://127.0.0.1:8001/ until Ctrl-C. Sets up .venv with
# newscrawl[browse] (Datasette) on first use. Arguments go to `scrapy browse`,
# e.g. `bash scripts/browse.sh data/export.sqlite3 --port 8080` (paths relative
# to this project's folder).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
if [ ! -x .venv/bin/scrapy ] || ! .venv/bin/python -c 'import datasette' 2>/dev/null; then
  .venv/bin/python -m pip install --quiet -e '.[browse]'
fi
exec .venv/bin/scrapy browse "$@"

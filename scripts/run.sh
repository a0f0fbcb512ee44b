#!/usr/bin/env bash
# Set up newscrawl in .venv (first run, and after pyproject.toml changes) and run the main job: a replay
# crawl of the bundled fixtures/ into data/articles.jsonl and
# data/newscrawl.sqlite3. Extra arguments go to `scrapy crawl replay`,
# e.g. `bash scripts/run.sh -a path=~/saved-pages`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
# Installed again when pyproject.toml changed since (a pull that adds a dependency).
if [ ! -x .venv/bin/scrapy ] || [ pyproject.toml -nt .venv/.newscrawl-installed ]; then
  .venv/bin/python -m pip install --quiet -e .
  touch .venv/.newscrawl-installed
fi
exec .venv/bin/scrapy crawl replay "$@"

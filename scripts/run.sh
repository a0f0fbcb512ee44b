#!/usr/bin/env bash
# Set up newscrawl in .venv (first run only) and run the main job: a replay
# crawl of the bundled fixtures/ into data/articles.jsonl and
# data/newscrawl.sqlite3. Extra arguments go to `scrapy crawl replay`,
# e.g. `bash scripts/run.sh -a path=~/saved-pages`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/scrapy ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
fi
exec .venv/bin/scrapy crawl replay "$@"

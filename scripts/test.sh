#!/usr/bin/env bash
# Set up newscrawl with its test dependencies in .venv and run the test suite.
# The database and distributed tests use real PostgreSQL and Redis servers
# from Debian's packages; they are installed here when missing (as root), and
# the tests start them on 127.0.0.1 in temporary folders. Extra arguments go
# to pytest, e.g. `bash scripts/test.sh -k golden` (`-n 0` for one process).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -e '.[dev]'

have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1; }
if ! have_pg || ! have_redis; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing PostgreSQL and Redis from Debian's packages for the database tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
  else
    echo "note: PostgreSQL or Redis is missing and this user cannot install them;" \
      "their tests will skip (and fail under CI=true)" >&2
  fi
fi

# The browser test (tests/test_browse.py) loads Datasette's pages in Debian's headless
# Chromium; a CJK font makes the Chinese in its screenshot readable.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Chromium from Debian's packages for the browser test"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
  else
    echo "note: Chromium is missing and this user cannot install it;" \
      "the browser test will skip (and fail under CI=true)" >&2
  fi
fi

# Scrapyd runs in an environment of its own, as on a deploy server: the deploy
# test builds an egg of newscrawl with scrapyd-deploy and schedules a job
# through Scrapyd's API (setuptools < 81 still has the pkg_resources it needs).
if [ -z "${NEWSCRAWL_SCRAPYD_VENV:-}" ]; then
  # Installed again when pyproject.toml changed since (a new dependency of newscrawl
  # must reach the egg's environment too).
  if [ ! -x .venv-scrapyd/bin/scrapyd-deploy ] || [ pyproject.toml -nt .venv-scrapyd/.newscrawl-installed ]; then
    [ -x .venv-scrapyd/bin/python ] || python3 -m venv .venv-scrapyd
    .venv-scrapyd/bin/python -m pip install --quiet scrapyd scrapyd-client 'setuptools>=77,<81' -e .
    touch .venv-scrapyd/.newscrawl-installed
  fi
  export NEWSCRAWL_SCRAPYD_VENV="$PWD/.venv-scrapyd"
fi

# Three worker processes, each taking whole files (a file's module fixtures, such as a
# corpus replay, are then built once): most tests wait on crawl subprocesses and
# servers, not on the CPU, so three beat two on a 2-core machine. `-n 0` runs serially.
exec .venv/bin/python -m pytest -n 3 --dist loadfile "$@"

"""Golden files are the spec: fixtures/<site>/<case>.json is the exact Article
after all pipelines (fetched_at excepted), produced by a real replay crawl of
fixtures/. Refresh with ``pytest --update-golden`` and read the diff by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, replay

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.sites import SITES

CASES = sorted(FIXTURES.glob("*/*.html"))


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    records, _ = replay(FIXTURES, tmp_path_factory.mktemp("golden"))
    by_url = {r["url"]: r for r in records}
    assert len(by_url) == len(records), "two fixtures share a URL"
    return by_url


def test_every_site_has_a_fixture() -> None:
    missing = [name for name in SITES if not list((FIXTURES / name).glob("*.html"))]
    assert not missing, f"sites without fixtures/<site>/<case>.html: {missing}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_golden(
    case: Path, replayed: dict[str, dict[str, Any]], request: pytest.FixtureRequest
) -> None:
    golden_path = case.with_suffix(".json")
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    got = replayed.get(golden["url"])
    assert got is not None, f"{case}: the replay wrote no article for {golden['url']}"
    assert got["site"] == case.parent.name, f"{case} was extracted by site {got['site']!r}"
    if request.config.getoption("--update-golden"):
        record = {k: got[k] for k in ARTICLE_FIELDS}
        record["fetched_at"] = golden.get("fetched_at", got["fetched_at"])
        golden_path.write_text(
            json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        return
    missing = [k for k in ARTICLE_FIELDS if k not in golden]
    assert not missing, f"{golden_path} lacks {missing}: run pytest --update-golden and review"
    for field in ARTICLE_FIELDS:
        if field != "fetched_at":
            assert got[field] == golden[field], f"{case.parent.name}/{case.stem}: {field}"

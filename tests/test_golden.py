"""Golden files are the spec: fixtures/<site>/<case>.json is the exact Article
after all pipelines (fetched_at excepted), produced by a real replay crawl of
fixtures/. Record a new one with ``scrapy savefixture``; refresh them all with
``pytest --update-golden`` and read the diff by hand. Both build, write and
check the files through ``newscrawl.golden``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from newscrawl import golden
from newscrawl.sites import SITES

CASES = golden.cases(FIXTURES)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    run = golden.replay(FIXTURES, tmp_path_factory.mktemp("golden"))
    assert run.process.returncode == 0, run.process.stderr[-4000:]
    return run.by_url()


def test_every_site_has_a_fixture() -> None:
    missing = [name for name in SITES if not list((FIXTURES / name).glob("*.html"))]
    assert not missing, f"sites without fixtures/<site>/<case>.html: {missing}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_golden(
    case: Path, replayed: dict[str, dict[str, Any]], request: pytest.FixtureRequest
) -> None:
    golden_path = case.with_suffix(".json")
    expected = golden.read(golden_path)
    if request.config.getoption("--update-golden"):
        got = replayed.get(expected["url"])
        assert got is not None, f"{case}: the replay wrote no article for {expected['url']}"
        assert got["site"] == case.parent.name, f"{case} was extracted by site {got['site']!r}"
        golden_path.write_text(golden.dumps(golden.golden_record(got, expected)), encoding="utf-8")
        return
    wrong = golden.problems(case, expected, replayed)
    assert not wrong, "\n".join(wrong)

"""``scrapy crawl SPIDER -h`` lists the spider's ``-a`` arguments with their
meaning, for every spider of the project, through the real command."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from conftest import ROOT
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader

# The project's settings module read directly: get_project_settings() would set
# SCRAPY_SETTINGS_MODULE in this process's environment, and every crawl a later test
# starts in the same worker would then ignore its own scrapy.cfg.
LOADER = get_spider_loader(Settings({"SPIDER_MODULES": ["newscrawl.spiders"]}))
SPIDERS = sorted(LOADER.list())
FROM_SETTINGS = {"feeds"}
"""``__init__`` parameters that ``from_crawler`` fills from a setting
(FeedsSpider's ``feeds``: NEWSCRAWL_FEEDS), not command-line arguments."""


def help_of(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_has_its_spiders() -> None:
    assert {"feeds", "replay", "sina", "site"} <= set(SPIDERS)


@pytest.mark.parametrize("name", SPIDERS)
def test_help_lists_every_argument_with_its_meaning(name: str) -> None:
    proc = help_of(name, "-h")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = " ".join(proc.stdout.split())  # wrapped lines joined
    assert "-a NAME=VALUE" in out and "-s NAME=VALUE" in out  # Scrapy's own help stays
    assert f"Spider arguments of {name} (-a NAME=VALUE):" in out
    arguments = LOADER.load(name).argument_help()
    assert arguments, name
    for argument, meaning in arguments.items():
        assert f" {argument} {' '.join(meaning.split())}" in out, argument


@pytest.mark.parametrize("name", SPIDERS)
def test_every_parameter_of_a_spider_is_declared(name: str) -> None:
    spidercls = LOADER.load(name)
    params = {
        p.name
        for p in inspect.signature(spidercls.__init__).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
    }
    if getattr(spidercls, "site_name", None):
        params.discard("name")  # a spider of one site takes no -a name=
    assert params - FROM_SETTINGS <= set(spidercls.argument_help()), name


def test_help_of_the_site_spider_lists_each_sites_own_arguments() -> None:
    out = " ".join(help_of("site", "-h").stdout.split())
    assert "channel (name=sina) roll channel" in out


def test_help_without_a_spider_names_the_spiders() -> None:
    proc = help_of("-h")
    assert proc.returncode == 0
    assert f"Spiders: {', '.join(SPIDERS)}" in proc.stdout


def test_help_of_an_unknown_spider_is_a_usage_error() -> None:
    proc = help_of("nope", "-h")
    assert proc.returncode == 2
    assert "no spider 'nope'; known: feeds" in proc.stderr

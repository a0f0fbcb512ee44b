"""The add-on's check of every NEWSCRAWL_* setting (newscrawl.settings_check):
each bad value is one problem naming the setting; the project's own settings
pass; and the User-Agent is built from NEWSCRAWL_CONTACT at start, so
``-s NEWSCRAWL_CONTACT=`` counts (a real crawl against 127.0.0.1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, crawl, feeds_settings
from httpserver import LocalServer, Reply
from scrapy.settings import Settings

from newscrawl.addon import Outputs, SettingsError
from newscrawl.settings_check import check_settings, checked_settings, database_problem


def project(**values: object) -> Settings:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    return settings


def test_project_settings_pass() -> None:
    assert check_settings(project()) == []


def test_every_setting_the_code_reads_is_checked() -> None:
    """A new NEWSCRAWL_* setting gets its line in newscrawl/settings_check.py."""
    read = set()
    for path in (ROOT / "newscrawl").rglob("*.py"):
        read |= set(
            re.findall(r"""\.get\w*\(\s*["'](NEWSCRAWL_[A-Z_]+)["']""", path.read_text("utf-8"))
        )
    assert read and read <= checked_settings(), sorted(read - checked_settings())


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("NEWSCRAWL_COMMIT_ITEMS", "x", "is not a whole number"),
        ("NEWSCRAWL_COMMIT_ITEMS", "-1", "must be at least 0"),
        ("NEWSCRAWL_SINA_MAX_PAGES", "0", "must be more than 0"),
        ("NEWSCRAWL_MAX_LIST_PAGES", "0", "must be more than 0"),
        ("NEWSCRAWL_SITE_MODULES", "no_such_site_module", "cannot import 'no_such_site_module'"),
        ("NEWSCRAWL_SITE_MODULES", "newscrawl.urls", "defines no site"),
        ("NEWSCRAWL_DATABASE_RETRIES", "1.5", "is not a whole number"),
        ("NEWSCRAWL_RECHECK_DAYS", "two", "is not a number"),
        ("NEWSCRAWL_RECHECK_HOURS", "-3", "must be at least 0"),
        ("NEWSCRAWL_DRIFT_THRESHOLD", "30", "at most 1"),
        ("NEWSCRAWL_DRIFT_THRESHOLD", "0", "must be more than 0"),
        ("NEWSCRAWL_MARKDOWN_TAGS", "sometimes", "is not a boolean"),
        ("NEWSCRAWL_INCREMENTAL", "yes", "is not a boolean"),
        ("NEWSCRAWL_CATEGORY_ALIASES", "notjson", "is not a JSON object"),
        ("NEWSCRAWL_CATEGORY_ALIASES", '{"a": 1}', "every value must be a string"),
        ("NEWSCRAWL_SINA_LIST_PAGES", "[1, 2]", "is not a JSON object"),
        ("NEWSCRAWL_BOILERPLATE_PATTERNS", "(unclosed", "is no regex"),
        ("NEWSCRAWL_FEEDS", "example.com/rss", "is no http(s) URL"),
        ("NEWSCRAWL_SINA_API", "feed.mix.sina.com.cn/api", "is no http(s) URL"),
        ("NEWSCRAWL_REDIS_URL", "localhost:6379", "use redis://"),
        ("NEWSCRAWL_FEED_MODE", "weekly", "use one of append, dated"),
        ("NEWSCRAWL_DEFAULT_TIMEZONE", "Mars/Olympus", "is not an IANA time zone"),
        ("NEWSCRAWL_SINCE", "last tuesday", "is no date"),
        ("NEWSCRAWL_CONTACT", "  ", "NEWSCRAWL_CONTACT is empty"),
        ("NEWSCRAWL_DATABASE", "garbage", "use sqlite:///"),
        ("NEWSCRAWL_DATABASE", "mysql://db/news", "use sqlite:///"),
        ("NEWSCRAWL_DATABASE", "sqlite:///", "use sqlite:///"),
        ("NEWSCRAWL_REPORT", "data/{spider}-{date}.json", "only {spider} and {time}"),
    ],
)
def test_bad_value_is_one_problem_naming_the_setting(name: str, value: str, says: str) -> None:
    problems = check_settings(project(**{name: value}))
    assert len(problems) == 1, problems
    assert name in problems[0] and says in problems[0]


def test_files_whose_folder_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    blocked = tmp_path / "afile" / "sub"
    problems = check_settings(
        project(
            NEWSCRAWL_JSONL=str(blocked / "a.jsonl"),
            NEWSCRAWL_CSV=str(blocked / "a.csv"),
            NEWSCRAWL_REPORT=str(blocked / "{spider}.json"),
            NEWSCRAWL_MARKDOWN=str(blocked),
            NEWSCRAWL_DATABASE=f"sqlite:///{blocked / 'db.sqlite3'}",
        )
    )
    names = [p.split("=", 1)[0] for p in problems]
    assert sorted(names) == sorted(
        [
            "NEWSCRAWL_JSONL",
            "NEWSCRAWL_CSV",
            "NEWSCRAWL_REPORT",
            "NEWSCRAWL_MARKDOWN",
            "NEWSCRAWL_DATABASE",
        ]
    )
    assert all("afile is a file, not a folder" in p for p in problems)
    assert not (tmp_path / "afile" / "sub").exists()  # the check creates nothing


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///data/newscrawl.sqlite3",
        "data/news.db",
        "news.sqlite",
        "postgresql://crawler@db.example:5432/news",
        "postgres://db.example/news",
    ],
)
def test_good_database_values(url: str) -> None:
    assert database_problem(url) is None


def test_problems_stop_the_addon_in_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        Outputs().update_settings(project(NEWSCRAWL_LOCK="maybe", NEWSCRAWL_COMMIT_ITEMS="x"))
    assert "\n" not in str(caught.value)
    assert "NEWSCRAWL_LOCK" in str(caught.value) and "NEWSCRAWL_COMMIT_ITEMS" in str(caught.value)


def test_user_agent_is_built_from_the_contact_at_start(tmp_path: Path) -> None:
    api = "/api/roll/get"
    with LocalServer(routes={api: Reply.json({"result": {"data": []}})}) as server:
        proc = crawl(
            "sina",
            "-a",
            f"api={server.url(api)}",
            "-a",
            "lists=",
            "-s",
            "NEWSCRAWL_CONTACT=mailto:ops@example.test",
            **feeds_settings(tmp_path),
        )
        agents = {r.headers.get("user-agent", "") for r in server.requests}
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert agents == {"newscrawl/0.1 (+mailto:ops@example.test)"}, agents

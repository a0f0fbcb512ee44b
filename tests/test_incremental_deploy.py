"""The README's deployment recipes, run as written: the crontab line and the
systemd service's ExecStart (``flock -n`` + ``scrapy crawl sina``) are taken
from README.md and executed by a shell, only their paths moved into a
temporary folder; Scrapyd gets newscrawl through ``scrapyd-deploy`` and runs
a job scheduled through its API.

``scrapy crawl sina`` fetches through the fixture server (an HTTP proxy on
127.0.0.1): the roll API answers with one Sina article of fixtures/feeds/.
"""

from __future__ import annotations

import configparser
import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from feed_server import FeedServer, feed_server

README = (ROOT / "README.md").read_text("utf-8")
SINA_ARTICLE = "http://finance.sina.com.cn/roll/2024-03-05/doc-inabcdef1234567.shtml"


def blocks(lang: str) -> list[str]:
    """The README's fenced code blocks of one language."""
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def crontab_command(spider_word: str = "scrapy crawl") -> str:
    """The command of the README's crontab line that runs ``scrapy crawl``."""
    for block in blocks("crontab"):
        for line in block.splitlines():
            if spider_word in line and not line.startswith("#"):
                fields = line.split(None, 5)
                assert fields[0] == "*/15" and fields[1:5] == ["*"] * 4, line
                return fields[5]
    raise AssertionError("no crontab line in README.md")


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[FeedServer, Path]]:
    """A "deployment" folder (/srv/newscrawl): scrapy.cfg naming settings that
    point the Sina spider's roll API at the fixture server, and .venv."""
    if shutil.which("flock") is None:
        pytest.skip("flock (util-linux) is not installed")
    with feed_server(tmp_path) as server:
        api = server.root / "feed.mix.sina.com.cn" / "api" / "roll"
        api.mkdir(parents=True)
        item = {"url": SINA_ARTICLE, "title": "港口吞吐量创新高", "ctime": "1709604600"}
        (api / "get").write_text(json.dumps({"result": {"data": [item]}}), "utf-8")
        srv = tmp_path / "srv" / "newscrawl"
        srv.mkdir(parents=True)
        (srv / ".venv").symlink_to(Path(sys.prefix))  # the venv running the tests
        (srv / "scrapy.cfg").write_text("[settings]\ndefault = deploy_settings\n", "utf-8")
        (srv / "deploy_settings.py").write_text(
            "from newscrawl.settings import *  # noqa: F403\n"
            "NEWSCRAWL_SINA_API = 'http://feed.mix.sina.com.cn/api/roll/get'\n"
            "NEWSCRAWL_SINA_MAX_PAGES = 1\n"
            "AUTOTHROTTLE_ENABLED = False\n",
            "utf-8",
        )
        yield server, srv


def localize(command: str, srv: Path, tmp: Path) -> str:
    """The README's paths moved into the test's folder."""
    return (
        command.replace("/srv/newscrawl", str(srv))
        .replace("/var/lock/", f"{tmp}/lock-")
        .replace("/var/log/", f"{tmp}/log-")
    )


def run_shell(command: str, server: FeedServer, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **server.env(), "https_proxy": server.proxy, "HTTPS_PROXY": server.proxy}
    env.pop("NEWSCRAWL_DATABASE", None)
    # cron starts with no SCRAPY_SETTINGS_MODULE: with one, scrapy ignores scrapy.cfg.
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def lock_path(command: str) -> Path:
    words = shlex.split(command.split("&&")[-1])
    return Path(words[words.index("-n") + 1])


def test_crontab_line_runs_sina_every_15_minutes_with_a_lock(
    deployed: tuple[FeedServer, Path], tmp_path: Path
) -> None:
    server, srv = deployed
    command = localize(crontab_command(), srv, tmp_path)
    assert "flock -n" in command and "scrapy crawl sina" in command

    # While the lock is held (a run still going), the next one exits at once.
    lock = lock_path(command)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = run_shell(command, server, tmp_path)
    assert busy.returncode == 1
    assert SINA_ARTICLE[7:] not in " ".join(server.log)

    done = run_shell(command, server, tmp_path)
    assert done.returncode == 0, done.stderr
    log = next(tmp_path.glob("log-*")).read_text("utf-8")
    assert "newscrawl run summary:" in log
    assert "site sina: 1 articles" in log
    assert f"{SINA_ARTICLE[7:].split('?')[0]}" in server.log
    assert (srv / "data" / "newscrawl.sqlite3").exists()


def test_systemd_timer_runs_the_service_every_15_minutes(
    deployed: tuple[FeedServer, Path], tmp_path: Path
) -> None:
    server, srv = deployed
    service_text, timer_text = (b for b in blocks("ini") if "[Unit]" in b)
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read_string(service_text)
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read_string(timer_text)
    assert timer["Timer"]["OnCalendar"] == "*:0/15"
    assert timer["Timer"]["Unit"] == "newscrawl-sina.service"
    assert service["Service"]["Type"] == "oneshot"
    if shutil.which("systemd-analyze"):
        proc = subprocess.run(
            ["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"]],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0 and "*-*-* *:00/15:00" in proc.stdout, proc.stdout
    # ExecStart, run as systemd would (from WorkingDirectory), with the same lock.
    workdir = localize(service["Service"]["WorkingDirectory"], srv, tmp_path)
    exec_start = localize(service["Service"]["ExecStart"], srv, tmp_path)
    assert exec_start.startswith("/usr/bin/flock -n ")
    assert exec_start.endswith("scrapy crawl sina")
    proc = run_shell(exec_start, server, Path(workdir))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "site sina: 1 articles" in proc.stderr


def scrapyd_bin() -> Path:
    """The bin folder holding scrapyd and scrapyd-deploy (``NEWSCRAWL_SCRAPYD_VENV``
    names a throwaway venv: ``python -m venv V && V/bin/pip install scrapyd
    scrapyd-client 'setuptools>=77,<81' -e .``)."""
    venv = os.environ.get("NEWSCRAWL_SCRAPYD_VENV")
    found = Path(venv) / "bin" if venv else None
    if found is None:
        which = shutil.which("scrapyd")
        found = Path(which).parent if which else None
    if found is None or not (found / "scrapyd-deploy").exists():
        pytest.skip("Scrapyd is not installed: set NEWSCRAWL_SCRAPYD_VENV (see scrapyd_bin)")
    return found


def api(url: str, data: dict[str, str] | None = None) -> dict[str, object]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, body, timeout=30) as r:  # 127.0.0.1 only
        return dict(json.loads(r.read()))


def test_scrapyd_deploy_and_scheduled_job(tmp_path: Path) -> None:
    from servers import free_port, wait_port

    bin_dir = scrapyd_bin()
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\n"
        f"logs_dir = {home}/logs\nitems_dir =\ndbs_dir = {home}/dbs\npoll_interval = 0.5\n",
        "utf-8",
    )
    daemon = subprocess.Popen(
        [str(bin_dir / "scrapyd")],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, None)
        # The project as a user has it, with scrapy.cfg's [deploy] url moved to this server.
        project = tmp_path / "project"
        files = subprocess.run(
            ["git", "ls-files", "newscrawl", "pyproject.toml", "README.md", "scrapy.cfg"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for f in files:
            if (ROOT / f).exists():
                (project / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / f, project / f)
        cfg = (project / "scrapy.cfg").read_text("utf-8")
        assert "url = http://localhost:6800/" in cfg
        (project / "scrapy.cfg").write_text(
            cfg.replace("localhost:6800", f"127.0.0.1:{port}"), "utf-8"
        )
        deploy = subprocess.run(
            [str(bin_dir / "scrapyd-deploy")],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert '"status": "ok"' in deploy.stdout, deploy.stdout + deploy.stderr
        base = f"http://127.0.0.1:{port}"
        job = api(
            f"{base}/schedule.json",
            {
                "project": "newscrawl",
                "spider": "replay",
                "path": str(FIXTURES / "generic"),
                "setting": f"NEWSCRAWL_DATABASE=sqlite:///{tmp_path / 'db.sqlite3'}",
            },
        )
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while True:
            jobs = api(f"{base}/listjobs.json?project=newscrawl")
            finished = [j for j in jobs["finished"] if j["id"] == job["jobid"]]  # type: ignore[attr-defined,index]
            if finished:
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(0.5)
        log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text("utf-8")
        assert "newscrawl run summary:" in log
        pages = len(list((FIXTURES / "generic").glob("*.html")))
        assert f"(new {pages}, changed 0, unchanged 0)" in log, log[-3000:]
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)

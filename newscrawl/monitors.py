"""The run's checks as a Spidermon monitor suite, and the actions it takes
when one fails (``pip install 'newscrawl[monitoring]'``).

The health report (``newscrawl.extensions.HealthReport``) runs the suite named
by ``NEWSCRAWL_MONITOR_SUITE`` (default :class:`NewscrawlSuite`) when its run
closes, with Spidermon's own runner: ``stats`` is the run's Scrapy stats,
``stats_history`` the stats of the job's last ``NEWSCRAWL_DRIFT_RUNS``
finished runs, newest first, read from the runs table of the database (or
Spidermon's ``spider.stats_history`` when there is no database). The
monitors:

* :class:`FetchedMonitor`: the run fetched something (exit status 5 if not);
* :class:`FillRateMonitor`: each site's field fill rates and mean body length
  against the job's last runs (``newscrawl.drift.find_drift``);
* :class:`DropsAndErrorsMonitor`: the share of each drop reason and error
  kind against the job's last runs (``newscrawl.drift.find_rises``).

When one fails, :class:`SetExitStatus` counts it (``newscrawl/monitors/failed``:
``scrapy crawl`` exits with 3, or 5 for a run that fetched nothing), and each
notifier whose Spidermon settings are given sends the failures: e-mail over
SMTP (``SPIDERMON_EMAIL_TO``), Slack (``SPIDERMON_SLACK_SENDER_TOKEN``),
Telegram (``SPIDERMON_TELEGRAM_SENDER_TOKEN``), an HTML report file
(``SPIDERMON_REPORT_FILENAME``). A notifier that fails is logged by Spidermon
and changes nothing else.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.actions.email.smtp import SendSmtpEmail
from spidermon.contrib.actions.reports.files import CreateFileReport
from spidermon.contrib.actions.slack.notifiers import SendSlackMessageSpiderFinished
from spidermon.contrib.actions.telegram.notifiers import SendTelegramMessageSpiderFinished
from spidermon.contrib.scrapy.runners import SpiderMonitorRunner
from spidermon.core.actions import Action
from spidermon.exceptions import NotConfigured
from twisted.internet.defer import Deferred

from newscrawl.drift import describe, fill_drift, find_rises
from newscrawl.exitstatus import MONITORS_FAILED_STAT, NOTHING_FETCHED, exit_status

logger = logging.getLogger("newscrawl.monitors")


class MonitoringError(ValueError):
    """The monitoring settings cannot work; the message says which to fix."""


# -- the monitors ---------------------------------------------------------


class NewscrawlMonitor(Monitor):
    """What the monitors share: the settings that judge and the job's history."""

    @property
    def settings(self) -> Any:
        return self.data.crawler.settings

    @property
    def history(self) -> list[Any]:
        return list(self.data.get("stats_history") or [])

    @property
    def threshold(self) -> float:
        return float(self.settings.getfloat("NEWSCRAWL_DRIFT_THRESHOLD", 0.3))

    @property
    def min_count(self) -> int:
        return int(self.settings.getint("NEWSCRAWL_DRIFT_MIN_ARTICLES", 5))

    def fail_with(self, alarms: list[dict[str, Any]]) -> None:
        if alarms:
            self.fail("; ".join(describe(a) for a in alarms))


@monitors.name("Fetched")
class FetchedMonitor(NewscrawlMonitor):
    """The run fetched pages (or read inputs) and not every request failed."""

    @monitors.name("The run fetched something")
    def test_fetched_something(self) -> None:
        stats = self.data.stats
        status, why = exit_status(stats.get("finish_reason") or "finished", dict(stats))
        if status == NOTHING_FETCHED:
            self.fail(why)


@monitors.name("Fill rates")
class FillRateMonitor(NewscrawlMonitor):
    """Each site gives its fields as often as over the job's last runs."""

    @monitors.name("Each site fills its fields as in the job's last runs")
    def test_fill_rates_hold(self) -> None:
        self.fail_with(fill_drift(self.data.stats, self.history, self.threshold, self.min_count))


@monitors.name("Drops and errors")
class DropsAndErrorsMonitor(NewscrawlMonitor):
    """No drop reason or error kind takes a larger share than in the last runs."""

    def _rises(self, family: str) -> list[dict[str, Any]]:
        rises = find_rises(self.data.stats, self.history, self.threshold, self.min_count)
        return [a for a in rises if a["field"].startswith(family + "/")]

    @monitors.name("Drops by reason hold their level")
    def test_drops_by_reason(self) -> None:
        self.fail_with(self._rises("dropped"))

    @monitors.name("Errors by kind hold their level")
    def test_errors_by_kind(self) -> None:
        self.fail_with(self._rises("errors"))


# -- the actions ----------------------------------------------------------


def failures(result: Any) -> list[tuple[str, str]]:
    """(monitor name, message) of each failed monitor of a Spidermon result."""
    out = []
    for item in result.monitors_failed_results:
        lines = (item.error or "").strip().splitlines()
        message = lines[-1] if lines else item.status
        for prefix in ("AssertionError: ", "Exception: "):
            message = message.removeprefix(prefix)
        out.append((str(item.item.name), message))
    return out


class SetExitStatus(Action):
    """Counts the failed monitors in the run's stats: ``scrapy crawl`` ends
    with status 3 (``newscrawl.exitstatus``); a run that fetched nothing ends
    with 5 whatever the monitors say."""

    def run_action(self) -> None:
        failed = [
            r for r in self.result.monitors_failed_results if not isinstance(r.item, FetchedMonitor)
        ]
        self.data.crawler.stats.set_value(MONITORS_FAILED_STAT, len(failed))


class SendMail(SendSmtpEmail):
    """Spidermon's SMTP e-mail, in plain text by default, waited for: the run
    ends once the server has the mail (or said no), not before. Settings:
    ``SPIDERMON_EMAIL_TO``, ``SPIDERMON_EMAIL_SENDER``, ``SPIDERMON_SMTP_HOST``,
    ``SPIDERMON_SMTP_PORT``, ``SPIDERMON_SMTP_USER``, ``SPIDERMON_SMTP_PASSWORD``,
    ``SPIDERMON_SMTP_ENFORCE_TLS``; ``SPIDERMON_EMAIL_SUBJECT`` and
    ``SPIDERMON_BODY_TEXT`` (Jinja, with ``failures``) to word it otherwise."""

    subject = "newscrawl {{ data.spider.name }}: {{ failures|length }} check(s) failed"
    body_text = (
        "The newscrawl run of {{ data.spider.name }} "
        "(finish reason {{ data.stats.finish_reason }}) failed these checks:\n\n"
        "{% for name, message in failures %}* {{ name }}: {{ message }}\n{% endfor %}"
    )
    body_html_template = ""  # Spidermon's HTML report is opt-in (SPIDERMON_BODY_HTML_TEMPLATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending: list[Deferred[Any]] = []

    def get_template_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_template_context()
        context.setdefault("failures", failures(self.result))
        return context

    def send_message(self, message: Any, **kwargs: Any) -> None:
        from twisted.internet import reactor
        from twisted.mail.smtp import sendmail

        recipients = [*self.to, *(self.cc or []), *(self.bcc or [])]
        sent = sendmail(
            self.smtp_host,
            self.sender,
            recipients,
            message.as_bytes(),
            port=int(self.smtp_port),
            username=str(self.smtp_user).encode(),
            password=str(self.smtp_password).encode(),
            requireTransportSecurity=bool(self.smtp_enforce_tls),
            reactor=reactor,
        )
        sent.addCallbacks(
            lambda _: logger.info("monitoring e-mail sent to %s", ", ".join(recipients)),
            lambda f: logger.error("monitoring e-mail to %s not sent: %s", recipients, f.value),
        )
        self.pending.append(sent)


class FileReport(CreateFileReport):
    """Spidermon's HTML report, written to ``SPIDERMON_REPORT_FILENAME``
    (Jinja: ``{{ data.spider.name }}`` may name the file)."""

    template = "reports/email/monitors/result.jinja"


NOTIFIERS: tuple[tuple[str, type[Action]], ...] = (
    ("SPIDERMON_EMAIL_TO", SendMail),
    ("SPIDERMON_SLACK_SENDER_TOKEN", SendSlackMessageSpiderFinished),
    ("SPIDERMON_TELEGRAM_SENDER_TOKEN", SendTelegramMessageSpiderFinished),
    ("SPIDERMON_REPORT_FILENAME", FileReport),
)
"""A notifier is added when its setting is given."""


class NewscrawlSuite(MonitorSuite):
    """newscrawl's checks; when one fails: the exit status, then the notifiers configured."""

    monitors = [FetchedMonitor, FillRateMonitor, DropsAndErrorsMonitor]
    monitors_failed_actions = [SetExitStatus]

    def __init__(self, *args: Any, crawler: Crawler | None = None, **kwargs: Any) -> None:
        super().__init__(*args, crawler=crawler, **kwargs)
        if crawler is not None:
            for setting, action in NOTIFIERS:
                if crawler.settings.get(setting):
                    self.add_monitors_failed_action(action)


# -- running it -----------------------------------------------------------


def build_suite(crawler: Crawler) -> MonitorSuite:
    """The suite ``NEWSCRAWL_MONITOR_SUITE`` names, its actions set up from the
    settings (at the start of the run: a notifier missing a setting stops it)."""
    path = crawler.settings.get("NEWSCRAWL_MONITOR_SUITE") or "newscrawl.monitors.NewscrawlSuite"
    try:
        cls = load_object(path)
    except (ImportError, NameError, ValueError, AttributeError) as exc:
        raise MonitoringError(f"NEWSCRAWL_MONITOR_SUITE={path!r} cannot be loaded: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, MonitorSuite)):
        raise MonitoringError(f"NEWSCRAWL_MONITOR_SUITE={path!r} is no Spidermon MonitorSuite")
    try:
        suite: MonitorSuite = cls(crawler=crawler)
    except NotConfigured as exc:
        raise MonitoringError(f"monitoring: {exc}") from exc
    return suite


def run_suite(
    suite: MonitorSuite, crawler: Crawler, spider: Spider, history: list[Any]
) -> list[tuple[str, str]]:
    """Run the suite and its actions on the run's stats; the failed monitors."""
    assert crawler.stats is not None
    runner = SpiderMonitorRunner(spider=spider)
    result = runner.run(
        suite,
        stats=crawler.stats.get_stats(),
        stats_history=history,
        crawler=crawler,
        spider=spider,
        sc_spider_name=spider.name,
        job=None,
    )
    return failures(result)


def pending(suite: MonitorSuite) -> list[Deferred[Any]]:
    """Mails the suite's actions are still sending."""
    out: list[Deferred[Any]] = []
    for action in suite.monitors_failed_actions:
        if isinstance(action, SendMail):
            out += action.pending
    return out

"""``scrapy crawl``, with an exit status that tells cron and monitoring how
the run went:

* 0: the run finished and its health report found nothing wrong;
* 1: the crawl could not start (a bad setting, another run holding the lock,
  an unreachable database): Scrapy's own bootstrap failure;
* 3: the health report raised a drift alarm (a site's pages stopped giving a
  field they used to give: see ``newscrawl.extensions``).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from newscrawl.extensions import DRIFT_EXIT_CODE, DRIFT_STAT


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Run a spider; exit status 3 when the health report raises a drift alarm"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        # Kept here: the process forgets its crawlers once they finish.
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and crawler.stats.get_value(DRIFT_STAT, 0):
            self.exitcode = DRIFT_EXIT_CODE

"""newscrawl's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` is Scrapy's
own, plus an exit status for a run whose health report raised an alarm."""

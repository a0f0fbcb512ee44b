"""newscrawl's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` is Scrapy's
own with an exit status that says how the run went (``crawl.py``); ``shell``
opens a saved page from a path; ``savefixture`` records a page and its
golden Article under fixtures/; ``browse`` serves the database
with Datasette; ``exportdb`` copies it (PostgreSQL) into a SQLite file for that."""

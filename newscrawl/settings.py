"""newscrawl's Scrapy settings, grouped. Every value can be overridden with
``scrapy crawl ... -s NAME=VALUE``; the database also by the
``NEWSCRAWL_DATABASE`` environment variable."""

import os

from newscrawl.items import ARTICLE_FIELDS

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
# `scrapy crawl` exits with a status that says how the run went (newscrawl/commands/crawl.py).
COMMANDS_MODULE = "newscrawl.commands"

# --- Politeness (live crawls; the replay spider turns these off for itself) ---
# Where a site's operators can reach whoever runs the crawl; the add-on builds the
# User-Agent "newscrawl/0.1 (+CONTACT)" from it (a USER_AGENT set here wins).
NEWSCRAWL_CONTACT = os.environ.get("NEWSCRAWL_CONTACT", "https://github.com/newscrawl/newscrawl")
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
# Scrapy's defaults, relied on and so not repeated here: RETRY_TIMES = 2 (a 5xx is
# asked 3 times), the asyncio reactor (TWISTED_REACTOR), FEED_STORE_EMPTY = True.

# --- Pipelines: sites find, pipelines normalize, the store writes last ---
ITEM_PIPELINES = {
    "newscrawl.pipelines.text.TextPipeline": 100,
    "newscrawl.pipelines.people.PeoplePipeline": 200,
    "newscrawl.pipelines.dates.DatesPipeline": 300,
    "newscrawl.pipelines.categories.CategoriesPipeline": 400,
    # A replayed Markdown post newscrawl wrote: its recorded fields back (round trip).
    "newscrawl.pipelines.recorded.RecordedPipeline": 450,
    "newscrawl.pipelines.validate.ValidatePipeline": 500,
    "newscrawl.pipelines.store.StorePipeline": 900,
}

# --- Normalization ---
# Time zone for naive times on sites that do not set one.
NEWSCRAWL_DEFAULT_TIMEZONE = "UTC"
# Names of sites and feeds that are nobody when they appear as an author
# (besides each site module's own site_names: Sina's are in newscrawl/sites/sina.py).
NEWSCRAWL_SITE_NAMES: list[str] = []
# Category spelling -> the one spelling to keep (applied after NFKC).
NEWSCRAWL_CATEGORY_ALIASES: dict[str, str] = {}
# Extra regular expressions for body lines that are never article text.
NEWSCRAWL_BOILERPLATE_PATTERNS: list[str] = []
# Shorter bodies are "no_body" drops.
NEWSCRAWL_MIN_BODY_CHARS = 20

# --- Limits: whatever the input, a run's time and memory stay bounded ---
# A larger page, file or WARC record is dropped (too_large) before it is parsed.
NEWSCRAWL_MAX_PAGE_BYTES = 10_000_000
# A page with more tags is dropped (too_complex) before extraction (~0.1 ms a tag); 0: no limit.
NEWSCRAWL_MAX_ELEMENTS = 50_000
# A longer title is no headline: the article is dropped (title_too_long).
NEWSCRAWL_MAX_TITLE_CHARS = 1000
# A longer body is cut after its last whole paragraph that fits (counted newscrawl/cut/body_text).
NEWSCRAWL_MAX_BODY_CHARS = 1_000_000
# Other fields: cut or emptied (newscrawl/cut/<field>); a longer URL drops the article.
NEWSCRAWL_MAX_FIELD_CHARS = 10_000
# Replay: a Markdown post's front matter and a page's sidecar JSON larger than this are
# refused (YAML aliases are refused whatever the size: no alias bomb).
NEWSCRAWL_MAX_FRONT_MATTER_BYTES = 65536
NEWSCRAWL_MAX_SIDECAR_BYTES = 65536
# Live crawls: Scrapy cancels a download larger than this (sitemaps may be 50 MB).
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024

# --- Outputs ---
# Files: JSON Lines, appended to by every run (never overwritten). The
# add-on turns this into a Scrapy FEEDS entry; empty it to turn it off. Other
# FEEDS entries may be set here (FEEDS = {...}); -o/-O on the command line replace them all.
NEWSCRAWL_JSONL = "data/articles.jsonl"
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)
# Database: sqlite:///path (default) or a bare path.
NEWSCRAWL_DATABASE = os.environ.get("NEWSCRAWL_DATABASE", "sqlite:///data/newscrawl.sqlite3")
NEWSCRAWL_COMMIT_ITEMS = 50
NEWSCRAWL_COMMIT_SECONDS = 2.0
# A database lost mid-run is reconnected this many times (waits doubling from
# the delay) before the crawl stops.
NEWSCRAWL_DATABASE_RETRIES = 5
NEWSCRAWL_DATABASE_RETRY_DELAY = 1.0
# Story linking (newscrawl/stories.py): a new article whose body is at least this similar
# (estimated Jaccard similarity of its MinHash signature, 0.3-1) to a stored one's joins
# its story (story_id, duplicate_of). Higher: fewer, surer links.
NEWSCRAWL_STORY_THRESHOLD = 0.5
# More files: CSV (lists as JSON), and Markdown posts in the Hexo seed format
# (a folder, one post per article). Empty: off.
NEWSCRAWL_CSV = ""
NEWSCRAWL_MARKDOWN = ""
NEWSCRAWL_MARKDOWN_ISO_DATES = False
NEWSCRAWL_MARKDOWN_TAGS = False
# Archive: every page a live crawl fetches (request + response) in WARC files under
# this folder, rotated past NEWSCRAWL_WARC_MAX_BYTES; `scrapy crawl replay -a path=data/warc/`
# extracts them again (newscrawl/archive.py). Empty: off. Replays never archive.
NEWSCRAWL_WARC = "data/warc"
NEWSCRAWL_WARC_MAX_BYTES = 1_000_000_000
# append: every run adds to the same JSON Lines / CSV file; dated: a new file per run.
NEWSCRAWL_FEED_MODE = "append"

# --- Live crawls of a site's lists (scrapy crawl site -a name=SITE, scrapy crawl sina) ---
# Modules outside the project holding more Site subclasses (importable: on PYTHONPATH),
# e.g. ["mysites.xinhua"]; each is a site for every spider, as newscrawl/sites/*.py are.
NEWSCRAWL_SITE_MODULES: list[str] = []
# A list's pagination stops after this many pages (scrapy crawl site; -a max_pages= wins).
NEWSCRAWL_MAX_LIST_PAGES = 50
# --- Sina live crawl (scrapy crawl sina) ---
# The roll API and list pages default to Sina's own; set these to read elsewhere.
NEWSCRAWL_SINA_MAX_PAGES = 50

# --- Scheduled crawls (newscrawl/incremental.py, spiders/feeds.py) ---
# The database is the crawl's memory: a stored article is fetched again only
# when younger than RECHECK_DAYS and last checked more than RECHECK_HOURS ago.
NEWSCRAWL_INCREMENTAL = True
NEWSCRAWL_RECHECK_DAYS = 2.0
NEWSCRAWL_RECHECK_HOURS = 6.0
# Skip feed/sitemap entries older than this (ISO date or an age: 12h, 2d); -a since= wins.
NEWSCRAWL_SINCE = ""
# Feeds, sitemaps or robots.txt URLs read by `scrapy crawl feeds` without -a url=.
NEWSCRAWL_FEEDS: list[str] = []
# A second run of the same job (spider + -a url/path, or NEWSCRAWL_JOB; + JOBDIR) on the
# same database refuses to start.
NEWSCRAWL_LOCK = True
DOWNLOADER_MIDDLEWARES = {
    "newscrawl.incremental.IncrementalMiddleware": 50,
}

# --- Logging and run summary ---
LOG_LEVEL = "INFO"
LOG_FORMATTER = "newscrawl.logformatter.NewscrawlLogFormatter"
LOGSTATS_INTERVAL = 30.0
EXTENSIONS = {
    # Progress: Scrapy's LogStats line plus the queue size.
    "scrapy.extensions.logstats.LogStats": None,
    "newscrawl.extensions.Progress": 0,
    "newscrawl.runlock.CrawlLock": 0,
    "newscrawl.extensions.HealthReport": 500,
    "newscrawl.archive.WarcArchive": 0,
    # Files get a record once its database row is committed: a killed run never
    # leaves a record the database lost, and its re-run writes none twice.
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newscrawl.exporters.feeds.CommittedFeedExporter": 0,
}
# Health report: a JSON file per run ({spider}, {time} filled in); empty: log only.
NEWSCRAWL_REPORT = "data/reports/{spider}-{time}.json"
# Drift alarm: a site's field fill rate this many points (0.3 = 30%) below its
# mean over the last NEWSCRAWL_DRIFT_RUNS runs of the job -> ERROR + exit status 3.
NEWSCRAWL_DRIFT_THRESHOLD = 0.3
NEWSCRAWL_DRIFT_RUNS = 5
# Sites with fewer articles in a run are not judged in it.
NEWSCRAWL_DRIFT_MIN_ARTICLES = 5
# Runs compared with each other; default: the spider and its -a url= / -a path=.
NEWSCRAWL_JOB = ""
# Monitoring on Spidermon (pip install 'newscrawl[monitoring]'): auto = when Spidermon is
# installed, on = required (the run refuses to start without it), off = the built-in checks.
# The suite (newscrawl.monitors) runs at the close and judges the exit status; its
# notifiers are Spidermon's, each on when its setting is given: SPIDERMON_EMAIL_TO (with
# SPIDERMON_EMAIL_SENDER, SPIDERMON_SMTP_HOST/PORT/USER/PASSWORD),
# SPIDERMON_SLACK_SENDER_TOKEN (+ _RECIPIENTS), SPIDERMON_TELEGRAM_SENDER_TOKEN
# (+ _RECIPIENTS), SPIDERMON_REPORT_FILENAME (an HTML report).
NEWSCRAWL_MONITORING = "auto"
NEWSCRAWL_MONITOR_SUITE = "newscrawl.monitors.NewscrawlSuite"

# --- Scrapy ---
# Distributed: with NEWSCRAWL_REDIS_URL set, the crawl is shared through Redis.
ADDONS = {"newscrawl.addon.Outputs": 0, "newscrawl.distributed.Distributed": 10}
# A link with and without tracking parameters is one request (fetched as written, once).
REQUEST_FINGERPRINTER_CLASS = "newscrawl.fingerprint.TrackingFreeFingerprinter"

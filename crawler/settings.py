"""Scrapy settings for warta: polite defaults, our components wired in by name.

Per-outlet politeness (delay, concurrency, User-Agent) comes from sources.toml
through each spider's custom_settings; these are the project-wide defaults.
"""

BOT_NAME = "warta"

SPIDER_LOADER_CLASS = "crawler.spiderloader.SourceSpiderLoader"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: obey robots.txt, one outlet at a time gently, back off when it struggles.
ROBOTSTXT_OBEY = True
USER_AGENT = "warta/0.1 (+https://github.com/warta-archive/warta; news archive for research)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# The pipelines are synchronous (one SQLite connection): processing a callback's
# output in parallel gains nothing, and Scrapy starts CONCURRENT_ITEMS asyncio
# tasks for every response (default 100): a quarter of the crawl's CPU time.
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %: no clockwork request rhythm
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # a news page is never 20 MB; refuse rather than buffer
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Recent Scrapy's remote-control server runs Python code sent to a localhost port and
# writes its token to ~/.local/state: nothing a crawl needs, outside the data directory.
REMOTE_CONTROL_ENABLED = False

# Plain HTTP unless WARTA_REPLICA_URL points the crawl at the offline replica.
DOWNLOAD_HANDLERS = {
    "http": "crawler.replica_handler.ReplicaDownloadHandler",
    "https": "crawler.replica_handler.ReplicaDownloadHandler",
}

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalise.NormalisePipeline": 200,
    "pipelines.dedupe.DeduplicatePipeline": 300,
    "pipelines.archive.ArchivePipeline": 400,
}

EXTENSIONS = {
    "crawler.extensions.RunRecorder": 100,
    "crawler.progress.ProgressReporter": 200,
    "crawler.errors.ErrorRecorder": 300,
}

# Retries wait: Retry-After on 429/503, else exponential backoff (crawler/middlewares.py).
# Offsite by exact host: a redirect to a subdomain the config does not name is dropped.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.offsite.ExactOffsiteMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # nearest the downloader: sees a response first, before decompression and retries
    "crawler.middlewares.HeaderLimitMiddleware": 950,
    # above HttpCompressionMiddleware (590) and redirects (600): every response, as received
    "crawler.warc_capture.WarcCapture": 900,
    # node mode only (else NotConfigured): one outlet's rate shared by every process over
    # Redis; after the other middlewares, so a request waits for its slot just before it goes
    "crawler.shared_rate.SharedRate": 860,
}
# Check HTTPS certificates (Scrapy's default trusts any); a source may opt out with
# `verify_tls = false` in sources.toml (crawler/spiderloader.py), recorded on its runs.
DOWNLOAD_VERIFY_CERTIFICATES = True
# Listing requests get an errback too, so every failed URL is recorded (crawler/errors.py).
SPIDER_MIDDLEWARES = {"crawler.errors.FailureErrbacks": 10}

# Breadth-first-ish: listings first so the crawl learns the window before articles.
DEPTH_PRIORITY = 0

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# warta's own settings
WARTA_DB = None  # archive path; None means $WARTA_DB or ./warta.db
WARTA_SOURCES = None  # sources.toml path; None means $WARTA_SOURCES or the default
WARTA_REPLICA_URL = None  # http://127.0.0.1:PORT to crawl the offline replica instead
WARTA_PROGRESS_INTERVAL = 0  # seconds between progress lines on stderr; 0 = off
WARTA_NOW = None  # ISO datetime: the crawl's "now" (the replica's simulated clock)
WARTA_RETRY_BACKOFF = 1.0  # seconds before the first retry, doubling with each one (±50 %)
WARTA_RETRY_BACKOFF_MAX = 60.0  # the longest backoff between two tries
WARTA_MAX_HEADERS = 200  # header lines of one response (crawler/middlewares.py)
WARTA_MAX_HEADER_BYTES = 65536  # header names and values of one response
WARTA_LOCK_STALE_AFTER = 120.0  # seconds without a heartbeat before a lock is taken over
WARTA_LOCK_HEARTBEAT = 10  # seconds between lock heartbeats
WARTA_RECORD_WAIT = 600.0  # seconds a crawl's end waits to record its run in a busy archive
WARTA_RETRY_AFTER_MAX = 300.0  # the longest Retry-After honoured; longer: retried next run
WARTA_WARC = True  # capture every request and response to WARC (crawler/warc_capture.py)
WARTA_WARC_DIR = None  # the WARC folder; None means beside the archive (warta.db → warta.warc/)
WARTA_WARC_MAX_BYTES = 1_000_000_000  # a WARC file rolls over at this size

# Past one machine (docs/deploy.md). All off by default: one machine needs no server.
WARTA_REDIS_URL = None  # redis://host:port/db: crawl as a node (locks, rate, stream in Redis)
WARTA_NODE = None  # this node's name in runs and request logs; None means the host name
WARTA_DISTRIBUTED = False  # share one outlet's frontier over nodes (scrapy-redis scheduler)
WARTA_REDIS_PATIENCE = 120.0  # seconds a node waits out a Redis outage before failing
WARTA_WRITER_WAIT = 60.0  # seconds a node waits for the archive writer to answer a question
WARTA_FRONTIER_HEARTBEAT = 5.0  # seconds between a backfill node's heartbeats (crawler/frontier.py)
WARTA_FRONTIER_PEER_TIMEOUT = 60.0  # seconds without one before a backfill peer counts as dead
# On a node the spider moves DOWNLOAD_DELAY to WARTA_SHARED_DELAY, the outlet's rate kept in
# Redis for every process (crawler/shared_rate.py), and sets the local delay to 0.

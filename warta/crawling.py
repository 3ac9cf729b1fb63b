"""Run crawls in this process with Scrapy, and report the runs they recorded.

Scrapy's reactor cannot be restarted, so `run_crawls` may be called once per
process: the CLI calls it once, the scheduler starts one subprocess per crawl.

The report holds exactly the runs this call's crawlers recorded, as each one's run
recorder knows them (crawler/extensions.py): another crawl's run of the same source
(refused, failed, still running), recorded meanwhile, is not this crawl's outcome.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.archive_access import write_failures
from crawler.extensions import RunRecorder
from crawler.sources import load_sources
from crawler.spiderloader import SourceSpiderLoader
from storage.archive import Archive, ArchiveError

# Against our own loopback replica the outlets' delays only waste time.
REPLICA_FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


@dataclass
class CrawlOptions:
    sources: list[str]
    db_path: str
    sources_path: str | None = None
    replica_url: str | None = None
    since: date | None = None
    until: date | None = None
    section: str | None = None
    limit: int | None = None
    refresh: bool = False
    polite: bool = False
    verbose: bool = False
    progress_interval: float = 0
    warc: bool = True  # capture every request and response to WARC (crawler/warc_capture.py)
    warc_dir: str | None = None  # None: beside the archive (storage.warc.default_warc_dir)
    # Scrapy or warta settings given as `-s NAME=VALUE` (DOWNLOAD_TIMEOUT=5…); they win
    settings: dict[str, str] | None = None


def replica_clock(replica_url: str) -> str:
    """The replica's simulated "now", so the crawl window matches the replica's days."""
    url = replica_url.rstrip("/") + "/_replica/meta"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)["now"]
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"no replica answering at {replica_url}: {exc}") from None


def crawl_settings(options: CrawlOptions) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(crawl_setting_values(options), priority="cmdline")
    return settings


def crawl_setting_values(options: CrawlOptions) -> dict[str, Any]:
    """The settings a crawl with these options runs with, over the project's.

    One function for both ways a crawl runs: in this process (`crawl_settings`)
    and on a Scrapyd node, where the scheduler passes them as `setting=NAME=VALUE`
    (warta/scheduler.py): the two crawl the same way.
    """
    values: dict[str, Any] = {"WARTA_DB": options.db_path}
    if options.sources_path:
        values["WARTA_SOURCES"] = options.sources_path
    values["LOG_LEVEL"] = "INFO" if options.verbose else "WARNING"
    values["WARTA_PROGRESS_INTERVAL"] = options.progress_interval
    values["WARTA_WARC"] = options.warc
    if options.warc_dir:
        values["WARTA_WARC_DIR"] = options.warc_dir
    if options.replica_url:
        values["WARTA_REPLICA_URL"] = options.replica_url.rstrip("/")
        values["WARTA_NOW"] = replica_clock(options.replica_url)
        if not options.polite:
            values.update(REPLICA_FAST_SETTINGS)
    values.update(options.settings or {})  # after: they win
    return values


def spider_arguments(options: CrawlOptions) -> dict[str, Any]:
    """The spider arguments (`-a NAME=VALUE`) of a crawl with these options."""
    return {
        "since": options.since,
        "until": options.until,
        "section": options.section,
        "limit": options.limit,
        "refresh": options.refresh,
    }


def check_options(options: CrawlOptions) -> None:
    """Refuse arguments that would make a spider fail after the crawl started."""
    check_options_replica(options.replica_url)
    check_settings(options.settings or {})
    if options.since and options.until and options.since > options.until:
        raise ValueError(f"--since {options.since} is after --until {options.until}")
    if options.section:
        configured = load_sources(options.sources_path)
        for source_id in options.sources:
            if options.section not in configured[source_id].sections:
                raise ValueError(f"source {source_id!r} has no section {options.section!r}")


def check_options_replica(replica_url: str | None) -> None:
    """Refuse a --replica value that is not an http://host:port URL."""
    if replica_url is not None:
        parts = urllib.parse.urlsplit(replica_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"--replica: expected http://host:port, got {replica_url!r}")


def check_settings(values: dict[str, str]) -> None:
    """`-s NAME=VALUE`: a value must read as the type of the setting's default (Scrapy's
    or warta's), or the crawl would fail inside Scrapy with a traceback."""
    defaults = Settings()
    defaults.setmodule("crawler.settings")
    for name, value in values.items():
        default = defaults.get(name)
        reader = {bool: defaults.getbool, int: defaults.getint, float: defaults.getfloat}.get(
            type(default)
        )
        if reader is None:
            continue  # a string, list or dict setting: Scrapy takes the text as it is
        probe = Settings({name: value})
        try:
            getattr(probe, reader.__name__)(name)
        except (TypeError, ValueError):
            kind = type(default).__name__
            raise ValueError(f"-s {name}={value}: expected {kind}, like {default!r}") from None


def run_crawls(options: CrawlOptions) -> list[dict[str, Any]]:
    """Crawl the given sources concurrently; return the crawl_runs rows they wrote."""
    check_options(options)
    if (options.settings or {}).get("WARTA_REDIS_URL"):
        return run_node_crawls(options)
    with Archive(options.db_path) as archive:  # create or migrate before any spider opens it
        archive.verify_intact()  # a damaged file is refused, not written into
        archive.claim_origin("replica" if options.replica_url else "real")
    crawlers = start_crawls(options)
    with Archive(options.db_path, readonly=True) as archive:
        runs = archive.runs.with_ids(recorded_runs(crawlers))
        failed = archive.runs.error_counts(run["id"] for run in runs)
    for run in runs:
        run["failed_urls"] = failed.get(run["id"], 0)  # URLs not archived (crawl_errors)
    failures = write_failures()
    if failures:  # disk full, say: every crawl stopped; what they had stored is whole
        unclosed = sum(run["status"] == "running" for run in runs)
        unrecorded = max(len(options.sources) - len(runs), 0)
        message = f"{failures[0]}; the crawl stopped"
        if unclosed:
            message += f"; {unclosed} of its runs could not be marked failed (the next crawl will)"
        if unrecorded:
            message += f"; {unrecorded} of its runs could not be recorded"
        if not unclosed and not unrecorded:
            message += " and its runs are marked failed"
        raise ArchiveError(message)
    if len(runs) < len(options.sources):
        raise ArchiveError("some crawls ended without recording their run; see the log (-v)")
    return runs


def start_crawls(options: CrawlOptions) -> list[Crawler]:
    """Crawl the sources concurrently in this process; their crawlers once all ended."""
    settings = crawl_settings(options)
    loader = SourceSpiderLoader.from_settings(settings)
    process = CrawlerProcess(settings)
    arguments = spider_arguments(options)
    crawlers = [process.create_crawler(loader.load(source_id)) for source_id in options.sources]
    for crawler in crawlers:
        process.crawl(crawler, **arguments)
    process.start()
    return crawlers


def run_node_crawls(options: CrawlOptions) -> list[dict[str, Any]]:
    """Crawl as a node (`-s WARTA_REDIS_URL=…`): the archive is never opened here; the
    runs go to the archive writer (warta/writer.py). Each run as its node closed it:
    its articles' outcomes (new, updated…) are the writer's, so 0 here."""
    runs = []
    for crawler in start_crawls(options):
        recorder = crawler.get_extension(RunRecorder)
        if recorder is not None and recorder.summary is not None:
            runs.append(recorder.summary)
    failures = write_failures()
    if failures:  # their WARC folder refused a write: every crawl stopped
        # (whether the writer marked the runs failed depends on Redis: `warta runs` says)
        raise ArchiveError(f"{failures[0]}; the crawl stopped")
    if len(runs) < len(options.sources):
        raise ArchiveError("some crawls ended without sending their run; see the log (-v)")
    return runs


def recorded_runs(crawlers: list[Crawler]) -> list[int]:
    """The ids of the runs these crawlers' run recorders recorded, in crawl order."""
    ids = []
    for crawler in crawlers:
        try:
            recorder = crawler.get_extension(RunRecorder)
        except RuntimeError:  # it stopped before its extensions existed: it recorded nothing
            continue
        if recorder is not None and recorder.run.run_id is not None:
            ids.append(recorder.run.run_id)
    return ids

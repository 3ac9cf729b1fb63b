"""`warta crawl`: crawl sources now, in this process, and print a line per run."""

from __future__ import annotations

import os
import sys

import click

from crawler.sources import ConfigError
from storage.archive import ArchiveError, default_db_path
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    Seconds,
    configured_sources,
    count_option,
    day_option,
    fail,
    settings_from,
    settings_option,
)
from warta.cli.tables import print_runs


@click.command()
@click.argument("source_ids", nargs=-1, metavar="[SOURCE]...")
@DB_OPTION
@SOURCES_OPTION
@click.option("--replica", "replica_url", help="Crawl the offline replica at this http:// URL.")
@click.option("--since", help="First day to crawl (YYYY-MM-DD).")
@click.option("--until", help="Last day to crawl (YYYY-MM-DD).")
@click.option("--section", help="Only this section.")
@count_option("--limit", help="At most this many articles per source.")
@click.option("--refresh", is_flag=True, help="Fetch again articles already archived.")
@click.option("--polite", is_flag=True, help="Keep the outlets' delays even against the replica.")
@settings_option(
    help="A Scrapy or warta setting for this crawl, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable)."
)
@click.option(
    "--progress",
    type=Seconds(0, 86400),
    default=5,
    show_default=True,
    help="Seconds between progress lines (0: none).",
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Folder of the WARC files (default: beside the archive, warta.db → warta.warc/).",
)
@click.option("--no-warc", is_flag=True, help="Do not capture requests and responses to WARC.")
@click.option(
    "--distributed",
    is_flag=True,
    help="Share this backfill of one SOURCE with the other nodes running the same command "
    "(the same --since/--until) through a frontier in Redis.",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="The Redis of --distributed, redis://host:port/db (default: $WARTA_REDIS_URL).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(
    source_ids: tuple[str, ...],
    db_path: str | None,
    sources_path: str | None,
    replica_url: str | None,
    since: str | None,
    until: str | None,
    section: str | None,
    limit: int | None,
    refresh: bool,
    polite: bool,
    setting: tuple[str, ...],
    progress: float,
    warc_dir: str | None,
    no_warc: bool,
    distributed: bool,
    redis_url: str | None,
    verbose: bool,
) -> None:
    """Crawl SOURCEs now (all configured sources when none is named)."""
    # Scrapy is imported here, not at the top: `warta --help` lists this command too
    from warta.crawling import CrawlOptions, run_crawls

    configured = configured_sources(sources_path)
    unknown = [s for s in source_ids if s not in configured]
    if unknown:
        raise fail(f"unknown source {unknown[0]!r}; configured: {', '.join(configured)}")
    extra = settings_from(setting)
    if distributed or redis_url:
        extra |= distributed_settings(source_ids, limit, redis_url, distributed)
    options = CrawlOptions(
        sources=list(source_ids) or list(configured),
        db_path=db_path or default_db_path(),
        sources_path=sources_path,
        replica_url=replica_url,
        since=day_option(since, "--since"),
        until=day_option(until, "--until"),
        section=section,
        limit=limit,
        refresh=refresh,
        polite=polite,
        verbose=verbose,
        progress_interval=progress,
        warc=not no_warc,
        warc_dir=warc_dir,
        settings=extra,
    )
    try:
        runs = run_crawls(options)
    except (ArchiveError, ConfigError, ValueError) as exc:
        raise fail(str(exc)) from None
    print_runs(runs)
    if any(run["status"] != "ok" for run in runs):
        sys.exit(1)


def distributed_settings(
    source_ids: tuple[str, ...], limit: int | None, redis_url: str | None, distributed: bool
) -> dict[str, str]:
    """The settings of a node of a distributed backfill (crawler/frontier.py), once
    its Redis answers; a usage error for what a shared frontier cannot do."""
    if not distributed:
        raise fail("--redis is the Redis of --distributed; add --distributed")
    if len(source_ids) != 1:
        raise fail("--distributed shares the backfill of one source: name exactly one SOURCE")
    if limit is not None:
        raise fail("--distributed cannot take --limit: each node would count its own")
    url = redis_url or os.environ.get("WARTA_REDIS_URL")
    if not url:
        raise fail("--distributed needs a Redis: --redis redis://host:port/0 or $WARTA_REDIS_URL")
    check_redis(url)
    return {"WARTA_DISTRIBUTED": "True", "WARTA_REDIS_URL": url}


def check_redis(url: str) -> None:
    """Fail in one line unless a Redis answers at `url`."""
    import redis  # only a distributed crawl needs it

    from crawler.redis_connection import redis_from_url

    try:
        redis_from_url(url).ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        raise fail(f"--redis {url}: no Redis answering ({exc})") from None

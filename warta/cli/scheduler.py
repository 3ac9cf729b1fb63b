"""`warta scheduler`: the nightly daemon, one job per source (or `--list` its jobs).

With `--nodes URL,URL…` each job runs on a Scrapyd crawl node (docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path

import click

from storage.archive import Archive, ArchiveError, default_db_path
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    Seconds,
    configured_sources,
    fail,
    settings_from,
    settings_option,
)
from warta.nodes import parse_nodes


@click.command()
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--jobs",
    "jobs_path",
    default=None,
    help="Job store file (default: the archive's name + '.jobs.db').",
)
@click.option("--list", "list_only", is_flag=True, help="Show each job's next run and exit.")
@click.option(
    "--once",
    is_flag=True,
    help="Run every source's job once now, wait for them all, and exit (schedule untouched).",
)
@click.option("--replica", "replica_url", help="Crawl the offline replica at this URL.")
@click.option("--every", type=Seconds(1, 366 * 86400), help="Run every N seconds instead of cron.")
@click.option(
    "--time-limit",
    type=Seconds(1, 7 * 86400),
    default=4 * 3600,
    show_default=True,
    help="Wall-clock seconds a crawl may take before it is killed.",
)
@click.option(
    "--stop-grace",
    type=Seconds(0, 86400),
    default=300,
    show_default=True,
    help="On SIGTERM, seconds running crawls get to finish before being interrupted.",
)
@click.option(
    "--nodes",
    metavar="URL,URL…",
    help="Crawl on these Scrapyd nodes (http://[user:pass@]host:6800) instead of locally.",
)
@click.option(
    "--node-capacity",
    type=click.IntRange(1, 1000),
    default=4,
    show_default=True,
    help="Jobs one node runs at once (its Scrapyd max_proc); a full node is skipped.",
)
@click.option(
    "--node-poll",
    type=Seconds(0.1, 3600),
    default=5,
    show_default=True,
    help="Seconds between two looks at a job on its node.",
)
@click.option(
    "--node-grace",
    type=Seconds(0, 86400),
    default=60,
    show_default=True,
    help="Seconds a node may be unreachable before its job is re-run elsewhere (once).",
)
@click.option(
    "--lock-wait",
    type=Seconds(0, 86400),
    default=130,
    show_default=True,
    help="Seconds before a run refused by a held outlet lock is tried again.",
)
@settings_option(
    help="A Scrapy or warta setting for every crawl (repeatable), as `warta crawl -s`."
)
@click.option("--log-file", help="Also log to this file (rotated at 10 MB).")
@click.option("--json-log", is_flag=True, help="Log one JSON object per line.")
def scheduler(
    db_path: str | None,
    sources_path: str | None,
    jobs_path: str | None,
    list_only: bool,
    once: bool,
    replica_url: str | None,
    every: float | None,
    time_limit: float,
    stop_grace: float,
    nodes: str | None,
    node_capacity: int,
    node_poll: float,
    node_grace: float,
    lock_wait: float,
    setting: tuple[str, ...],
    log_file: str | None,
    json_log: bool,
) -> None:
    """Run the nightly crawls: one job per source, until SIGTERM or Ctrl-C."""
    from warta.logs import setup_logging
    from warta.scheduler import JobStoreError, SchedulerConfig, list_jobs, run_daemon, run_once

    configured = configured_sources(sources_path)  # a bad config stops everything up front
    settings = checked_settings(setting, replica_url)
    if nodes:
        try:
            parse_nodes(nodes)
        except ValueError as exc:
            raise fail(str(exc)) from None
    db = db_path or default_db_path()
    try:
        # --list only reads: a mistyped --db is an error, not a new archive and job store
        with Archive(db, readonly=list_only) as archive:  # else create or migrate; refuse bad
            if nodes and not list_only:  # node crawls do not claim it: `warta crawl` would
                archive.claim_origin("replica" if replica_url else "real")
    except ArchiveError as exc:
        raise fail(str(exc)) from None
    config = SchedulerConfig(
        db_path=str(Path(db).resolve()),
        jobs_path=jobs_path or f"{db}.jobs.db",
        sources_path=str(Path(sources_path).resolve()) if sources_path else None,
        replica_url=replica_url,
        every=every,
        time_limit=time_limit,
        stop_grace=stop_grace,
        settings=tuple(settings.items()),
        nodes=nodes,
        node_capacity=node_capacity,
        node_poll=node_poll,
        node_grace=node_grace,
        lock_wait=lock_wait,
    )
    if list_only:
        try:
            listing = list_jobs(configured, config)
        except JobStoreError as exc:
            raise fail(str(exc)) from None
        for job_id, next_run, name in listing:
            when = next_run.isoformat() if next_run else "paused"
            click.echo(f"{job_id:<24} next {when:<27} {name}")
        return
    setup_logging(json_lines=json_log, log_file=log_file)
    (run_once if once else run_daemon)(configured, config)


def checked_settings(pairs: tuple[str, ...], replica_url: str | None) -> dict[str, str]:
    """`-s` pairs and --replica, refused up front as `warta crawl` would refuse them."""
    from warta.crawling import check_options_replica, check_settings

    settings = settings_from(pairs)
    try:
        check_options_replica(replica_url)
        check_settings(settings)
    except ValueError as exc:
        raise fail(str(exc)) from None
    return settings

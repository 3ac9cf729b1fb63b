"""`warta scheduler`: the nightly daemon, one job per source (or `--list` its jobs)."""

from __future__ import annotations

from pathlib import Path

import click

from storage.archive import Archive, ArchiveError, default_db_path
from warta.cli.options import DB_OPTION, SOURCES_OPTION, Seconds, configured_sources, fail


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
@click.option("--log-file", help="Also log to this file (rotated at 10 MB).")
@click.option("--json-log", is_flag=True, help="Log one JSON object per line.")
def scheduler(
    db_path: str | None,
    sources_path: str | None,
    jobs_path: str | None,
    list_only: bool,
    replica_url: str | None,
    every: float | None,
    time_limit: float,
    stop_grace: float,
    log_file: str | None,
    json_log: bool,
) -> None:
    """Run the nightly crawls: one job per source, until SIGTERM or Ctrl-C."""
    from warta.logs import setup_logging
    from warta.scheduler import JobStoreError, SchedulerConfig, list_jobs, run_daemon

    configured = configured_sources(sources_path)  # a bad config stops everything up front
    db = db_path or default_db_path()
    try:
        # --list only reads: a mistyped --db is an error, not a new archive and job store
        Archive(db, readonly=list_only).close()  # else create or migrate it; refuse bad ones
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
    run_daemon(configured, config)

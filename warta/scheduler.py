"""The nightly scheduler: one long-lived APScheduler 3.x process, one job per source.

Each run is `warta crawl SOURCE` in its own subprocess (Scrapy's reactor cannot
restart), with a wall-clock limit; the daemon outlives crawls that crash, hang
or are killed, and records such a run as failed with the reason.

Jobs live in a persistent SQLite job store, so a run missed while the machine
was down is known after a restart and runs once (coalesce, a generous
misfire_grace_time). A job is re-added only when its source's schedule or the
daemon's options changed, and then keeps a missed run: replacing it with a fresh
next run time would silently forget it.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.sources import Source
from storage.archive import Archive

log = logging.getLogger("warta.scheduler")

MISFIRE_GRACE = 12 * 3600  # a nightly run missed by up to half a day still runs (once)
DEFAULT_TIME_LIMIT = 4 * 3600  # wall-clock seconds a crawl may take
STOP_GRACE = 300  # seconds running crawls get to finish on SIGTERM before being interrupted
INTERRUPT_GRACE = 30  # seconds an interrupted crawl gets to close cleanly before it is killed


@dataclass
class SchedulerConfig:
    db_path: str
    jobs_path: str
    sources_path: str | None = None
    replica_url: str | None = None
    every: float | None = None  # seconds: replace each cron schedule (tests, demos)
    time_limit: float = DEFAULT_TIME_LIMIT
    stop_grace: float = STOP_GRACE


@dataclass
class CrawlProcesses:
    """The crawl subprocesses running now, so a shutdown can stop them cleanly."""

    running: dict[str, subprocess.Popen] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepting: bool = True

    def stop_all(self, grace: float) -> None:
        """Let running crawls finish for `grace` seconds, then stop them cleanly, then kill."""
        with self.lock:
            self.accepting = False
            children = list(self.running.values())
        _wait_all(children, grace)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)  # Scrapy closes the spider, records the run
        _wait_all(children, INTERRUPT_GRACE)
        for child in children:
            if child.poll() is None:
                child.kill()  # its job thread records the run as failed


def _wait_all(children: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass


PROCESSES = CrawlProcesses()


def crawl_command(source_id: str, config: SchedulerConfig) -> list[str]:
    command = [sys.executable, "-m", "warta", "crawl", source_id, "--db", config.db_path]
    if config.sources_path:
        command += ["--sources", config.sources_path]
    if config.replica_url:
        command += ["--replica", config.replica_url]
    return command


def run_crawl_job(
    source_id: str,
    db_path: str,
    sources_path: str | None,
    replica_url: str | None,
    time_limit: float,
) -> None:
    """The scheduled job: one crawl subprocess, waited for, its failure recorded."""
    config = SchedulerConfig(
        db_path=db_path,
        jobs_path="",
        sources_path=sources_path,
        replica_url=replica_url,
        time_limit=time_limit,
    )
    with PROCESSES.lock:
        if not PROCESSES.accepting:
            log.info("not starting %s: the scheduler is stopping", source_id)
            return
        child = subprocess.Popen(
            crawl_command(source_id, config),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # Its own session: a Ctrl-C at the daemon's terminal reaches the daemon only,
            # which then decides how long running crawls may go on (stop_grace).
            start_new_session=True,
        )
        PROCESSES.running[source_id] = child
    log.info("crawl of %s started (pid %s)", source_id, child.pid)
    try:
        _, stderr = child.communicate(timeout=time_limit)
        reason = (
            None if child.returncode in (0, 1) else f"crawl process exited with {child.returncode}"
        )
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
        reason = f"crawl exceeded its wall-clock limit of {time_limit:.0f} s and was killed"
    finally:
        with PROCESSES.lock:
            PROCESSES.running.pop(source_id, None)
    if reason:
        last_line = (stderr or "").strip().splitlines()[-1:] or [""]
        record_failed_run(db_path, source_id, child.pid, f"{reason} {last_line[0]}".strip())
        log.error("crawl of %s failed: %s", source_id, reason)
    else:
        log.info("crawl of %s ended (exit %s)", source_id, child.returncode)


def record_failed_run(db_path: str, source_id: str, pid: int, reason: str) -> None:
    """Mark the child's run failed (or record one, if it died before recording its own),
    and drop the lock it left."""
    with Archive(db_path) as archive:
        archive.runs.record_killed(source_id, pid, reason)
        archive.locks.release_of(source_id, pid)


def trigger_for(source: Source, config: SchedulerConfig) -> BaseTrigger:
    if config.every:
        return IntervalTrigger(seconds=config.every, timezone=source.timezone)
    return CronTrigger.from_crontab(source.schedule, timezone=source.timezone)


def job_name(source: Source, config: SchedulerConfig) -> str:
    """Describes the schedule; a job whose name changed is replaced, others are kept."""
    when = f"every {config.every:g}s" if config.every else f"cron '{source.schedule}'"
    return f"crawl {source.id} {when} {source.timezone} jitter {source.jitter}"


def new_scheduler(config: SchedulerConfig) -> BackgroundScheduler:
    Path(config.jobs_path).parent.mkdir(parents=True, exist_ok=True)
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{config.jobs_path}")},
        executors={"default": ThreadPoolExecutor(max_workers=8)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        timezone="Asia/Jakarta",
    )


def sync_jobs(
    scheduler: BackgroundScheduler, sources: dict[str, Source], config: SchedulerConfig
) -> None:
    """Make the job store hold exactly one job per configured source."""
    wanted = {f"crawl:{sid}": source for sid, source in sources.items()}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("removing job %s: source no longer configured", job.id)
            job.remove()
    for job_id, source in wanted.items():
        name = job_name(source, config)
        args = [
            source.id,
            config.db_path,
            config.sources_path,
            config.replica_url,
            config.time_limit,
        ]
        existing = scheduler.get_job(job_id)
        if existing is not None and existing.name == name and list(existing.args) == args:
            continue  # keep its stored next run time: it may be a missed run
        trigger = trigger_for(source, config)
        if not config.every and source.jitter:
            trigger.jitter = source.jitter
        # Replacing a job computes a fresh next run time: a run missed while the daemon
        # was down (what --list showed as next) would be dropped with the old options.
        kept = {"next_run_time": missed} if (missed := _missed_run(existing)) else {}
        scheduler.add_job(
            run_crawl_job, trigger, args=args, id=job_id, name=name, replace_existing=True, **kept
        )


def _missed_run(job: Job | None) -> datetime | None:
    """The stored job's next run time if it is already due (a missed run), else None."""
    if job is None or job.next_run_time is None:
        return None
    return (
        job.next_run_time if job.next_run_time <= datetime.now(job.next_run_time.tzinfo) else None
    )


def open_job_store(config: SchedulerConfig) -> SQLAlchemyJobStore:
    """The persistent job store, opened without a running scheduler.

    Reading jobs through a started scheduler is not safe for a look-up: its
    thread may run (and so consume) a due, missed job before it is shut down.
    """
    store = SQLAlchemyJobStore(url=f"sqlite:///{config.jobs_path}")
    store.start(new_scheduler(config), "default")
    return store


class JobStoreError(RuntimeError):
    """The job store cannot be read; the message says why, in one line."""


def read_jobs(jobs_path: str) -> list[Job]:
    """The stored jobs, read without creating or changing anything (no file: none)."""
    path = Path(jobs_path)
    if not path.exists():
        return []
    from urllib.parse import quote

    import sqlalchemy.exc

    store = SQLAlchemyJobStore(url=f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true")
    try:
        store.start(BackgroundScheduler(timezone="Asia/Jakarta"), "default")
        try:
            return store.get_all_jobs()
        finally:
            store.shutdown()
    except sqlalchemy.exc.SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)  # the DBAPI error, on the errors that wrap one
        reason = str(orig) if orig else str(exc).splitlines()[0]
        raise JobStoreError(f"cannot read the job store {jobs_path}: {reason}") from None


def list_jobs(
    sources: dict[str, Source], config: SchedulerConfig
) -> list[tuple[str, datetime | None, str]]:
    """(job id, next run time, schedule) per source; nothing runs and nothing is written.

    Sources the daemon has not scheduled yet show the time their trigger would give.
    """
    stored = {job.id: job for job in read_jobs(config.jobs_path)}
    listing = []
    for source_id, source in sources.items():
        job = stored.get(f"crawl:{source_id}")
        if job is not None and job.name == job_name(source, config):
            listing.append((job.id, job.next_run_time, job.name))
            continue
        now = datetime.now(ZoneInfo(source.timezone))
        upcoming = trigger_for(source, config).get_next_fire_time(None, now)
        listing.append((f"crawl:{source_id}", upcoming, job_name(source, config) + " (new)"))
    return listing


def run_daemon(sources: dict[str, Source], config: SchedulerConfig) -> None:
    """Run until SIGTERM/SIGINT; then stop accepting runs and let running crawls finish."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler = new_scheduler(config)
    scheduler.start(paused=True)
    sync_jobs(scheduler, sources, config)
    for job in scheduler.get_jobs():
        log.info("job %s next run %s", job.id, job.next_run_time)
    scheduler.resume()
    log.info("scheduler running with %d jobs; jobs in %s", len(sources), config.jobs_path)
    stop.wait()
    scheduler.pause()
    PROCESSES.stop_all(config.stop_grace)
    scheduler.shutdown(wait=True)
    log.info("scheduler stopped")

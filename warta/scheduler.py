"""The nightly scheduler: one long-lived APScheduler 3.x process, one job per source.

Each run is `warta crawl SOURCE` in its own subprocess (Scrapy's reactor cannot
restart), with a wall-clock limit; the daemon outlives crawls that crash, hang
or are killed, and records such a run as failed with the reason.

With `--nodes URL,URL…` a job is not a local subprocess: it is handed to a
Scrapyd crawl node and followed there (warta/dispatch.py); the rest (job
store, missed runs, time limit, graceful stop) is the same.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
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
from warta.dispatch import NODE_JOBS, NodeJobSpec, resume_open, run_node_job

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
    settings: tuple[tuple[str, str], ...] = ()  # `-s NAME=VALUE` for every crawl
    nodes: str | None = None  # URL,URL…: crawl on these Scrapyd nodes (warta/dispatch.py)
    node_capacity: int = 0  # jobs per node at once; 0: warta.nodes.DEFAULT_CAPACITY
    node_poll: float = 5.0  # seconds between two looks at a job on its node
    node_grace: float = 60.0  # seconds a node may be unreachable before its job is lost
    lock_wait: float = 130.0  # seconds before a run refused by a held lock is retried


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
    for name, value in config.settings:
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl_job(
    source_id: str,
    db_path: str,
    sources_path: str | None,
    replica_url: str | None,
    time_limit: float,
    settings: list[list[str]] | None = None,
) -> None:
    """The scheduled job: one crawl subprocess, waited for, its failure recorded."""
    config = SchedulerConfig(
        db_path=db_path,
        jobs_path="",
        sources_path=sources_path,
        replica_url=replica_url,
        time_limit=time_limit,
        settings=tuple((name, value) for name, value in settings or []),
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
        function, args = job_call(source, config)
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
            function, trigger, args=args, id=job_id, name=name, replace_existing=True, **kept
        )


def job_call(source: Source, config: SchedulerConfig) -> tuple[Callable[..., None], list[Any]]:
    """The function a source's job runs and its arguments: a local crawl, or one on nodes."""
    if config.nodes:
        return run_node_job, [source.id, node_spec(config).as_args()]
    args: list[Any] = [
        source.id,
        config.db_path,
        config.sources_path,
        config.replica_url,
        config.time_limit,
    ]
    if config.settings:  # only then: jobs stored before `-s` existed stay as they are
        args.append([list(pair) for pair in config.settings])
    return run_crawl_job, args


def node_spec(config: SchedulerConfig) -> NodeJobSpec:
    assert config.nodes is not None
    return NodeJobSpec(
        db_path=config.db_path,
        jobs_path=config.jobs_path,
        nodes=config.nodes,
        sources_path=config.sources_path,
        replica_url=config.replica_url,
        time_limit=config.time_limit,
        settings=config.settings,
        capacity=config.node_capacity,
        poll=config.node_poll,
        grace=config.node_grace,
        lock_wait=config.lock_wait,
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


def run_once(sources: dict[str, Source], config: SchedulerConfig) -> None:
    """Run every source's job once, now and together (over nodes or locally), and wait.

    Tonight's crawls on demand (and the tests' one night): the job store's schedule
    is neither read nor changed. SIGTERM/SIGINT stop it as they stop the daemon.
    """
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    threads = []
    for source in sources.values():
        function, args = job_call(source, config)
        thread = threading.Thread(target=function, args=args, name=f"crawl {source.id}")
        thread.start()
        threads.append(thread)
    while any(thread.is_alive() for thread in threads) and not stop.wait(0.2):
        pass
    if stop.is_set():
        PROCESSES.stop_all(config.stop_grace)
        NODE_JOBS.stop_all(config.stop_grace)
    for thread in threads:
        thread.join()
    log.info("all %d jobs ended", len(threads))


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
    if config.nodes:  # jobs a node had when the daemon last stopped: follow them again
        resume_open(node_spec(config))
    for job in scheduler.get_jobs():
        log.info("job %s next run %s", job.id, job.next_run_time)
    scheduler.resume()
    log.info("scheduler running with %d jobs; jobs in %s", len(sources), config.jobs_path)
    stop.wait()
    scheduler.pause()
    PROCESSES.stop_all(config.stop_grace)
    NODE_JOBS.stop_all(config.stop_grace)
    scheduler.shutdown(wait=True)
    log.info("scheduler stopped")

"""The run recorder: every crawl is a row in the archive's `crawl_runs` table.

It opens the row when the spider opens, commits the archive's write batches on
a timer (so readers see progress and other writers are never blocked long),
and closes the row with the crawl's counts and a status when the spider closes.

It also keeps the source's lock: a heartbeat, and a fence on every write batch.
A crawl that finds its lock taken over (it was paused past the takeover
threshold) stops and closes its run as `lost_lock`. A run the archive could
not record in time (another process held the write lock past busy_timeout) is
recorded when the crawl ends, waiting up to WARTA_RECORD_WAIT seconds for it.

Where the lock lives is chosen once per crawl (`source_lock`): the archive's
crawl_locks table (`ArchiveLock`), or, on a node (WARTA_REDIS_URL set), Redis
(crawler/redis_locks.py `RedisLock`), since nodes share no archive file.

On a crawl node (WARTA_REDIS_URL set) the run is opened and closed through the
archive writer instead (`_node_opened`, `_node_closed`: crawler/node_link.py); the
node never opens the archive.

What the recorder learns as the run opens (its id, whether the previous run must
be resumed, whether another crawl holds the source) is the run's `CrawlRun`. Other
components read it through the crawler, `crawl_run(crawler)`, as Scrapy's
components share state (`crawler.get_extension`), never through attributes set on
the spider. A component with something to record as the run closes (the spider's
coverage walk) registers it with `RunRecorder.on_close`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.archive_access import (
    archive_failure,
    archive_for,
    fail_crawl,
    record_failure,
    release_archive,
    stop_crawl,
)
from crawler.backfill import BackfillLock
from crawler.node_link import NodeLink, drop_link, is_node, node_link, release_link
from crawler.redis_connection import RedisUnavailable, gave_up_on_redis
from crawler.redis_locks import RedisLock, give_up_on_redis
from storage.archive import Archive, ArchiveError
from storage.runs import LOST_MESSAGE, STALE_AFTER, RunStatus, SourceLocked

HEARTBEAT_EVERY = 10  # seconds; storage.runs.STALE_AFTER must be well above it
LOST_LOCK = "lost_lock"  # the close reason of a crawl whose lock was taken over
TLS_UNVERIFIED = "TLS certificates not verified (verify_tls = false)"
RECORD_WAIT = 600.0  # seconds a crawl's end waits to record its run in a busy archive

COUNTS = {
    "pages": "response_received_count",
    "articles_new": "warta/articles_new",
    "articles_updated": "warta/articles_updated",
    "articles_unchanged": "warta/articles_unchanged",
    "articles_dropped": "warta/articles_dropped",
}

# (archive, run id, status, message) -> the run's (status, message), as it closes; on a
# node archive and run id are None: the closer sends its part to the archive writer
RunCloser = Callable[[Archive | None, int | None, str, str | None], tuple[str, str | None]]


@dataclass
class CrawlRun:
    """One crawl's run, as the run recorder opened it."""

    run_id: int | None = None  # None until the archive recorded the run
    resume: bool = False  # the previous run was killed or failed: walk the whole window
    refused: str | None = None  # why this crawl may not run: another holds the source
    # a node's hold on its Redis lock: writes carrying a token no longer current are refused
    lock_token: str | None = None


def crawl_run(crawler: Crawler) -> CrawlRun:
    """The crawler's run (a blank one when the run recorder is disabled, as in a probe)."""
    recorder = crawler.get_extension(RunRecorder)
    return recorder.run if recorder is not None else CrawlRun()


class SpiderErrorCounter(logging.Handler):
    """ERROR records about one spider only.

    Scrapy's log_count/ERROR counts every error in the process, so in a crawl of
    several sources one outlet's failures would mark every run degraded. Scrapy's
    own messages about a spider, and `spider.logger`, carry the spider in `extra`.
    """

    def __init__(self, spider: Spider) -> None:
        super().__init__(level=logging.ERROR)
        self.spider = spider
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "spider", None) is self.spider:
            self.count += 1


class SourceLock(Protocol):
    """Where a crawl holds its source's lock: taken as the run opens, beaten on the
    recorder's timer, released as the run closes."""

    token: str | None  # what names this hold to the stream writer (node mode only)

    def acquire(
        self, archive: Archive, source: str, run_id: int, on_lost: Callable[[str], None]
    ) -> None: ...

    def heartbeat(self, archive: Archive, source: str) -> None: ...

    def finish(
        self,
        archive: Archive,
        source: str,
        run_id: int,
        status: str,
        counts: dict[str, int],
        message: str | None,
    ) -> str: ...


class ArchiveLock:
    """The lock in the archive's crawl_locks, fenced on every write batch (storage/runs.py)."""

    token: str | None = None

    def __init__(self, stale_after: float) -> None:
        self.stale_after = stale_after

    def acquire(
        self, archive: Archive, source: str, run_id: int, on_lost: Callable[[str], None]
    ) -> None:
        archive.locks.acquire(source, stale_after=self.stale_after)
        archive.locks.set_run(source, run_id)
        archive.locks.fence().guard(source, on_lost)

    def heartbeat(self, archive: Archive, source: str) -> None:
        if not archive.locks.heartbeat(source):
            archive.locks.fence().lose(source)

    def finish(
        self,
        archive: Archive,
        source: str,
        run_id: int,
        status: str,
        counts: dict[str, int],
        message: str | None,
    ) -> str:
        return archive.locks.finish_run(source, run_id, status, counts, message)


def source_lock(crawler: Crawler, stale_after: float) -> SourceLock:
    """Redis on a node (nodes share no archive file), else the archive."""
    if crawler.settings.get("WARTA_REDIS_URL"):
        if crawler.settings.getbool("WARTA_DISTRIBUTED"):  # shared by the backfill's nodes
            return BackfillLock(crawler)
        return RedisLock(crawler)
    return ArchiveLock(stale_after)


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run = CrawlRun()
        self.closers: list[RunCloser] = []
        self.flusher: task.LoopingCall | None = None
        self.holds_lock = False
        self.ticks = 0
        self.errors: SpiderErrorCounter | None = None
        self.lost = False
        self.unrecorded: str | None = None  # why the run could not be opened in the archive
        self.summary: dict[str, object] | None = None  # a node's run as it closed
        settings = crawler.settings
        self.stale_after = settings.getfloat("WARTA_LOCK_STALE_AFTER", STALE_AFTER)
        self.heartbeat_every = max(1, settings.getint("WARTA_LOCK_HEARTBEAT", HEARTBEAT_EVERY))
        self.record_wait = settings.getfloat("WARTA_RECORD_WAIT", RECORD_WAIT)
        self.lock = source_lock(crawler, self.stale_after)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def on_close(self, closer: RunCloser) -> None:
        """Have `closer` record its part of the run, and maybe change its status, as the
        run closes (not for a refused run, nor one whose lock was taken over)."""
        self.closers.append(closer)

    def spider_opened(self, spider: Spider) -> None:
        self.errors = SpiderErrorCounter(spider)
        logging.getLogger().addHandler(self.errors)
        if is_node(self.crawler):
            self._node_opened(spider)
            return
        run = self.run
        try:
            archive = archive_for(self.crawler)
            # a killed or failed previous run may have left listings unwalked
            run.resume = archive.runs.previous_unfinished(spider.name)
            run.run_id = archive.runs.start(spider.name)
            try:
                self.lock.acquire(archive, spider.name, run.run_id, self.lock_lost)
            except SourceLocked as exc:
                run.refused = str(exc)  # the spider then starts no request
                spider.logger.error("%s", exc)
            else:
                self.holds_lock = True
                run.lock_token = self.lock.token
                if not getattr(self.lock, "joined", False):  # a backfill's other nodes run
                    archive.runs.close_abandoned(spider.name, run.run_id)
        except RedisUnavailable as exc:  # a node's lock could not be taken: nothing to crawl
            give_up_on_redis(self.crawler, exc)
            return
        except (ArchiveError, sqlite3.Error) as exc:  # the spider then starts no request
            if run.run_id is None:  # e.g. another process held the write lock too long
                self.unrecorded = f"could not start: {exc}"
            fail_crawl(self.crawler, exc)
            return
        archive.runs.set_job(run.run_id, self.crawler.settings.get("WARTA_JOB"))
        spider.logger.info("crawl run %s started; archive %s", run.run_id, archive.path)
        self.flusher = task.LoopingCall(self.tick, archive, spider.name)
        self.flusher.start(1.0, now=False)

    def tick(self, archive: Archive, source: str) -> None:
        try:
            archive.flush_if_stale()
            self.ticks += 1
            if self.holds_lock and self.ticks % self.heartbeat_every == 0:
                self.lock.heartbeat(archive, source)
        except (ArchiveError, sqlite3.Error) as exc:
            fail_crawl(self.crawler, exc)

    def lock_lost(self, source: str) -> None:
        """Another crawl took this source over (this one was paused or hung): stop."""
        if self.lost:
            return
        self.lost, self.holds_lock = True, False
        if is_node(self.crawler):  # the node sends no more of the outlet's articles
            node_link(self.crawler).fence()
        if self.crawler.spider is not None:
            self.crawler.spider.logger.error("%s", LOST_MESSAGE)
        stop_crawl(self.crawler, LOST_LOCK)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        counts = self._counts()
        status, message = self._ended(reason, counts)
        if is_node(self.crawler):
            self._node_closed(spider, status, message, counts)
            return
        try:
            archive = archive_for(self.crawler)
            archive.locks.fence().unguard(spider.name)
            if self.run.run_id is not None and not self.lost:  # a lost run's walk is not ours
                status, message = self._close_parts(archive, self.run.run_id, status, message)
            # the spider loader sets it from the source's verify_tls; -s may override it
            if not self.crawler.settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES", True):
                message = f"{message}; {TLS_UNVERIFIED}" if message else TLS_UNVERIFIED
            status = self._close_run(archive, spider.name, status, counts, message)
            archive.flush()
        except (ArchiveError, sqlite3.Error) as exc:  # the next crawl closes the run instead
            record_failure(self.crawler, exc)
        release_archive(self.crawler)
        spider.logger.info("crawl run %s %s: %s", self.run.run_id, status, counts)

    def _ended(self, reason: str, counts: dict[str, int]) -> tuple[str, str | None]:
        """The run's status and message as the crawl ended: refused; failed, with one more
        error, by a write that failed (fail_crawl: the archive, or a node's WARC folder);
        else as the close reason says."""
        if self.run.refused:
            return "refused", self.run.refused
        status = run_status(reason, counts["errors"])
        failure = archive_failure(self.crawler)
        if failure:
            status, counts["errors"] = "failed", counts["errors"] + 1
        return status, failure or self.unrecorded or reason

    def _counts(self) -> dict[str, int]:
        """The run's counts from the crawl's stats (a node's lack what the writer adds)."""
        stats = self.crawler.stats
        counts = {column: stats.get_value(key, 0) for column, key in COUNTS.items()}
        counts["articles_dropped"] += stats.get_value("warta/articles_duplicate", 0)
        counts["errors"] = self._spider_errors()
        return counts

    # -- on a node: the run goes to the archive writer (crawler/node_link.py) -------------

    def _node_opened(self, spider: Spider) -> None:
        """Open the run through the archive writer; no archive is opened here."""
        link = node_link(self.crawler)
        try:
            # the outlet's lock first: politeness must not wait on a slow writer's answer
            self._node_lock(spider)
            answer = link.open_run(spider.name, lock=self.run.lock_token)
            joined = getattr(self.lock, "joined", False)  # a backfill's other nodes run
            if not self.run.refused and not joined:  # older "running" runs were killed
                link.claim(spider.name)
        except RedisUnavailable as exc:  # the spider then starts no request
            self.unrecorded = str(exc)
            give_up_on_redis(self.crawler, exc)  # one line; nothing waits for Redis again
            return
        # a writer that did not answer: walk the whole window, as after a killed run
        self.run.resume = True if answer is None else bool(answer["resume"])
        self.run.run_id = None if answer is None else int(answer["run_id"])
        spider.logger.info(
            "crawl run %s (key %s) sent to the writer", self.run.run_id, link.run_key
        )
        self.flusher = task.LoopingCall(self._node_tick, link, spider.name)
        self.flusher.start(1.0, now=False)

    def _node_lock(self, spider: Spider) -> None:
        """Take the outlet's Redis lock (source_lock gives a node a RedisLock), or mark
        the run refused when another node holds it."""
        lock = self.lock
        assert isinstance(lock, RedisLock)  # a node's lock lives in Redis, not the archive
        try:
            lock.acquire(None, spider.name, 0, self.lock_lost)  # no archive run to fence
        except SourceLocked as exc:
            self.run.refused = str(exc)  # the spider then starts no request
            spider.logger.error("%s", exc)
        else:
            self.holds_lock = True
            self.run.lock_token = lock.token

    def _node_tick(self, link: NodeLink, source: str) -> None:
        try:
            self.ticks += 1
            if self.holds_lock and isinstance(self.lock, RedisLock):
                if self.ticks % self.heartbeat_every == 0:
                    self.lock.heartbeat(None, source)
            link.flush()
        except RedisUnavailable as exc:
            self.unrecorded = str(exc)
            give_up_on_redis(self.crawler, exc)

    def _node_closed(
        self, spider: Spider, status: str, message: str | None, counts: dict[str, int]
    ) -> None:
        """Close the run: the walk and the run's end go on the stream, after its items."""
        if not self.lost:
            status, message = self._close_parts(None, None, status, message)
        if not self.crawler.settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES", True):
            message = f"{message}; {TLS_UNVERIFIED}" if message else TLS_UNVERIFIED
        if self.holds_lock and isinstance(self.lock, RedisLock):
            status, message = self.lock.release(spider.name, status, message)
        if self.lost:
            status, message = RunStatus.LOST_LOCK, LOST_MESSAGE
            withheld = node_link(self.crawler).withheld
            self.crawler.stats.set_value("warta/entries_not_sent_lost_lock", withheld)
        try:
            if gave_up_on_redis(self.crawler):  # sending would wait out the patience again
                raise RedisUnavailable(
                    "Redis stayed unavailable past the patience, or refused the connection"
                )
            node_link(self.crawler).add(
                "finish", {"status": str(status), "message": message, "counts": counts}
            )
            release_link(self.crawler)
        except RedisUnavailable as exc:  # the run stays "running": the next one resumes
            drop_link(self.crawler)
            # a crawl that gave up on Redis said so once already
            say = spider.logger.warning if gave_up_on_redis(self.crawler) else spider.logger.error
            say("the run's end was not sent to the writer: %s", exc)
            status = "failed"
        self.summary = {"id": self.run.run_id, "source": spider.name, "status": str(status)}
        self.summary.update(counts, message=message)
        spider.logger.info("crawl run %s %s: %s", self.run.run_id, status, counts)

    def _close_parts(
        self, archive: Archive | None, run_id: int | None, status: str, message: str | None
    ) -> tuple[str, str | None]:
        """The registered closers record their part (the spider its walk in the coverage
        ledger, storage/coverage.py) and may turn the status to failed: a run whose every
        listing page failed walked nothing. A refused run walked nothing of its own."""
        if status == "refused":
            return status, message
        for closer in self.closers:
            status, message = closer(archive, run_id, status, message)
        return status, message

    def _close_run(
        self,
        archive: Archive,
        source: str,
        status: str,
        counts: dict[str, int],
        message: str | None,
    ) -> str:
        """Record how the run ended, waiting out a busy archive (up to record_wait)."""
        if self.lost:
            status, message = RunStatus.LOST_LOCK, LOST_MESSAGE
        deadline = time.monotonic() + self.record_wait
        while True:
            try:
                return self._write_run(archive, source, status, counts, message)
            except (ArchiveError, sqlite3.OperationalError) as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(1)  # busy_timeout already waited; the holder may be paused

    def _write_run(
        self,
        archive: Archive,
        source: str,
        status: str,
        counts: dict[str, int],
        message: str | None,
    ) -> str:
        if self.run.run_id is None:  # the archive was too busy to open the run: record it now
            if self.unrecorded is None:
                return status
            self.run.run_id = archive.runs.start(source)
        if self.holds_lock:
            return self.lock.finish(archive, source, self.run.run_id, status, counts, message)
        archive.runs.finish(self.run.run_id, status, counts, message=message)
        return status

    def _spider_errors(self) -> int:
        """This spider's logged errors (or its callbacks' exceptions, if more)."""
        logged = 0
        if self.errors is not None:
            logging.getLogger().removeHandler(self.errors)
            logged = self.errors.count
        return max(logged, self.crawler.stats.get_value("spider_exceptions/count", 0))


def run_status(reason: str, errors: int) -> str:
    """ok: finished cleanly; degraded: finished with errors; failed: did not finish."""
    if reason not in ("finished", "closespider_itemcount", "closespider_pagecount"):
        return "failed"
    return "degraded" if errors else "ok"

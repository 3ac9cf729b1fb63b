"""One Archive per process, shared by every crawl in it: spiders, pipelines, run recorders.

Sharing one connection matters twice over. The spider's "do we have this URL?"
check sees rows the pipelines wrote a moment ago in a batch not yet committed.
And several crawls in one process (`warta crawl` runs all sources in one
reactor) must not hold separate connections: one would wait on another's open
write batch while blocking the very thread that would commit it.

So the registry, `OpenArchives`, has one instance per process (`OPEN_ARCHIVES`),
and the functions below are what Scrapy components call with their crawler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from scrapy.crawler import Crawler

from storage.archive import Archive, ArchiveError, default_db_path

ARCHIVE_FAILED = "archive_failed"  # the close reason of a crawl stopped by a failed write


@dataclass
class OpenArchives:
    """The archives open in this process, who uses each, and the first write failure of each.

    An archive opens on its first user and closes when its last user releases it.
    """

    archives: dict[Path, Archive] = field(default_factory=dict)
    users: dict[Path, set[int]] = field(default_factory=dict)  # id() of each crawler
    failed: dict[Path, str] = field(default_factory=dict)

    def open(self, path: Path, origin: str, user: object) -> Archive:
        """The archive at `path`, opened (and its origin claimed) on first use."""
        archive = self.archives.get(path)
        if archive is None:
            archive = Archive(path)
            try:  # replica crawls and real ones never share an archive (storage/origin.py)
                archive.claim_origin(origin)
            except ArchiveError:
                archive.close()
                raise
            self.archives[path] = archive
        self.users.setdefault(path, set()).add(id(user))
        return archive

    def release(self, path: Path, user: object) -> None:
        """`user` is done with the archive; the last one out closes it."""
        users = self.users.get(path, set())
        users.discard(id(user))
        if users or path not in self.archives:
            return
        archive = self.archives.pop(path)
        try:
            archive.close()
        except ArchiveError as exc:  # the last batch could not be committed
            self.fail(path, str(exc))
            archive.abandon()

    def fail(self, path: Path, message: str) -> None:
        """Keep the first write failure of the archive at `path`."""
        self.failed.setdefault(path, message)

    def failure(self, path: Path) -> str | None:
        return self.failed.get(path)

    def failures(self) -> list[str]:
        """Every archive's first write failure, in the order they happened."""
        return list(self.failed.values())


OPEN_ARCHIVES = OpenArchives()  # one per process: its crawls must share one connection


def _path_of(crawler: Crawler) -> Path:
    return _resolved(crawler.settings.get("WARTA_DB") or default_db_path())


@lru_cache(maxsize=16)
def _resolved(db: str | Path) -> Path:
    """The archive's absolute path. Looked up for every listed link and every item:
    resolve() makes system calls, so once per path (a crawl never changes its cwd)."""
    return Path(db).resolve()


def archive_for(crawler: Crawler) -> Archive:
    """The process's archive for this crawler's WARTA_DB, opened on first use."""
    origin = "replica" if crawler.settings.get("WARTA_REPLICA_URL") else "real"
    return OPEN_ARCHIVES.open(_path_of(crawler), origin, crawler)


def release_archive(crawler: Crawler) -> None:
    """This crawler is done with the archive; the last one out closes it."""
    OPEN_ARCHIVES.release(_path_of(crawler), crawler)


def fail_crawl(crawler: Crawler, error: Exception | str) -> None:
    """A write to the archive failed (disk full, read-only…): stop this crawl.

    The first failure per archive is kept for the operator (`write_failures`);
    the run recorder then marks the run failed, if the archive still takes that.
    Nothing is half-written: the failed batch was rolled back whole.
    """
    record_failure(crawler, error)
    stop_crawl(crawler, ARCHIVE_FAILED)


def stop_crawl(crawler: Crawler, reason: str) -> None:
    """Close the crawler's spider with `reason`, if it is running and not closing already."""
    engine, spider = crawler.engine, crawler.spider
    if engine is None or spider is None:
        return
    try:
        close = getattr(engine, "close_spider_async", None)
        if close is not None:  # Scrapy 2.14+
            from scrapy.utils.defer import deferred_from_coro

            closing = deferred_from_coro(close(reason=reason))
        else:
            closing = engine.close_spider(spider, reason)
        closing.addErrback(lambda _: None)  # already closing or closed: nothing to stop
    except RuntimeError:  # not running yet, or already closed: nothing to stop
        pass


def record_failure(crawler: Crawler, error: Exception | str) -> None:
    """Keep the first write failure of this crawler's archive, for the operator."""
    message = str(error)
    if not isinstance(error, ArchiveError | str):  # a bare sqlite3 error: say where
        where = crawler.settings.get("WARTA_DB") or default_db_path()
        message = f"cannot write to archive {where}: {message}"
    OPEN_ARCHIVES.fail(_path_of(crawler), message)


def archive_failure(crawler: Crawler) -> str | None:
    """Why writing to this crawler's archive failed, if it did."""
    return OPEN_ARCHIVES.failure(_path_of(crawler))


def write_failures() -> list[str]:
    """Every archive write failure of this process, first one per archive."""
    return OPEN_ARCHIVES.failures()

"""One Archive per process, shared by every crawl in it: spiders, pipelines, run recorders.

Sharing one connection matters twice over. The spider's "do we have this URL?"
check sees rows the pipelines wrote a moment ago in a batch not yet committed.
And several crawls in one process (`warta crawl` runs all sources in one
reactor) must not hold separate connections: one would wait on another's open
write batch while blocking the very thread that would commit it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from storage.archive import Archive, ArchiveError, default_db_path

_OPEN: dict[Path, Archive] = {}
_USERS: dict[Path, set[int]] = {}
_FAILURES: dict[Path, str] = {}

ARCHIVE_FAILED = "archive_failed"  # the close reason of a crawl stopped by a failed write


def _path_of(crawler) -> Path:
    return _resolved(crawler.settings.get("WARTA_DB") or default_db_path())


@lru_cache(maxsize=16)
def _resolved(db: str | Path) -> Path:
    """The archive's absolute path. Looked up for every listed link and every item:
    resolve() makes system calls, so once per path (a crawl never changes its cwd)."""
    return Path(db).resolve()


def archive_for(crawler) -> Archive:
    """The process's archive for this crawler's WARTA_DB, opened on first use."""
    path = _path_of(crawler)
    archive = _OPEN.get(path)
    if archive is None:
        archive = Archive(path)
        try:  # replica crawls and real ones never share an archive (storage/origin.py)
            archive.claim_origin("replica" if crawler.settings.get("WARTA_REPLICA_URL") else "real")
        except ArchiveError:
            archive.close()
            raise
        _OPEN[path] = archive
    _USERS.setdefault(path, set()).add(id(crawler))
    return archive


def release_archive(crawler) -> None:
    """This crawler is done with the archive; the last one out closes it."""
    path = _path_of(crawler)
    users = _USERS.get(path, set())
    users.discard(id(crawler))
    if not users and path in _OPEN:
        archive = _OPEN.pop(path)
        try:
            archive.close()
        except ArchiveError as exc:  # the last batch could not be committed
            _FAILURES.setdefault(path, str(exc))
            archive.abandon()


def fail_crawl(crawler, error: Exception | str) -> None:
    """A write to the archive failed (disk full, read-only…): stop this crawl.

    The first failure per archive is kept for the operator (`write_failures`);
    the run recorder then marks the run failed, if the archive still takes that.
    Nothing is half-written: the failed batch was rolled back whole.
    """
    record_failure(crawler, error)
    engine = getattr(crawler, "engine", None)
    if engine is None or getattr(crawler, "spider", None) is None:
        return
    try:
        close = getattr(engine, "close_spider_async", None)
        if close is not None:  # Scrapy 2.14+
            from scrapy.utils.defer import deferred_from_coro

            closing = deferred_from_coro(close(reason=ARCHIVE_FAILED))
        else:
            closing = engine.close_spider(crawler.spider, ARCHIVE_FAILED)
        closing.addErrback(lambda _: None)  # already closing or closed: nothing to stop
    except RuntimeError:  # not running yet, or already closed: nothing to stop
        pass


def record_failure(crawler, error: Exception | str) -> None:
    """Keep the first write failure of this crawler's archive, for the operator."""
    message = str(error)
    if not isinstance(error, ArchiveError | str):  # a bare sqlite3 error: say where
        where = crawler.settings.get("WARTA_DB") or default_db_path()
        message = f"cannot write to archive {where}: {message}"
    _FAILURES.setdefault(_path_of(crawler), message)


def archive_failure(crawler) -> str | None:
    """Why writing to this crawler's archive failed, if it did."""
    return _FAILURES.get(_path_of(crawler))


def write_failures() -> list[str]:
    """Every archive write failure of this process, first one per archive."""
    return list(_FAILURES.values())

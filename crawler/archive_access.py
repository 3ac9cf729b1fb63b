"""One Archive per process, shared by every crawl in it: spiders, pipelines, run recorders.

Sharing one connection matters twice over. The spider's "do we have this URL?"
check sees rows the pipelines wrote a moment ago in a batch not yet committed.
And several crawls in one process (`warta crawl` runs all sources in one
reactor) must not hold separate connections: one would wait on another's open
write batch while blocking the very thread that would commit it.
"""

from __future__ import annotations

from pathlib import Path

from storage.archive import Archive, default_db_path

_OPEN: dict[Path, Archive] = {}
_USERS: dict[Path, set[int]] = {}


def _path_of(crawler) -> Path:
    return Path(crawler.settings.get("WARTA_DB") or default_db_path()).resolve()


def archive_for(crawler) -> Archive:
    """The process's archive for this crawler's WARTA_DB, opened on first use."""
    path = _path_of(crawler)
    archive = _OPEN.get(path)
    if archive is None:
        archive = _OPEN[path] = Archive(path)
    _USERS.setdefault(path, set()).add(id(crawler))
    return archive


def release_archive(crawler) -> None:
    """This crawler is done with the archive; the last one out closes it."""
    path = _path_of(crawler)
    users = _USERS.get(path, set())
    users.discard(id(crawler))
    if not users and path in _OPEN:
        _OPEN.pop(path).close()

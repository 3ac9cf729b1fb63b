"""The old per-source lock functions, now methods of `archive.locks` and `archive.runs`
(storage/runs.py). TODO(#14 integration): remove this module once crawler/extensions.py
calls archive.locks.* and archive.runs.* itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from storage.archive import Archive
from storage.runs import (
    LOST_MESSAGE,
    STALE_AFTER,
    Fence,
    LockHolder,
    RunStatus,
    SourceLocked,
    is_stale,
)

__all__ = [
    "LOST_MESSAGE",
    "STALE_AFTER",
    "Fence",
    "LockHolder",
    "SourceLocked",
    "acquire",
    "close_abandoned_runs",
    "fence_of",
    "finish_locked_run",
    "heartbeat",
    "holder_of",
    "holds",
    "is_stale",
    "previous_run_unfinished",
    "release",
    "set_run",
]


def holder_of(archive: Archive, source: str) -> LockHolder | None:
    return archive.locks.holder_of(source)


def acquire(
    archive: Archive, source: str, pid: int | None = None, stale_after: float = STALE_AFTER
) -> None:
    archive.locks.acquire(source, pid, stale_after)


def close_abandoned_runs(archive: Archive, source: str, current_run: int) -> int:
    return archive.runs.close_abandoned(source, current_run)


def previous_run_unfinished(archive: Archive, source: str) -> bool:
    return archive.runs.previous_unfinished(source)


def set_run(archive: Archive, source: str, run_id: int) -> None:
    archive.locks.set_run(source, run_id)


def holds(archive: Archive, source: str) -> bool:
    return archive.locks.holds(source)


def heartbeat(archive: Archive, source: str) -> bool:
    return archive.locks.heartbeat(source)


def release(archive: Archive, source: str) -> None:
    archive.locks.release(source)


def finish_locked_run(
    archive: Archive,
    source: str,
    run_id: int,
    status: RunStatus | str,
    counts: Mapping[str, int],
    message: str | None,
) -> str:
    return archive.locks.finish_run(source, run_id, status, counts, message)


def fence_of(archive: Archive) -> Fence:
    return archive.locks.fence()

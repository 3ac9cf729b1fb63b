"""Per-source crawl locks, held in the archive so every process sees them.

APScheduler's max_instances only counts one job id, and an operator's ad-hoc
crawl is another process altogether: this lock is what keeps two crawls of one
source apart. A lock whose holder died (its pid is gone on this host) or went
silent (no heartbeat for STALE_AFTER seconds) is taken over.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.archive import Archive, utc_now

STALE_AFTER = 120  # seconds without a heartbeat before a lock counts as abandoned


@dataclass
class LockHolder:
    source: str
    pid: int
    host: str
    run_id: int | None
    acquired_at: str
    heartbeat_at: str


class SourceLocked(RuntimeError):
    """Another live crawl of this source holds its lock."""

    def __init__(self, holder: LockHolder) -> None:
        super().__init__(
            f"source {holder.source!r} is already being crawled by pid {holder.pid} on "
            f"{holder.host} (since {holder.acquired_at})"
        )
        self.holder = holder


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(holder: LockHolder, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    if holder.host == socket.gethostname() and not pid_alive(holder.pid):
        return True
    beat = datetime.fromisoformat(holder.heartbeat_at.replace("Z", "+00:00"))
    return (now - beat).total_seconds() > STALE_AFTER


def holder_of(archive: Archive, source: str) -> LockHolder | None:
    row = archive.conn.execute(
        "SELECT source, pid, host, run_id, acquired_at, heartbeat_at FROM crawl_locks "
        "WHERE source = ?",
        (source,),
    ).fetchone()
    return LockHolder(*row) if row else None


def acquire(archive: Archive, source: str, pid: int | None = None) -> None:
    """Take the source's lock for this process, or raise SourceLocked."""
    archive.flush()
    pid = pid or os.getpid()
    archive.conn.execute("BEGIN IMMEDIATE")
    try:
        holder = holder_of(archive, source)
        if holder is not None and holder.pid != pid:
            if not is_stale(holder):
                raise SourceLocked(holder)
            _fail_abandoned_run(archive, holder)
        now = utc_now()
        archive.conn.execute(
            "INSERT OR REPLACE INTO crawl_locks(source, pid, host, acquired_at, heartbeat_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (source, pid, socket.gethostname(), now, now),
        )
    except BaseException:
        archive.conn.execute("ROLLBACK")
        raise
    archive.conn.execute("COMMIT")


def _fail_abandoned_run(archive: Archive, holder: LockHolder) -> None:
    """The previous holder died mid-crawl: its run must not stay "running" forever."""
    if holder.run_id is None:
        return
    archive.conn.execute(
        "UPDATE crawl_runs SET status = 'failed', finished_at = ?, message = ? "
        "WHERE id = ? AND status = 'running'",
        (utc_now(), f"crawl process {holder.pid} died or hung", holder.run_id),
    )


def close_abandoned_runs(archive: Archive, source: str, current_run: int) -> int:
    """Close the source's other runs still marked "running"; return how many.

    Called by the holder of the source's lock: no other crawl of the source is
    alive, so such a run was killed, possibly before it could take the lock
    (killed between opening its row and locking) and so never recorded in it.
    """
    cursor = archive.conn.execute(
        "UPDATE crawl_runs SET status = 'failed', finished_at = ?, "
        "message = 'interrupted: crawl process ' || coalesce(pid, '?') || ' died' "
        "WHERE source = ? AND status = 'running' AND id != ?",
        (utc_now(), source, current_run),
    )
    return cursor.rowcount


def previous_run_unfinished(archive: Archive, source: str) -> bool:
    """Whether the source's latest crawl (refused ones aside) did not finish.

    Its listings may not all have been walked, so the next crawl must walk the
    whole window rather than stop at the first article it already holds.
    """
    row = archive.conn.execute(
        "SELECT status FROM crawl_runs WHERE source = ? AND status != 'refused' "
        "ORDER BY id DESC LIMIT 1",
        (source,),
    ).fetchone()
    return row is not None and row[0] in ("running", "failed")


def set_run(archive: Archive, source: str, run_id: int) -> None:
    archive.conn.execute(
        "UPDATE crawl_locks SET run_id = ? WHERE source = ? AND pid = ?",
        (run_id, source, os.getpid()),
    )


def heartbeat(archive: Archive, source: str) -> None:
    archive.conn.execute(
        "UPDATE crawl_locks SET heartbeat_at = ? WHERE source = ? AND pid = ?",
        (utc_now(), source, os.getpid()),
    )


def release(archive: Archive, source: str) -> None:
    archive.conn.execute(
        "DELETE FROM crawl_locks WHERE source = ? AND pid = ?", (source, os.getpid())
    )

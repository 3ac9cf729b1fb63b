"""Per-source crawl locks, held in the archive so every process sees them.

APScheduler's max_instances only counts one job id, and an operator's ad-hoc
crawl is another process altogether: this lock is what keeps two crawls of one
source apart. A lock whose holder died (storage/runs.py tells, by host, boot
id, PID namespace, pid and start time) or went silent (no heartbeat for
`stale_after` seconds) is taken over.

A holder can come back after a takeover (a paused process, SIGCONT): every
write batch checks first that the crawl still holds its lock (`Fence`), and a
crawl that lost it stops, recorded as `lost_lock`, touching nothing of the new
holder's.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.archive import Archive, utc_now
from storage.runs import RunStatus, is_gone, process_identity

STALE_AFTER = 120  # seconds without a heartbeat before a lock counts as abandoned


@dataclass
class LockHolder:
    source: str
    pid: int
    host: str
    run_id: int | None
    acquired_at: str
    heartbeat_at: str
    holder: str | None = None  # storage/runs.py's identity; None from an older warta


class SourceLocked(RuntimeError):
    """Another live crawl of this source holds its lock."""

    def __init__(self, holder: LockHolder) -> None:
        super().__init__(
            f"source {holder.source!r} is already being crawled by pid {holder.pid} on "
            f"{holder.host} (since {holder.acquired_at})"
        )
        self.holder = holder


def is_stale(
    holder: LockHolder, now: datetime | None = None, stale_after: float = STALE_AFTER
) -> bool:
    """Whether the holder is certainly dead (see storage/runs.py) or has gone silent."""
    now = now or datetime.now(UTC)
    if is_gone(holder.holder):
        return True
    if holder.holder is None and holder.host == socket.gethostname():
        # taken by a warta before holder identities: its pid alone, as that warta did
        if is_gone(f"{process_identity().rsplit('|', 2)[0]}|{holder.pid}|?"):
            return True
    beat = datetime.fromisoformat(holder.heartbeat_at.replace("Z", "+00:00"))
    return (now - beat).total_seconds() > stale_after


def holder_of(archive: Archive, source: str) -> LockHolder | None:
    row = archive.conn.execute(
        "SELECT source, pid, host, run_id, acquired_at, heartbeat_at, holder FROM crawl_locks "
        "WHERE source = ?",
        (source,),
    ).fetchone()
    return LockHolder(*row) if row else None


def acquire(
    archive: Archive, source: str, pid: int | None = None, stale_after: float = STALE_AFTER
) -> None:
    """Take the source's lock for this process (or the given one here), or raise SourceLocked."""
    archive.flush()
    me = process_identity(pid)
    archive.conn.execute("BEGIN IMMEDIATE")
    try:
        holder = holder_of(archive, source)
        if holder is not None and holder.holder != me:
            if not is_stale(holder, stale_after=stale_after):
                raise SourceLocked(holder)
            _fail_abandoned_run(archive, holder)
        now = utc_now()
        archive.conn.execute(
            "INSERT OR REPLACE INTO crawl_locks(source, pid, host, acquired_at, heartbeat_at, "
            "holder) VALUES (?, ?, ?, ?, ?, ?)",
            (source, int(me.split("|")[3]), socket.gethostname(), now, now, me),
        )
    except BaseException:
        archive.conn.execute("ROLLBACK")
        raise
    archive.conn.execute("COMMIT")


def _fail_abandoned_run(archive: Archive, holder: LockHolder) -> None:
    """The previous holder died or hung mid-crawl: its run must not stay "running" forever."""
    if holder.run_id is None:
        return
    archive.conn.execute(
        "UPDATE crawl_runs SET status = 'failed', finished_at = ?, message = ? "
        "WHERE id = ? AND status = 'running'",
        (
            utc_now(),
            f"crawl process {holder.pid} died or hung; its lock was taken over",
            holder.run_id,
        ),
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
        "SELECT status FROM crawl_runs WHERE source = ? "
        "AND status NOT IN ('refused', 'lost_lock') "
        "ORDER BY id DESC LIMIT 1",
        (source,),
    ).fetchone()
    return row is not None and row[0] in ("running", "failed")


def set_run(archive: Archive, source: str, run_id: int) -> None:
    archive.conn.execute(
        "UPDATE crawl_locks SET run_id = ? WHERE source = ? AND holder = ?",
        (run_id, source, process_identity()),
    )


def holds(archive: Archive, source: str) -> bool:
    """Whether this process still holds the source's lock."""
    row = archive.conn.execute(
        "SELECT holder FROM crawl_locks WHERE source = ?", (source,)
    ).fetchone()
    return row is not None and row[0] == process_identity()


def heartbeat(archive: Archive, source: str) -> bool:
    """Refresh the lock's heartbeat; False if this process no longer holds it."""
    cursor = archive.conn.execute(
        "UPDATE crawl_locks SET heartbeat_at = ? WHERE source = ? AND holder = ?",
        (utc_now(), source, process_identity()),
    )
    return cursor.rowcount == 1


def release(archive: Archive, source: str) -> None:
    """Give the lock up, if this process still holds it (never a new holder's)."""
    archive.conn.execute(
        "DELETE FROM crawl_locks WHERE source = ? AND holder = ?", (source, process_identity())
    )


def finish_locked_run(
    archive: Archive, source: str, run_id: int, status: str, counts: dict, message: str | None
) -> str:
    """Close this crawl's run and release its lock, as one transaction; return the status.

    If the lock was taken over meanwhile, the run is closed as lost_lock instead,
    and the new holder's lock stays: checked and written under one write lock,
    no takeover can come between.
    """
    archive.flush()
    archive.conn.execute("BEGIN IMMEDIATE")
    try:
        if not holds(archive, source):
            status = RunStatus.LOST_LOCK
            message = LOST_MESSAGE
        archive.close_run_row(run_id, status, counts, message)
        release(archive, source)
    except BaseException:
        archive.conn.execute("ROLLBACK")
        raise
    archive.conn.execute("COMMIT")
    return str(status)


LOST_MESSAGE = "stopped: another crawl took the source's lock over while this one was paused"


class Fence:
    """The sources this process crawls under their locks, checked before each write batch.

    Installed as the archive's `before_batch`: the check runs inside the batch's
    write transaction, so no takeover can slip in between the check and the
    batch's writes. A source whose lock is gone is dropped and `on_lost` called
    (the run recorder stops that crawl).
    """

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.guarded: dict[str, Callable[[str], None]] = {}
        archive.before_batch = self.check

    def guard(self, source: str, on_lost: Callable[[str], None]) -> None:
        self.guarded[source] = on_lost

    def unguard(self, source: str) -> None:
        self.guarded.pop(source, None)

    def check(self) -> None:
        for source in [s for s in self.guarded if not holds(self.archive, s)]:
            self.lose(source)

    def lose(self, source: str) -> None:
        """The source's lock is gone: refuse its writes from now on, and tell its crawl."""
        self.archive.fenced_out.add(source)
        on_lost = self.guarded.pop(source, None)
        if on_lost is not None:
            on_lost(source)


def fence_of(archive: Archive) -> Fence:
    """The archive's fence, made on first use (one archive per process is shared)."""
    fence = getattr(archive, "lock_fence", None)
    if fence is None:
        fence = archive.lock_fence = Fence(archive)
    return fence

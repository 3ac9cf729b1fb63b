"""Crawl runs, the URLs they could not archive, and the per-source crawl locks.

All the SQL on crawl_runs, crawl_errors and crawl_locks lives here, behind
`Runs` and `Locks` (an open archive's `archive.runs` and `archive.locks`), and
every status is a `RunStatus`.

Who a run's process is, so a dead one can be told from a live one: a process
is identified by host, boot id, PID namespace, pid and start time, not
by its pid alone: pids are reused after a reboot or a while, and a crawl in a
container (another PID namespace, often the same host name) has a pid that
means nothing, or another process, here. Only when host, boot and namespace
are this process's own can the process table say that a holder is gone;
otherwise only its heartbeat can (`Locks`).

APScheduler's max_instances only counts one job id, and an operator's ad-hoc
crawl is another process altogether: the lock is what keeps two crawls of one
source apart. A lock whose holder died or went silent (no heartbeat for
`stale_after` seconds) is taken over. A holder can come back after a takeover
(a paused process, SIGCONT): every write batch checks first that the crawl
still holds its lock (`Fence`), and a crawl that lost it stops, recorded as
`lost_lock`, touching nothing of the new holder's.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from storage.core import ArchiveCore, row_id, utc_now

STALE_AFTER = 120  # seconds without a heartbeat before a lock counts as abandoned
LOST_MESSAGE = "stopped: another crawl took the source's lock over while this one was paused"
# The counts a run's row keeps (the run recorder's stats).
COUNTS = (
    "pages",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "articles_dropped",
    "errors",
)


# The web view's "recent crawl runs" (a Datasette canned query, :source optional):
# kept here so every statement on crawl_runs lives in this module.
RECENT_RUNS_SQL = """select id, source, status, started_at, finished_at,
  cast(round((julianday(finished_at) - julianday(started_at)) * 86400) as integer) as seconds,
  pages, articles_new, articles_updated, articles_unchanged, articles_dropped, errors, message
from crawl_runs
where (:source = '' or source = :source)
order by started_at desc, id desc
limit 100"""


class RunStatus(StrEnum):
    """The values of crawl_runs.status."""

    RUNNING = "running"
    OK = "ok"
    DEGRADED = "degraded"  # finished, with errors
    FAILED = "failed"  # did not finish
    REFUSED = "refused"  # another crawl held the source's lock
    LOST_LOCK = "lost_lock"  # stopped: another crawl took the lock over while it was paused


# Runs that say nothing of their source's crawl: another crawl did (or does) its work.
NOT_THE_SOURCES = (RunStatus.REFUSED, RunStatus.LOST_LOCK)


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return "?"


@cache
def _machine() -> tuple[str, str, str]:
    """This host's name, boot id and PID namespace ("?" where /proc does not say)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = "?"
    return socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), namespace


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat), None if no such pid."""
    stat = _read(f"/proc/{pid}/stat")
    if stat == "?":  # no such process, or no /proc to ask
        return "?" if _exists(pid) else None
    # the command name (field 2) may hold spaces and parentheses: split after the last ")"
    return stat.rsplit(")", 1)[-1].split()[19]


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_identity(pid: int | None = None) -> str:
    """host|boot id|pid namespace|pid|start time of a process here (default: this one)."""
    return _identity(pid or os.getpid())


@cache
def _identity(pid: int) -> str:
    # cached: a pid's start time never changes, and a fork has a pid of its own
    host, boot, namespace = _machine()
    return f"{host}|{boot}|{namespace}|{pid}|{start_time(pid) or '?'}"


def is_gone(identity: str | None) -> bool:
    """Whether the process an identity names has certainly ended.

    False when it is alive or when this process cannot tell (another host, boot
    or PID namespace, or an identity written by an older warta).
    """
    parts = (identity or "").split("|")
    if len(parts) != 5 or "?" in parts[:3] or tuple(parts[:3]) != _machine():
        return False
    pid, started = int(parts[3]), parts[4]
    now = start_time(pid)
    return now is None or (started != "?" and now != "?" and now != started)


def as_seen(run: dict[str, Any], lock_holder: str | None) -> dict[str, Any]:
    """The run as a reader should see it: a "running" run whose process is gone is failed.

    The row itself is closed by the next crawl of its source; until then `runs` and
    `health` must not show a killed crawl as running. `lock_holder` is the identity
    holding the source's lock now, if any: a run whose source lock another process
    holds is not running either (it lost the lock, or never had it and died).
    """
    if run.get("status") != RunStatus.RUNNING:
        return run
    holder = run.get("holder")
    if is_gone(holder):
        why = f"crawl process {run.get('pid')} died (the next crawl of {run['source']} closes it)"
    elif holder and lock_holder and lock_holder != holder:
        why = "another crawl holds the source's lock: this run's process died or lost it"
    else:
        return run
    return {**run, "status": str(RunStatus.FAILED), "message": why}


def _marks(values: Iterable[Any]) -> str:
    return ",".join("?" * len(list(values)))


class Runs:
    """The archive's crawl runs and the URLs each could not archive (`archive.runs`)."""

    def __init__(self, archive: ArchiveCore) -> None:
        self.archive = archive
        self.conn = archive.conn

    # -- one run's life ------------------------------------------------------------

    def start(self, source: str) -> int:
        """Open a run of the source for this process; its id."""
        self.archive.flush()
        cursor = self.conn.execute(
            "INSERT INTO crawl_runs(source, started_at, status, pid, holder) "
            "VALUES (?, ?, ?, ?, ?)",
            (source, utc_now(), RunStatus.RUNNING, os.getpid(), process_identity()),
        )
        return row_id(cursor)

    def start_node_run(
        self, source: str, node: str | None, job: str | None, pid: int | None
    ) -> int:
        """Open a crawl node's run for the archive writer (warta/writer.py), in the open
        batch. Its holder names the node's process with "?" for boot and namespace, so
        `is_gone` never takes it for a process of this machine."""
        self.archive._begin()
        cursor = self.conn.execute(
            "INSERT INTO crawl_runs(source, started_at, status, pid, holder, node, job) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (source, utc_now(), RunStatus.RUNNING, pid, f"{node}|?|?|{pid}|?", node, job),
        )
        return row_id(cursor)

    def set_job(self, run_id: int, job: str | None) -> None:
        """A local crawl's Scrapyd job (WARTA_JOB), if it has one; its node stays NULL."""
        if job:
            self.archive._begin()
            self.conn.execute("UPDATE crawl_runs SET job = ? WHERE id = ?", (job, run_id))
            self.archive._wrote()

    def finish(
        self,
        run_id: int,
        status: RunStatus | str,
        counts: Mapping[str, int],
        message: str | None = None,
    ) -> None:
        """Close the run with its status and counts (after committing the open batch)."""
        self.archive.flush()
        self.close_row(run_id, status, counts, message)

    def close_row(
        self,
        run_id: int,
        status: RunStatus | str,
        counts: Mapping[str, int],
        message: str | None = None,
    ) -> None:
        """finish()'s update alone, inside the caller's transaction (Locks.finish_run)."""
        sets = {key: int(value) for key, value in counts.items() if key in COUNTS}
        assignments = "".join(f", {key} = :{key}" for key in sets)
        self.conn.execute(
            f"UPDATE crawl_runs SET finished_at = :finished, status = :status, "
            f"message = :message{assignments} WHERE id = :id",
            {
                **sets,
                "finished": utc_now(),
                "status": str(RunStatus(status)),
                "message": message,
                "id": run_id,
            },
        )

    def mark_failed(
        self,
        message: str,
        *,
        run_id: int | None = None,
        source: str | None = None,
        pid: int | None = None,
        except_run: int | None = None,
    ) -> int:
        """Close still-"running" runs as failed; return how many. The one way a run fails
        from outside its crawl (its process died, hung, or was killed).

        Chosen by `run_id`, or by `source` (and `pid`, and not `except_run`). In
        `message`, "{pid}" becomes each run's own process id.
        """
        clauses: list[str] = ["status = ?"]
        params: list[Any] = [str(RunStatus.RUNNING)]
        for condition, value in (
            ("id = ?", run_id),
            ("source = ?", source),
            ("pid = ?", pid),
            ("id != ?", except_run),
        ):
            if value is not None:
                clauses.append(condition)
                params.append(value)
        if run_id is None and source is None:
            raise ValueError("mark_failed: name a run, or a source")
        cursor = self.conn.execute(
            "UPDATE crawl_runs SET status = ?, finished_at = ?, "
            "message = replace(?, '{pid}', coalesce(pid, '?')) "
            f"WHERE {' AND '.join(clauses)}",
            [str(RunStatus.FAILED), utc_now(), message, *params],
        )
        return cursor.rowcount

    def record_killed(self, source: str, pid: int, reason: str) -> None:
        """A crawl process of `source` ended abnormally (killed, timed out): its run failed.

        If it died before recording its run, a failed run is recorded for it, so
        the night is not silently missing from `warta runs`.
        """
        self.archive.flush()
        if self.mark_failed(reason, source=source, pid=pid):
            return
        recorded = self.conn.execute(
            "SELECT 1 FROM crawl_runs WHERE source = ? AND pid = ?", (source, pid)
        ).fetchone()
        if recorded is None:
            now = utc_now()
            self.conn.execute(
                "INSERT INTO crawl_runs(source, started_at, finished_at, status, pid, message) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (source, now, now, str(RunStatus.FAILED), pid, reason),
            )

    def close_abandoned(self, source: str, current_run: int) -> int:
        """Close the source's other runs still marked "running"; return how many.

        Called by the holder of the source's lock: no other crawl of the source is
        alive, so such a run was killed, possibly before it could take the lock
        (killed between opening its row and locking) and so never recorded in it.
        """
        message = "interrupted: crawl process {pid} died"
        return self.mark_failed(message, source=source, except_run=current_run)

    # -- reading runs ------------------------------------------------------------------

    def running_ids(self, source: str, except_run: int) -> list[int]:
        """The source's runs still marked "running" (as stored), but `except_run`."""
        return [
            run_id
            for (run_id,) in self.conn.execute(
                "SELECT id FROM crawl_runs WHERE source = ? AND status = ? AND id != ?",
                (source, str(RunStatus.RUNNING), except_run),
            )
        ]

    def latest(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs, newest first, a killed crawl's "running" run read as failed."""
        rows = self.archive.db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [limit])
        holders = Locks(self.archive).holders()
        return [as_seen(run, holders.get(run["source"])) for run in rows]

    def get(self, run_id: int) -> dict[str, Any] | None:
        """One run as a reader should see it, None if there is no such run."""
        rows = list(self.archive.db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
        if not rows:
            return None
        return as_seen(rows[0], Locks(self.archive).holders().get(rows[0]["source"]))

    def exists(self, run_id: int) -> bool:
        row = self.conn.execute("SELECT 1 FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()
        return row is not None

    def with_ids(self, run_ids: Iterable[int]) -> list[dict[str, Any]]:
        """These runs, oldest first, each as a reader should see it (a crawl's own summary)."""
        ids = sorted(set(run_ids))
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self.archive.db.query(
            f"SELECT * FROM crawl_runs WHERE id IN ({marks}) ORDER BY id", ids
        )
        holders = Locks(self.archive).holders()
        return [as_seen(run, holders.get(run["source"])) for run in rows]

    def totals(self) -> dict[str, int]:
        """Each count (pages, errors, articles_new…) summed over every run in the archive."""
        sums = ", ".join(f"coalesce(sum({name}), 0)" for name in COUNTS)
        row = self.conn.execute(f"SELECT {sums} FROM crawl_runs").fetchone()
        return dict(zip(COUNTS, row, strict=True))

    def finished(self, source: str, limit: int) -> list[dict[str, Any]]:
        """The source's latest `limit` runs that ended, newest first; a killed crawl's
        "running" run reads as failed. Refused and lost_lock runs say nothing of the
        source (another crawl did its work) and are left out."""
        holder = Locks(self.archive).holders().get(source)
        rows = self.archive.db.query(
            f"SELECT * FROM crawl_runs WHERE source = ? AND status NOT IN "
            f"({_marks(NOT_THE_SOURCES)}) ORDER BY id DESC LIMIT ?",
            [source, *map(str, NOT_THE_SOURCES), limit + 1],
        )
        seen = [as_seen(run, holder) for run in rows]
        return [run for run in seen if run["status"] != RunStatus.RUNNING][:limit]

    def previous_unfinished(self, source: str) -> bool:
        """Whether the source's latest crawl (refused ones aside) did not finish.

        Its listings may not all have been walked, so the next crawl must walk the
        whole window rather than stop at the first article it already holds.
        """
        row = self.conn.execute(
            f"SELECT status FROM crawl_runs WHERE source = ? AND status NOT IN "
            f"({_marks(NOT_THE_SOURCES)}) ORDER BY id DESC LIMIT 1",
            (source, *map(str, NOT_THE_SOURCES)),
        ).fetchone()
        return row is not None and row[0] in (RunStatus.RUNNING, RunStatus.FAILED)

    # -- runs of Scrapyd jobs (warta/scheduler.py over nodes) --------------------------

    def of_job(self, source: str, job: str, since: str) -> dict[str, Any] | None:
        """The run of Scrapyd job `job`, as recorded (no reading of dead processes).

        The run stamped with the job if there is one; else the source's newest
        unstamped run started at or after `since` (the dispatch time): a crawl that
        did not record its job itself.
        """
        rows = list(
            self.archive.db.query(
                "SELECT * FROM crawl_runs WHERE source = ? AND "
                "(job = ? OR (job IS NULL AND started_at >= ?)) "
                "ORDER BY job IS NULL, id DESC LIMIT 1",
                [source, job, since],
            )
        )
        return rows[0] if rows else None

    def place(self, run_id: int, node: str | None, job: str) -> None:
        """Stamp the run with the node and Scrapyd job that ran it (once: a stamp stays).
        A crawl may have recorded its job itself (WARTA_JOB) but never knows its node."""
        self.conn.execute(
            "UPDATE crawl_runs SET node = COALESCE(node, ?), job = COALESCE(job, ?) "
            "WHERE id = ? AND (job IS NULL OR job = ?)",
            (node, job, run_id, job),
        )

    def record_job_failed(
        self, source: str, node: str | None, job: str, since: str, reason: str
    ) -> None:
        """A job ended without finishing its run (cancelled at its limit, node lost):
        its run, still "running", is failed; if it recorded none, a failed one is."""
        self.archive.flush()
        run = self.of_job(source, job, since)
        if run is not None:
            self.place(run["id"], node, job)
            if run["status"] == RunStatus.FAILED:  # the crawl closed itself as stopped
                self._explain_failure(run["id"], reason, run["message"])
            else:
                self.mark_failed(reason, run_id=run["id"])
            return
        now = utc_now()
        self.conn.execute(
            "INSERT INTO crawl_runs(source, started_at, finished_at, status, message, node, job) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (source, now, now, str(RunStatus.FAILED), reason, node, job),
        )

    def _explain_failure(self, run_id: int, reason: str, said: str | None) -> None:
        """A run its crawl closed as failed when its job was stopped from outside (a
        cancel at the time limit ends the crawl as "shutdown"): the reason is why."""
        message = f"{reason} (the crawl: {said})" if said else reason
        self.conn.execute("UPDATE crawl_runs SET message = ? WHERE id = ?", (message, run_id))

    # -- the URLs a run could not archive ---------------------------------------------

    def record_error(
        self,
        run_id: int | None,
        source: str,
        url: str,
        reason: str,
        detail: str | None = None,
        attempts: int = 1,
    ) -> None:
        """Record a URL the crawl could not archive, in the current write batch.

        Only `crawl_errors` is written: the URL does not become "known", so the next
        crawl fetches it again.
        """
        self.archive._begin()
        self.conn.execute(
            "INSERT INTO crawl_errors(run_id, source, url, reason, detail, attempts, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, source, url, reason, (detail or "")[:500] or None, attempts, utc_now()),
        )
        self.archive._wrote()

    def errors(self, run_id: int) -> list[dict[str, Any]]:
        """The URLs a run could not archive, in the order it met them."""
        return list(
            self.archive.db.query(
                "SELECT * FROM crawl_errors WHERE run_id = ? ORDER BY id", [run_id]
            )
        )

    def error_counts(self, run_ids: Iterable[int]) -> dict[int, int]:
        """run id -> how many URLs that run could not archive (runs without any: absent)."""
        ids = list(run_ids)
        rows = self.conn.execute(
            f"SELECT run_id, count(*) FROM crawl_errors WHERE run_id IN ({_marks(ids)}) "
            "GROUP BY run_id",
            ids,
        )
        return dict(rows.fetchall())

    def unresolved_errors(
        self, source: str, runs: int = 3, limit: int = 500
    ) -> list[tuple[str, str | None]]:
        """(url, detail) of URLs the source's last `runs` finished runs could not archive
        and no run has archived since, most recent first: the next crawl fetches them
        again, even when its listing walk stops before reaching them."""
        rows = self.conn.execute(
            "SELECT e.url, max(e.detail) FROM crawl_errors e WHERE e.source = ? AND e.run_id IN"
            " (SELECT id FROM crawl_runs WHERE source = ? AND status NOT IN (?, ?)"
            "  ORDER BY id DESC LIMIT ?)"
            " AND NOT EXISTS (SELECT 1 FROM url_aliases a WHERE a.url = e.url)"
            " GROUP BY e.url ORDER BY max(e.id) DESC LIMIT ?",
            (source, source, str(RunStatus.RUNNING), str(RunStatus.REFUSED), runs, limit),
        )
        return rows.fetchall()


# -- locks ---------------------------------------------------------------------------------


@dataclass
class LockHolder:
    source: str
    pid: int
    host: str
    run_id: int | None
    acquired_at: str
    heartbeat_at: str
    holder: str | None = None  # process_identity(); None from an older warta


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
    """Whether the holder is certainly dead (is_gone) or has gone silent."""
    now = now or datetime.now(UTC)
    if is_gone(holder.holder):
        return True
    if holder.holder is None and holder.host == socket.gethostname():
        # taken by a warta before holder identities: its pid alone, as that warta did
        if is_gone(f"{process_identity().rsplit('|', 2)[0]}|{holder.pid}|?"):
            return True
    beat = datetime.fromisoformat(holder.heartbeat_at.replace("Z", "+00:00"))
    return (now - beat).total_seconds() > stale_after


class Locks:
    """The per-source crawl locks, held in the archive so every process sees them
    (`archive.locks`)."""

    def __init__(self, archive: ArchiveCore) -> None:
        self.archive = archive
        self.conn = archive.conn
        self._fence: Fence | None = None

    def holder_of(self, source: str) -> LockHolder | None:
        row = self.conn.execute(
            "SELECT source, pid, host, run_id, acquired_at, heartbeat_at, holder "
            "FROM crawl_locks WHERE source = ?",
            (source,),
        ).fetchone()
        return LockHolder(*row) if row else None

    def holders(self) -> dict[str, str]:
        """source -> the identity holding its crawl lock now."""
        try:
            rows = self.conn.execute(
                "SELECT source, holder FROM crawl_locks WHERE holder IS NOT NULL"
            ).fetchall()
        except sqlite3.OperationalError:  # read-only, from a warta before holders
            return {}
        return dict(rows)

    def acquire(
        self, source: str, pid: int | None = None, stale_after: float = STALE_AFTER
    ) -> None:
        """Take the source's lock for this process (or the given one here), or raise
        SourceLocked. A dead or silent holder's lock is taken over, its run failed."""
        self.archive.flush()
        me = process_identity(pid)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            holder = self.holder_of(source)
            if holder is not None and holder.holder != me:
                if not is_stale(holder, stale_after=stale_after):
                    raise SourceLocked(holder)
                if holder.run_id is not None:  # it must not stay "running" forever
                    message = f"crawl process {holder.pid} died or hung; its lock was taken over"
                    Runs(self.archive).mark_failed(message, run_id=holder.run_id)
            now = utc_now()
            self.conn.execute(
                "INSERT OR REPLACE INTO crawl_locks(source, pid, host, acquired_at, "
                "heartbeat_at, holder) VALUES (?, ?, ?, ?, ?, ?)",
                (source, int(me.split("|")[3]), socket.gethostname(), now, now, me),
            )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def set_run(self, source: str, run_id: int) -> None:
        """Record which run holds the source's lock (failed if the lock is taken over)."""
        self.conn.execute(
            "UPDATE crawl_locks SET run_id = ? WHERE source = ? AND holder = ?",
            (run_id, source, process_identity()),
        )

    def holds(self, source: str) -> bool:
        """Whether this process still holds the source's lock."""
        row = self.conn.execute(
            "SELECT holder FROM crawl_locks WHERE source = ?", (source,)
        ).fetchone()
        return row is not None and row[0] == process_identity()

    def heartbeat(self, source: str) -> bool:
        """Refresh the lock's heartbeat; False if this process no longer holds it."""
        cursor = self.conn.execute(
            "UPDATE crawl_locks SET heartbeat_at = ? WHERE source = ? AND holder = ?",
            (utc_now(), source, process_identity()),
        )
        return cursor.rowcount == 1

    def release(self, source: str) -> None:
        """Give the lock up, if this process still holds it (never a new holder's)."""
        self.conn.execute(
            "DELETE FROM crawl_locks WHERE source = ? AND holder = ?",
            (source, process_identity()),
        )

    def release_of(self, source: str, pid: int) -> None:
        """Drop the lock a dead crawl process `pid` of this host left (the scheduler's child)."""
        self.archive.flush()
        self.conn.execute("DELETE FROM crawl_locks WHERE source = ? AND pid = ?", (source, pid))

    def finish_run(
        self,
        source: str,
        run_id: int,
        status: RunStatus | str,
        counts: Mapping[str, int],
        message: str | None,
    ) -> str:
        """Close this crawl's run and release its lock, as one transaction; the status.

        If the lock was taken over meanwhile, the run is closed as lost_lock instead,
        and the new holder's lock stays: checked and written under one write lock,
        no takeover can come between.
        """
        self.archive.flush()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if not self.holds(source):
                status, message = RunStatus.LOST_LOCK, LOST_MESSAGE
            Runs(self.archive).close_row(run_id, status, counts, message)
            self.release(source)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return str(status)

    def fence(self) -> Fence:
        """The archive's fence, made on first use (one archive per process is shared)."""
        if self._fence is None:
            self._fence = Fence(self)
        return self._fence


class Fence:
    """The sources this process crawls under their locks, checked before each write batch.

    Installed as the archive's `before_batch`: the check runs inside the batch's
    write transaction, so no takeover can slip in between the check and the
    batch's writes. A source whose lock is gone is dropped and `on_lost` called
    (the run recorder stops that crawl).
    """

    def __init__(self, locks: Locks) -> None:
        self.locks = locks
        self.archive = locks.archive
        self.guarded: dict[str, Callable[[str], None]] = {}
        self.archive.before_batch = self.check

    def guard(self, source: str, on_lost: Callable[[str], None]) -> None:
        self.guarded[source] = on_lost

    def unguard(self, source: str) -> None:
        self.guarded.pop(source, None)

    def check(self) -> None:
        for source in [s for s in self.guarded if not self.locks.holds(s)]:
            self.lose(source)

    def lose(self, source: str) -> None:
        """The source's lock is gone: refuse its writes from now on, and tell its crawl."""
        self.archive.fenced_out.add(source)
        on_lost = self.guarded.pop(source, None)
        if on_lost is not None:
            on_lost(source)

"""The scheduler's ledger of jobs handed to Scrapyd nodes (warta/scheduler.py).

It lives in the scheduler's own job store file (`warta.db.jobs.db`, beside
APScheduler's table), not in the archive: it is the daemon's bookkeeping.

One row per attempt at one firing ("night") of a source's job. Attempt 1 is
the night's job; attempt 2 is its one re-run after its node was lost. The
UNIQUE (source, night, attempt) constraint is what makes the re-run happen
exactly once: whoever inserts attempt 2 first (this watcher, a second one, the
daemon after a restart) dispatches it; every other insert fails.

A row is `dispatched` while a node has the job, then `done`, `lost` (its node
died with it; attempt 2 follows) or `failed`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from storage.core import utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS warta_dispatches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    night TEXT NOT NULL,        -- when the job fired (ISO-8601 UTC): the firing it serves
    attempt INTEGER NOT NULL,   -- 1: the night's job; 2: its re-run after a lost node
    node TEXT,                  -- the node's name (Scrapyd node_name), once dispatched
    node_url TEXT,              -- the node's URL, to follow the job after a restart
    job TEXT NOT NULL,          -- the Scrapyd job id (chosen here, before scheduling)
    state TEXT NOT NULL,        -- dispatched, done, lost, failed
    dispatched_at TEXT NOT NULL,
    ended_at TEXT,
    message TEXT,
    UNIQUE (source, night, attempt)
);
"""


@dataclass
class Dispatch:
    id: int
    source: str
    night: str
    attempt: int
    node: str | None
    node_url: str | None
    job: str
    state: str
    dispatched_at: str
    message: str | None


class DispatchLedger:
    """The rows of `warta_dispatches` in one job store file; each call is one transaction."""

    def __init__(self, path: str) -> None:
        self.path = path
        with self._conn() as conn:
            conn.executescript(SCHEMA)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:  # commit on success, roll back on error
                yield conn
        finally:
            conn.close()

    def claim(self, source: str, night: str, attempt: int, job: str) -> Dispatch | None:
        """Insert this attempt; None if it exists already (someone else has it)."""
        now = utc_now()
        try:
            with self._conn() as conn:
                cursor = conn.execute(
                    "INSERT INTO warta_dispatches(source, night, attempt, job, state, "
                    "dispatched_at) VALUES (?, ?, ?, ?, 'dispatched', ?)",
                    (source, night, attempt, job, now),
                )
                row_id = cursor.lastrowid
        except sqlite3.IntegrityError:
            return None
        assert row_id is not None
        return self.get(row_id)

    def placed(self, dispatch_id: int, node: str, node_url: str, job: str, at: str) -> None:
        """The attempt is now job `job` on `node` since `at` (a retry after a refusal: a
        new job)."""
        with self._conn() as conn:
            conn.execute(
                "UPDATE warta_dispatches SET node = ?, node_url = ?, job = ?, dispatched_at = ? "
                "WHERE id = ?",
                (node, node_url, job, at, dispatch_id),
            )

    def end(self, dispatch_id: int, state: str, message: str | None = None) -> None:
        with self._conn() as conn:
            conn.execute(
                "UPDATE warta_dispatches SET state = ?, ended_at = ?, message = ? WHERE id = ?",
                (state, utc_now(), message, dispatch_id),
            )

    def get(self, dispatch_id: int) -> Dispatch | None:
        rows = self._select("WHERE id = ?", (dispatch_id,))
        return rows[0] if rows else None

    def open(self) -> list[Dispatch]:
        """Attempts still `dispatched`: a daemon that restarts follows them again."""
        return self._select("WHERE state = 'dispatched' ORDER BY id", ())

    def of_source(self, source: str) -> list[Dispatch]:
        return self._select("WHERE source = ? ORDER BY id", (source,))

    def all(self) -> list[Dispatch]:
        return self._select("ORDER BY id", ())

    def _select(self, where: str, params: tuple) -> list[Dispatch]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id, source, night, attempt, node, node_url, job, state, dispatched_at, "
                f"message FROM warta_dispatches {where}",
                params,
            ).fetchall()
        return [Dispatch(*row) for row in rows]

"""Where an archive's articles come from: the real outlets, or the offline replica.

The replica serves synthetic articles under the outlets' real URLs, so once in
an archive they cannot be told from real ones by looking at them. Each archive
therefore records, on its first crawl, whether it holds replica crawls
(`archive_info.origin` = 'replica') or real ones ('real'), and a crawl of the
other kind is refused: `warta demo` or `crawl --replica` never writes into an
archive of real crawls, and a real crawl never into a replica archive. Every
row of a replica archive is replica-origin; `warta runs` says so.

An archive crawled before this mark existed has no origin: its crawls may be
real, so a replica crawl is refused there too, and a real crawl marks it real.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.opening import ArchiveError

REAL, REPLICA = "real", "replica"


def archive_origin(conn: sqlite3.Connection) -> str | None:
    """'real', 'replica', or None for an archive not crawled since the mark existed."""
    row = conn.execute("SELECT value FROM archive_info WHERE key = 'origin'").fetchone()
    return row[0] if row else None


def claim_origin(conn: sqlite3.Connection, path: Path, origin: str) -> None:
    """Record `origin` on an unmarked archive, or refuse (ArchiveError) a crawl of the
    other kind. One short write transaction, and none when the mark is already there:
    a crawl must not wait on another source's writer just to read it."""
    stored = archive_origin(conn)
    if stored == origin:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        stored = archive_origin(conn)
        if stored is None and origin == REPLICA and _has_crawls(conn):
            raise ArchiveError(
                f"{path} holds crawls not marked as replica crawls (real ones, maybe): "
                "replica crawls and `warta demo` write only into an archive of their own "
                "(give another --db)"
            )
        if stored is not None and stored != origin:
            raise ArchiveError(_mismatch(path, stored))
        if stored is None:
            conn.execute("INSERT INTO archive_info(key, value) VALUES ('origin', ?)", (origin,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _has_crawls(conn: sqlite3.Connection) -> bool:
    return bool(
        conn.execute(
            "SELECT EXISTS (SELECT 1 FROM crawl_runs) OR EXISTS (SELECT 1 FROM articles)"
        ).fetchone()[0]
    )


def _mismatch(path: Path, stored: str) -> str:
    if stored == REPLICA:
        return (
            f"{path} holds synthetic articles crawled from the offline replica: a crawl of "
            "the real outlets does not write into it (give another --db)"
        )
    return (
        f"{path} holds real crawls: replica crawls and `warta demo` do not write "
        "synthetic articles into it (give another --db)"
    )


# The migration that adds the mark (storage/schema.py lists it).
V_ARCHIVE_ORIGIN = """
-- Archive-level facts, one row per key. 'origin': 'real' or 'replica' (storage/origin.py).
CREATE TABLE archive_info (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

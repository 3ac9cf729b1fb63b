"""Two archives compared field by field: articles, versions, clusters, FTS, aliases, raw
pages (by their bytes, so WARC file names and offsets may differ), runs with their
counts, the URLs runs could not archive, and the coverage ledger.

Ids, times, process ids and a run's node and job are left aside: two crawls of the
same replica differ there by nature. Built on benchmarks/kill_stress.py's snapshot.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.kill_stress import connect, differences, snapshot

RUN_FIELDS = ("source", "status", "message") + (
    "pages",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "articles_dropped",
    "errors",
)


def _rows(conn: sqlite3.Connection, sql: str) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(row) for row in conn.execute(sql))


def bookkeeping(db: Path) -> dict[str, Counter[tuple[Any, ...]]]:
    """Runs, errors and coverage of an archive, each row without ids and times."""
    conn = connect(db)
    try:
        return {
            "runs": _rows(conn, f"SELECT {', '.join(RUN_FIELDS)} FROM crawl_runs"),
            "errors": _rows(
                conn,
                "SELECT r.source, e.url, e.reason, e.detail, e.attempts FROM crawl_errors e "
                "JOIN crawl_runs r ON r.id = e.run_id",
            ),
            "coverage_days": _rows(
                conn,
                "SELECT source, section, day, listed, complete_run IS NOT NULL, "
                "walked_run IS NOT NULL, hole_since IS NOT NULL FROM coverage_days",
            ),
            "coverage_urls": _rows(conn, "SELECT source, section, day, url FROM coverage_urls"),
            "coverage_failures": _rows(
                conn,
                "SELECT source, section, day, url, reason, resolved_run IS NOT NULL "
                "FROM coverage_failures",
            ),
        }
    finally:
        conn.close()


def archive_differences(expected: Path, actual: Path) -> list[str]:
    """How `actual` differs from `expected`, one line per kind of difference ([] if equal)."""
    found = differences(snapshot(expected), snapshot(actual))
    want, got = bookkeeping(expected), bookkeeping(actual)
    for table, rows in want.items():
        if rows != got[table]:
            missing, extra = rows - got[table], got[table] - rows
            found.append(
                f"{table}: {sum(missing.values())} missing (e.g. {next(iter(missing), None)}), "
                f"{sum(extra.values())} extra (e.g. {next(iter(extra), None)})"
            )
    return found

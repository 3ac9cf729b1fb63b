"""The coverage ledger: which days (and sections) of each outlet the archive holds whole.

A nightly crawl must not stop walking an outlet's listings merely because it
meets an article it already has: an earlier run may have been limited
(`--limit`), sectioned, windowed, or may have lost a listing page, leaving a
hole below that article. The ledger records what each run walked instead:

- `coverage_days`: one row per (source, section, day). `section` is the
  hub's section for outlets discovered by section hubs, '' for outlets whose
  listing is per day (daily index pages, news sitemaps). A row says how many
  articles the listing gave for the day, which run last walked the day's whole
  listing, and which run found it complete: walked to its end by a normal night
  (no --limit, --section or narrow window) that ended `ok`, with every listed
  article archived. `hole_since` is when it was first seen with something
  missing: the day is over and its whole listing was never walked, or it lists
  an article the archive lacks. (A day walked whole with every article archived
  by a run that may not certify it is merely unconfirmed, not a hole.)
- `coverage_urls`: the article URLs each day's listing gave, so "archived" is
  counted against the archive itself (url_aliases), not remembered.
- `coverage_failures`: listing URLs that failed for good in a run; resolved by
  the first later run that fetches the URL again.

The crawler reads `Ledger` at the start of a run (what it may skip) and calls
`record_walk` when the run closes. `holes` answers `warta coverage` and health.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from storage.core import ArchiveCore, utc_now

Unit = tuple[str, date]  # (section, day); section '' for a per-day listing of the whole outlet

# How far back a nightly run looks for holes to repair beyond its own window.
REPAIR_DAYS = 31


@dataclass
class Walk:
    """What one run saw of its listings, gathered by the spider while it crawls."""

    sections: list[str]  # the sections the run walked ('' for a per-day listing)
    since: date  # the first and last day the run walked
    until: date
    listed: dict[Unit, set[str]] = field(default_factory=dict)
    ended: set[Unit] = field(default_factory=set)  # units whose whole listing was walked
    fetched: set[str] = field(default_factory=set)  # listing URLs fetched fine
    failed: list[tuple[str, str, date | None, str]] = field(default_factory=list)

    def list_urls(self, section: str, day: date, urls: Iterable[str]) -> None:
        self.listed.setdefault((section, day), set()).update(urls)

    def end(self, section: str, first: date, last: date) -> None:
        """The listing of `section` was walked to its end for every day first..last."""
        day = max(first, self.since)
        while day <= min(last, self.until):
            self.ended.add((section, day))
            day += timedelta(days=1)

    def fail(self, url: str, section: str, day: date | None, reason: str) -> None:
        self.failed.append((url, section, day, reason))


@dataclass
class Hole:
    """A day (of a section) the archive may not hold whole, and why."""

    source: str
    section: str
    day: str
    listed: int | None  # articles the outlet listed for it, as far as walked
    archived: int | None  # of those, in the archive
    walked: bool  # its whole listing was walked by some run
    failed_urls: list[str]
    since: str | None  # when it was first seen incomplete

    def as_dict(self) -> dict:
        return asdict(self)


class Ledger:
    """A source's coverage as a run starts: what is complete, which listings failed."""

    def __init__(self, complete: set[Unit], failed: list[tuple[str, str, date | None]]) -> None:
        self.complete = complete
        self.failed_urls = [url for url, _, _ in failed]
        self.failed_units = {(section, day) for _, section, day in failed}

    @classmethod
    def load(cls, archive: ArchiveCore, source: str, since: date) -> Ledger:
        complete = {
            (section, date.fromisoformat(day))
            for section, day in archive.conn.execute(
                "SELECT section, day FROM coverage_days WHERE source = ? AND day >= ? "
                "AND complete_run IS NOT NULL",
                (source, since.isoformat()),
            )
        }
        failed = [
            (url, section, date.fromisoformat(day) if day else None)
            for url, section, day in archive.conn.execute(
                "SELECT url, section, day FROM coverage_failures WHERE source = ? "
                "AND resolved_run IS NULL ORDER BY id",
                (source,),
            )
        ]
        return cls(complete, failed)

    def is_complete(self, section: str, day: date) -> bool:
        return (section, day) in self.complete

    def complete_between(self, section: str, first: date, last: date) -> bool:
        """Whether every day first..last of `section` is complete (an empty range is)."""
        day = first
        while day <= last:
            if (section, day) not in self.complete:
                return False
            day += timedelta(days=1)
        return True


def oldest_hole(archive: ArchiveCore, source: str, not_before: date, before: date) -> date | None:
    """The oldest day not_before..before-1 of the source with a hole or a failed listing."""
    row = archive.conn.execute(
        "SELECT min(day) FROM ("
        " SELECT day FROM coverage_days WHERE source = ? AND hole_since IS NOT NULL"
        "  AND day >= ? AND day < ?"
        " UNION ALL SELECT day FROM coverage_failures WHERE source = ? AND resolved_run IS NULL"
        "  AND day >= ? AND day < ?)",
        (source, not_before.isoformat(), before.isoformat()) * 2,
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def ledger_at_start(
    archive: ArchiveCore, source: str, since: date, until: date, *, stop_at_known: bool
) -> tuple[Ledger, date]:
    """The ledger a run of `source` starts from, and the first day its walk reaches back to.

    A nightly run (`stop_at_known`) also walks back to the oldest hole of the last
    REPAIR_DAYS days, so a hole left by a limited or failed run is filled once the
    outlet answers. (A crawl node asks the archive writer for this: warta/writer.py.)
    """
    walk_since = since
    if stop_at_known:
        horizon = until - timedelta(days=REPAIR_DAYS)
        oldest = oldest_hole(archive, source, horizon, since)
        walk_since = min(since, oldest or since)
    return Ledger.load(archive, source, walk_since), walk_since


def record_walk(
    archive: ArchiveCore, source: str, run_id: int, walk: Walk, *, certify: bool, settled: date
) -> None:
    """Write what a closing run walked.

    Every day of the walk gets a row. A day whose whole listing this run walked
    gets its listed URLs replaced; it becomes complete when `certify` (a normal
    night that ended ok), the day is over (`day < settled`) and every listed URL
    is archived. A day the run did not walk to its end keeps its standing, gains
    the URLs it saw, and loses "complete" if one of them is not archived.
    """
    now = utc_now()
    days = [walk.since + timedelta(days=n) for n in range((walk.until - walk.since).days + 1)]
    for section in walk.sections:
        for day in days:
            unit = (section, day)
            _record_unit(archive, source, run_id, unit, walk, certify, day < settled, now)
    for url, section, failed_day, reason in walk.failed:
        listed_day = failed_day.isoformat() if failed_day else None
        archive.conn.execute(
            "INSERT INTO coverage_failures(run_id, source, section, day, url, reason, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, source, section, listed_day, url, reason, now),
        )
    if walk.fetched:  # a listing fetched fine resolves its earlier failures
        marks = ",".join("?" * len(walk.fetched))
        archive.conn.execute(
            f"UPDATE coverage_failures SET resolved_run = ? WHERE source = ? "
            f"AND resolved_run IS NULL AND url IN ({marks})",
            (run_id, source, *walk.fetched),
        )


def _record_unit(
    archive: ArchiveCore,
    source: str,
    run_id: int,
    unit: Unit,
    walk: Walk,
    certify: bool,
    settled: bool,
    now: str,
) -> None:
    section, day = unit
    key = (source, section, day.isoformat())
    urls = walk.listed.get(unit, set())
    ended = unit in walk.ended
    conn = archive.conn
    conn.execute("INSERT OR IGNORE INTO coverage_days(source, section, day) VALUES (?, ?, ?)", key)
    if ended:
        conn.execute("DELETE FROM coverage_urls WHERE source = ? AND section = ? AND day = ?", key)
    conn.executemany(
        "INSERT OR IGNORE INTO coverage_urls(source, section, day, url) VALUES (?, ?, ?, ?)",
        ((*key, url) for url in urls),
    )
    listed, archived = _counts(conn, key)
    whole = listed == archived
    if ended:
        conn.execute(
            "UPDATE coverage_days SET walked_run = ?, walked_at = ? "
            "WHERE source = ? AND section = ? AND day = ?",
            (run_id, now, *key),
        )
    if ended and certify and settled and whole:
        conn.execute(
            "UPDATE coverage_days SET listed = ?, complete_run = ?, complete_at = ?, "
            "hole_since = NULL WHERE source = ? AND section = ? AND day = ?",
            (listed, run_id, now, *key),
        )
        return
    was_complete, walked = conn.execute(
        "SELECT complete_run IS NOT NULL, walked_run IS NOT NULL FROM coverage_days "
        "WHERE source = ? AND section = ? AND day = ?",
        key,
    ).fetchone()
    if was_complete and whole and not ended:
        return  # the run stopped above it, or met only articles it holds
    # Not complete. A hole only if something is missing: the day is over and its whole
    # listing was never walked, or it lists an article the archive lacks. A day walked
    # whole with every article archived by a run that may not certify (limited,
    # degraded…) is merely unconfirmed: the next night walks it again.
    hole = settled and not (walked and whole)
    conn.execute(
        "UPDATE coverage_days SET listed = ?, complete_run = NULL, complete_at = NULL, "
        "hole_since = CASE WHEN ? THEN coalesce(hole_since, ?) END "
        "WHERE source = ? AND section = ? AND day = ?",
        (listed, hole, now, *key),
    )


def _counts(conn: sqlite3.Connection, key: tuple[str, str, str]) -> tuple[int, int]:
    """(listed, archived) of one day's listed URLs."""
    row = conn.execute(
        "SELECT count(*), count(a.url) FROM coverage_urls u "
        "LEFT JOIN url_aliases a ON a.url = u.url "
        "WHERE u.source = ? AND u.section = ? AND u.day = ?",
        key,
    ).fetchone()
    return row[0], row[1]


class NoLedger(RuntimeError):
    """The archive predates the coverage ledger (opened read-only, not migrated yet)."""


def has_ledger(archive: ArchiveCore) -> bool:
    row = archive.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'coverage_days'"
    ).fetchone()
    return row is not None


def holes(
    archive: ArchiveCore,
    source: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
) -> list[Hole]:
    """Days (of sections) with a hole: over and seen incomplete, or with a failed listing
    not fetched since. Newest first within each source."""
    if not has_ledger(archive):
        raise NoLedger(
            f"{archive.path} has no coverage ledger yet: the next crawl adds it (schema 9)"
        )
    where, params = _range(source, day_from, day_to)
    found: dict[tuple[str, str, str], Hole] = {}
    rows = archive.conn.execute(
        "SELECT source, section, day, walked_run IS NOT NULL, hole_since FROM coverage_days "
        f"WHERE complete_run IS NULL AND hole_since IS NOT NULL {where}",
        params,
    )
    for src, section, day, walked, since in rows.fetchall():
        listed, archived = _counts(archive.conn, (src, section, day))
        found[(src, section, day)] = Hole(
            src, section, day, listed, archived, bool(walked), [], since
        )
    failures = archive.conn.execute(
        "SELECT source, section, coalesce(day, ''), url, at FROM coverage_failures "
        f"WHERE resolved_run IS NULL {where} ORDER BY id",
        params,
    )
    for src, section, day, url, at in failures.fetchall():
        hole = found.get((src, section, day))
        if hole is None:
            hole = found[(src, section, day)] = Hole(src, section, day, None, None, False, [], at)
        if url not in hole.failed_urls:
            hole.failed_urls.append(url)
        hole.since = min(filter(None, (hole.since, at)))
    return sorted(found.values(), key=lambda h: (h.source, _newest_first(h.day), h.section))


def _newest_first(day: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in day) if day else ""


def _range(source: str | None, day_from: date | None, day_to: date | None) -> tuple[str, list]:
    where, params = "", []
    if source:
        where += " AND source = ?"
        params.append(source)
    if day_from:
        where += " AND (day IS NULL OR day >= ?)"
        params.append(day_from.isoformat())
    if day_to:
        where += " AND (day IS NULL OR day <= ?)"
        params.append(day_to.isoformat())
    return where, params


def stale_holes(archive: ArchiveCore, source: str, before: str) -> list[Hole]:
    """The source's holes first seen before `before` (ISO-8601 UTC): a night has passed
    over them (the next run, or a day) and they are still there."""
    if not has_ledger(archive):
        return []
    return [hole for hole in holes(archive, source) if hole.since and hole.since < before]


def days_complete(archive: ArchiveCore, source: str) -> int:
    """How many days (of sections) of the source the ledger holds complete."""
    return archive.conn.execute(
        "SELECT count(*) FROM coverage_days WHERE source = ? AND complete_run IS NOT NULL",
        (source,),
    ).fetchone()[0]
